// Zone transfers out (docs/dns.md, "Transfers out"): the answer to an AXFR (RFC 5936)
// or IXFR (RFC 1995) request, as a lazily encoded run of messages. Checks in order:
// a served zone whose apex is the question (else NOTAUTH, RFC 5936 §2.2.1), not
// expired (SERVFAIL), the zone's allowTransfer rules (else REFUSED), an IXFR's SOA
// in the authority section (else FORMERR). Then:
//
//   AXFR                       SOA, every other record, SOA
//   IXFR, client up to date    the current SOA alone (also for a serial ahead of ours)
//   IXFR, its serial kept      SOA new, then per version: SOA old, deletions, SOA next, additions; SOA new
//   IXFR, otherwise            the AXFR answer (RFC 1995 §4), also when the differences
//                              hold more records than the zone itself
//
// Over TCP the records are packed into as few messages of at most 65535 bytes as
// they fit, the question in the first only (RFC 5936 §2.2.1; what BIND and Knot do),
// AA on every message. Over UDP an IXFR answer that fits one datagram is sent whole;
// otherwise the current SOA alone tells the client to come back over TCP (RFC 1995 §2).
// Every message goes through one signer when the request was signed (TSIG, RFC 8945
// §5.3.1): see TransferSigner.
import { RecordPacker, type PackHead } from '../../wire/dns/pack.js';
import { WireEncodeError, encodeMessage, encodeResponse } from '../../wire/dns/index.js';
import { nameKey } from '../../wire/dns/name.js';
import { Opcode, Rcode, RRClass, RRType, hasType, type DnsMessage, type ResourceRecord } from '../../wire/dns/types.js';
import type { ClientAddress } from './acl.js';
import { serialGreater } from './serial.js';
import { soaSerial, type ZoneDiff } from './zone-diff.js';
import type { ZoneSet } from './zone-set.js';
import { recordsOf, type Zone } from './zone.js';

export type TransferType = 'axfr' | 'ixfr';

/** How a transfer request ended, for outpost_dns_transfers_total{type,result}. */
export type TransferResult =
  | 'full' // the whole zone (an AXFR, or an IXFR answered AXFR-style)
  | 'incremental' // an IXFR answered with differences
  | 'up-to-date' // an IXFR from a client that has our serial (or a newer one): the SOA alone
  | 'use-tcp' // an IXFR over UDP whose answer does not fit a datagram: the SOA alone
  | 'refused' // not allowed by the zone's allowTransfer rules
  | 'not-authoritative' // no zone of ours has this apex
  | 'expired' // a secondary past its expiry
  | 'formerr'; // an IXFR without its SOA, a class other than IN

/**
 * Signs the messages of one transfer (TSIG, RFC 8945 §5.3.1): the one place a TSIG
 * signer plugs in. `reserve` bytes are left free in each message for the record
 * `sign` appends; `sign` is called once per message, in order.
 */
export interface TransferSigner {
  readonly reserve: number;
  sign(message: Buffer, last: boolean): Buffer;
}

export interface TransferContext {
  readonly zones: ZoneSet;
  readonly transport: 'udp' | 'tcp';
  readonly client: ClientAddress;
  /** The name of the TSIG key the request was verified with; undefined when unsigned. */
  readonly tsigKey?: string;
  /** UDP: bytes the response may take (the client's EDNS size and ours). */
  readonly maxBytes: number;
  /** Our UDP size (dns.udpSize), advertised in the OPT record of responses to EDNS requests. */
  readonly udpSize: number;
  readonly signer?: TransferSigner;
}

export interface TransferAnswer {
  readonly type: TransferType;
  readonly result: TransferResult;
  /** The zone's origin as served, when the question named one. */
  readonly zone?: string;
  readonly serial?: number;
  /** The serial an IXFR client has (from its authority section). */
  readonly clientSerial?: number;
  /** Records in the answer, the SOAs included. */
  readonly records: number;
  /** The response: one message over UDP and for errors, encoded one at a time as iterated. */
  readonly messages: Iterable<Buffer>;
}

const TCP_MAX_BYTES = 65535;

export function isTransferQuery(query: DnsMessage): boolean {
  if (query.flags.qr || query.flags.opcode !== Opcode.QUERY || query.questions.length !== 1) return false;
  const type = query.questions[0]!.type;
  return type === RRType.AXFR || type === RRType.IXFR;
}

/** The answer to an AXFR or IXFR request (isTransferQuery). */
export function answerTransfer(query: DnsMessage, ctx: TransferContext): TransferAnswer {
  const question = query.questions[0]!;
  const type: TransferType = question.type === RRType.AXFR ? 'axfr' : 'ixfr';
  const head = (rcode: number): PackHead => ({
    id: query.id,
    flags: { qr: true, opcode: Opcode.QUERY, aa: rcode === Rcode.NOERROR, tc: false, rd: query.flags.rd, ra: false, z: false, ad: false, cd: query.flags.cd },
    rcode,
    questions: [question],
    ...(query.edns ? { edns: { udpSize: ctx.udpSize, version: 0, do: query.edns.do, z: 0, options: [] } } : {}),
  });
  const single = (result: TransferResult, rcode: number, answers: readonly ResourceRecord[] = [], more: Partial<TransferAnswer> = {}): TransferAnswer => {
    const msg: DnsMessage = { ...head(rcode), answers, authorities: [], additionals: [] };
    const wire = ctx.transport === 'udp' ? encodeResponse(msg, ctx.maxBytes, { reserve: ctx.signer?.reserve ?? 0 }) : encodeMessage(msg);
    return { type, result, records: answers.length, ...more, messages: [ctx.signer ? ctx.signer.sign(wire, true) : wire] };
  };

  if (question.class !== RRClass.IN) return single('formerr', Rcode.FORMERR);
  const served = ctx.zones.find(question.name);
  if (!served || served.zone.originKey !== nameKey(question.name)) return single('not-authoritative', Rcode.NOTAUTH);
  const zone = served.zone;
  const about = { zone: zone.origin, serial: zone.serial };
  if (served.expired()) return single('expired', Rcode.SERVFAIL, [], about);
  if (!served.allowTransfer?.allows(ctx.client, ctx.tsigKey)) return single('refused', Rcode.REFUSED, [], about);

  let records: Iterable<ResourceRecord> = axfrRecords(zone);
  let count = zone.recordCount + 1;
  let result: TransferResult = 'full';
  if (type === 'ixfr') {
    const theirs = query.authorities.find((rr) => hasType(rr, RRType.SOA) && nameKey(rr.name) === zone.originKey);
    if (!theirs || !hasType(theirs, RRType.SOA)) return single('formerr', Rcode.FORMERR, [], about);
    const clientSerial = soaSerial(theirs);
    const ixfr = { ...about, clientSerial };
    if (clientSerial === zone.serial || serialGreater(clientSerial, zone.serial)) return single('up-to-date', Rcode.NOERROR, [zone.soa], ixfr);
    const diffs = served.history?.since(clientSerial);
    const size = diffs?.reduce((n, d) => n + d.deleted.length + d.added.length + 2, 2);
    if (diffs && size !== undefined && size <= zone.recordCount && served.history?.lastSerial === zone.serial) {
      records = ixfrRecords(zone, diffs);
      count = size;
      result = 'incremental';
    }
    if (ctx.transport === 'udp') {
      const packer = new RecordPacker(records[Symbol.iterator]());
      const buf = Buffer.allocUnsafe(Math.min(ctx.maxBytes, TCP_MAX_BYTES));
      let len = 0;
      try {
        len = packer.packInto(head(Rcode.NOERROR), buf, 0, ctx.maxBytes, { reserve: ctx.signer?.reserve ?? 0 });
      } catch (error) {
        if (!(error instanceof WireEncodeError) || error.reason !== 'too-large') throw error; // a record larger than a datagram
      }
      if (!packer.done || len === 0) return single('use-tcp', Rcode.NOERROR, [zone.soa], ixfr);
      const wire = Buffer.from(buf.subarray(0, len));
      return { type, result, records: count, ...ixfr, messages: [ctx.signer ? ctx.signer.sign(wire, true) : wire] };
    }
    return { type, result, records: count, ...ixfr, messages: packed(head(Rcode.NOERROR), records, ctx.signer) };
  }
  return { type, result, records: count, ...about, messages: packed(head(Rcode.NOERROR), records, ctx.signer) };
}

/** The records of an AXFR: the SOA, every other RRset's records, the SOA again. */
function* axfrRecords(zone: Zone): Generator<ResourceRecord> {
  yield zone.soa;
  for (const set of zone.rrsets()) {
    if (set.type === RRType.SOA && nameKey(set.name) === zone.originKey) continue;
    yield* recordsOf(set);
  }
  yield zone.soa;
}

/** The records of an incremental IXFR answer (RFC 1995 §4), one difference after the other. */
function* ixfrRecords(zone: Zone, diffs: readonly ZoneDiff[]): Generator<ResourceRecord> {
  yield zone.soa;
  for (const d of diffs) {
    yield d.from;
    yield* d.deleted;
    yield d.to;
    yield* d.added;
  }
  yield zone.soa;
}

/** The records as TCP messages of up to 65535 bytes, encoded (and signed) one at a time. */
function* packed(head: PackHead, records: Iterable<ResourceRecord>, signer: TransferSigner | undefined): Generator<Buffer> {
  const packer = new RecordPacker(records[Symbol.iterator]());
  const buf = Buffer.allocUnsafe(TCP_MAX_BYTES);
  const rest: PackHead = { ...head, questions: [] };
  for (let first = true; first || !packer.done; first = false) {
    const len = packer.packInto(first ? head : rest, buf, 0, TCP_MAX_BYTES, { reserve: signer?.reserve ?? 0 });
    const wire = Buffer.from(buf.subarray(0, len));
    yield signer ? signer.sign(wire, packer.done) : wire;
  }
}

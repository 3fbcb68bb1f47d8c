// From query bytes to answer bytes (docs/dns.md, "Answering"). A plain query (see
// query-peek.ts) whose answer was made before for this zone set is answered by
// copying that answer and patching id, flags and the client's spelling of the name;
// anything else is decoded, answered by answerQuery, encoded within its size limit,
// and — when it was a plain query — kept for the next one. The cache belongs to one
// zone set: swapping the set (a zone changed) starts an empty one. AXFR and IXFR
// requests (but an AXFR over UDP, a FORMERR) take transfer-out.ts and are never cached:
// their answer depends on who asks; over TCP it is an iterator of messages.
//
// A query signed with TSIG (RFC 8945) is verified before it is answered: verified, its
// answer is signed with the same key and never cached (a signed query is never plain);
// refused, it gets NOTAUTH with the TSIG error of §5.3.2 (FORMERR when its TSIG cannot
// be read).
//
// A DNS UPDATE (RFC 2136, update()) is routed by its zone section first: a secondary
// zone's is forwarded to the primary as received, its TSIG unchecked here (the primary
// checks it, RFC 2136 §6); a primary zone's is verified like a query, then handed to
// the UpdateHandler (which applies it in turn, journalled), and its answer signed.
import { isWireDecodeError, type WireDecodeReason } from '../../wire/errors.js';
import { decodeMessage, encodeResponse, signMessage, TsigKeyring, TsigStreamSigner, tsigErrorResponse, tsigSize, verifyMessage, type TsigFailure, type TsigKey } from '../../wire/dns/index.js';
import { patchAnswer, peekQuery, type PlainQuery } from '../../wire/dns/query-peek.js';
import { CLASSIC_UDP_BYTES, DNS_HEADER_BYTES, Rcode, RRType, type DnsMessage } from '../../wire/dns/types.js';
import { answerQuery, replyTo, type Answer, type QueryOutcome } from './answer.js';
import type { ClientAddress } from './acl.js';
import { answerTransfer, isTransferQuery, type TransferAnswer, type TransferSigner } from './transfer-out.js';
import type { ZoneSet } from './zone-set.js';
import { routeUpdate, updateResponse, type UpdateVerdict } from './update/update.js';

/** Where DNS UPDATEs go once routed (site/dns-service.ts). */
export interface UpdateHandler {
  /** A primary zone's update, its TSIG verified (tsigKey undefined: unsigned): the rcode to answer. */
  apply(zone: string, message: DnsMessage, tsigKey: string | undefined, client: ClientAddress): Promise<number>;
  /** A secondary zone's update as received, to its primary: the primary's answer, or undefined (then SERVFAIL). */
  forward(zone: string, wire: Buffer, client: ClientAddress): Promise<Buffer | undefined>;
  /** An update answered without reaching apply or forward (FORMERR, NOTAUTH, REFUSED…), for the log. */
  refused(verdict: UpdateVerdict, tsigKey: string | undefined, client: ClientAddress): void;
}

export interface ResponderOptions {
  readonly udpSize: number;
  readonly nsid?: Buffer;
  /** Answers kept per zone set at most; past it the cache starts over. */
  readonly cacheEntries?: number;
  /** TSIG keys signed queries are verified with (dns.keys); none: every signed query gets BADKEY. */
  readonly tsigKeys?: readonly TsigKey[];
  /**
   * Seconds since the epoch, for TSIG: the time check of signed queries and the time
   * signed of answers. Required with tsigKeys; without keys it only dates BADKEY answers.
   */
  readonly now?: () => number;
  /** Takes DNS UPDATEs; absent: they are answered NOTIMP. */
  readonly updates?: UpdateHandler;
}

/** How a signed query's TSIG was judged (outpost_dns_tsig_total{result}). */
export type TsigResult = 'ok' | 'badkey' | 'badsig' | 'badtime' | 'badtrunc' | 'formerr';

export class DnsCounters {
  readonly outcomes = new Map<string, number>();
  readonly decodeErrors = new Map<string, number>();
  /** Transfer requests by "type|result" (axfr|full, ixfr|incremental, ixfr|refused, …). */
  readonly transfers = new Map<string, number>();
  /** Signed queries by TsigResult. */
  readonly tsig = new Map<string, number>();
  /** DNS UPDATEs by result: the rcode's name in lower case (noerror, refused, yxdomain…), forwarded, forward-failed. */
  readonly updates = new Map<string, number>();
  cacheHits = 0;
  truncated = 0;

  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export type Transport = 'udp' | 'tcp';

/** What answers one message: nothing, one message, or (a transfer over TCP) messages encoded as they are pulled. */
export type DnsReply = Buffer | Iterator<Buffer> | undefined;

/** Rcode names by number (the first name of a shared number: BADVERS, not BADSIG). */
const RCODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Rcode).reverse().map(([name, n]) => [n, name]));

const AXFR = 252;
const IXFR = 251;

/** Outcomes that depend on more than the zone set (a secondary's expiry), never cached. */
const UNCACHEABLE: ReadonlySet<QueryOutcome> = new Set(['expired']);

const DEFAULT_CACHE_ENTRIES = 200_000;

export class DnsResponder {
  readonly counters = new DnsCounters();
  private zones: ZoneSet;
  private cache = new Map<string, Buffer>();
  private readonly cacheEntries: number;
  private readonly keyring: TsigKeyring;
  private readonly now: () => number;
  /** Told of each undecodable message (for a rate-limited log line). */
  onDecodeError?: (reason: WireDecodeReason, detail: string) => void;
  /** Told of each signed query refused (for a rate-limited log line); carries no secret. */
  onTsigFailure?: (failure: TsigFailure, transport: Transport) => void;
  /** Told of each transfer request as it is answered (a log line). */
  onTransfer?: (answer: TransferAnswer, client: ClientAddress) => void;

  constructor(zones: ZoneSet, private readonly opts: ResponderOptions) {
    this.zones = zones;
    this.cacheEntries = opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
    this.keyring = new TsigKeyring(opts.tsigKeys ?? []);
    if (this.keyring.size > 0 && opts.now === undefined) throw new Error('ResponderOptions: now is required with tsigKeys');
    this.now = opts.now ?? (() => 0);
  }

  get zoneSet(): ZoneSet {
    return this.zones;
  }

  /** Serves `zones` from now on; answers made from the old set are forgotten. */
  swap(zones: ZoneSet): void {
    this.zones = zones;
    this.cache = new Map();
  }

  /**
   * The answer to `query` received over `transport` from `client`, or undefined when
   * nothing must be sent (a response, or bytes too broken to answer). `out` (65535
   * bytes), when given, receives cached answers without allocating; the returned Buffer
   * is then a view of it. Over UDP the answer is always one Buffer.
   */
  respond(query: Buffer, transport: 'udp', out?: Buffer, client?: ClientAddress): Buffer | undefined;
  respond(query: Buffer, transport: Transport, out?: Buffer, client?: ClientAddress): DnsReply;
  respond(query: Buffer, transport: Transport, out?: Buffer, client: ClientAddress = ''): DnsReply {
    const plain = peekQuery(query);
    if (plain && plain.qtype !== AXFR && plain.qtype !== IXFR) {
      const template = this.cache.get(transport === 'udp' ? plain.key : `${plain.key}|tcp`);
      if (template) {
        this.counters.cacheHits++;
        const into = out ?? Buffer.allocUnsafe(template.length);
        return into.subarray(0, patchAnswer(template, query, plain, into));
      }
    }
    return this.answer(query, transport, plain, client);
  }

  private answer(data: Buffer, transport: Transport, plain: PlainQuery | undefined, client: ClientAddress): DnsReply {
    const message = this.decode(data);
    if (!message || Buffer.isBuffer(message)) return message;
    const ctx = { zones: this.zones, transport, udpSize: this.opts.udpSize, ...(this.opts.nsid ? { nsid: this.opts.nsid } : {}) };
    const signer = this.verify(data, message, ctx);
    if (Buffer.isBuffer(signer)) return signer;
    if (isTransferQuery(message) && !(transport === 'udp' && message.questions[0]!.type === AXFR)) return this.transfer(message, transport, client, signer);
    const answer = answerQuery(message, signer ? { ...ctx, tsigKey: signer.key.name } : ctx);
    if (!answer) return undefined;
    this.counters.count(this.counters.outcomes, answer.outcome);
    const wire = encodeResponse(answer.response, answer.maxBytes, signer ? { reserve: tsigSize(signer.key) } : {});
    if ((wire.readUInt16BE(2) & 0x0200) !== 0) this.counters.truncated++;
    if (signer) return signMessage(wire, signer.key, { now: this.now(), requestMac: signer.requestMac }).message;
    if (plain && !UNCACHEABLE.has(answer.outcome)) {
      if (this.cache.size >= this.cacheEntries) this.cache = new Map();
      // Over TCP the limit is 65535 and ANY is answered whole: answers kept apart.
      this.cache.set(transport === 'udp' ? plain.key : `${plain.key}|tcp`, wire);
    }
    return wire;
  }

  /**
   * The answer to a DNS UPDATE (opcode 5) received over `transport` from `client`:
   * undefined for a response or bytes too broken to answer.
   */
  async update(query: Buffer, transport: Transport, client: ClientAddress = ''): Promise<Buffer | undefined> {
    const data = Buffer.from(query); // kept past this turn: the receive buffer is reused
    const message = this.decode(data);
    if (!message || Buffer.isBuffer(message)) return message;
    const handler = this.opts.updates;
    if (message.flags.qr) return undefined;
    const ctx = { transport, udpSize: this.opts.udpSize };
    if (!handler) {
      this.counters.count(this.counters.updates, 'notimp');
      return encodeResponse(updateResponse(message, Rcode.NOTIMP, this.opts.udpSize), udpLimit(message, this.opts.udpSize));
    }
    const route = routeUpdate(message, (name) => this.zones.find(name));
    if (route.kind === 'forward') {
      const answer = await handler.forward(route.zone, data, client);
      this.counters.count(this.counters.updates, answer ? 'forwarded' : 'forward-failed');
      return answer ?? encodeResponse(updateResponse(message, Rcode.SERVFAIL, this.opts.udpSize), udpLimit(message, this.opts.udpSize));
    }
    const signer = this.verify(data, message, ctx);
    if (Buffer.isBuffer(signer)) return signer;
    const key = signer?.key.name;
    let rcode: number;
    if (route.kind === 'answer') {
      handler.refused(route, key, client);
      rcode = route.rcode;
    } else {
      rcode = await handler.apply(route.zone, message, key, client);
    }
    this.counters.count(this.counters.updates, (RCODE_NAMES.get(rcode) ?? String(rcode)).toLowerCase());
    const wire = encodeResponse(updateResponse(message, rcode, this.opts.udpSize), transport === 'udp' ? udpLimit(message, this.opts.udpSize) : 65535,
      signer ? { reserve: tsigSize(signer.key) } : {});
    return signer ? signMessage(wire, signer.key, { now: this.now(), requestMac: signer.requestMac }).message : wire;
  }

  /** The decoded message, or (undecodable, counted and told) the FORMERR to answer or nothing. */
  private decode(data: Buffer): DnsMessage | Buffer | undefined {
    try {
      return decodeMessage(data);
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      this.counters.count(this.counters.decodeErrors, error.reason);
      this.onDecodeError?.(error.reason, error.message);
      return formErr(data);
    }
  }

  /**
   * A signed request's TSIG checked (RFC 8945): its key and MAC to sign the answer
   * with, or — refused — the answer itself; undefined when it is not signed.
   */
  private verify(data: Buffer, message: DnsMessage, ctx: { transport: Transport; udpSize: number }): { key: TsigKey; requestMac: Buffer } | Buffer | undefined {
    if (message.flags.qr || message.additionals.at(-1)?.type !== RRType.TSIG) return undefined;
    const verdict = verifyMessage(data, this.keyring.find, { now: this.now() })!;
    this.counters.count(this.counters.tsig, verdict.ok ? 'ok' : verdict.error.toLowerCase());
    if (!verdict.ok) return this.refuse(message, ctx, verdict);
    return { key: verdict.key, requestMac: verdict.mac };
  }

  /** NOTAUTH with the TSIG of RFC 8945 §5.3.2 (BADKEY, BADSIG unsigned; BADTIME, BADTRUNC signed); FORMERR for an unreadable TSIG. */
  private refuse(query: DnsMessage, ctx: { transport: Transport; udpSize: number }, failure: TsigFailure): Buffer {
    this.onTsigFailure?.(failure, ctx.transport);
    const formerr = failure.error === 'FORMERR';
    const answer: Answer = replyTo(query, ctx, formerr ? 'formerr' : 'notauth', formerr ? Rcode.FORMERR : Rcode.NOTAUTH);
    this.counters.count(this.counters.outcomes, answer.outcome);
    const reserve = failure.key ? tsigSize(failure.key, 6) : 0;
    return tsigErrorResponse(encodeResponse(answer.response, answer.maxBytes, { reserve }), failure, { now: this.now() });
  }

  private transfer(message: DnsMessage, transport: Transport, client: ClientAddress, signed: { key: TsigKey; requestMac: Buffer } | undefined): DnsReply {
    const answer = answerTransfer(message, {
      zones: this.zones,
      transport,
      client,
      maxBytes: transport === 'udp' ? udpLimit(message, this.opts.udpSize) : 65535,
      udpSize: this.opts.udpSize,
      ...(signed ? { tsigKey: signed.key.name, signer: this.transferSigner(signed) } : {}),
    });
    this.counters.count(this.counters.transfers, `${answer.type}|${answer.result}`);
    this.onTransfer?.(answer, client);
    const messages = answer.messages[Symbol.iterator]();
    if (transport === 'tcp') return messages;
    const first = messages.next();
    return first.done ? undefined : first.value;
  }

  /** Every message of a signed request's answer signed in turn (RFC 8945 §5.3.1), bound to the request's MAC. */
  private transferSigner(signed: { key: TsigKey; requestMac: Buffer }): TransferSigner {
    const stream = new TsigStreamSigner(signed.key, { requestMac: signed.requestMac });
    return { reserve: tsigSize(signed.key), sign: (message) => stream.sign(message, { now: this.now() }) };
  }
}

/**
 * FORMERR for a query whose header could be read (RFC 1035 §4.1.1): the header alone,
 * id and opcode echoed, no sections. Nothing for a response or fewer than 12 bytes.
 */
function formErr(data: Buffer): Buffer | undefined {
  if (data.length < DNS_HEADER_BYTES || (data[2]! & 0x80) !== 0) return undefined;
  const out = Buffer.alloc(DNS_HEADER_BYTES);
  data.copy(out, 0, 0, 2);
  out[2] = 0x80 | (data[2]! & 0x78) | (data[2]! & 0x01); // QR, opcode, RD
  out[3] = Rcode.FORMERR;
  return out;
}

/** RFC 6891 §6.2.5: the client's advertised size (at least 512), capped by ours; 512 without EDNS. */
function udpLimit(query: DnsMessage, ours: number): number {
  return query.edns ? Math.min(Math.max(query.edns.udpSize, CLASSIC_UDP_BYTES), ours) : CLASSIC_UDP_BYTES;
}

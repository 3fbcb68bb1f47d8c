// A response that fits the client's limit (RFC 1035 §4.2.1, RFC 2181 §9, RFC 6891 §7,
// RFC 9471). docs/wire-dns.md "Truncation" states the rules; in short:
//
// - The header, the questions, the OPT record and a final TSIG record are always
//   written (space for the last two is set aside first); if they alone exceed the
//   limit: WireEncodeError('too-large').
// - Records go in whole RRsets (a run of adjacent records with the same owner, type and
//   class), never part of one.
// - Answer or authority RRset that does not fit: TC is set, it and everything after it
//   (authority and additional sections included) is left out.
// - Additional section: in-domain glue of a referral (A/AAAA records of the name
//   servers of an NS RRset in the authority section of a response without answers, whose
//   names are at or below the NS owner) is written first; glue that does not fit sets TC
//   (RFC 9471 §3). Any other additional RRset that does not fit is left out without TC,
//   and the next ones are still tried.
import { WireEncodeError } from '../errors.js';
import { MessageWriter } from './compression.js';
import { optLength, writeOpt } from './edns.js';
import { patchCounts, writeHeader } from './header.js';
import { MAX_MESSAGE_BYTES, checkMessage, writeRecords, type EncodeOptions } from './message.js';
import { isSubdomain, nameKey, namesEqual } from './name.js';
import { isOpaque } from './rdata.js';
import { writeQuestion, writeRecord } from './record.js';
import { DNS_HEADER_BYTES, RRType, type DnsMessage, type ResourceRecord } from './types.js';

export interface LimitOptions extends EncodeOptions {
  /** Bytes kept free after the message, for a TSIG record the caller appends when it signs (default 0). */
  readonly reserve?: number;
}

let scratch: Buffer | undefined;
let tsigScratch: Buffer | undefined;

/** The response in at most `limit` bytes, truncated by the rules above; TC is bit 0x02 of byte 2. */
export function encodeResponse(msg: DnsMessage, limit: number, opts: LimitOptions = {}): Buffer {
  const buf = (scratch ??= Buffer.allocUnsafe(MAX_MESSAGE_BYTES));
  const len = encodeResponseInto(msg, buf, 0, limit, opts);
  return Buffer.from(buf.subarray(0, len));
}

/** encodeResponse into buf at `offset`, which must have room for min(limit, 65535) bytes; returns the length. */
export function encodeResponseInto(msg: DnsMessage, buf: Buffer, offset: number, limit: number, opts: LimitOptions = {}): number {
  const reserve = opts.reserve ?? 0;
  if (!Number.isInteger(limit) || limit < DNS_HEADER_BYTES) throw new WireEncodeError('bad-value', `limit: ${String(limit)} is not an integer of at least ${DNS_HEADER_BYTES}`);
  if (!Number.isInteger(reserve) || reserve < 0) throw new WireEncodeError('bad-value', `reserve: ${String(reserve)} is not a non-negative integer`);
  const room = Math.min(limit, MAX_MESSAGE_BYTES) - reserve;
  if (room < DNS_HEADER_BYTES) throw new WireEncodeError('too-large', `limit ${limit} less reserve ${reserve} leaves no room for the header`);
  if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < room) throw new WireEncodeError('no-space', `a ${buf.length}-byte buffer at offset ${offset} cannot hold ${room} bytes`);
  const { questions, answers, authorities, additionals, edns } = checkMessage(msg);
  const end = offset + room;
  const w = new MessageWriter(buf, offset, end, opts.compress ?? true);
  const tsig = additionals.length > 0 && additionals[additionals.length - 1]!.type === RRType.TSIG ? additionals.length - 1 : -1;
  const tail = (edns === undefined ? 0 : optLength(edns)) + (tsig < 0 ? 0 : uncompressedLength(additionals[tsig]!, tsig));

  writeHeader(w, msg.id, msg.flags, msg.rcode & 0x0f, [0, 0, 0, 0]);
  w.limit = end - tail;
  try {
    if (w.limit < w.pos) w.room(1);
    for (let i = 0; i < questions.length; i++) {
      w.at('questions', i);
      writeQuestion(w, questions[i]!);
    }
  } catch (err) {
    if (err instanceof WireEncodeError && err.reason === 'no-space') {
      throw new WireEncodeError('too-large', `the header, questions, OPT and TSIG records alone exceed ${room} bytes`);
    }
    throw err;
  }

  let tc = false;
  let an = 0;
  let ns = 0;
  let ar = 0;
  for (const [s, e] of rrsets(answers, 0, answers.length)) {
    if (!tryWrite(w, 'answers', answers, s, e)) {
      tc = true;
      break;
    }
    an += e - s;
  }
  if (!tc) {
    for (const [s, e] of rrsets(authorities, 0, authorities.length)) {
      if (!tryWrite(w, 'authorities', authorities, s, e)) {
        tc = true;
        break;
      }
      ns += e - s;
    }
  }
  if (!tc) {
    const glue = requiredGlue(msg);
    const sets = rrsets(additionals, 0, tsig < 0 ? additionals.length : tsig);
    const isGlue = ([s]: readonly [number, number]) => {
      const rr = additionals[s]!;
      return (rr.type === RRType.A || rr.type === RRType.AAAA) && glue.has(nameKey(rr.name));
    };
    for (const set of sets.filter(isGlue)) {
      if (!tryWrite(w, 'additionals', additionals, set[0], set[1])) {
        tc = true;
        break;
      }
      ar += set[1] - set[0];
    }
    if (!tc) for (const set of sets.filter((x) => !isGlue(x))) if (tryWrite(w, 'additionals', additionals, set[0], set[1])) ar += set[1] - set[0];
  }

  w.limit = end;
  if (edns !== undefined) writeOpt(w, edns, msg.rcode >>> 4);
  if (tsig >= 0) writeRecords(w, 'additionals', additionals, tsig, tsig + 1);
  patchCounts(buf, offset, questions.length, an, ns, ar + (edns === undefined ? 0 : 1) + (tsig < 0 ? 0 : 1));
  if (tc) buf[offset + 2] = buf[offset + 2]! | 0x02;
  return w.pos - offset;
}

/** Writes list[s, e) whole, or nothing (false) when it does not fit. */
function tryWrite(w: MessageWriter, section: string, list: readonly ResourceRecord[], s: number, e: number): boolean {
  const mark = w.mark();
  try {
    writeRecords(w, section, list, s, e);
    return true;
  } catch (err) {
    if (!(err instanceof WireEncodeError) || err.reason !== 'no-space') throw err;
    w.rollback(mark);
    return false;
  }
}

/** [start, end) of each run of adjacent records with the same owner (case-insensitive), type and class. */
function rrsets(list: readonly ResourceRecord[], from: number, to: number): (readonly [number, number])[] {
  const out: (readonly [number, number])[] = [];
  let s = from;
  for (let i = from + 1; i <= to; i++) {
    if (i === to || !sameRRset(list[s]!, list[i]!)) {
      out.push([s, i]);
      s = i;
    }
  }
  return out;
}

function sameRRset(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && a.class === b.class && typeof a.name === 'string' && typeof b.name === 'string' && namesEqual(a.name, b.name);
}

/** Name keys of in-domain name servers of a referral (RFC 9471): their A/AAAA glue must fit or TC is set. */
function requiredGlue(msg: DnsMessage): Set<string> {
  const out = new Set<string>();
  if (msg.answers.length > 0) return out;
  for (const rr of msg.authorities) {
    if (rr.type !== RRType.NS || isOpaque(rr.data)) continue;
    const host = (rr.data as { host?: unknown }).host;
    if (typeof host === 'string' && typeof rr.name === 'string' && isSubdomain(host, rr.name)) out.add(nameKey(host));
  }
  return out;
}

/** The record's length written without compression (an upper bound of its compressed length). */
function uncompressedLength(rr: ResourceRecord, index: number): number {
  const w = new MessageWriter((tsigScratch ??= Buffer.allocUnsafe(MAX_MESSAGE_BYTES)), 0, MAX_MESSAGE_BYTES, false);
  w.at('additionals', index);
  writeRecord(w, rr);
  return w.pos;
}

// Whole DNS messages (RFC 1035 §4.1) ↔ DnsMessage. Decode reads the header, the four
// sections and lifts the OPT record into `edns`; encode writes them back with
// message-wide name compression (compression.ts), the OPT record last in the
// additional section but before a TSIG record. Input and output are one message
// without the 2-byte length prefix of TCP.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import type { Codec } from '../codec.js';
import { MessageWriter } from './compression.js';
import { readOpt, writeOpt } from './edns.js';
import { decodeHeader, writeHeader } from './header.js';
import { readQuestion, readRecordData, readRecordHead, writeQuestion, writeRecord } from './record.js';
import { DNS_HEADER_BYTES, RRType, type DnsMessage, type Edns, type Question, type ResourceRecord } from './types.js';

/** The largest DNS message (the TCP length prefix is 16 bits; RFC 1035 §4.2.2). */
export const MAX_MESSAGE_BYTES = 65535;

const SECTIONS = ['answers', 'authorities', 'additionals'] as const;
const COUNT_NAMES = ['ANCOUNT', 'NSCOUNT', 'ARCOUNT'] as const;

/**
 * Decodes one message. Throws WireDecodeError (docs/wire-dns.md lists every reason)
 * and nothing else. Buffers in the result (character strings, opaque RDATA, MACs,
 * EDNS option data) are views into `buf`: do not reuse it while the message is in use.
 */
export function decodeMessage(buf: Buffer): DnsMessage {
  const end = buf.length;
  if (end > MAX_MESSAGE_BYTES) throw new WireDecodeError('oversized', MAX_MESSAGE_BYTES, `message of ${end} bytes (at most ${MAX_MESSAGE_BYTES})`);
  const h = decodeHeader(buf);
  const r = new WireReader(buf, DNS_HEADER_BYTES, end, 'truncated');
  const questions: Question[] = [];
  for (let i = 0; i < h.qdcount; i++) {
    if (r.pos === end) throw countOverrun(r.pos, 'QDCOUNT', h.qdcount, i);
    questions.push(readQuestion(r));
  }
  const counts = [h.ancount, h.nscount, h.arcount] as const;
  const sections: ResourceRecord[][] = [[], [], []];
  let edns: Edns | undefined;
  let extendedRcode = 0;
  for (let s = 0; s < 3; s++) {
    const count = counts[s]!;
    const out = sections[s]!;
    for (let i = 0; i < count; i++) {
      if (r.pos === end) throw countOverrun(r.pos, COUNT_NAMES[s]!, count, i);
      const rec = readRecordHead(r);
      if (rec.type === RRType.OPT) {
        if (s !== 2) throw new WireDecodeError('bad-opt', rec.start, `OPT record in the ${SECTIONS[s]} section`);
        if (rec.name !== '.') throw new WireDecodeError('bad-opt', rec.start, `OPT record owned by "${rec.name}", not the root`);
        if (edns !== undefined) throw new WireDecodeError('multiple-opt', rec.start, 'a second OPT record');
        ({ edns, extendedRcode } = readOpt(buf, rec.class, rec.ttl, rec.rdStart, rec.rdEnd));
        continue;
      }
      if (rec.type === RRType.TSIG && (s !== 2 || i !== count - 1)) {
        throw new WireDecodeError('misplaced-tsig', rec.start, s !== 2 ? `TSIG record in the ${SECTIONS[s]} section` : `TSIG record ${i + 1} of ${count} additional records`);
      }
      out.push({ name: rec.name, type: rec.type, class: rec.class, ttl: rec.ttl, data: readRecordData(buf, rec) });
    }
  }
  if (r.pos !== end) throw new WireDecodeError('trailing-data', r.pos, `${end - r.pos} bytes after the last record`);
  const rcode = h.rcode | (extendedRcode << 4);
  const [answers, authorities, additionals] = sections as [ResourceRecord[], ResourceRecord[], ResourceRecord[]];
  // Two literals, not a spread: spreading into a new object literal costs V8 ~2 µs here.
  if (edns === undefined) return { id: h.id, flags: h.flags, rcode, questions, answers, authorities, additionals };
  return { id: h.id, flags: h.flags, rcode, questions, answers, authorities, additionals, edns };
}

function countOverrun(at: number, field: string, count: number, found: number): WireDecodeError {
  return new WireDecodeError('count-overrun', at, `${field} is ${count} but the message ends after ${found}`);
}

export interface EncodeOptions {
  /** Compress names (default true). */
  readonly compress?: boolean;
}

let scratch: Buffer | undefined;

/** Writes the whole message through `w`, which starts at the message start. */
export function writeMessage(w: MessageWriter, msg: DnsMessage): void {
  const { questions, additionals, edns } = checkMessage(msg);
  const tsigLast = additionals.length > 0 && additionals[additionals.length - 1]!.type === RRType.TSIG;
  writeHeader(w, msg.id, msg.flags, msg.rcode & 0x0f, [
    questions.length, msg.answers.length, msg.authorities.length, additionals.length + (edns === undefined ? 0 : 1),
  ]);
  for (let i = 0; i < questions.length; i++) {
    w.at('questions', i);
    writeQuestion(w, questions[i]!);
  }
  writeRecords(w, 'answers', msg.answers, 0, msg.answers.length);
  writeRecords(w, 'authorities', msg.authorities, 0, msg.authorities.length);
  const plain = tsigLast ? additionals.length - 1 : additionals.length;
  writeRecords(w, 'additionals', additionals, 0, plain);
  if (edns !== undefined) writeOpt(w, edns, msg.rcode >>> 4);
  if (tsigLast) writeRecords(w, 'additionals', additionals, plain, additionals.length);
}

export function writeRecords(w: MessageWriter, section: string, list: readonly ResourceRecord[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    w.at(section, i);
    writeRecord(w, list[i]!);
  }
}

/** Checks what the header and section placement need; the records themselves are checked as they are written. */
export function checkMessage(msg: DnsMessage): DnsMessage {
  if (typeof msg !== 'object' || msg === null) throw new WireEncodeError('bad-value', 'message: not an object');
  const hasEdns = msg.edns !== undefined;
  const maxRcode = hasEdns ? 0xfff : 0xf;
  if (!Number.isInteger(msg.rcode) || msg.rcode < 0 || msg.rcode > maxRcode) {
    throw new WireEncodeError('bad-value', `rcode: ${String(msg.rcode)} is not an integer in 0..${maxRcode}${hasEdns ? '' : ' (codes above 15 need edns)'}`);
  }
  for (const s of ['questions', ...SECTIONS] as const) {
    const list = msg[s];
    if (!Array.isArray(list)) throw new WireEncodeError('bad-value', `${s}: not an array`);
    const n = list.length + (s === 'additionals' && hasEdns ? 1 : 0);
    if (n > 0xffff) throw new WireEncodeError('too-large', `${s}: ${n} entries (a count holds at most 65535)`);
    if (s === 'questions') continue;
    for (let i = 0; i < list.length; i++) {
      const rr = list[i] as ResourceRecord | undefined;
      if (rr?.type === RRType.TSIG && (s !== 'additionals' || i !== list.length - 1)) {
        throw new WireEncodeError('bad-value', `${s}[${i}].type: a TSIG record must be the last additional record (RFC 8945 §5.1)`);
      }
    }
  }
  return msg;
}

function encodeTo(msg: DnsMessage, buf: Buffer, offset: number, end: number, compress: boolean): number {
  const w = new MessageWriter(buf, offset, end, compress);
  try {
    writeMessage(w, msg);
  } catch (err) {
    if (err instanceof WireEncodeError && err.reason === 'no-space' && end - offset === MAX_MESSAGE_BYTES) {
      throw new WireEncodeError('too-large', `message over ${MAX_MESSAGE_BYTES} bytes`);
    }
    throw err;
  }
  return w.pos - offset;
}

function scratchBuffer(): Buffer {
  return (scratch ??= Buffer.allocUnsafe(MAX_MESSAGE_BYTES));
}

/** The message's wire bytes in a new Buffer. Throws WireEncodeError. */
export function encodeMessage(msg: DnsMessage, opts: EncodeOptions = {}): Buffer {
  const buf = scratchBuffer();
  const len = encodeTo(msg, buf, 0, MAX_MESSAGE_BYTES, opts.compress ?? true);
  return Buffer.from(buf.subarray(0, len));
}

/**
 * Writes the message into buf at `offset` (pointers count from there) and returns its
 * length: the hot path, no allocation but the compression map. Throws
 * WireEncodeError('no-space') when buf is too small.
 */
export function encodeInto(msg: DnsMessage, buf: Buffer, offset = 0, opts: EncodeOptions = {}): number {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) throw new RangeError(`encodeInto: offset ${offset} outside a ${buf.length}-byte buffer`);
  return encodeTo(msg, buf, offset, Math.min(buf.length, offset + MAX_MESSAGE_BYTES), opts.compress ?? true);
}

/** What encodeMessage(msg, opts) produces, in bytes (compression makes it an encode into scratch space). */
export function encodingLength(msg: DnsMessage, opts: EncodeOptions = {}): number {
  return encodeTo(msg, scratchBuffer(), 0, MAX_MESSAGE_BYTES, opts.compress ?? true);
}

/** The one codec shape (src/wire/codec.ts), compressing names. */
export const dnsMessage: Codec<DnsMessage> = {
  encode: (msg) => encodeMessage(msg),
  decode: decodeMessage,
  encodingLength: (msg) => encodingLength(msg),
};

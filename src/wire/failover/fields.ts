// The field types every failover body is made of: big-endian integers, u64 times,
// u16-length UTF-8 strings of at most 255 bytes and fixed-size byte strings (nonces,
// proofs, the config hash). Readers go through a WireReader whose overrun reason is
// 'truncated'; a length from the wire is checked against the bytes left before use.
import { isUtf8 } from 'node:buffer';
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import { WireWriter, checkUint } from '../writer.js';

/** Longest string on the wire, in UTF-8 bytes. */
export const MAX_STRING_BYTES = 255;
/** Longest string of a lease (client key, hardware address, host name): what the lease stores accept, 1024 UTF-16 units. */
export const MAX_LEASE_STRING_BYTES = 3072;
/** u16 length prefix of a string. */
export const STRING_PREFIX_BYTES = 2;
/** A u64 time: milliseconds since the Unix epoch, at most Number.MAX_SAFE_INTEGER. */
export const TIME_BYTES = 8;

const TWO_32 = 0x1_0000_0000;
/** Highest high word of a time that stays within Number.MAX_SAFE_INTEGER (2^53 − 1). */
const MAX_TIME_HIGH = 0x1f_ffff;

/** A reader over a whole message body, whose overruns are 'truncated'. */
export function bodyReader(body: Buffer): WireReader {
  return new WireReader(body, 0, body.length, 'truncated');
}

/** Refuses a body that goes on after its last field. */
export function expectEnd(r: WireReader, what: string): void {
  if (r.remaining !== 0) throw new WireDecodeError('trailing-bytes', r.pos, `${what}: ${r.remaining} bytes after the last field`);
}

function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Wire bytes of a string field (prefix included). Throws WireEncodeError for a string that cannot go on the wire. */
export function stringLength(s: string, what: string, max = MAX_STRING_BYTES): number {
  if (typeof s !== 'string') throw new WireEncodeError('bad-value', `${what} must be a string (got ${typeof s})`);
  if (!wellFormed(s)) throw new WireEncodeError('bad-value', `${what} holds an unpaired UTF-16 surrogate (not representable in UTF-8)`);
  const n = Buffer.byteLength(s, 'utf8');
  if (n > max) throw new WireEncodeError('too-long', `${what} is ${n} bytes in UTF-8, at most ${max}`);
  return STRING_PREFIX_BYTES + n;
}

export function writeString(w: WireWriter, s: string, what: string, max = MAX_STRING_BYTES): void {
  const n = stringLength(s, what, max) - STRING_PREFIX_BYTES;
  w.u16(n);
  if (w.end - w.pos < n) throw new WireEncodeError('no-space', `${what}: needs ${n} bytes at ${w.pos}, ${w.end - w.pos} left`);
  w.pos += w.buf.write(s, w.pos, n, 'utf8');
}

export function readString(r: WireReader, what: string, max = MAX_STRING_BYTES): string {
  const at = r.pos;
  const n = r.u16(`${what} length`);
  if (n > r.remaining) throw new WireDecodeError('string-overrun', at, `${what}: length ${n}, ${r.remaining} bytes left in the body`);
  if (n > max) throw new WireDecodeError('bad-string', at, `${what}: ${n} bytes, at most ${max}`);
  const bytes = r.bytes(n, what);
  if (!isUtf8(bytes)) throw new WireDecodeError('bad-string', at + STRING_PREFIX_BYTES, `${what}: not valid UTF-8`);
  return bytes.toString('utf8');
}

/** Throws unless v is a time the wire can carry: an integer in 0..Number.MAX_SAFE_INTEGER. */
export function checkTime(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new WireEncodeError('bad-value', `${what}: ${String(v)} is not an integer number of ms in 0..${Number.MAX_SAFE_INTEGER}`);
  return v;
}

export function writeTime(w: WireWriter, v: number, what: string): void {
  checkTime(v, what);
  w.u32(Math.floor(v / TWO_32));
  w.u32(v % TWO_32);
}

export function readTime(r: WireReader, what: string): number {
  const at = r.pos;
  r.need(TIME_BYTES, what);
  const high = r.u32(what);
  const low = r.u32(what);
  if (high > MAX_TIME_HIGH) throw new WireDecodeError('bad-time', at, `${what}: 0x${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')} is above Number.MAX_SAFE_INTEGER`);
  return high * TWO_32 + low;
}

export function writeU16(w: WireWriter, v: number, what: string): void {
  w.u16(checkUint(v, 0xffff, what));
}

export function writeU32(w: WireWriter, v: number, what: string): void {
  w.u32(checkUint(v, 0xffff_ffff, what));
}

/** Throws unless b is a Buffer of exactly n bytes. */
export function checkFixed(b: Buffer, n: number, what: string): Buffer {
  if (!Buffer.isBuffer(b) || b.length !== n) throw new WireEncodeError('bad-value', `${what} must be ${n} bytes (got ${Buffer.isBuffer(b) ? b.length : typeof b})`);
  return b;
}

export function writeFixed(w: WireWriter, b: Buffer, n: number, what: string): void {
  w.bytes(checkFixed(b, n, what));
}

/** A copy (not a view of the frame) of the next n bytes: nonces and proofs outlive the frame. */
export function readFixed(r: WireReader, n: number, what: string): Buffer {
  return Buffer.from(r.bytes(n, what));
}

/** Longest message body a frame carries: 4 MiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Most entries a u16 count can announce. */
export const MAX_COUNT = 0xffff;

/**
 * A body codec from its three parts: encode refuses a body over MAX_BODY_BYTES before
 * allocating it, decode refuses bytes after the last field.
 */
export function bodyCodec<T>(what: string, length: (v: T) => number, write: (w: WireWriter, v: T) => void, read: (r: WireReader) => T): Codec<T> {
  return {
    encode(v) {
      const n = length(v);
      if (n > MAX_BODY_BYTES) throw new WireEncodeError('too-large', `${what} body of ${n} bytes, at most ${MAX_BODY_BYTES} (send fewer leases per message)`);
      const out = Buffer.alloc(n);
      const w = new WireWriter(out);
      write(w, v);
      if (w.pos !== n) throw new Error(`${what}: wrote ${w.pos} bytes, encodingLength said ${n}`);
      return out;
    },
    decode(data) {
      const r = bodyReader(data);
      const v = read(r);
      expectEnd(r, what);
      return v;
    },
    encodingLength: length,
  };
}

/** Reads a u16 count of entries of at least minEntry bytes each, refusing one the rest of the body cannot hold. */
export function readCount(r: WireReader, minEntry: number, what: string): number {
  const at = r.pos;
  const count = r.u16(`${what} count`);
  if (count * minEntry > r.remaining) throw new WireDecodeError('bad-count', at, `${what}: count ${count} needs at least ${count * minEntry} bytes, ${r.remaining} left`);
  return count;
}

/** Throws unless a list's length fits a u16 count. */
export function checkCount(n: number, what: string): number {
  if (n > MAX_COUNT) throw new WireEncodeError('too-large', `${what}: ${n} entries, at most ${MAX_COUNT} in one message`);
  return n;
}

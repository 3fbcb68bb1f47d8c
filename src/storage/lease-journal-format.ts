// The on-disk format of the DHCPv4 lease journal and its snapshots (docs/lease-store.md):
// a file header, then frames; a frame is one group commit (or one snapshot chunk) and
// carries a CRC32 over its header and one over its body; the body is a run of records.
// All integers little-endian. Readers trust no length: every read is bounds-checked and
// throws a FormatError naming the offset and the reason.
import zlib from 'node:zlib';
import { STORED_STATES, leaseProblem, makeLease } from '../protocol/dhcp/memory-lease-store.js';
import type { Lease, LeaseState } from '../protocol/dhcp/lease.js';

export const FORMAT_VERSION = 1;
export const FILE_MAGIC = Buffer.from('OPLEASE4', 'latin1');
export const FILE_HEADER_LENGTH = 32;
export const FRAME_MAGIC = Buffer.from('LFRM', 'latin1');
const FRAME_MAGIC_U32 = FRAME_MAGIC.readUInt32LE(0);
export const FRAME_HEADER_LENGTH = 28;
/** No frame body is ever longer: a writer's batch limit is at most this, a reader refuses more. */
export const MAX_FRAME_BODY = 16 * 1024 * 1024;

export type FileKind = 'journal' | 'snapshot';
const KIND_CODE: Record<FileKind, number> = { journal: 1, snapshot: 2 };

export const RECORD_PUT = 1;
export const RECORD_REMOVE = 2;
export const RECORD_END = 3;
const RECORD_HEADER = 4;
const FLAG_CLIENT_INDEXED = 1;
const FLAG_HOSTNAME = 2;
const FLAG_PARTNER_EXPIRY = 4;
const PUT_FIXED = 4 + 4 + 1 + 8 + 8 + 2 + 1 + 8; // address, subnet, state, started, expires, key length, hw length, [partner expiry]

const STATE_CODE: Record<string, number> = { bound: 1, released: 2, expired: 3, declined: 4 };
const CODE_STATE: readonly (LeaseState | undefined)[] = [undefined, 'bound', 'released', 'expired', 'declined'];
if (STORED_STATES.some((s) => STATE_CODE[s] === undefined)) throw new Error('lease-journal-format: a stored state has no code');

/** A malformed file, header, frame or record: where and why. */
export class FormatError extends Error {
  constructor(readonly offset: number, readonly reason: string) {
    super(`at offset ${offset}: ${reason}`);
    this.name = 'FormatError';
  }
}

// CRC32 (IEEE): node:zlib has it from Node 20.15; a table-driven fallback otherwise.
let table: Uint32Array | undefined;
function crc32Fallback(buf: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
export const crc32: (buf: Uint8Array) => number = typeof zcrc === 'function' ? (b) => zcrc(b) >>> 0 : crc32Fallback;

// ---- file header ----------------------------------------------------------------
//  0 magic "OPLEASE4" · 8 version u16 · 10 kind u8 · 11 zero · 12 generation u32 ·
// 16 created (ms) f64 · 24 zero u32 · 28 CRC32 of bytes 0..27

export interface FileHeader {
  readonly kind: FileKind;
  readonly generation: number;
  readonly createdAt: number;
}

export function encodeFileHeader(h: FileHeader): Buffer {
  const b = Buffer.alloc(FILE_HEADER_LENGTH);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt8(KIND_CODE[h.kind], 10);
  b.writeUInt32LE(h.generation, 12);
  b.writeDoubleLE(h.createdAt, 16);
  b.writeUInt32LE(crc32(b.subarray(0, 28)), 28);
  return b;
}

/** An unsupported format version is its own error: the file may be fine, this build is too old. */
export class UnsupportedVersionError extends FormatError {}

export function decodeFileHeader(b: Buffer): FileHeader {
  if (b.length < FILE_HEADER_LENGTH) throw new FormatError(0, `file is ${b.length} bytes long, shorter than its ${FILE_HEADER_LENGTH}-byte header`);
  if (!b.subarray(0, 8).equals(FILE_MAGIC)) throw new FormatError(0, `not an Outpost lease file: magic is ${JSON.stringify(b.subarray(0, 8).toString('latin1'))}, expected "OPLEASE4"`);
  const version = b.readUInt16LE(8);
  const stored = b.readUInt32LE(28);
  const computed = crc32(b.subarray(0, 28));
  if (stored !== computed) throw new FormatError(0, `file header CRC mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  if (version !== FORMAT_VERSION) throw new UnsupportedVersionError(8, `format version ${version}; this build reads version ${FORMAT_VERSION} only`);
  const k = b.readUInt8(10);
  const kind = k === 1 ? 'journal' : k === 2 ? 'snapshot' : undefined;
  if (!kind) throw new FormatError(10, `unknown file kind ${k}`);
  return { kind, generation: b.readUInt32LE(12), createdAt: b.readDoubleLE(16) };
}

// ---- frames ---------------------------------------------------------------------
//  0 "LFRM" · 4 generation u32 · 8 seq u32 · 12 body length u32 · 16 records u32 ·
// 20 body CRC32 · 24 CRC32 of bytes 0..23 · 28 body

export interface FrameHeader {
  readonly generation: number;
  readonly seq: number;
  readonly bodyLength: number;
  readonly records: number;
  readonly bodyCrc: number;
}

/** Fills the frame header in place in the first FRAME_HEADER_LENGTH bytes of `buf`, whose body follows. */
export function sealFrame(buf: Buffer, bodyLength: number, generation: number, seq: number, records: number): void {
  buf.writeUInt32LE(FRAME_MAGIC_U32, 0);
  buf.writeUInt32LE(generation, 4);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(bodyLength, 12);
  buf.writeUInt32LE(records, 16);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_HEADER_LENGTH, FRAME_HEADER_LENGTH + bodyLength)), 20);
  buf.writeUInt32LE(crc32(buf.subarray(0, 24)), 24);
}

/** Decodes and checks a frame header at `offset` of the file (`b` holds its 28 bytes). */
export function decodeFrameHeader(b: Buffer, offset: number): FrameHeader {
  if (b.length < FRAME_HEADER_LENGTH) throw new FormatError(offset, `frame header cut short: ${b.length} of ${FRAME_HEADER_LENGTH} bytes`);
  const magic = b.readUInt32LE(0);
  if (magic !== FRAME_MAGIC_U32) throw new FormatError(offset, `no frame here: magic ${hex(magic)}, expected ${hex(FRAME_MAGIC_U32)} ("LFRM")`);
  const stored = b.readUInt32LE(24);
  const computed = crc32(b.subarray(0, 24));
  if (stored !== computed) throw new FormatError(offset, `frame header CRC mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  const bodyLength = b.readUInt32LE(12);
  if (bodyLength > MAX_FRAME_BODY) throw new FormatError(offset, `frame body length ${bodyLength} exceeds the maximum ${MAX_FRAME_BODY}`);
  return { generation: b.readUInt32LE(4), seq: b.readUInt32LE(8), bodyLength, records: b.readUInt32LE(16), bodyCrc: b.readUInt32LE(20) };
}

export function checkFrameBody(h: FrameHeader, body: Buffer, offset: number): void {
  const computed = crc32(body);
  if (computed !== h.bodyCrc) throw new FormatError(offset + FRAME_HEADER_LENGTH, `frame body CRC mismatch (stored ${hex(h.bodyCrc)}, computed ${hex(computed)}; frame seq ${h.seq}, ${h.records} records, ${h.bodyLength} bytes)`);
}

// ---- records --------------------------------------------------------------------
//  0 type u8 · 1 flags u8 · 2 payload length u16 · 4 payload
//  put:    address u32 · subnet u32 · state u8 · startedAt f64 · expiresAt f64 ·
//          key length u16 · key (UTF-8) · hw length u8 · hw (UTF-8) · [host length u16 · host] ·
//          [partnerExpiry f64 (failover)]
//  remove: address u32
//  end:    lease count u32 (the last record of a snapshot)

/** Upper bound of a put record's encoded length (3 UTF-8 bytes per UTF-16 unit at most). */
export function maxPutLength(l: Lease): number {
  return RECORD_HEADER + PUT_FIXED + 2 + 3 * (l.clientKey.length + l.hwAddress.length + (l.hostname?.length ?? 0));
}
export const REMOVE_LENGTH = RECORD_HEADER + 4;
export const END_LENGTH = RECORD_HEADER + 4;

/** Encodes a put record at `off` (room for maxPutLength must be there); returns the offset after it. */
export function writePut(buf: Buffer, off: number, l: Lease, clientIndexed: boolean): number {
  let p = off + RECORD_HEADER;
  buf.writeUInt32LE(l.address, p); p += 4;
  buf.writeUInt32LE(l.subnetId, p); p += 4;
  buf[p++] = STATE_CODE[l.state]!;
  buf.writeDoubleLE(l.startedAt, p); p += 8;
  buf.writeDoubleLE(l.expiresAt, p); p += 8;
  const kl = buf.write(l.clientKey, p + 2, 'utf8');
  buf.writeUInt16LE(kl, p); p += 2 + kl;
  const hl = buf.write(l.hwAddress, p + 1, 'utf8');
  buf[p] = hl; p += 1 + hl;
  let flags = clientIndexed ? FLAG_CLIENT_INDEXED : 0;
  if (l.hostname !== undefined) {
    flags |= FLAG_HOSTNAME;
    const nl = buf.write(l.hostname, p + 2, 'utf8');
    buf.writeUInt16LE(nl, p); p += 2 + nl;
  }
  if (l.partnerExpiry !== undefined) {
    flags |= FLAG_PARTNER_EXPIRY;
    buf.writeDoubleLE(l.partnerExpiry, p); p += 8;
  }
  buf[off] = RECORD_PUT;
  buf[off + 1] = flags;
  buf.writeUInt16LE(p - off - RECORD_HEADER, off + 2);
  return p;
}

export function writeRemove(buf: Buffer, off: number, address: number): number {
  buf[off] = RECORD_REMOVE;
  buf[off + 1] = 0;
  buf.writeUInt16LE(4, off + 2);
  buf.writeUInt32LE(address, off + 4);
  return off + REMOVE_LENGTH;
}

export function writeEnd(buf: Buffer, off: number, leases: number): number {
  buf[off] = RECORD_END;
  buf[off + 1] = 0;
  buf.writeUInt16LE(4, off + 2);
  buf.writeUInt32LE(leases, off + 4);
  return off + END_LENGTH;
}

export type JournalRecord =
  | { readonly type: 'put'; readonly lease: Lease; readonly clientIndexed: boolean }
  | { readonly type: 'remove'; readonly address: number }
  | { readonly type: 'end'; readonly leases: number };

/**
 * Decodes every record of a CRC-checked frame body. `base` is the body's offset in
 * the file, for error messages. Throws FormatError on anything out of place: a CRC
 * that matches does not make a record trustworthy (a buggy or newer writer).
 */
export function decodeRecords(body: Buffer, base: number, expected: number, each: (r: JournalRecord) => void): void {
  let p = 0;
  let n = 0;
  while (p < body.length) {
    const at = base + p;
    if (body.length - p < RECORD_HEADER) throw new FormatError(at, `record header cut short: ${body.length - p} bytes left in the frame`);
    const type = body[p]!;
    const flags = body[p + 1]!;
    const len = body.readUInt16LE(p + 2);
    const start = p + RECORD_HEADER;
    const end = start + len;
    if (end > body.length) throw new FormatError(at, `record of ${len} bytes runs past the end of its frame (${body.length - start} bytes left)`);
    const r = new Reader(body, start, end, base);
    if (type === RECORD_PUT) {
      const address = r.u32();
      const subnetId = r.u32();
      const sc = r.u8();
      const state = CODE_STATE[sc];
      if (!state) throw new FormatError(base + start + 8, `unknown lease state code ${sc}`);
      const startedAt = r.f64();
      const expiresAt = r.f64();
      const clientKey = r.str(r.u16());
      const hwAddress = r.str(r.u8());
      const hostname = flags & FLAG_HOSTNAME ? r.str(r.u16()) : undefined;
      const partnerExpiry = flags & FLAG_PARTNER_EXPIRY ? r.f64() : undefined;
      r.done('put');
      // The same shape as makeLease (one hidden class for every stored lease), built once.
      const lease: Lease = partnerExpiry !== undefined
        ? makeLease({ address, subnetId, clientKey, hwAddress, state, startedAt, expiresAt, ...(hostname === undefined ? {} : { hostname }), partnerExpiry })
        : hostname === undefined
          ? Object.freeze({ address, subnetId, clientKey, hwAddress, state, startedAt, expiresAt })
          : Object.freeze({ address, subnetId, clientKey, hwAddress, state, startedAt, expiresAt, hostname });
      const problem = leaseProblem(lease);
      if (problem) throw new FormatError(at, `put record holds an unstorable lease: ${problem}`);
      each({ type: 'put', lease, clientIndexed: (flags & FLAG_CLIENT_INDEXED) !== 0 });
    } else if (type === RECORD_REMOVE) {
      const address = r.u32();
      r.done('remove');
      each({ type: 'remove', address });
    } else if (type === RECORD_END) {
      const leases = r.u32();
      r.done('end');
      each({ type: 'end', leases });
    } else {
      throw new FormatError(at, `unknown record type ${type}`);
    }
    p = end;
    n++;
  }
  if (n !== expected) throw new FormatError(base, `frame says ${expected} records, its body holds ${n}`);
}

class Reader {
  constructor(private readonly b: Buffer, private p: number, private readonly end: number, private readonly base: number) {}
  private need(n: number, what: string): void {
    if (this.p + n > this.end) throw new FormatError(this.base + this.p, `record cut short reading ${what}: needs ${n} bytes, ${this.end - this.p} left`);
  }
  u8(): number { this.need(1, 'u8'); return this.b[this.p++]!; }
  u16(): number { this.need(2, 'u16'); const v = this.b.readUInt16LE(this.p); this.p += 2; return v; }
  u32(): number { this.need(4, 'u32'); const v = this.b.readUInt32LE(this.p); this.p += 4; return v; }
  f64(): number {
    this.need(8, 'f64');
    const v = this.b.readDoubleLE(this.p);
    if (!Number.isFinite(v)) throw new FormatError(this.base + this.p, `time is not a finite number (${v})`);
    this.p += 8;
    return v;
  }
  str(n: number): string {
    this.need(n, `a ${n}-byte string`);
    const s = this.b.toString('utf8', this.p, this.p + n);
    this.p += n;
    return s;
  }
  done(what: string): void {
    if (this.p !== this.end) throw new FormatError(this.base + this.p, `${what} record has ${this.end - this.p} unexpected trailing bytes`);
  }
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

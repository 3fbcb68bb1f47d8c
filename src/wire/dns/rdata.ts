// RDATA of each type the codec knows by its fields (types.ts RDataMap), and of every
// other type as opaque bytes (RFC 3597). One codec per type: read from the RDATA's
// bytes, write with validation, and equality as RRset members.
//
// Names inside RDATA (RFC 3597 §4): the RFC 1035 types (NS, CNAME, SOA, PTR, MX) are
// compressed on encode and decompressed on decode; SRV and NAPTR are never
// compressed on encode but a compressed name is accepted on decode (RFC 3597 §4:
// receivers SHOULD decompress them); DNAME (RFC 6672 §2.1: MUST be sent uncompressed)
// and TSIG (RFC 8945) are never compressed and a pointer in them is refused (bad-label),
// as BIND does.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import { readNameText, type ReadNameOptions } from '../dns-name.js';
import { MessageWriter } from './compression.js';
import { ipv4Text, ipv6Bytes, ipv6Text, writeIpv4 } from './address.js';
import { namesEqual } from './name.js';
import type {
  AAAAData, AData, CAAData, CNAMEData, DNAMEData, HINFOData, KnownType, MXData, NAPTRData, NSData, OpaqueData, PTRData, RData, RDataMap, SOAData,
  SRVData, TSIGData, TXTData,
} from './types.js';

interface RdataCodec<D> {
  /** Reads the fields from r, which spans the RDATA; `pointers`: compressed names may be followed (inside a message). */
  read(r: WireReader, pointers: boolean): D;
  /** Writes validated fields; RFC 1035 names are eligible for compression (the writer compresses only when it was made to). */
  write(w: MessageWriter, d: D): void;
  /** Equal as RRset members: names case-insensitively (RFC 4034 §6.2), the rest byte for byte. */
  equal(a: D, b: D): boolean;
}

const IN_MESSAGE: ReadNameOptions = { base: 0, compression: true, allowPartial: false, overrun: 'bad-rdata-length' };
const NO_POINTERS: ReadNameOptions = { base: 0, compression: false, allowPartial: false, overrun: 'bad-rdata-length' };

function name(r: WireReader, pointers: boolean): string {
  const n = readNameText(r.buf, r.pos, r.end, pointers ? IN_MESSAGE : NO_POINTERS);
  r.pos = n.next;
  return n.text;
}

function charString(r: WireReader, what: string): Buffer {
  return r.bytes(r.u8(`${what} length`), what);
}

function text(w: MessageWriter, v: unknown, field: string): string {
  if (typeof v !== 'string') w.fail(field, `${String(v)} is not a string`);
  return v;
}

const A: RdataCodec<AData> = {
  read(r) {
    const at = r.pos;
    r.skip(4, 'IPv4 address');
    return { address: ipv4Text(r.buf, at) };
  },
  write(w, d) {
    const address = text(w, d.address, 'data.address');
    w.room(4);
    if (!writeIpv4(address, w.buf, w.pos)) w.fail('data.address', `"${address}" is not a dotted quad`);
    w.pos += 4;
  },
  equal: (a, b) => a.address === b.address,
};

const AAAA: RdataCodec<AAAAData> = {
  read(r) {
    const at = r.pos;
    r.skip(16, 'IPv6 address');
    return { address: ipv6Text(r.buf, at) };
  },
  write(w, d) {
    w.bytes(ipv6(w, d.address));
  },
  equal: (a, b) => a.address === b.address || ipv6Bytes(a.address).equals(ipv6Bytes(b.address)),
};

function ipv6(w: MessageWriter, v: unknown): Buffer {
  const address = text(w, v, 'data.address');
  try {
    return ipv6Bytes(address);
  } catch (err) {
    if (err instanceof WireEncodeError) w.fail('data.address', `"${address}" is not an IPv6 address`);
    throw err;
  }
}

const NS: RdataCodec<NSData> = {
  read: (r, p) => ({ host: name(r, p) }),
  write: (w, d) => w.name(d.host, true, 'data.host'),
  equal: (a, b) => namesEqual(a.host, b.host),
};

const CNAME: RdataCodec<CNAMEData> = {
  read: (r, p) => ({ target: name(r, p) }),
  write: (w, d) => w.name(d.target, true, 'data.target'),
  equal: (a, b) => namesEqual(a.target, b.target),
};

const PTR: RdataCodec<PTRData> = {
  read: (r, p) => ({ host: name(r, p) }),
  write: (w, d) => w.name(d.host, true, 'data.host'),
  equal: (a, b) => namesEqual(a.host, b.host),
};

const DNAME: RdataCodec<DNAMEData> = {
  read: (r) => ({ target: name(r, false) }),
  write: (w, d) => w.name(d.target, false, 'data.target'),
  equal: (a, b) => namesEqual(a.target, b.target),
};

const SOA: RdataCodec<SOAData> = {
  read: (r, p) => ({
    mname: name(r, p),
    rname: name(r, p),
    serial: r.u32('serial'),
    refresh: r.u32('refresh'),
    retry: r.u32('retry'),
    expire: r.u32('expire'),
    minimum: r.u32('minimum'),
  }),
  write(w, d) {
    w.name(d.mname, true, 'data.mname');
    w.name(d.rname, true, 'data.rname');
    w.uint(d.serial, 32, 'data.serial');
    w.uint(d.refresh, 32, 'data.refresh');
    w.uint(d.retry, 32, 'data.retry');
    w.uint(d.expire, 32, 'data.expire');
    w.uint(d.minimum, 32, 'data.minimum');
  },
  equal: (a, b) =>
    namesEqual(a.mname, b.mname) && namesEqual(a.rname, b.rname) && a.serial === b.serial && a.refresh === b.refresh &&
    a.retry === b.retry && a.expire === b.expire && a.minimum === b.minimum,
};

const HINFO: RdataCodec<HINFOData> = {
  read: (r) => ({ cpu: charString(r, 'cpu'), os: charString(r, 'os') }),
  write(w, d) {
    w.charString(d.cpu, 'data.cpu');
    w.charString(d.os, 'data.os');
  },
  equal: (a, b) => a.cpu.equals(b.cpu) && a.os.equals(b.os),
};

const MX: RdataCodec<MXData> = {
  read: (r, p) => ({ preference: r.u16('preference'), exchange: name(r, p) }),
  write(w, d) {
    w.uint(d.preference, 16, 'data.preference');
    w.name(d.exchange, true, 'data.exchange');
  },
  equal: (a, b) => a.preference === b.preference && namesEqual(a.exchange, b.exchange),
};

const TXT: RdataCodec<TXTData> = {
  read(r) {
    const strings: Buffer[] = [];
    do strings.push(charString(r, 'character string'));
    while (r.remaining > 0);
    return { strings };
  },
  write(w, d) {
    if (!Array.isArray(d.strings) || d.strings.length === 0) w.fail('data.strings', 'must be an array of one or more Buffers');
    for (let i = 0; i < d.strings.length; i++) w.charString(d.strings[i]!, `data.strings[${i}]`);
  },
  equal: (a, b) => a.strings.length === b.strings.length && a.strings.every((s, i) => s.equals(b.strings[i]!)),
};

const SRV: RdataCodec<SRVData> = {
  read: (r, p) => ({ priority: r.u16('priority'), weight: r.u16('weight'), port: r.u16('port'), target: name(r, p) }),
  write(w, d) {
    w.uint(d.priority, 16, 'data.priority');
    w.uint(d.weight, 16, 'data.weight');
    w.uint(d.port, 16, 'data.port');
    w.name(d.target, false, 'data.target');
  },
  equal: (a, b) => a.priority === b.priority && a.weight === b.weight && a.port === b.port && namesEqual(a.target, b.target),
};

const NAPTR: RdataCodec<NAPTRData> = {
  read: (r, p) => ({
    order: r.u16('order'),
    preference: r.u16('preference'),
    flags: charString(r, 'flags'),
    services: charString(r, 'services'),
    regexp: charString(r, 'regexp'),
    replacement: name(r, p),
  }),
  write(w, d) {
    w.uint(d.order, 16, 'data.order');
    w.uint(d.preference, 16, 'data.preference');
    w.charString(d.flags, 'data.flags');
    w.charString(d.services, 'data.services');
    w.charString(d.regexp, 'data.regexp');
    w.name(d.replacement, false, 'data.replacement');
  },
  equal: (a, b) =>
    a.order === b.order && a.preference === b.preference && a.flags.equals(b.flags) && a.services.equals(b.services) &&
    a.regexp.equals(b.regexp) && namesEqual(a.replacement, b.replacement),
};

const CAA_TAG = /^[A-Za-z0-9]{1,255}$/;
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

const CAA: RdataCodec<CAAData> = {
  read(r) {
    const flags = r.u8('flags');
    const at = r.pos;
    const tag = charString(r, 'tag');
    if (tag.length === 0 || !tag.every(isAlnum)) throw new WireDecodeError('bad-rdata', at, 'CAA tag must be one or more ASCII letters and digits');
    return { flags, tag: tag.toString('latin1'), value: r.bytes(r.remaining, 'value') };
  },
  write(w, d) {
    w.uint(d.flags, 8, 'data.flags');
    const tag = text(w, d.tag, 'data.tag');
    if (!CAA_TAG.test(tag)) w.fail('data.tag', `"${tag}" is not 1–255 ASCII letters and digits`);
    w.u8(tag.length);
    w.bytes(Buffer.from(tag, 'latin1'));
    if (!Buffer.isBuffer(d.value)) w.fail('data.value', 'not a Buffer');
    w.bytes(d.value);
  },
  equal: (a, b) => a.flags === b.flags && a.tag === b.tag && a.value.equals(b.value),
};

const TSIG: RdataCodec<TSIGData> = {
  read(r) {
    const algorithm = name(r, false);
    const high = r.u16('time signed');
    const timeSigned = high * 0x1_0000_0000 + r.u32('time signed');
    const fudge = r.u16('fudge');
    const mac = r.bytes(r.u16('MAC size'), 'MAC');
    const originalId = r.u16('original ID');
    const error = r.u16('error');
    const other = r.bytes(r.u16('other length'), 'other data');
    return { algorithm, timeSigned, fudge, mac, originalId, error, other };
  },
  write(w, d) {
    w.name(d.algorithm, false, 'data.algorithm');
    const t = d.timeSigned;
    if (!Number.isInteger(t) || t < 0 || t > 0xffff_ffff_ffff) w.fail('data.timeSigned', `${String(t)} is not an integer in 0..2^48-1`);
    w.u16(Math.floor(t / 0x1_0000_0000));
    w.u32(t % 0x1_0000_0000);
    w.uint(d.fudge, 16, 'data.fudge');
    sized(w, d.mac, 'data.mac');
    w.uint(d.originalId, 16, 'data.originalId');
    w.uint(d.error, 16, 'data.error');
    sized(w, d.other, 'data.other');
  },
  equal: (a, b) =>
    namesEqual(a.algorithm, b.algorithm) && a.timeSigned === b.timeSigned && a.fudge === b.fudge && a.mac.equals(b.mac) &&
    a.originalId === b.originalId && a.error === b.error && a.other.equals(b.other),
};

/** A 16-bit length and the bytes. */
function sized(w: MessageWriter, b: Buffer, field: string): void {
  if (!Buffer.isBuffer(b)) w.fail(field, 'not a Buffer');
  if (b.length > 0xffff) w.fail(field, `${b.length} bytes (at most 65535)`, 'too-long');
  w.u16(b.length);
  w.bytes(b);
}

const CODECS: { readonly [K in KnownType]: RdataCodec<RDataMap[K]> } = {
  1: A, 2: NS, 5: CNAME, 6: SOA, 12: PTR, 13: HINFO, 15: MX, 16: TXT, 28: AAAA, 33: SRV, 35: NAPTR, 39: DNAME, 250: TSIG, 257: CAA,
};

function codecOf(type: number): RdataCodec<RData> | undefined {
  return (CODECS as Readonly<Record<number, RdataCodec<RData> | undefined>>)[type];
}

/** True for the types decoded into fields (RDataMap); every other type is OpaqueData. */
export function isKnownType(type: number): type is KnownType {
  return codecOf(type) !== undefined;
}

/** Types whose RDATA names are compressed on encode (RFC 3597 §4: the RFC 1035 types). */
export const COMPRESSED_RDATA_TYPES: readonly number[] = [2, 5, 6, 12, 15];

export function isOpaque(d: unknown): d is OpaqueData {
  return typeof d === 'object' && d !== null && (d as OpaqueData).opaque !== undefined && Buffer.isBuffer((d as OpaqueData).opaque);
}

/**
 * Reads the RDATA at buf[start, end) of a record of `type`; `pointers` allows
 * compression pointers (counting from buf[0], the message start) where the type allows them.
 * Throws WireDecodeError; fields must use exactly the RDATA's bytes.
 */
export function readRdata(type: number, buf: Buffer, start: number, end: number, pointers: boolean): RData {
  const codec = codecOf(type);
  if (codec === undefined) return { opaque: buf.subarray(start, end) };
  const r = new WireReader(buf, start, end, 'bad-rdata-length');
  const data = codec.read(r, pointers);
  if (r.pos !== end) throw new WireDecodeError('bad-rdata-length', r.pos, `${end - r.pos} bytes left after the last field of type ${type}`);
  return data;
}

/** Writes the RDATA of `type` (without its length), validating it; names compressed when the writer compresses and the type allows it. */
export function writeRdata(w: MessageWriter, type: number, data: RData): void {
  if (typeof data !== 'object' || data === null) w.fail('data', `${String(data)} is not an object`);
  const codec = codecOf(type);
  if (isOpaque(data)) {
    if (codec !== undefined && data.opaque.length > 0) {
      try {
        readRdata(type, data.opaque, 0, data.opaque.length, false);
      } catch (err) {
        if (err instanceof WireDecodeError) w.fail('data.opaque', `is not valid RDATA of type ${type} (${err.message})`);
        throw err;
      }
    }
    w.bytes(data.opaque);
    return;
  }
  if (codec === undefined) w.fail('data', `type ${type} takes { opaque: Buffer } (RFC 3597)`);
  codec.write(w, data);
}

/** The RDATA's wire bytes, uncompressed (for zone transfers' journals, TSIG and DNSSEC input). Throws WireEncodeError. */
export function encodeRdata(type: number, data: RData): Buffer {
  const w = new MessageWriter(Buffer.allocUnsafe(0xffff), 0, 0xffff, false);
  try {
    writeRdata(w, type, data);
  } catch (err) {
    if (err instanceof WireEncodeError && err.reason === 'no-space') throw new WireEncodeError('too-long', `data: RDATA over 65535 bytes`);
    throw err;
  }
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/**
 * The RDATA of `type` in buf[start, end), uncompressed (a compression pointer is
 * refused with bad-label). Empty RDATA of a known type is refused (bad-rdata-length):
 * RFC 2136 deletions are told apart by their class, see decodeMessage. Buffers in the
 * result are views into `buf`.
 */
export function decodeRdata(type: number, buf: Buffer, start = 0, end = buf.length): RData {
  if (start < 0 || end > buf.length || start > end) throw new RangeError(`decodeRdata: bad range [${start}, ${end}) of ${buf.length} bytes`);
  return readRdata(type, buf, start, end, false);
}

/**
 * True when two RDATA of `type` are the same as RRset members: their canonical forms
 * (RFC 4034 §6.2: names in NS, CNAME, SOA, PTR, MX, SRV, NAPTR, DNAME in lower case) are
 * equal. AAAA addresses compare as bytes whatever their text. OpaqueData of a known
 * type compares by its decoded fields.
 */
export function rdataEqual(type: number, a: RData, b: RData): boolean {
  if (a === b) return true;
  const codec = codecOf(type);
  if (codec === undefined || (isOpaque(a) && isOpaque(b))) return isOpaque(a) && isOpaque(b) && a.opaque.equals(b.opaque);
  const fa = fieldsOf(type, a);
  const fb = fieldsOf(type, b);
  if (fa === undefined || fb === undefined) return false;
  return codec.equal(fa, fb);
}

function fieldsOf(type: number, d: RData): RData | undefined {
  if (!isOpaque(d)) return d;
  try {
    return readRdata(type, d.opaque, 0, d.opaque.length, false);
  } catch {
    return undefined;
  }
}

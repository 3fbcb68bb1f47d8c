// RFC 3597 generic RDATA: "\# <length> <hex>…", usable for any type. For a type the
// record shapes know field by field (RDataMap), the bytes are decoded into those
// fields, so "A \# 4 c0000201" and "A 192.0.2.1" give the same record.
//
// The decoding below covers only uncompressed RDATA as a zone file holds it; when the
// DNS codec (src/wire/dns/rdata.ts) lands, this should call its decoder instead.
import { readName, nameToText } from '../../../wire/dns-name.js';
import { WireDecodeError } from '../../../wire/errors.js';
import { RRType, type RData } from '../../../wire/dns/types.js';
import { ZoneTextError } from '../zone-problem.js';
import { MAX_RDATA, type Fields } from './rdata-fields.js';
import { ipv6FromBytes } from './ipv6.js';

export const GENERIC_MARK = '\\#';

/** Reads "<length> <hex>…" after the \# mark. */
export function genericBytes(f: Fields): Buffer {
  const lengthToken = f.word('RFC 3597 length');
  const length = Number(lengthToken.text);
  if (!/^\d+$/.test(lengthToken.text) || length > MAX_RDATA) f.fail(lengthToken, `${f.what} RFC 3597 length "${lengthToken.text}" is not a number in 0..${MAX_RDATA}`);
  const bytes = f.hex('RFC 3597 data', true);
  if (bytes.length !== length) throw new ZoneTextError('bad-rdata', `${f.what} RFC 3597 data is ${bytes.length} bytes, its length says ${length}`, lengthToken.line, lengthToken.column);
  return bytes;
}

export function genericText(bytes: Buffer): string {
  if (bytes.length === 0) return `${GENERIC_MARK} 0`;
  const hex = bytes.toString('hex');
  const chunks: string[] = [];
  for (let i = 0; i < hex.length; i += 64) chunks.push(hex.slice(i, i + 64));
  return `${GENERIC_MARK} ${bytes.length} ${chunks.join(' ')}`;
}

/** The fields of a known type from its RDATA bytes (undefined for other types); throws ZoneTextError when they do not fit. */
export function decodeKnown(type: number, b: Buffer, what: string): RData | undefined {
  const bad = (reason: string): never => {
    throw new ZoneTextError('bad-rdata', `${what} RFC 3597 data does not fit the type: ${reason}`);
  };
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > b.length) bad(`it ends at byte ${b.length} inside a field`);
  };
  const r: Reader = {
    u8: () => { need(1); return b[pos++]!; },
    u16: () => { need(2); const v = b.readUInt16BE(pos); pos += 2; return v; },
    u32: () => { need(4); const v = b.readUInt32BE(pos); pos += 4; return v; },
    name: () => {
      try {
        const n = readName(b, pos, b.length, { base: 0, compression: false, allowPartial: false, overrun: 'truncated' });
        pos = n.next;
        return nameToText(n);
      } catch (err) {
        if (err instanceof WireDecodeError) return bad(`name at byte ${err.offset}: ${err.message}`);
        throw err;
      }
    },
    str: () => { need(1); const n = b[pos++]!; need(n); const s = Buffer.from(b.subarray(pos, pos + n)); pos += n; return s; },
    rest: () => { const s = Buffer.from(b.subarray(pos)); pos = b.length; return s; },
    atEnd: () => pos >= b.length,
    bad,
  };
  const data = decodeFields(type, b, r);
  if (data !== undefined && pos !== b.length) bad(`${b.length - pos} byte${b.length - pos === 1 ? '' : 's'} left over`);
  return data;
}

interface Reader {
  u8(): number;
  u16(): number;
  u32(): number;
  name(): string;
  str(): Buffer;
  rest(): Buffer;
  atEnd(): boolean;
  bad(reason: string): never;
}

function decodeFields(type: number, b: Buffer, r: Reader): RData | undefined {
  switch (type) {
    case RRType.A:
      if (b.length !== 4) r.bad(`an A record holds 4 bytes, not ${b.length}`);
      r.rest();
      return { address: [...b].join('.') };
    case RRType.AAAA:
      if (b.length !== 16) r.bad(`an AAAA record holds 16 bytes, not ${b.length}`);
      r.rest();
      return { address: ipv6FromBytes(b) };
    case RRType.NS: case RRType.PTR: return { host: r.name() };
    case RRType.CNAME: case RRType.DNAME: return { target: r.name() };
    case RRType.SOA: return { mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
    case RRType.HINFO: return { cpu: r.str(), os: r.str() };
    case RRType.MX: return { preference: r.u16(), exchange: r.name() };
    case RRType.TXT: {
      const strings: Buffer[] = [r.str()];
      while (!r.atEnd()) strings.push(r.str());
      return { strings };
    }
    case RRType.SRV: return { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case RRType.NAPTR: return { order: r.u16(), preference: r.u16(), flags: r.str(), services: r.str(), regexp: r.str(), replacement: r.name() };
    case RRType.CAA: {
      const flags = r.u8();
      const tag = r.str().toString('latin1');
      if (!CAA_TAG.test(tag)) r.bad('the CAA tag is not 1 to 15 letters and digits');
      return { flags, tag, value: r.rest() };
    }
    default: return undefined;
  }
}

/** RFC 8659 §4.1: a tag is 1–15 ASCII letters and digits. */
export const CAA_TAG = /^[A-Za-z0-9]{1,15}$/;

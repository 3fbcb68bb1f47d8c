// Codecs of the simple option data types of RFC 2132: fixed-size integers and
// addresses, address lists, byte lists, text and opaque bytes. IPv4 addresses are
// unsigned 32-bit numbers (see ../ipv4.ts).
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { isUint32 } from '../ipv4.js';
import { checkUint } from '../writer.js';

/** The lengths an option's data may have: min ≤ length ≤ max and length % multiple === 0. */
export interface LengthRule {
  readonly min: number;
  readonly max: number;
  readonly multiple: number;
}

export const ANY_LENGTH: LengthRule = { min: 0, max: Infinity, multiple: 1 };

export function exactly(n: number): LengthRule {
  return { min: n, max: n, multiple: 1 };
}

export function lengthAllowed(rule: LengthRule, len: number): boolean {
  return len >= rule.min && len <= rule.max && len % rule.multiple === 0;
}

export function checkLength(rule: LengthRule, data: Buffer, what: string): void {
  if (!lengthAllowed(rule, data.length)) {
    const want = rule.min === rule.max ? `${rule.min}` : rule.multiple > 1 ? `a multiple of ${rule.multiple}, at least ${rule.min}` : `at least ${rule.min}`;
    throw new WireDecodeError('bad-option-length', 0, `${what}: ${data.length} bytes, wants ${want}`);
  }
}

function fixed<T>(len: number, what: string, read: (d: Buffer) => T, write: (v: T, out: Buffer) => void): Codec<T> {
  const rule = exactly(len);
  return {
    decode(data) {
      checkLength(rule, data, what);
      return read(data);
    },
    encode(v) {
      const out = Buffer.allocUnsafe(len);
      write(v, out);
      return out;
    },
    encodingLength: () => len,
  };
}

export const u8: Codec<number> = fixed(1, 'uint8', (d) => d[0]!, (v, out) => void (out[0] = checkUint(v, 0xff, 'uint8')));
export const u16: Codec<number> = fixed(2, 'uint16', (d) => d.readUInt16BE(0), (v, out) => void out.writeUInt16BE(checkUint(v, 0xffff, 'uint16'), 0));
export const u32: Codec<number> = fixed(4, 'uint32', (d) => d.readUInt32BE(0), (v, out) => void out.writeUInt32BE(checkUint(v, 0xffffffff, 'uint32'), 0));
export const i32: Codec<number> = fixed(4, 'int32', (d) => d.readInt32BE(0), (v, out) => {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new WireEncodeError('bad-value', `int32: ${v}`);
  out.writeInt32BE(v, 0);
});
export const ipv4: Codec<number> = fixed(4, 'IPv4 address', (d) => d.readUInt32BE(0), (v, out) => void out.writeUInt32BE(checkAddress(v), 0));

function checkAddress(v: number): number {
  if (!isUint32(v)) throw new WireEncodeError('bad-value', `IPv4 address ${v} is not an unsigned 32-bit number`);
  return v;
}

export const IPV4_LIST_RULE: LengthRule = { min: 4, max: Infinity, multiple: 4 };

/** One or more IPv4 addresses. */
export const ipv4List: Codec<number[]> = {
  decode(data) {
    checkLength(IPV4_LIST_RULE, data, 'IPv4 address list');
    const out: number[] = new Array<number>(data.length >> 2);
    for (let i = 0; i < out.length; i++) out[i] = data.readUInt32BE(i * 4);
    return out;
  },
  encode(v) {
    if (v.length === 0) throw new WireEncodeError('bad-value', 'IPv4 address list: empty');
    const out = Buffer.allocUnsafe(v.length * 4);
    for (let i = 0; i < v.length; i++) out.writeUInt32BE(checkAddress(v[i]!), i * 4);
    return out;
  },
  encodingLength: (v) => v.length * 4,
};

/** A list of bytes, e.g. the parameter request list (55). */
export const u8List: Codec<number[]> = {
  decode: (data) => Array.from(data),
  encode(v) {
    const out = Buffer.allocUnsafe(v.length);
    for (let i = 0; i < v.length; i++) out[i] = checkUint(v[i]!, 0xff, 'byte list');
    return out;
  },
  encodingLength: (v) => v.length,
};

/** Text as UTF-8 (NVT ASCII is a subset). Trailing NULs, which some clients append, are dropped on decode. */
export const text: Codec<string> = {
  decode(data) {
    let end = data.length;
    while (end > 0 && data[end - 1] === 0) end--;
    return data.toString('utf8', 0, end);
  },
  encode: (v) => Buffer.from(v, 'utf8'),
  encodingLength: (v) => Buffer.byteLength(v, 'utf8'),
};

/** Opaque bytes, as they are. */
export const bytes: Codec<Buffer> = {
  decode: (data) => data,
  encode: (v) => Buffer.from(v),
  encodingLength: (v) => v.length,
};

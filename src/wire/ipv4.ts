// IPv4 addresses as unsigned 32-bit numbers (what the codecs carry: cheap to compare,
// hash and store), with conversions to and from dotted-quad text.
import { WireEncodeError } from './errors.js';

/** 1.2.3.4 → 0x01020304. Throws WireEncodeError('bad-value') on anything but a canonical dotted quad. */
export function ipv4FromString(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new WireEncodeError('bad-value', `"${text}" is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) throw new WireEncodeError('bad-value', `"${text}" is not an IPv4 address`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** 0x01020304 → "1.2.3.4". */
export function ipv4ToString(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** The netmask of a prefix length, e.g. 24 → 0xffffff00. */
export function ipv4Mask(prefixLength: number): number {
  return prefixLength <= 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

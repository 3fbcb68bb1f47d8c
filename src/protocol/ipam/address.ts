// Addresses and prefixes of either family as numbers (docs/manager.md "Addresses"):
// IPv4 and IPv6 alike as a family and a bigint, so one piece of arithmetic serves both;
// text in and out (RFC 5952 for IPv6); and the fixed-width hex key the manager stores
// them under, whose text order is their numeric order in every database.
import { ipv4FromString, ipv4ToString } from '../../wire/ipv4.js';
import { ipv6Bytes, ipv6Text } from '../../wire/dns/address.js';

export type Family = 4 | 6;

export const BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };
const HEX_WIDTH: Readonly<Record<Family, number>> = { 4: 8, 6: 32 };

export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

export interface Prefix {
  readonly family: Family;
  /** The first address (host bits zero). */
  readonly start: bigint;
  readonly length: number;
}

/** An address from text, or undefined when it is neither IPv4 nor IPv6. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== 'string' || text.length > 45) return undefined;
  try {
    if (!text.includes(':')) return { family: 4, value: BigInt(ipv4FromString(text)) };
    if (text.includes('%')) return undefined;
    return { family: 6, value: BigInt(`0x${ipv6Bytes(text).toString('hex')}`) };
  } catch {
    return undefined;
  }
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) return ipv4ToString(Number(value));
  return ipv6Text(Buffer.from(value.toString(16).padStart(32, '0'), 'hex'), 0);
}

export type PrefixParse = { ok: true; prefix: Prefix } | { ok: false; reason: string };

/** "198.51.100.0/24", "2001:db8::/48": the host bits must be zero (a prefix, not an address in one). */
export function parsePrefix(text: string): PrefixParse {
  const slash = typeof text === 'string' ? text.indexOf('/') : -1;
  if (slash < 0) return { ok: false, reason: 'not a prefix: address/length expected' };
  const address = parseAddress(text.slice(0, slash));
  if (!address) return { ok: false, reason: `${text.slice(0, slash)} is not an IPv4 or IPv6 address` };
  const lenText = text.slice(slash + 1);
  const length = /^(0|[1-9]\d{0,2})$/.test(lenText) ? Number(lenText) : NaN;
  if (!(length <= BITS[address.family])) return { ok: false, reason: `/${lenText} is not a prefix length of IPv${address.family} (0–${BITS[address.family]})` };
  const prefix = { family: address.family, start: address.value, length };
  if ((address.value & hostMask(prefix)) !== 0n) {
    return { ok: false, reason: `${text} has host bits set: the prefix is ${formatPrefix({ ...prefix, start: address.value & ~hostMask(prefix) })}` };
  }
  return { ok: true, prefix };
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.start)}/${p.length}`;
}

/** The mask of the host bits: size - 1. */
export function hostMask(p: { family: Family; length: number }): bigint {
  return (1n << BigInt(BITS[p.family] - p.length)) - 1n;
}

export function prefixSize(p: { family: Family; length: number }): bigint {
  return 1n << BigInt(BITS[p.family] - p.length);
}

/** The last address of a prefix. */
export function prefixEnd(p: Prefix): bigint {
  return p.start + hostMask(p);
}

export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.length <= inner.length && inner.start >= outer.start && prefixEnd(inner) <= prefixEnd(outer);
}

export function prefixContainsAddress(p: Prefix, a: Address): boolean {
  return p.family === a.family && a.value >= p.start && a.value <= prefixEnd(p);
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.start <= prefixEnd(b) && b.start <= prefixEnd(a);
}

/** The stored key: lower-case hex, 8 digits (IPv4) or 32 (IPv6); its text order is the numeric order. */
export function hexKey(family: Family, value: bigint): string {
  return value.toString(16).padStart(HEX_WIDTH[family], '0');
}

export function fromHexKey(key: string): Address {
  return { family: key.length === 8 ? 4 : 6, value: BigInt(`0x${key}`) };
}

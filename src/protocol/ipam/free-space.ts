// Free space as the manager keeps it (docs/manager.md "Allocation"), in pure arithmetic:
//   - inside a parent subnet, the space no child covers, as maximal aligned blocks
//     (CIDR prefixes): a gap between two children splits into at most 2 × bits blocks,
//     so the next free /n is the lowest block of length ≤ n — an index lookup, however
//     many children there are;
//   - inside a subnet, the addresses nothing uses, as ranges.
// Ranges are inclusive [start, end]; lists are sorted and disjoint.
import { BITS, type Family, type Prefix } from './address.js';

export interface Range {
  readonly start: bigint;
  readonly end: bigint;
}

/** [start, end] as the fewest aligned prefixes, in address order. */
export function rangeToPrefixes(family: Family, start: bigint, end: bigint): Prefix[] {
  const bits = BITS[family];
  const out: Prefix[] = [];
  let at = start;
  while (at <= end) {
    // The largest block aligned at `at` that does not pass `end`.
    let length = bits;
    while (length > 0) {
      const size = 1n << BigInt(bits - length + 1);
      if ((at & (size - 1n)) !== 0n || at + size - 1n > end) break;
      length--;
    }
    out.push({ family, start: at, length });
    at += 1n << BigInt(bits - length);
  }
  return out;
}

/** The parts of [start, end] that no range of `used` (sorted, disjoint, possibly reaching outside) covers. */
export function complement(start: bigint, end: bigint, used: readonly Range[]): Range[] {
  const free: Range[] = [];
  let at = start;
  for (const u of used) {
    if (u.end < at) continue;
    if (u.start > end) break;
    if (u.start > at) free.push({ start: at, end: u.start - 1n });
    at = u.end + 1n;
    if (at > end) return free;
  }
  if (at <= end) free.push({ start: at, end });
  return free;
}

/** Sorts ranges and merges those that overlap or touch. */
export function normalize(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start <= last.end + 1n) out[out.length - 1] = { start: last.start, end: r.end > last.end ? r.end : last.end };
    else out.push(r);
  }
  return out;
}

/**
 * Takes the first /length out of a free block of a shorter or equal length (aligned at
 * its start): what is left of the block, as the blocks a buddy split leaves.
 */
export function splitBlock(block: Prefix, length: number): Prefix[] {
  const bits = BITS[block.family];
  const rest: Prefix[] = [];
  for (let l = length; l > block.length; l--) rest.push({ family: block.family, start: block.start + (1n << BigInt(bits - l)), length: l });
  return rest;
}

/** The usable addresses of an IPv4 subnet: without network and broadcast below /31 (RFC 3021); IPv6: all but the subnet-router anycast (RFC 4291 §2.6.1) below /127. */
export function usableRange(p: Prefix): Range | undefined {
  const bits = BITS[p.family];
  const end = p.start + (1n << BigInt(bits - p.length)) - 1n;
  if (p.family === 4) return p.length >= 31 ? { start: p.start, end } : { start: p.start + 1n, end: end - 1n };
  return p.length >= 127 ? { start: p.start, end } : { start: p.start + 1n, end };
}

// Address ownership in a failover relationship (docs/failover-protocol.md, "Address
// ownership"): every pool range is split once, by config, into two contiguous parts.
// The primary owns the first part, the partner (standby or secondary) the rest. A
// pure function of the config, so both partners compute the same split; the config
// checks (split-scope oversubscription, a small standby reserve) and the failover
// engine use this one function.
import type { FailoverMode, FailoverRole } from './failover-schema.js';

/** An inclusive range of addresses as u32 numbers. */
export interface AddressSpan {
  readonly first: number;
  readonly last: number;
}

/** Percent of each pool the primary owns: `split` in load-balancing and split-scope, 100 − standbyReserve in hot-standby. */
export function primaryShare(mode: FailoverMode, split: number, standbyReserve: number): number {
  return mode === 'hot-standby' ? 100 - standbyReserve : split;
}

/**
 * How many addresses of a pool of `size` the primary owns, for a share of 1–99 %:
 * ⌊size × share / 100⌋, but at least 1 and at most size − 1 when size ≥ 2, so both
 * parts are non-empty; a one-address pool goes to the side with the larger share
 * (the primary on a tie). Always within one address of size × share / 100.
 */
export function primaryCount(size: number, share: number): number {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`pool size must be a non-negative integer, not ${size}`);
  if (!Number.isInteger(share) || share < 1 || share > 99) throw new RangeError(`share must be an integer percent 1–99, not ${share}`);
  if (size === 0) return 0;
  if (size === 1) return share >= 50 ? 1 : 0;
  // size ≤ 2^32 and share ≤ 99: the product stays far below 2^53, so this is exact.
  return Math.min(size - 1, Math.max(1, Math.floor((size * share) / 100)));
}

/**
 * The contiguous part of `pool` this server owns in a relationship of `mode` where it
 * has `role`; undefined when it owns none of it (only a one-address pool).
 */
export function ownedRange(pool: AddressSpan, mode: FailoverMode, role: FailoverRole, split: number, standbyReserve: number): AddressSpan | undefined {
  if (pool.last < pool.first) throw new RangeError(`pool ends (${pool.last}) before it starts (${pool.first})`);
  const size = pool.last - pool.first + 1;
  const owned = primaryCount(size, primaryShare(mode, split, standbyReserve));
  if (role === 'primary') return owned === 0 ? undefined : { first: pool.first, last: pool.first + owned - 1 };
  return owned === size ? undefined : { first: pool.first + owned, last: pool.last };
}

/** Number of addresses in a span, or 0 for none. */
export function spanSize(span: AddressSpan | undefined): number {
  return span === undefined ? 0 : span.last - span.first + 1;
}

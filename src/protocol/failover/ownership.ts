// Which contiguous part of a pool each server of a relationship owns
// (docs/failover-protocol.md, "Address ownership"). Provisional: see the config helper.
export interface Range { readonly first: number; readonly last: number }

export function ownedRange(pool: Range, mode: 'hot-standby' | 'load-balancing' | 'split-scope', role: 'primary' | 'standby' | 'secondary', split: number, standbyReserve: number): Range | undefined {
  const size = pool.last - pool.first + 1;
  const share = mode === 'hot-standby' ? 100 - standbyReserve : split;
  let primary = Math.round((size * share) / 100);
  if (size >= 2) primary = Math.min(size - 1, Math.max(1, primary));
  if (role === 'primary') return primary > 0 ? { first: pool.first, last: pool.first + primary - 1 } : undefined;
  return primary < size ? { first: pool.first + primary, last: pool.last } : undefined;
}

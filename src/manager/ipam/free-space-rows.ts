// Keeps the free-space rows of a subnet true (docs/manager.md "Allocation"): its free
// blocks (the space no child subnet, address or range uses, as maximal aligned prefixes) and its free
// ranges (the usable addresses that are not in a child, an address, a pool or an
// exclusion). After any change inside a region of a subnet, the rows of that region —
// widened to the neighbouring children or rows, so blocks stay maximal and ranges merge
// — are deleted and computed again from what the region holds. The cost is that of the
// region, never of the subnet.
import { BITS, fromHexKey, hexKey, type Family, type Prefix } from '../../protocol/ipam/address.js';
import { complement, normalize, rangeToPrefixes, usableRange, type Range } from '../../protocol/ipam/free-space.js';
import type { SubnetRow } from '../../storage/manager/tables.js';
import type { Trx } from './transaction.js';

export const subnetPrefix = (s: Pick<SubnetRow, 'family' | 'start_hex' | 'length'>): Prefix => ({ family: s.family as Family, start: fromHexKey(s.start_hex).value, length: s.length });
const value = (hex: string) => BigInt(`0x${hex}`);
const rangeOf = (r: { start_hex: string; end_hex: string }): Range => ({ start: value(r.start_hex), end: value(r.end_hex) });

/** The children of `s` that overlap [start, end], in order. */
async function childrenIn(trx: Trx, s: SubnetRow, start: bigint, end: bigint): Promise<Range[]> {
  const family = s.family as Family;
  const before = await trx.selectFrom('subnet').select(['start_hex', 'end_hex']).where('parent_id', '=', s.id)
    .where('start_hex', '<', hexKey(family, start)).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  const inside = await trx.selectFrom('subnet').select(['start_hex', 'end_hex']).where('parent_id', '=', s.id)
    .where('start_hex', '>=', hexKey(family, start)).where('start_hex', '<=', hexKey(family, end)).orderBy('start_hex').execute();
  const out = inside.map(rangeOf);
  if (before && value(before.end_hex) >= start) out.unshift(rangeOf(before));
  return out;
}

/** The used item (a child, an address, a range of `s`: they never overlap) with the greatest start below `x`. */
async function usedBefore(trx: Trx, s: SubnetRow, x: string): Promise<Range | undefined> {
  const child = await trx.selectFrom('subnet').select(['start_hex', 'end_hex']).where('parent_id', '=', s.id).where('start_hex', '<', x).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  const address = await trx.selectFrom('address').select(['addr_hex as start_hex', 'addr_hex as end_hex']).where('subnet_id', '=', s.id).where('addr_hex', '<', x).orderBy('addr_hex', 'desc').limit(1).executeTakeFirst();
  const range = await trx.selectFrom('ip_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id).where('start_hex', '<', x).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  const best = [child, address, range].filter((r) => r !== undefined).sort((a, b) => (a.start_hex < b.start_hex ? 1 : -1))[0];
  return best && rangeOf(best);
}

/** The used item with the least start above `x`. */
async function usedAfter(trx: Trx, s: SubnetRow, x: string): Promise<Range | undefined> {
  const child = await trx.selectFrom('subnet').select(['start_hex', 'end_hex']).where('parent_id', '=', s.id).where('start_hex', '>', x).orderBy('start_hex').limit(1).executeTakeFirst();
  const address = await trx.selectFrom('address').select(['addr_hex as start_hex', 'addr_hex as end_hex']).where('subnet_id', '=', s.id).where('addr_hex', '>', x).orderBy('addr_hex').limit(1).executeTakeFirst();
  const range = await trx.selectFrom('ip_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id).where('start_hex', '>', x).orderBy('start_hex').limit(1).executeTakeFirst();
  const best = [child, address, range].filter((r) => r !== undefined).sort((a, b) => (a.start_hex < b.start_hex ? -1 : 1))[0];
  return best && rangeOf(best);
}

/** What uses [start, end] of `s`: its children, addresses and ranges there, merged. */
async function usedIn(trx: Trx, s: SubnetRow, start: bigint, end: bigint): Promise<Range[]> {
  const family = s.family as Family;
  const lo = hexKey(family, start);
  const hi = hexKey(family, end);
  const addresses = await trx.selectFrom('address').select('addr_hex').where('subnet_id', '=', s.id).where('addr_hex', '>=', lo).where('addr_hex', '<=', hi).orderBy('addr_hex').execute();
  const ranges = await trx.selectFrom('ip_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id).where('start_hex', '<=', hi).where('end_hex', '>=', lo).execute();
  return normalize([
    ...(await childrenIn(trx, s, start, end)),
    ...addresses.map((a) => ({ start: value(a.addr_hex), end: value(a.addr_hex) })),
    ...ranges.map(rangeOf),
  ]);
}

/**
 * Recomputes the free blocks of `s` around [start, end]: the space no child, address or
 * range uses (next-free subnets are empty), widened to the gap between the used items
 * on either side so the blocks stay maximal.
 */
export async function refreshBlocks(trx: Trx, s: SubnetRow, around: Range): Promise<void> {
  const family = s.family as Family;
  const prev = await usedBefore(trx, s, hexKey(family, around.start));
  const start = prev === undefined ? value(s.start_hex) : prev.end < around.start ? prev.end + 1n : prev.start;
  const next = await usedAfter(trx, s, hexKey(family, around.end));
  const end = next === undefined ? value(s.end_hex) : next.start - 1n;
  await trx.deleteFrom('free_block').where('subnet_id', '=', s.id)
    .where('start_hex', '>=', hexKey(family, start)).where('start_hex', '<=', hexKey(family, end)).execute();
  const blocks = complement(start, end, await usedIn(trx, s, start, end)).flatMap((g) => rangeToPrefixes(family, g.start, g.end));
  await insertBlocks(trx, s.id, blocks);
}

export async function insertBlocks(trx: Trx, subnetId: number, blocks: readonly Prefix[]): Promise<void> {
  for (let i = 0; i < blocks.length; i += 500) {
    await trx.insertInto('free_block').values(blocks.slice(i, i + 500).map((b) => ({ subnet_id: subnetId, start_hex: hexKey(b.family, b.start), length: b.length }))).execute();
  }
}

/** Recomputes the free ranges of `s` around [start, end]. */
export async function refreshRanges(trx: Trx, s: SubnetRow, around: Range): Promise<void> {
  const family = s.family as Family;
  const usable = usableRange(subnetPrefix(s));
  if (!usable) return;
  let start = around.start < usable.start ? usable.start : around.start;
  let end = around.end > usable.end ? usable.end : around.end;
  if (start > end) return;
  // Widen to the free ranges that touch the region, so they merge with what it frees.
  const left = await trx.selectFrom('free_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id)
    .where('start_hex', '<', hexKey(family, start)).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  if (left && value(left.end_hex) + 1n >= start) {
    start = value(left.start_hex);
    if (value(left.end_hex) > end) end = value(left.end_hex); // a free range reaching over the whole region
  }
  const last = await trx.selectFrom('free_range').select('end_hex').where('subnet_id', '=', s.id)
    .where('start_hex', '<=', hexKey(family, end)).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  if (last && value(last.end_hex) > end) end = value(last.end_hex); // one starting inside the region and reaching past it
  const right = await trx.selectFrom('free_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id)
    .where('start_hex', '>', hexKey(family, end)).orderBy('start_hex').limit(1).executeTakeFirst();
  if (right && value(right.start_hex) <= end + 1n) end = value(right.end_hex);
  const lo = hexKey(family, start);
  const hi = hexKey(family, end);
  const used = await usedIn(trx, s, start, end);
  await trx.deleteFrom('free_range').where('subnet_id', '=', s.id).where('start_hex', '>=', lo).where('start_hex', '<=', hi).execute();
  const free = complement(start, end, used);
  for (let i = 0; i < free.length; i += 500) {
    await trx.insertInto('free_range').values(free.slice(i, i + 500).map((r) => ({ subnet_id: s.id, start_hex: hexKey(family, r.start), end_hex: hexKey(family, r.end) }))).execute();
  }
}

/**
 * Takes one address out of the free space of `s` (it became used): the free range and
 * the free block holding it are cut around it. What is left of the block is its own
 * aligned decomposition, maximal as it stands: every buddy of a piece lies inside the
 * block, so no other block could join it. No region is recomputed: this is next-free's path.
 */
export async function takeAddress(trx: Trx, s: SubnetRow, address: bigint): Promise<void> {
  const family = s.family as Family;
  const key = hexKey(family, address);
  const holder = await trx.selectFrom('free_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id)
    .where('start_hex', '<=', key).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  if (holder && holder.end_hex >= key) {
    const r = rangeOf(holder);
    await trx.deleteFrom('free_range').where('subnet_id', '=', s.id).where('start_hex', '=', holder.start_hex).execute();
    const rest = [...(r.start < address ? [{ start: r.start, end: address - 1n }] : []), ...(address < r.end ? [{ start: address + 1n, end: r.end }] : [])];
    if (rest.length > 0) {
      await trx.insertInto('free_range').values(rest.map((x) => ({ subnet_id: s.id, start_hex: hexKey(family, x.start), end_hex: hexKey(family, x.end) }))).execute();
    }
  }
  const block = await trx.selectFrom('free_block').select(['start_hex', 'length']).where('subnet_id', '=', s.id)
    .where('start_hex', '<=', key).orderBy('start_hex', 'desc').limit(1).executeTakeFirst();
  if (!block) return;
  const start = value(block.start_hex);
  const end = start + (1n << BigInt(BITS[family] - block.length)) - 1n;
  if (end < address) return;
  await trx.deleteFrom('free_block').where('subnet_id', '=', s.id).where('start_hex', '=', block.start_hex).execute();
  await insertBlocks(trx, s.id, [
    ...(start < address ? rangeToPrefixes(family, start, address - 1n) : []),
    ...(address < end ? rangeToPrefixes(family, address + 1n, end) : []),
  ]);
}

/**
 * Cuts [start, end] — a block that was wholly free in `s` and is now a child subnet —
 * out of the free ranges of `s`. Nothing in the block was used, so its usable part lies
 * in one free range (they are maximal): that range is deleted (one statement: the lookup
 * is its subquery) and what is left of it on either side is returned, for the caller to
 * insert with its other free-range rows. No region is recomputed: this is next-free
 * subnet's path (its free blocks are cut by the buddy split).
 */
export async function takeRange(trx: Trx, s: SubnetRow, start: bigint, end: bigint): Promise<{ subnet_id: number; start_hex: string; end_hex: string }[]> {
  const family = s.family as Family;
  const holder = await trx.deleteFrom('free_range').where('subnet_id', '=', s.id).where('end_hex', '>=', hexKey(family, start))
    .where('start_hex', '=', (eb) => eb.selectFrom('free_range').select('start_hex').where('subnet_id', '=', s.id)
      .where('start_hex', '<=', hexKey(family, end)).orderBy('start_hex', 'desc').limit(1))
    .returning(['start_hex', 'end_hex']).executeTakeFirst();
  if (!holder) return []; // the block held only addresses the subnet cannot hand out
  const r = rangeOf(holder);
  return [...(r.start < start ? [{ start: r.start, end: start - 1n }] : []), ...(end < r.end ? [{ start: end + 1n, end: r.end }] : [])]
    .map((x) => ({ subnet_id: s.id, start_hex: hexKey(family, x.start), end_hex: hexKey(family, x.end) }));
}

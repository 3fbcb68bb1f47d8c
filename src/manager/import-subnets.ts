// The bulk path of the subnet CSV import (docs/manager.md "Import at scale"): a file of
// more than BULK_SUBNET_ROWS rows is checked row by row against the IP space read once
// (its subnets and ranges in memory), and its new subnets are then written as a whole:
// the final tree computed in memory (it does not depend on the order the subnets are
// made in), the subnets and their audit entries inserted in batches, existing subnets
// and addresses moved under the new ones, and the free blocks and free ranges of every
// subnet whose content changed computed once from that tree — not once per row. The
// report (rows, created, unchanged, every row-level error with its line, code, field
// and message) is what the row-by-row path gives; the caller's transaction makes it all
// or nothing. Files this path does not take — a prefix twice in the file, or a new
// subnet over an existing pool or exclusion (its checks depend on the order of rows) —
// go the row-by-row way (`sequential`).
import { sql } from 'kysely';
import { formatPrefix, hexKey, parsePrefix, prefixEnd, type Family, type Prefix } from '../protocol/ipam/address.js';
import { complement, normalize, rangeToPrefixes, usableRange, type Range } from '../protocol/ipam/free-space.js';
import type { CsvRecord } from '../protocol/ipam/csv.js';
import type { SubnetRow } from '../storage/manager/tables.js';
import type { Actor } from './audit.js';
import { ManagerError } from './errors.js';
import { subnetView } from './ipam/subnets.js';
import type { Trx } from './ipam/transaction.js';

/** Files with more rows than this take the bulk path. */
export const BULK_SUBNET_ROWS = 50;
/** Rows per bulk statement (the widest, a subnet, has 12 columns: within every database's parameter limit). */
const BATCH = 1000;

export interface BulkOutcome {
  readonly created: number;
  readonly unchanged: number;
  /** Row-level errors in line order, as the row-by-row path would throw them. */
  readonly errors: readonly { line: number; error: ManagerError }[];
  /** Writes the new subnets; only called when there is no error and it is not a dry run. */
  apply(): Promise<void>;
}

interface Node {
  family: Family;
  start: bigint;
  end: bigint;
  startHex: string;
  endHex: string;
  length: number;
  /** Set for subnets already recorded. */
  row?: SubnetRow;
  /** Set for the file's new subnets. */
  planned?: { line: number; prefix: Prefix; siteId: number | null; description: string };
  id?: number;
  parent?: Node;
  children: Node[];
}

const value = (hex: string) => BigInt(`0x${hex}`);

/**
 * Checks every row of a subnet import in one pass and prepares its writes; `sequential`
 * when the file must go the row-by-row way. Runs inside the import's transaction, which
 * holds the IP space's lock.
 */
export async function planSubnetImport(trx: Trx, lockSubnets: (ids: readonly number[]) => Promise<void>, actor: Actor, spaceId: number,
  records: readonly CsvRecord[], now: () => number): Promise<BulkOutcome | 'sequential'> {
  const sites = new Map((await trx.selectFrom('site').select(['id', 'name']).execute()).map((s) => [s.name, s.id]));
  const existing = await trx.selectFrom('subnet').selectAll().where('space_id', '=', spaceId).execute();
  const byText = new Map(existing.map((s) => [s.prefix, s]));
  const byKey = new Map(existing.map((s) => [`${s.family}/${s.start_hex}/${s.length}`, s]));
  const fresh = new Map<string, Node>();
  const errors: { line: number; error: ManagerError }[] = [];
  let unchanged = 0;
  for (const r of records) {
    const f = r.fields;
    const prefixText = f.prefix!;
    const description = f.description ?? '';
    let siteId: number | null = null;
    if (f.site) {
      const id = sites.get(f.site);
      if (id === undefined) { errors.push({ line: r.line, error: new ManagerError('MANAGER_NOT_FOUND', 'not-found', `site ${f.site} does not exist`, undefined, 'site') }); continue; }
      siteId = id;
    }
    const same = byText.get(prefixText);
    if (same) {
      if (same.site_id === siteId && same.description === description) unchanged++;
      else errors.push({ line: r.line, error: new ManagerError('MANAGER_CONFLICT', 'conflict', `${same.prefix} exists already with other values (subnet ${same.id})`, undefined, 'prefix') });
      continue;
    }
    const parsed = parsePrefix(prefixText);
    if (!parsed.ok) { errors.push({ line: r.line, error: new ManagerError('MANAGER_INVALID', 'invalid', parsed.reason, `subnet ${prefixText}`, 'prefix') }); continue; }
    const p = parsed.prefix;
    const startHex = hexKey(p.family, p.start);
    const key = `${p.family}/${startHex}/${p.length}`;
    const other = byKey.get(key);
    if (other) { errors.push({ line: r.line, error: new ManagerError('MANAGER_CONFLICT', 'conflict', `${formatPrefix(p)} exists already in this IP space (subnet ${other.id})`, `subnet ${formatPrefix(p)}`, 'prefix') }); continue; }
    // The same prefix twice in the file: what the second row meets depends on the first's fate; row by row.
    if (fresh.has(key)) return 'sequential';
    const end = prefixEnd(p);
    fresh.set(key, { family: p.family, start: p.start, end, startHex, endHex: hexKey(p.family, end), length: p.length, planned: { line: r.line, prefix: p, siteId, description }, children: [] });
  }
  const planned = [...fresh.values()];
  // A new subnet over an existing pool or exclusion: refused or adopting it, by checks that depend on the order of rows; row by row.
  const ranges = await trx.selectFrom('ip_range').innerJoin('subnet', 'subnet.id', 'ip_range.subnet_id')
    .select(['ip_range.subnet_id', 'ip_range.start_hex', 'ip_range.end_hex', 'subnet.family']).where('subnet.space_id', '=', spaceId).execute();
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.start_hex < b.start_hex ? -1 : a.start_hex > b.start_hex ? 1 : 0));
  if (planned.some((n) => overlapsAny(n, sorted))) return 'sequential';
  errors.sort((a, b) => a.line - b.line);
  return {
    created: planned.length,
    unchanged,
    errors,
    apply: () => write(trx, lockSubnets, actor, spaceId, existing, planned, ranges, now()),
  };
}

/**
 * Whether the node overlaps one of the ranges, given sorted by family and start. The
 * ranges of an IP space are disjoint (a range lies outside its subnet's children), so
 * the last one starting at or before the node's end is the only candidate.
 */
function overlapsAny(n: Node, sorted: readonly { start_hex: string; end_hex: string; family: number }[]): boolean {
  let lo = 0;
  let hi = sorted.length; // the first range after the node's end
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const g = sorted[mid]!;
    if (g.family < n.family || (g.family === n.family && g.start_hex <= n.endHex)) lo = mid + 1;
    else hi = mid;
  }
  const g = sorted[lo - 1];
  return g !== undefined && g.family === n.family && g.end_hex >= n.startHex;
}

/** Links every node to the smallest other node containing it (CIDR prefixes nest or are apart). */
function buildTree(nodes: Node[]): void {
  nodes.sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : a.length - b.length));
  const stack: Node[] = [];
  for (const n of nodes) {
    while (stack.length > 0 && (stack.at(-1)!.family !== n.family || stack.at(-1)!.end < n.start)) stack.pop();
    const parent = stack.at(-1);
    if (parent) { n.parent = parent; parent.children.push(n); }
    stack.push(n);
  }
}

async function write(trx: Trx, lockSubnets: (ids: readonly number[]) => Promise<void>, actor: Actor, spaceId: number, existing: readonly SubnetRow[], planned: Node[],
  ranges: readonly { subnet_id: number; start_hex: string; end_hex: string }[], now: number): Promise<void> {
  if (planned.length === 0) return;
  const old: Node[] = existing.map((row) => ({
    family: row.family as Family, start: value(row.start_hex), end: value(row.end_hex), startHex: row.start_hex, endHex: row.end_hex, length: row.length, row, id: row.id, children: [],
  }));
  const all = [...old, ...planned];
  buildTree(all);
  // Existing subnets whose content changes (new children, addresses moving down): locked as the row-by-row path locks a parent.
  const changedOld = [...new Set(planned.map((n) => n.parent).filter((p): p is Node => p?.row !== undefined))];
  await lockSubnets(changedOld.map((n) => n.id!));

  // The subnets, in file order; a parent later in the file is set once it has an id.
  const inFileOrder = [...planned].sort((a, b) => a.planned!.line - b.planned!.line);
  const rows = new Map<Node, SubnetRow>();
  const later: Node[] = [];
  for (let i = 0; i < inFileOrder.length; i += BATCH) {
    const batch = inFileOrder.slice(i, i + BATCH);
    const inserted = await trx.insertInto('subnet').values(batch.map((n) => {
      if (n.parent && n.parent.id === undefined) later.push(n);
      return {
        space_id: spaceId, parent_id: n.parent?.id ?? null, family: n.family, prefix: formatPrefix(n.planned!.prefix), length: n.length,
        start_hex: n.startHex, end_hex: n.endHex, site_id: n.planned!.siteId, description: n.planned!.description, version: 1, created_at: now, updated_at: now,
      };
    })).returningAll().execute();
    const byKey = new Map(batch.map((n) => [`${n.startHex}/${n.length}/${n.family}`, n]));
    for (const row of inserted) {
      const n = byKey.get(`${row.start_hex}/${row.length}/${row.family}`)!;
      n.id = row.id;
      rows.set(n, row);
    }
  }
  await setParents(trx, later.map((n) => ({ id: n.id!, parent: n.parent!.id! })), false);
  for (const n of later) rows.set(n, { ...rows.get(n)!, parent_id: n.parent!.id! });
  // Existing subnets adopted by a new one.
  await setParents(trx, old.filter((n) => n.parent !== undefined && n.parent.row === undefined).map((n) => ({ id: n.id!, parent: n.parent!.id! })), true);
  for (let i = 0; i < inFileOrder.length; i += BATCH) {
    await trx.insertInto('audit').values(inFileOrder.slice(i, i + BATCH).map((n) => ({
      at: now, actor: actor.name, action: 'create', object_type: 'subnet', object_id: String(n.id), before: null, after: JSON.stringify(subnetView(rows.get(n)!)),
    }))).execute();
  }

  // Addresses move to the smallest subnet holding them: parents first, so an address moves down level by level.
  const holding = new Set((await trx.selectFrom('address').select('subnet_id').distinct().where('space_id', '=', spaceId).execute()).map((a) => a.subnet_id));
  for (const n of [...planned].sort((a, b) => a.length - b.length)) {
    if (!n.parent || !holding.has(n.parent.id!)) continue;
    const moved = await trx.updateTable('address').set((eb) => ({ subnet_id: n.id!, version: eb('version', '+', 1) }))
      .where('subnet_id', '=', n.parent.id!).where('addr_hex', '>=', n.startHex).where('addr_hex', '<=', n.endHex).executeTakeFirst();
    if (Number(moved.numUpdatedRows) > 0) holding.add(n.id!);
  }

  // Free space of every subnet whose content changed: the new ones and the existing parents of new ones.
  const recompute = [...planned, ...changedOld];
  const rangesOf = new Map<number, Range[]>();
  for (const g of ranges) (rangesOf.get(g.subnet_id) ?? rangesOf.set(g.subnet_id, []).get(g.subnet_id)!).push({ start: value(g.start_hex), end: value(g.end_hex) });
  const addressesOf = new Map<number, Range[]>();
  const withAddresses = recompute.filter((n) => holding.has(n.id!)).map((n) => n.id!);
  for (let i = 0; i < withAddresses.length; i += BATCH) {
    for (const a of await trx.selectFrom('address').select(['subnet_id', 'addr_hex']).where('subnet_id', 'in', withAddresses.slice(i, i + BATCH)).execute()) {
      const v = value(a.addr_hex);
      (addressesOf.get(a.subnet_id) ?? addressesOf.set(a.subnet_id, []).get(a.subnet_id)!).push({ start: v, end: v });
    }
  }
  for (let i = 0; i < changedOld.length; i += BATCH) {
    const ids = changedOld.slice(i, i + BATCH).map((n) => n.id!);
    await trx.deleteFrom('free_block').where('subnet_id', 'in', ids).execute();
    await trx.deleteFrom('free_range').where('subnet_id', 'in', ids).execute();
  }
  const blocks: { subnet_id: number; start_hex: string; length: number }[] = [];
  const free: { subnet_id: number; start_hex: string; end_hex: string }[] = [];
  const flush = async (force: boolean) => {
    while (blocks.length >= (force ? 1 : BATCH)) await trx.insertInto('free_block').values(blocks.splice(0, BATCH)).execute();
    while (free.length >= (force ? 1 : BATCH)) await trx.insertInto('free_range').values(free.splice(0, BATCH)).execute();
  };
  for (const n of recompute) {
    const used = normalize([...n.children.map((c) => ({ start: c.start, end: c.end })), ...(addressesOf.get(n.id!) ?? []), ...(rangesOf.get(n.id!) ?? [])]);
    for (const g of complement(n.start, n.end, used)) {
      for (const b of rangeToPrefixes(n.family, g.start, g.end)) blocks.push({ subnet_id: n.id!, start_hex: hexKey(n.family, b.start), length: b.length });
    }
    const usable = usableRange({ family: n.family, start: n.start, length: n.length });
    if (usable) for (const g of complement(usable.start, usable.end, used)) free.push({ subnet_id: n.id!, start_hex: hexKey(n.family, g.start), end_hex: hexKey(n.family, g.end) });
    await flush(false);
  }
  await flush(true);
}

/** Sets parent ids in batches (one CASE per statement: PostgreSQL and SQLite alike); `adopted` counts it as a change of the row (version + 1), as the row-by-row path does. */
async function setParents(trx: Trx, pairs: readonly { id: number; parent: number }[], adopted: boolean): Promise<void> {
  for (let i = 0; i < pairs.length; i += BATCH) {
    const batch = pairs.slice(i, i + BATCH);
    const cases = sql.join(batch.map((p) => sql`when ${p.id} then cast(${p.parent} as integer)`), sql` `);
    const version = adopted ? sql`, version = version + 1` : sql``;
    await sql`update subnet set parent_id = case id ${cases} end${version} where id in (${sql.join(batch.map((p) => p.id))})`.execute(trx);
  }
}

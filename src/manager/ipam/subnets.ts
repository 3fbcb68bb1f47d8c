// Subnets as a tree per IP space (docs/manager.md "Subnets"): a new subnet hangs under
// the smallest one that contains it and adopts the subnets it contains (with their
// addresses and ranges); a deleted one leaves its children to its parent. The free
// blocks and free ranges of the subnets concerned follow in the same transaction, so
// next-free is always an index lookup. Every structural change locks the IP space, then
// the subnets whose addresses or free space it changes (the order address changes use
// too: they lock only their subnet).
import { formatPrefix, hexKey, parsePrefix, prefixEnd, type Family, type Prefix } from '../../protocol/ipam/address.js';
import { splitBlock, usableRange, type Range } from '../../protocol/ipam/free-space.js';
import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { SubnetRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { remember, replay, type IdempotencyKey } from '../idempotency.js';
import { refreshBlocks, refreshRanges, subnetPrefix, takeRange } from './free-space-rows.js';
import { inTransaction, lockSpace, lockSubnet, type Trx } from './transaction.js';

/** What a subnet carries besides its prefix: all may change. */
export interface SubnetFields {
  readonly siteId?: number | null;
  readonly vlanId?: number | null;
  readonly description?: string;
}

export interface SubnetInput extends SubnetFields {
  readonly spaceId: number;
  readonly prefix: string;
}

export interface Subnet {
  readonly id: number;
  readonly spaceId: number;
  readonly parentId: number | null;
  readonly prefix: string;
  readonly family: Family;
  readonly siteId: number | null;
  readonly vlanId: number | null;
  readonly description: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const subnetView = (r: SubnetRow): Subnet => ({
  id: r.id, spaceId: r.space_id, parentId: r.parent_id, prefix: r.prefix, family: r.family as Family, siteId: r.site_id, vlanId: r.vlan_id,
  description: r.description, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

const whole = (p: Prefix): Range => ({ start: p.start, end: prefixEnd(p) });

export class Subnets {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  async get(id: number): Promise<Subnet> {
    const row = await this.m.db.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${id} does not exist`, `subnet ${id}`);
    return subnetView(row);
  }

  /** Creates a subnet from its prefix; it is placed in the tree of its IP space. */
  create(actor: Actor, input: SubnetInput): Promise<Subnet> {
    return inTransaction(this.m, async (trx) => {
      await this.requireSpace(trx, input.spaceId);
      await lockSpace(this.m, trx, input.spaceId);
      return this.createIn(trx, actor, input.spaceId, input.prefix, input);
    });
  }

  /** create() inside a caller's transaction that holds the IP space's lock (imports). */
  async createIn(trx: Trx, actor: Actor, spaceId: number, prefix: string, fields: SubnetFields): Promise<Subnet> {
    const parsed = parsePrefix(prefix);
    if (!parsed.ok) throw new ManagerError('MANAGER_INVALID', 'invalid', parsed.reason, `subnet ${prefix}`, 'prefix');
    await requirePlace(trx, fields.siteId ?? null, fields.vlanId ?? null, `subnet ${prefix}`);
    const row = await this.insert(trx, spaceId, parsed.prefix, fields);
    await audit(trx, row.created_at, actor, 'create', 'subnet', row.id, null, subnetView(row));
    return subnetView(row);
  }

  /**
   * The first free /length inside a parent (the lowest address among the blocks that can
   * hold it), created as a subnet. Race-free: the IP space is locked for the transaction.
   */
  nextFree(actor: Actor, parentId: number, length: number, extra: SubnetFields = {}, idempotency?: Omit<IdempotencyKey, 'scope'>): Promise<Subnet> {
    return inTransaction(this.m, async (trx) => {
      const parent = await trx.selectFrom('subnet').selectAll().where('id', '=', parentId).executeTakeFirst();
      if (!parent) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${parentId} does not exist`, `subnet ${parentId}`);
      await lockSpace(this.m, trx, parent.space_id);
      await lockSubnet(this.m, trx, parent.id); // its free ranges change too
      const key = idempotency ? { ...idempotency, scope: `next-subnet:${parentId}:${actor.name}` } : undefined;
      if (key) {
        const earlier = await replay<Subnet>(trx, key);
        if (earlier) return earlier;
      }
      const bits = parent.family === 4 ? 32 : 128;
      if (!Number.isInteger(length) || length <= parent.length || length > bits) {
        throw new ManagerError('MANAGER_INVALID', 'invalid', `a /${length} does not fit inside ${parent.prefix}: give a length from ${parent.length + 1} to ${bits}`, `subnet ${parent.prefix}`, 'length');
      }
      await requirePlace(trx, extra.siteId ?? null, extra.vlanId ?? null, `subnet ${parent.prefix}`);
      const block = await this.lowestBlock(trx, parent.id, parent.length, length);
      if (!block) throw new ManagerError('MANAGER_EXHAUSTED', 'exhausted', `no free /${length} is left in ${parent.prefix}`, `subnet ${parent.prefix}`, 'length');
      const family = parent.family as Family;
      const prefix: Prefix = { family, start: BigInt(`0x${block.start_hex}`), length };
      // The block is split (buddy): the rest of it stays free in the parent.
      await trx.deleteFrom('free_block').where('subnet_id', '=', parent.id).where('start_hex', '=', block.start_hex).execute();
      const now = this.clock.now();
      const row = await trx.insertInto('subnet').values({
        space_id: parent.space_id, parent_id: parent.id, family, prefix: formatPrefix(prefix), length,
        start_hex: hexKey(family, prefix.start), end_hex: hexKey(family, prefixEnd(prefix)), site_id: extra.siteId ?? null, vlan_id: extra.vlanId ?? null,
        description: extra.description ?? '', version: 1, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      // The parent keeps the rest of the block (the buddy split); the new subnet is empty (its block held
      // nothing): all of it is free, nothing to compute. One statement for both subnets' free blocks, one for their free ranges.
      const blockRow = (subnetId: number, b: Prefix) => ({ subnet_id: subnetId, start_hex: hexKey(family, b.start), length: b.length });
      await trx.insertInto('free_block').values([...splitBlock({ family, start: prefix.start, length: block.length }, length).map((b) => blockRow(parent.id, b)), blockRow(row.id, prefix)]).execute();
      const ranges = await takeRange(trx, parent, prefix.start, prefixEnd(prefix));
      const usable = usableRange(prefix);
      if (usable) ranges.push({ subnet_id: row.id, start_hex: hexKey(family, usable.start), end_hex: hexKey(family, usable.end) });
      if (ranges.length > 0) await trx.insertInto('free_range').values(ranges).execute();
      const view = subnetView(row);
      await audit(trx, now, actor, 'create', 'subnet', row.id, null, view);
      if (key) await remember(trx, key, now, view);
      return view;
    });
  }

  /** Changes what is not the prefix: the site, the VLAN, the description. */
  update(actor: Actor, id: number, patch: SubnetFields, ifVersion?: number): Promise<Subnet> {
    return inTransaction(this.m, async (trx) => {
      await lockSubnet(this.m, trx, id); // before the read: the version checked is the one changed
      const row = await trx.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${id} does not exist`, `subnet ${id}`);
      requireVersion(`subnet ${row.prefix}`, row.version, ifVersion);
      await requirePlace(trx, patch.siteId !== undefined ? patch.siteId : row.site_id, patch.vlanId !== undefined ? patch.vlanId : row.vlan_id, `subnet ${row.prefix}`);
      const now = this.clock.now();
      const after = await trx.updateTable('subnet').set({
        ...(patch.siteId !== undefined ? { site_id: patch.siteId } : {}), ...(patch.vlanId !== undefined ? { vlan_id: patch.vlanId } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}),
        version: row.version + 1, updated_at: now,
      }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'update', 'subnet', id, subnetView(row), subnetView(after));
      return subnetView(after);
    });
  }

  /** Deletes a subnet that holds no addresses or ranges; its children move up to its parent. */
  delete(actor: Actor, id: number, ifVersion?: number): Promise<void> {
    return inTransaction(this.m, async (trx) => {
      const space = await trx.selectFrom('subnet').select('space_id').where('id', '=', id).executeTakeFirst();
      if (!space) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${id} does not exist`, `subnet ${id}`);
      await lockSpace(this.m, trx, space.space_id);
      // Read under the tree's lock: its parent and version are the ones the delete works with.
      const row = await trx.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${id} does not exist`, `subnet ${id}`);
      if (row.parent_id !== null) await lockSubnet(this.m, trx, row.parent_id);
      await lockSubnet(this.m, trx, row.id);
      requireVersion(`subnet ${row.prefix}`, row.version, ifVersion);
      const used = await trx.selectFrom('address').select('address').where('subnet_id', '=', id).limit(1).executeTakeFirst()
        ?? await trx.selectFrom('ip_range').select('start as address').where('subnet_id', '=', id).limit(1).executeTakeFirst();
      if (used) throw new ManagerError('MANAGER_IN_USE', 'conflict', `subnet ${row.prefix} still holds ${used.address}: delete its addresses and ranges first`, `subnet ${row.prefix}`);
      await trx.updateTable('subnet').set({ parent_id: row.parent_id }).where('parent_id', '=', id).execute();
      await trx.deleteFrom('free_block').where('subnet_id', '=', id).execute();
      await trx.deleteFrom('free_range').where('subnet_id', '=', id).execute();
      await trx.deleteFrom('subnet').where('id', '=', id).execute();
      if (row.parent_id !== null) {
        const parent = await trx.selectFrom('subnet').selectAll().where('id', '=', row.parent_id).executeTakeFirstOrThrow();
        const range = whole(subnetPrefix(row));
        await refreshBlocks(trx, parent, range);
        await refreshRanges(trx, parent, range);
      }
      await audit(trx, this.clock.now(), actor, 'delete', 'subnet', id, subnetView(row), null);
    });
  }

  private async requireSpace(trx: Trx, spaceId: number): Promise<void> {
    const space = await trx.selectFrom('ip_space').select('id').where('id', '=', spaceId).executeTakeFirst();
    if (!space) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `IP space ${spaceId} does not exist`, `IP space ${spaceId}`, 'spaceId');
  }

  /** The free block of the lowest address among those of length ≤ `length`: one index lookup per length, in one statement. */
  private async lowestBlock(trx: Trx, subnetId: number, fromLength: number, length: number): Promise<{ start_hex: string; length: number } | undefined> {
    const parts = [];
    for (let l = fromLength; l <= length; l++) {
      parts.push(sql`select * from (select start_hex, length from free_block where subnet_id = ${subnetId} and length = ${l} order by start_hex limit 1) as ${sql.raw(`l${l}`)}`);
    }
    const r = await sql<{ start_hex: string; length: number }>`select start_hex, length from (${sql.join(parts, sql` union all `)}) as candidates order by start_hex limit 1`.execute(trx);
    return r.rows[0];
  }

  /** Inserts `p` under the smallest subnet containing it, adopting what it contains; keeps every free-space row true. */
  private async insert(trx: Trx, spaceId: number, p: Prefix, fields: SubnetFields): Promise<SubnetRow> {
    const family = p.family;
    const startHex = hexKey(family, p.start);
    const endHex = hexKey(family, prefixEnd(p));
    const exists = await trx.selectFrom('subnet').select('id').where('space_id', '=', spaceId).where('family', '=', family)
      .where('start_hex', '=', startHex).where('length', '=', p.length).executeTakeFirst();
    if (exists) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${formatPrefix(p)} exists already in this IP space (subnet ${exists.id})`, `subnet ${formatPrefix(p)}`, 'prefix');
    // The ancestors of a prefix are its own truncations: at most 32 (or 128) exact lookups in one query.
    const ancestors = Array.from({ length: p.length }, (_, l) => hexKey(family, p.start & ~((1n << BigInt((family === 4 ? 32 : 128) - l)) - 1n)));
    const parent = p.length === 0 ? undefined : await trx.selectFrom('subnet').selectAll().where('space_id', '=', spaceId).where('family', '=', family)
      .where('start_hex', 'in', [...new Set(ancestors)]).where('length', '<', p.length).where('end_hex', '>=', endHex)
      .orderBy('length', 'desc').limit(1).executeTakeFirst();
    if (parent) await lockSubnet(this.m, trx, parent.id); // its addresses, ranges and free space change
    const now = this.clock.now();
    const row = await trx.insertInto('subnet').values({
      space_id: spaceId, parent_id: parent?.id ?? null, family, prefix: formatPrefix(p), length: p.length, start_hex: startHex, end_hex: endHex,
      site_id: fields.siteId ?? null, vlan_id: fields.vlanId ?? null, description: fields.description ?? '', version: 1, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    // Adopt the siblings inside it (CIDR prefixes nest or are apart: no sibling straddles it).
    let siblings = trx.updateTable('subnet').set((eb) => ({ parent_id: row.id, version: eb('version', '+', 1) })).where('space_id', '=', spaceId).where('family', '=', family)
      .where('start_hex', '>=', startHex).where('start_hex', '<=', endHex).where('id', '!=', row.id);
    siblings = parent ? siblings.where('parent_id', '=', parent.id) : siblings.where('parent_id', 'is', null);
    await siblings.execute();
    const range = whole(p);
    if (parent) {
      // Addresses and ranges of the parent inside the new subnet become its own.
      const crossing = await trx.selectFrom('ip_range').select(['start', 'end']).where('subnet_id', '=', parent.id)
        .where('start_hex', '<=', endHex).where('end_hex', '>=', startHex)
        .where((eb) => eb.or([eb('start_hex', '<', startHex), eb('end_hex', '>', endHex)])).executeTakeFirst();
      if (crossing) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `range ${crossing.start}-${crossing.end} of ${parent.prefix} crosses the boundary of ${formatPrefix(p)}`, `subnet ${formatPrefix(p)}`, 'prefix');
      // A range may not hold the new subnet's network or broadcast address (IPv4), nor its subnet-router anycast (IPv6).
      const usable = usableRange(p)!;
      const unusable = await trx.selectFrom('ip_range').select(['start', 'end']).where('subnet_id', '=', parent.id)
        .where('start_hex', '>=', startHex).where('end_hex', '<=', endHex)
        .where((eb) => eb.or([eb('start_hex', '<', hexKey(family, usable.start)), eb('end_hex', '>', hexKey(family, usable.end))])).executeTakeFirst();
      if (unusable) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `range ${unusable.start}-${unusable.end} of ${parent.prefix} would hold an address ${formatPrefix(p)} cannot hand out (its network, broadcast or anycast address)`, `subnet ${formatPrefix(p)}`, 'prefix');
      await trx.updateTable('address').set((eb) => ({ subnet_id: row.id, version: eb('version', '+', 1) })).where('subnet_id', '=', parent.id).where('addr_hex', '>=', startHex).where('addr_hex', '<=', endHex).execute();
      await trx.updateTable('ip_range').set((eb) => ({ subnet_id: row.id, version: eb('version', '+', 1) })).where('subnet_id', '=', parent.id).where('start_hex', '>=', startHex).where('end_hex', '<=', endHex).execute();
      await refreshBlocks(trx, parent, range);
      await refreshRanges(trx, parent, range);
    }
    await refreshBlocks(trx, row, range);
    await refreshRanges(trx, row, range);
    return row;
  }
}

/**
 * Refuses a site or VLAN id that names nothing (a foreign key would fail with less to
 * say), and a VLAN local to another site than the subnet's.
 */
async function requirePlace(trx: Trx, siteId: number | null, vlanId: number | null, object: string): Promise<void> {
  const site = siteId === null ? undefined : await trx.selectFrom('site').select(['id', 'name']).where('id', '=', siteId).executeTakeFirst();
  if (siteId !== null && !site) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `site ${siteId} does not exist`, object, 'siteId');
  if (vlanId === null) return;
  const vlan = await trx.selectFrom('vlan').select(['vid', 'name', 'site_id']).where('id', '=', vlanId).executeTakeFirst();
  if (!vlan) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `VLAN ${vlanId} does not exist`, object, 'vlanId');
  if (vlan.site_id !== null && vlan.site_id !== siteId) {
    const where = site ? `the subnet is at site ${site.name}` : 'the subnet is at no site';
    throw new ManagerError('MANAGER_INVALID', 'invalid', `VLAN ${vlan.vid} (${vlan.name}) is local to site ${vlan.site_id}; ${where}`, object, 'vlanId');
  }
}

// Ranges of a subnet (docs/manager.md "Subnets"): DHCP pools (addresses the DHCP
// service hands out dynamically) and exclusions (addresses nobody may be given). Both
// are outside next-free. A range lies inside its subnet's usable addresses, outside its
// child subnets, and overlaps no other range or recorded address of the subnet. An IPv4
// pool may carry DHCP options and client classes of its own (dhcp-extras.ts).
import { formatAddress, hexKey, parseAddress, type Family } from '../../protocol/ipam/address.js';
import { usableRange } from '../../protocol/ipam/free-space.js';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { IpRangeRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { extrasView, mergeExtras, extrasRefusal, type DhcpExtras, type DhcpExtrasPatch } from './dhcp-extras.js';
import { refreshBlocks, refreshRanges, subnetPrefix } from './free-space-rows.js';
import { inTransaction, lockSubnet, readUnderSubnetLock } from './transaction.js';

export const RANGE_KINDS = ['pool', 'exclusion'] as const;
export type RangeKind = (typeof RANGE_KINDS)[number];

export interface IpRange extends DhcpExtras {
  readonly id: number;
  readonly subnetId: number;
  readonly kind: RangeKind;
  readonly start: string;
  readonly end: string;
  readonly description: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RangeInput extends DhcpExtrasPatch {
  readonly kind: RangeKind;
  readonly start: string;
  readonly end: string;
  readonly description?: string;
}

/** What a range's PATCH changes: not its kind or bounds (delete it and add another). */
export interface RangePatch extends DhcpExtrasPatch {
  readonly description?: string;
}

export const rangeView = (r: IpRangeRow): IpRange => ({
  id: r.id, subnetId: r.subnet_id, kind: r.kind as RangeKind, start: r.start, end: r.end, description: r.description, ...extrasView(r.data),
  version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Why a range cannot carry options and classes, if it cannot: they are what a DHCPv4 server does with a pool. */
const noExtras = (kind: string, family: number): string | undefined =>
  kind !== 'pool' ? 'options and classes are for pools: an exclusion is handed out to nobody' : family !== 4 ? 'options and classes are for IPv4 pools: the DHCP service serves IPv4 only' : undefined;

export class IpRanges {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  create(actor: Actor, subnetId: number, input: RangeInput): Promise<IpRange> {
    return inTransaction(this.m, async (trx) => {
      await lockSubnet(this.m, trx, subnetId);
      const subnet = await trx.selectFrom('subnet').selectAll().where('id', '=', subnetId).executeTakeFirst();
      if (!subnet) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${subnetId} does not exist`, `subnet ${subnetId}`);
      const object = `range ${input.start}-${input.end} of ${subnet.prefix}`;
      const bad = (field: string, reason: string) => new ManagerError('MANAGER_INVALID', 'invalid', reason, object, field);
      if (!(RANGE_KINDS as readonly string[]).includes(input.kind)) throw bad('kind', `kind is one of ${RANGE_KINDS.join(', ')}`);
      const family = subnet.family as Family;
      const start = parseAddress(input.start);
      const end = parseAddress(input.end);
      if (!start || start.family !== family) throw bad('start', `${input.start} is not an IPv${family} address`);
      if (!end || end.family !== family) throw bad('end', `${input.end} is not an IPv${family} address`);
      if (end.value < start.value) throw bad('end', `${input.end} comes before ${input.start}`);
      const usable = usableRange(subnetPrefix(subnet))!;
      if (start.value < usable.start || end.value > usable.end) {
        throw bad(start.value < usable.start ? 'start' : 'end', `the range is outside the usable addresses of ${subnet.prefix} (${formatAddress(family, usable.start)}-${formatAddress(family, usable.end)})`);
      }
      const lo = hexKey(family, start.value);
      const hi = hexKey(family, end.value);
      const overlapping = await trx.selectFrom('ip_range').select(['kind', 'start', 'end']).where('subnet_id', '=', subnet.id)
        .where('start_hex', '<=', hi).where('end_hex', '>=', lo).executeTakeFirst();
      if (overlapping) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `it overlaps ${overlapping.kind} ${overlapping.start}-${overlapping.end}`, object, 'start');
      const child = await trx.selectFrom('subnet').select('prefix').where('parent_id', '=', subnet.id)
        .where('start_hex', '<=', hi).where('end_hex', '>=', lo).executeTakeFirst();
      if (child) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `it overlaps the child subnet ${child.prefix}`, object, 'start');
      const address = await trx.selectFrom('address').select('address').where('subnet_id', '=', subnet.id)
        .where('addr_hex', '>=', lo).where('addr_hex', '<=', hi).executeTakeFirst();
      if (address) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `it holds the recorded address ${address.address}`, object, 'start');
      const refusal = extrasRefusal(input, object, noExtras(input.kind, family));
      if (refusal) throw refusal;
      const data = await mergeExtras(trx, null, input, object);
      const now = this.clock.now();
      const row = await trx.insertInto('ip_range').values({
        subnet_id: subnet.id, kind: input.kind, start: formatAddress(family, start.value), end: formatAddress(family, end.value), start_hex: lo, end_hex: hi,
        description: input.description ?? '', data, version: 1, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      await refreshRanges(trx, subnet, { start: start.value, end: end.value });
      await refreshBlocks(trx, subnet, { start: start.value, end: end.value });
      await audit(trx, now, actor, 'create', 'ip_range', row.id, null, rangeView(row));
      return rangeView(row);
    });
  }

  /** Changes a range's description, or a pool's options and classes. */
  update(actor: Actor, id: number, patch: RangePatch, ifVersion?: number): Promise<IpRange> {
    return inTransaction(this.m, async (trx) => {
      const row = await readUnderSubnetLock(this.m, trx, () => trx.selectFrom('ip_range').selectAll().where('id', '=', id).executeTakeFirst());
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `range ${id} does not exist`, `range ${id}`);
      const object = `${row.kind} ${row.start}-${row.end}`;
      requireVersion(object, row.version, ifVersion);
      const refusal = extrasRefusal(patch, object, noExtras(row.kind, row.start.includes(':') ? 6 : 4));
      if (refusal) throw refusal;
      const now = this.clock.now();
      const after = await trx.updateTable('ip_range').set({
        data: await mergeExtras(trx, row.data, patch, object), ...(patch.description !== undefined ? { description: patch.description } : {}),
        version: row.version + 1, updated_at: now,
      }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'update', 'ip_range', id, rangeView(row), rangeView(after));
      return rangeView(after);
    });
  }

  delete(actor: Actor, id: number, ifVersion?: number): Promise<void> {
    return inTransaction(this.m, async (trx) => {
      const row = await readUnderSubnetLock(this.m, trx, () => trx.selectFrom('ip_range').selectAll().where('id', '=', id).executeTakeFirst());
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `range ${id} does not exist`, `range ${id}`);
      requireVersion(`range ${row.start}-${row.end}`, row.version, ifVersion);
      await trx.deleteFrom('ip_range').where('id', '=', id).execute();
      const subnet = await trx.selectFrom('subnet').selectAll().where('id', '=', row.subnet_id).executeTakeFirstOrThrow();
      const range = { start: BigInt(`0x${row.start_hex}`), end: BigInt(`0x${row.end_hex}`) };
      await refreshRanges(trx, subnet, range);
      await refreshBlocks(trx, subnet, range);
      await audit(trx, this.clock.now(), actor, 'delete', 'ip_range', id, rangeView(row), null);
    });
  }
}

// Reading lists (docs/manager.md "Lists"): filters, and keyset pagination by id — the
// page after id N is an index range scan however deep it is (no OFFSET).
import type { ManagerDatabase } from '../storage/manager/database.js';
import { BITS, hexKey, parseAddress, parsePrefix, prefixEnd } from '../protocol/ipam/address.js';
import { addressView, type Address } from './ipam/addresses.js';
import { rangeView, type IpRange } from './ipam/ranges.js';
import { siteView, type Site } from './ipam/sites.js';
import { spaceView, type IpSpace } from './ipam/spaces.js';
import { subnetView, type Subnet } from './ipam/subnets.js';
import { ManagerError } from './errors.js';
import { userView, type User } from './access/users.js';

export interface Page<T> {
  readonly items: readonly T[];
  /** The id to ask `after` for the next page; null on the last. */
  readonly next: number | null;
}

export interface PageRequest {
  readonly after?: number;
  readonly limit: number;
}

export interface SubnetFilter {
  readonly spaceId?: number;
  /** A parent's id, or null for the top of the tree. */
  readonly parentId?: number | null;
  readonly siteId?: number;
  readonly vlanId?: number;
  readonly family?: 4 | 6;
  /** Subnets that contain this address. */
  readonly contains?: string;
  /** Subnets inside this prefix. */
  readonly within?: string;
}

export interface AddressFilter {
  readonly spaceId?: number;
  readonly subnetId?: number;
  readonly mac?: string;
  readonly hostname?: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** A keyset page of rows read with limit + 1: the extra row only says there is a next page. */
export function page<R extends { id: number }, T>(rows: readonly R[], limit: number, view: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(view), next: more ? items.at(-1)!.id : null };
}

export class Queries {
  constructor(private readonly m: ManagerDatabase) {}

  async subnets(f: SubnetFilter, p: PageRequest): Promise<Page<Subnet>> {
    let q = this.m.db.selectFrom('subnet').selectAll().where('id', '>', p.after ?? 0);
    if (f.spaceId !== undefined) q = q.where('space_id', '=', f.spaceId);
    if (f.parentId !== undefined) q = f.parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', f.parentId);
    if (f.siteId !== undefined) q = q.where('site_id', '=', f.siteId);
    if (f.vlanId !== undefined) q = q.where('vlan_id', '=', f.vlanId);
    if (f.family !== undefined) q = q.where('family', '=', f.family);
    if (f.contains !== undefined) {
      const a = parseAddress(f.contains);
      if (!a) throw new ManagerError('MANAGER_INVALID', 'invalid', `${f.contains} is not an IPv4 or IPv6 address`, 'subnets', 'contains');
      // A subnet holding the address starts at one of its truncations: at most 33 (or 129) index lookups, not a scan of every lower start.
      const bits = BITS[a.family];
      const starts = [...new Set(Array.from({ length: bits + 1 }, (_, l) => hexKey(a.family, a.value & ~((1n << BigInt(bits - l)) - 1n))))];
      q = q.where('family', '=', a.family).where('start_hex', 'in', starts).where('end_hex', '>=', hexKey(a.family, a.value));
    }
    if (f.within !== undefined) {
      const w = parsePrefix(f.within);
      if (!w.ok) throw new ManagerError('MANAGER_INVALID', 'invalid', w.reason, 'subnets', 'within');
      const last = hexKey(w.prefix.family, prefixEnd(w.prefix));
      // start_hex ≤ last follows from end_hex ≤ last; said, it bounds the index range on start_hex from both sides.
      q = q.where('family', '=', w.prefix.family).where('start_hex', '>=', hexKey(w.prefix.family, w.prefix.start)).where('start_hex', '<=', last).where('end_hex', '<=', last);
    }
    return page(await q.orderBy('id').limit(p.limit + 1).execute(), p.limit, subnetView);
  }

  async addresses(f: AddressFilter, p: PageRequest): Promise<Page<Address>> {
    let q = this.m.db.selectFrom('address').selectAll().where('id', '>', p.after ?? 0);
    if (f.spaceId !== undefined) q = q.where('space_id', '=', f.spaceId);
    if (f.subnetId !== undefined) q = q.where('subnet_id', '=', f.subnetId);
    if (f.mac !== undefined) q = q.where('mac', '=', f.mac.toLowerCase());
    if (f.hostname !== undefined) q = q.where('hostname', '=', f.hostname);
    return page(await q.orderBy('id').limit(p.limit + 1).execute(), p.limit, addressView);
  }

  async ranges(subnetId: number, p: PageRequest): Promise<Page<IpRange>> {
    const rows = await this.m.db.selectFrom('ip_range').selectAll().where('subnet_id', '=', subnetId).where('id', '>', p.after ?? 0).orderBy('id').limit(p.limit + 1).execute();
    return page(rows, p.limit, rangeView);
  }

  async spaces(p: PageRequest): Promise<Page<IpSpace>> {
    return page(await this.m.db.selectFrom('ip_space').selectAll().where('id', '>', p.after ?? 0).orderBy('id').limit(p.limit + 1).execute(), p.limit, spaceView);
  }

  async sites(p: PageRequest): Promise<Page<Site>> {
    return page(await this.m.db.selectFrom('site').selectAll().where('id', '>', p.after ?? 0).orderBy('id').limit(p.limit + 1).execute(), p.limit, siteView);
  }

  async users(p: PageRequest): Promise<Page<User>> {
    return page(await this.m.db.selectFrom('app_user').selectAll().where('id', '>', p.after ?? 0).orderBy('id').limit(p.limit + 1).execute(), p.limit, userView);
  }

  async audit(f: { objectType?: string; objectId?: string }, p: PageRequest): Promise<Page<AuditEntry>> {
    let q = this.m.db.selectFrom('audit').selectAll().where('id', '>', p.after ?? 0);
    if (f.objectType !== undefined) q = q.where('object_type', '=', f.objectType);
    if (f.objectId !== undefined) q = q.where('object_id', '=', f.objectId);
    return page(await q.orderBy('id').limit(p.limit + 1).execute(), p.limit, (r) => ({
      id: r.id, at: r.at, actor: r.actor, action: r.action, objectType: r.object_type, objectId: r.object_id,
      before: r.before === null ? null : JSON.parse(r.before) as unknown, after: r.after === null ? null : JSON.parse(r.after) as unknown,
    }));
  }

  async space(id: number): Promise<IpSpace | undefined> {
    const row = await this.m.db.selectFrom('ip_space').selectAll().where('id', '=', id).executeTakeFirst();
    return row && spaceView(row);
  }

  async site(id: number): Promise<Site | undefined> {
    const row = await this.m.db.selectFrom('site').selectAll().where('id', '=', id).executeTakeFirst();
    return row && siteView(row);
  }

  async address(id: number): Promise<Address | undefined> {
    const row = await this.m.db.selectFrom('address').selectAll().where('id', '=', id).executeTakeFirst();
    return row && addressView(row);
  }

  async range(id: number): Promise<IpRange | undefined> {
    const row = await this.m.db.selectFrom('ip_range').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rangeView(row);
  }
}

// Utilisation (docs/manager.md "Alerts"): of a subnet, the share of its usable addresses
// that are not free — recorded addresses, pools, exclusions and child subnets count as
// used, exactly what next-free-address cannot hand out; of a pool, the share of its
// addresses its site reports bound now (the latest lease of each address, not expired).
import { sql } from 'kysely';
import { usableRange } from '../../protocol/ipam/free-space.js';
import type { Family } from '../../protocol/ipam/address.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { DEFAULT_CRITICAL, DEFAULT_WARNING } from '../objects/thresholds.js';

export interface Thresholds {
  readonly warning: number;
  readonly critical: number;
  /** Where they come from: the object's own, its subnet's, the default object, or built in. */
  readonly from: 'own' | 'subnet' | 'default' | 'built-in';
}

export interface PoolUse {
  readonly rangeId: number;
  readonly subnetId: number;
  readonly siteId: number | null;
  readonly start: string;
  readonly end: string;
  readonly prefix: string;
  readonly size: number;
  readonly leased: number;
  readonly percent: number;
  readonly thresholds: Thresholds;
}

export interface SubnetUse {
  readonly subnetId: number;
  readonly siteId: number | null;
  readonly prefix: string;
  /** Usable addresses (a decimal string: an IPv6 subnet's does not fit a number). */
  readonly size: string;
  readonly used: string;
  readonly free: string;
  readonly percent: number;
  /** Its own thresholds; null: it raises no alert. */
  readonly thresholds: Thresholds | null;
  readonly pools: readonly PoolUse[];
}

const key = (hex: string) => BigInt(`0x${hex}`);
const percentOf = (part: bigint, whole: bigint) => (whole === 0n ? 0 : Number((part * 10_000n) / whole) / 100);

interface ThresholdRow { subnet_id: number | null; range_id: number | null; data: string }

/** Resolves thresholds: the pool's own, else its subnet's, else the default object's, else built in. */
class ThresholdTable {
  private readonly bySubnet = new Map<number, { warning: number; critical: number }>();
  private readonly byRange = new Map<number, { warning: number; critical: number }>();
  private fallback: Thresholds = { warning: DEFAULT_WARNING, critical: DEFAULT_CRITICAL, from: 'built-in' };

  constructor(rows: readonly ThresholdRow[]) {
    for (const r of rows) {
      const t = JSON.parse(r.data) as { warning: number; critical: number };
      if (r.range_id !== null) this.byRange.set(r.range_id, t);
      else if (r.subnet_id !== null) this.bySubnet.set(r.subnet_id, t);
      else this.fallback = { warning: t.warning, critical: t.critical, from: 'default' };
    }
  }

  subnet(id: number): Thresholds | null {
    const t = this.bySubnet.get(id);
    return t ? { warning: t.warning, critical: t.critical, from: 'own' } : null;
  }

  pool(rangeId: number, subnetId: number): Thresholds {
    const own = this.byRange.get(rangeId);
    if (own) return { warning: own.warning, critical: own.critical, from: 'own' };
    const s = this.bySubnet.get(subnetId);
    return s ? { warning: s.warning, critical: s.critical, from: 'subnet' } : this.fallback;
  }

  subnetsWithThresholds(): number[] {
    return [...this.bySubnet.keys()];
  }
}

export class Utilisation {
  constructor(private readonly m: ManagerDatabase) {}

  private async thresholds(): Promise<ThresholdTable> {
    return new ThresholdTable(await this.m.db.selectFrom('utilisation_threshold').select(['subnet_id', 'range_id', 'data']).execute());
  }

  /** Pools with their leased counts at `now`; of one subnet, or all. */
  async pools(now: number, subnetId?: number, table?: ThresholdTable): Promise<PoolUse[]> {
    const t = table ?? await this.thresholds();
    let q = this.m.db.selectFrom('ip_range as r').innerJoin('subnet as s', 's.id', 'r.subnet_id')
      .select(['r.id', 'r.subnet_id', 'r.start', 'r.end', 'r.start_hex', 'r.end_hex', 's.site_id', 's.prefix'])
      .select(sql<number>`(select count(*) from lease_now l where l.site_id = s.site_id and l.family = s.family
        and l.addr_hex >= r.start_hex and l.addr_hex <= r.end_hex and l.state = 'bound' and l.ends_at > ${now})`.as('leased'))
      .where('r.kind', '=', 'pool');
    if (subnetId !== undefined) q = q.where('r.subnet_id', '=', subnetId);
    const rows = await q.orderBy('r.id').execute();
    return rows.map((r) => {
      const size = key(r.end_hex) - key(r.start_hex) + 1n;
      const leased = Number(r.leased);
      return {
        rangeId: r.id, subnetId: r.subnet_id, siteId: r.site_id, start: r.start, end: r.end, prefix: r.prefix,
        size: Number(size), leased, percent: percentOf(BigInt(leased), size), thresholds: t.pool(r.id, r.subnet_id),
      };
    });
  }

  /** A subnet's utilisation and its pools'; undefined when it does not exist. */
  async subnet(id: number, now: number, table?: ThresholdTable, withPools = true): Promise<SubnetUse | undefined> {
    const t = table ?? await this.thresholds();
    const s = await this.m.db.selectFrom('subnet').select(['id', 'family', 'start_hex', 'length', 'prefix', 'site_id']).where('id', '=', id).executeTakeFirst();
    if (!s) return undefined;
    const usable = usableRange({ family: s.family as Family, start: key(s.start_hex), length: s.length });
    const size = usable ? usable.end - usable.start + 1n : 0n;
    let free = 0n;
    for (const r of await this.m.db.selectFrom('free_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', id).execute()) free += key(r.end_hex) - key(r.start_hex) + 1n;
    return {
      subnetId: s.id, siteId: s.site_id, prefix: s.prefix, size: String(size), used: String(size - free), free: String(free), percent: percentOf(size - free, size),
      thresholds: t.subnet(s.id), pools: withPools ? await this.pools(now, id, t) : [],
    };
  }

  /** Every pool, and every subnet that has thresholds of its own: what alerts watch. */
  async watched(now: number): Promise<{ pools: PoolUse[]; subnets: SubnetUse[] }> {
    const t = await this.thresholds();
    const subnets: SubnetUse[] = [];
    // Every pool is read once below; a subnet's own figures need not read its pools again.
    for (const id of t.subnetsWithThresholds()) {
      const u = await this.subnet(id, now, t, false);
      if (u) subnets.push(u);
    }
    return { pools: await this.pools(now, undefined, t), subnets };
  }
}

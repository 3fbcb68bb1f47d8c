// What sites reported, read back (docs/manager.md "Site reports"): lease history — every
// lease change in the order received, searchable by address, client and time ("who had
// 198.51.100.23 last Tuesday") — and the raw events of every site, each once and in order.
import { hexKey, parseAddress } from '../../protocol/ipam/address.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { LeaseEventTable, SiteEventTable } from '../../storage/manager/tables.js';
import type { Selectable } from 'kysely';
import { ManagerError } from '../errors.js';
import { page, type Page, type PageRequest } from '../queries.js';

export interface LeaseRecord {
  readonly id: number;
  readonly siteId: number;
  readonly server: string;
  readonly address: string;
  readonly state: string;
  readonly mac: string | null;
  readonly clientId: string | null;
  readonly hostname: string | null;
  /** When this state began and ends (ms since the epoch). */
  readonly startsAt: number;
  readonly endsAt: number | null;
  readonly receivedAt: number;
}

export interface LeaseHistoryFilter {
  readonly siteId?: number;
  readonly address?: string;
  readonly mac?: string;
  readonly hostname?: string;
  /** Changes whose state began at or after this time (ms). */
  readonly since?: number;
  /** Changes whose state began before this time (ms). */
  readonly until?: number;
}

export interface SiteEventRecord {
  readonly id: number;
  readonly siteId: number;
  readonly serverId: number;
  readonly server: string;
  readonly stream: string;
  readonly seq: number;
  readonly at: number;
  readonly kind: string;
  readonly data: unknown;
  readonly receivedAt: number;
}

const leaseView = (r: Selectable<LeaseEventTable>): LeaseRecord => ({
  id: r.id, siteId: r.site_id, server: r.server, address: r.address, state: r.state, mac: r.mac, clientId: r.client_id, hostname: r.hostname,
  startsAt: Number(r.starts_at), endsAt: r.ends_at === null ? null : Number(r.ends_at), receivedAt: Number(r.received_at),
});
const eventView = (r: Selectable<SiteEventTable>): SiteEventRecord => ({
  id: r.id, siteId: r.site_id, serverId: r.server_id, server: r.server, stream: r.stream, seq: Number(r.seq), at: Number(r.at), kind: r.kind, data: JSON.parse(r.data) as unknown, receivedAt: Number(r.received_at),
});

function addressKey(text: string): { family: number; hex: string } {
  const a = parseAddress(text);
  if (!a) throw new ManagerError('MANAGER_INVALID', 'invalid', `${text} is not an address`, `address ${text}`, 'address');
  return { family: a.family, hex: hexKey(a.family, a.value) };
}

export class SiteHistory {
  constructor(private readonly m: ManagerDatabase) {}

  async leases(f: LeaseHistoryFilter, p: PageRequest): Promise<Page<LeaseRecord>> {
    let q = this.m.db.selectFrom('lease_event').selectAll();
    if (f.address !== undefined) {
      const k = addressKey(f.address);
      q = q.where('family', '=', k.family).where('addr_hex', '=', k.hex);
    }
    if (f.siteId !== undefined) q = q.where('site_id', '=', f.siteId);
    if (f.mac !== undefined) q = q.where('mac', '=', f.mac.toLowerCase());
    if (f.hostname !== undefined) q = q.where('hostname', '=', f.hostname);
    if (f.since !== undefined) q = q.where('starts_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('starts_at', '<', f.until);
    if (p.after !== undefined) q = q.where('id', '>', p.after);
    return page(await q.orderBy('id').limit(p.limit + 1).execute(), p.limit, leaseView);
  }

  /**
   * Who held an address at a time, per site that reported it: the change in force then
   * (the latest that began at or before it) and whether it was a binding not yet ended.
   */
  async holders(address: string, at: number, siteId?: number): Promise<{ siteId: number; held: boolean; lease: LeaseRecord }[]> {
    const k = addressKey(address);
    let sites = this.m.db.selectFrom('lease_event').select('site_id').distinct().where('family', '=', k.family).where('addr_hex', '=', k.hex);
    if (siteId !== undefined) sites = sites.where('site_id', '=', siteId);
    const out: { siteId: number; held: boolean; lease: LeaseRecord }[] = [];
    for (const { site_id } of await sites.orderBy('site_id').execute()) {
      const r = await this.m.db.selectFrom('lease_event').selectAll().where('site_id', '=', site_id).where('family', '=', k.family).where('addr_hex', '=', k.hex)
        .where('starts_at', '<=', at).orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (r) out.push({ siteId: site_id, held: r.state === 'bound' && (r.ends_at === null || Number(r.ends_at) > at), lease: leaseView(r) });
    }
    return out;
  }

  async events(f: { siteId?: number; serverId?: number; kind?: string }, p: PageRequest): Promise<Page<SiteEventRecord>> {
    let q = this.m.db.selectFrom('site_event').selectAll();
    if (f.siteId !== undefined) q = q.where('site_id', '=', f.siteId);
    if (f.serverId !== undefined) q = q.where('server_id', '=', f.serverId);
    if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
    if (p.after !== undefined) q = q.where('id', '>', p.after);
    return page(await q.orderBy('id').limit(p.limit + 1).execute(), p.limit, eventView);
  }
}

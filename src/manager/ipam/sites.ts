// Sites (docs/manager.md): a place with its own servers — its survivability class says
// whether it must serve on its own through a WAN outage (survivable: its own DHCP, DNS
// copies and phone files) or relies on the hub (dependent).
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { SiteRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { inTransaction, type Trx } from './transaction.js';

export const SURVIVABILITY = ['survivable', 'dependent'] as const;
export type Survivability = (typeof SURVIVABILITY)[number];

export interface Site {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly survivability: Survivability;
  readonly wanNotes: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SiteInput {
  readonly name: string;
  readonly description?: string;
  readonly survivability?: Survivability;
  readonly wanNotes?: string;
}

export type SitePatch = Partial<SiteInput>;

/** What keeps a site from being deleted: the objects at it, and its lease history (kept, never dropped with it). */
const SITE_USERS = [
  { table: 'server', what: 'server' }, { table: 'twin_pair', what: 'twin pair' }, { table: 'vlan', what: 'VLAN' },
  { table: 'subnet', what: 'subnet' }, { table: 'lease_event', what: 'lease history entry' },
] as const;

export const siteView = (r: SiteRow): Site => ({
  id: r.id, name: r.name, description: r.description, survivability: r.survivability as Survivability, wanNotes: r.wan_notes,
  version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** A site name is the site config's: a DNS label. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class Sites {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  create(actor: Actor, input: SiteInput): Promise<Site> {
    const refusal = inputRefusal(input);
    if (refusal) return Promise.reject(refusal);
    return inTransaction(this.m, async (trx) => {
      await nameFree(trx, input.name);
      const now = this.clock.now();
      const row = await trx.insertInto('site').values({
        name: input.name, description: input.description ?? '', survivability: input.survivability ?? 'survivable', wan_notes: input.wanNotes ?? '',
        version: 1, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'site', row.id, null, siteView(row));
      return siteView(row);
    });
  }

  /** Changes a site's name, survivability, description or WAN notes; a new name renames it in every config rendered after. */
  update(actor: Actor, id: number, patch: SitePatch, ifVersion?: number): Promise<Site> {
    return inTransaction(this.m, async (trx) => {
      const row = await trx.selectFrom('site').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `site ${id} does not exist`, `site ${id}`);
      requireVersion(`site ${row.name}`, row.version, ifVersion);
      const next = { ...siteView(row), ...patch };
      const refusal = inputRefusal(next);
      if (refusal) throw refusal;
      if (next.name !== row.name) await nameFree(trx, next.name);
      const now = this.clock.now();
      const after = await trx.updateTable('site').set({
        name: next.name, description: next.description, survivability: next.survivability, wan_notes: next.wanNotes, version: row.version + 1, updated_at: now,
      }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'update', 'site', id, siteView(row), siteView(after));
      return siteView(after);
    });
  }

  /** Deletes a site nothing is at any more (servers, twin pairs, VLANs, subnets) and that has no lease history. */
  delete(actor: Actor, id: number, ifVersion?: number): Promise<void> {
    return inTransaction(this.m, async (trx) => {
      const row = await trx.selectFrom('site').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `site ${id} does not exist`, `site ${id}`);
      requireVersion(`site ${row.name}`, row.version, ifVersion);
      for (const u of SITE_USERS) {
        const user = await trx.selectFrom(u.table).select('site_id').where('site_id', '=', id).limit(1).executeTakeFirst();
        if (user) throw new ManagerError('MANAGER_IN_USE', 'conflict', `site ${row.name} still has a ${u.what}: move or delete those first`, `site ${row.name}`);
      }
      await trx.deleteFrom('site').where('id', '=', id).execute();
      await audit(trx, this.clock.now(), actor, 'delete', 'site', id, siteView(row), null);
    });
  }
}

function inputRefusal(input: SiteInput): ManagerError | undefined {
  if (!NAME.test(input.name)) return new ManagerError('MANAGER_INVALID', 'invalid', 'a site name is a DNS label: lower-case letters, digits and hyphens, e.g. "branch-07"', `site ${input.name}`, 'name');
  if (input.survivability !== undefined && !(SURVIVABILITY as readonly string[]).includes(input.survivability)) {
    return new ManagerError('MANAGER_INVALID', 'invalid', `survivability is one of ${SURVIVABILITY.join(', ')}`, `site ${input.name}`, 'survivability');
  }
  return undefined;
}

async function nameFree(trx: Trx, name: string): Promise<void> {
  const taken = await trx.selectFrom('site').select('id').where('name', '=', name).executeTakeFirst();
  if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `site ${name} exists already (id ${taken.id})`, `site ${name}`, 'name');
}

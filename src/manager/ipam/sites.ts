// Sites (docs/manager.md): a place with its own servers — its survivability class says
// whether it must serve on its own through a WAN outage (survivable: its own DHCP, DNS
// copies and phone files) or relies on the hub (dependent).
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { SiteRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError } from '../errors.js';
import { inTransaction } from './transaction.js';

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

export const siteView = (r: SiteRow): Site => ({
  id: r.id, name: r.name, description: r.description, survivability: r.survivability as Survivability, wanNotes: r.wan_notes,
  version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** A site name is the site config's: a DNS label. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class Sites {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  create(actor: Actor, input: SiteInput): Promise<Site> {
    if (!NAME.test(input.name)) return Promise.reject(new ManagerError('MANAGER_INVALID', 'invalid', 'a site name is a DNS label: lower-case letters, digits and hyphens, e.g. "branch-07"', `site ${input.name}`, 'name'));
    if (input.survivability !== undefined && !(SURVIVABILITY as readonly string[]).includes(input.survivability)) {
      return Promise.reject(new ManagerError('MANAGER_INVALID', 'invalid', `survivability is one of ${SURVIVABILITY.join(', ')}`, `site ${input.name}`, 'survivability'));
    }
    return inTransaction(this.m, async (trx) => {
      const taken = await trx.selectFrom('site').select('id').where('name', '=', input.name).executeTakeFirst();
      if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `site ${input.name} exists already (id ${taken.id})`, `site ${input.name}`, 'name');
      const now = this.clock.now();
      const row = await trx.insertInto('site').values({
        name: input.name, description: input.description ?? '', survivability: input.survivability ?? 'survivable', wan_notes: input.wanNotes ?? '',
        version: 1, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'site', row.id, null, siteView(row));
      return siteView(row);
    });
  }
}

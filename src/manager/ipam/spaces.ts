// IP spaces (VRFs): each holds its own subnet tree, so the same prefix may exist in two
// of them (docs/manager.md "Subnets").
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { IpSpaceRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError } from '../errors.js';
import { inTransaction } from './transaction.js';

export interface IpSpace {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const spaceView = (r: IpSpaceRow): IpSpace => ({ id: r.id, name: r.name, description: r.description, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export class IpSpaces {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  create(actor: Actor, name: string, description = ''): Promise<IpSpace> {
    if (!NAME.test(name)) return Promise.reject(new ManagerError('MANAGER_INVALID', 'invalid', 'an IP space name is 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit', `IP space ${name}`, 'name'));
    return inTransaction(this.m, async (trx) => {
      const taken = await trx.selectFrom('ip_space').select('id').where('name', '=', name).executeTakeFirst();
      if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `IP space ${name} exists already (id ${taken.id})`, `IP space ${name}`, 'name');
      const now = this.clock.now();
      const row = await trx.insertInto('ip_space').values({ name, description, version: 1, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'ip_space', row.id, null, spaceView(row));
      return spaceView(row);
    });
  }

  async byName(name: string): Promise<IpSpace | undefined> {
    const row = await this.m.db.selectFrom('ip_space').selectAll().where('name', '=', name).executeTakeFirst();
    return row && spaceView(row);
  }
}

// IP spaces (VRFs): each holds its own subnet tree, so the same prefix may exist in two
// of them (docs/manager.md "Subnets").
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { IpSpaceRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { inTransaction, type Trx } from './transaction.js';

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
    if (!NAME.test(name)) return Promise.reject(badName(name));
    return inTransaction(this.m, async (trx) => {
      await nameFree(trx, name);
      const now = this.clock.now();
      const row = await trx.insertInto('ip_space').values({ name, description, version: 1, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'ip_space', row.id, null, spaceView(row));
      return spaceView(row);
    });
  }

  update(actor: Actor, id: number, patch: { name?: string; description?: string }, ifVersion?: number): Promise<IpSpace> {
    return inTransaction(this.m, async (trx) => {
      const row = await trx.selectFrom('ip_space').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `IP space ${id} does not exist`, `IP space ${id}`);
      requireVersion(`IP space ${row.name}`, row.version, ifVersion);
      const name = patch.name ?? row.name;
      if (!NAME.test(name)) throw badName(name);
      if (name !== row.name) await nameFree(trx, name);
      const now = this.clock.now();
      const after = await trx.updateTable('ip_space').set({ name, description: patch.description ?? row.description, version: row.version + 1, updated_at: now })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'update', 'ip_space', id, spaceView(row), spaceView(after));
      return spaceView(after);
    });
  }

  /** Deletes an IP space that holds no subnets (and so no addresses). */
  delete(actor: Actor, id: number, ifVersion?: number): Promise<void> {
    return inTransaction(this.m, async (trx) => {
      const row = await trx.selectFrom('ip_space').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `IP space ${id} does not exist`, `IP space ${id}`);
      requireVersion(`IP space ${row.name}`, row.version, ifVersion);
      const subnet = await trx.selectFrom('subnet').select('prefix').where('space_id', '=', id).limit(1).executeTakeFirst();
      if (subnet) throw new ManagerError('MANAGER_IN_USE', 'conflict', `IP space ${row.name} still holds subnet ${subnet.prefix}: delete its subnets first`, `IP space ${row.name}`);
      await trx.deleteFrom('ip_space').where('id', '=', id).execute();
      await audit(trx, this.clock.now(), actor, 'delete', 'ip_space', id, spaceView(row), null);
    });
  }

  async byName(name: string): Promise<IpSpace | undefined> {
    const row = await this.m.db.selectFrom('ip_space').selectAll().where('name', '=', name).executeTakeFirst();
    return row && spaceView(row);
  }
}

const badName = (name: string) => new ManagerError('MANAGER_INVALID', 'invalid', 'an IP space name is 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit', `IP space ${name}`, 'name');

async function nameFree(trx: Trx, name: string): Promise<void> {
  const taken = await trx.selectFrom('ip_space').select('id').where('name', '=', name).executeTakeFirst();
  if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `IP space ${name} exists already (id ${taken.id})`, `IP space ${name}`, 'name');
}

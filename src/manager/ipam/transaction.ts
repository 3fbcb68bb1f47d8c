// Transactions of the manager's database and the row locks that make concurrent callers
// safe (docs/manager.md "Concurrency"). SQLite runs one transaction at a time on its one
// connection; PostgreSQL takes a row lock (SELECT … FOR UPDATE) on what a change hangs
// from: the IP space for changes to its subnet tree, the subnet for its addresses and
// ranges. Two callers of next-free in one subnet therefore run one after the other and
// never see the same free address.
import type { Kysely, Transaction } from 'kysely';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { ManagerTables } from '../../storage/manager/tables.js';

export type Trx = Transaction<ManagerTables>;

export function inTransaction<T>(m: ManagerDatabase, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return m.db.transaction().execute(fn);
}

/** Locks an IP space's subnet tree until the transaction ends (PostgreSQL; SQLite serialises anyway). */
export async function lockSpace(m: ManagerDatabase, trx: Trx, spaceId: number): Promise<void> {
  if (m.dialect === 'postgres') await trx.selectFrom('ip_space').select('id').where('id', '=', spaceId).forUpdate().execute();
}

/** Locks a subnet's addresses and ranges until the transaction ends. */
export async function lockSubnet(m: ManagerDatabase, trx: Trx, subnetId: number): Promise<void> {
  if (m.dialect === 'postgres') await trx.selectFrom('subnet').select('id').where('id', '=', subnetId).forUpdate().execute();
}

export type Db = Kysely<ManagerTables> | Trx;

// Transactions of the manager's database and the row locks that make concurrent callers
// safe (docs/manager.md "Concurrency"). SQLite runs one transaction at a time on its one
// connection; PostgreSQL takes a row lock (SELECT … FOR NO KEY UPDATE: it does not
// conflict with the key-share locks foreign keys take, so an insert that references a
// locked row does not deadlock with its holder) on what a change hangs
// from: the IP space for changes to its subnet tree, the subnet for its addresses and
// ranges. Two callers of next-free in one subnet therefore run one after the other and
// never see the same free address.
import type { Kysely, Transaction } from 'kysely';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { ManagerTables } from '../../storage/manager/tables.js';

export type Trx = Transaction<ManagerTables>;

/** A transaction of its own, or the one the caller is already inside (a bulk request's). */
export function inTransaction<T>(m: ManagerDatabase, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return m.transaction(fn);
}

/** Locks an IP space's subnet tree until the transaction ends (PostgreSQL; SQLite serialises anyway). */
export async function lockSpace(m: ManagerDatabase, trx: Trx, spaceId: number): Promise<void> {
  if (m.dialect === 'postgres') await trx.selectFrom('ip_space').select('id').where('id', '=', spaceId).forNoKeyUpdate().execute();
}

/** Locks a subnet's addresses and ranges until the transaction ends. */
export async function lockSubnet(m: ManagerDatabase, trx: Trx, subnetId: number): Promise<void> {
  if (m.dialect === 'postgres') await trx.selectFrom('subnet').select('id').where('id', '=', subnetId).forNoKeyUpdate().execute();
}

export type Db = Kysely<ManagerTables> | Trx;

/**
 * Reads a row that hangs from a subnet (an address, a range) under that subnet's lock:
 * read, lock its subnet, read again — until the subnet it hangs from did not change
 * meanwhile (a new subnet can adopt it). Undefined when there is no such row.
 */
export async function readUnderSubnetLock<R extends { subnet_id: number }>(m: ManagerDatabase, trx: Trx, read: () => Promise<R | undefined>): Promise<R | undefined> {
  for (let row = await read(); row; ) {
    await lockSubnet(m, trx, row.subnet_id);
    const again = await read();
    if (!again || again.subnet_id === row.subnet_id) return again;
    row = again;
  }
  return undefined;
}

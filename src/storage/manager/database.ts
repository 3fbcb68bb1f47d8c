// Opens the manager's database (docs/manager.md "Storage"): SQLite embedded (a file
// under the data directory; WAL, synchronous FULL so an answered write survives power
// loss, foreign keys on) or PostgreSQL (a pool); migrates it to the latest schema.
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { OutpostError } from '../../core/errors.js';
import { migrationProvider, type Dialect } from './migrations.js';
import type { ManagerTables } from './tables.js';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly maxConnections?: number; readonly onIdleError?: (error: Error) => void };

export interface ManagerDatabase {
  /** The database — or, inside `transaction`, that transaction: what runs within one sees its writes and joins it. */
  readonly db: Kysely<ManagerTables>;
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction: a new one, or the one it is already inside (a bulk
   * request's), so operations compose into one all-or-nothing write.
   */
  transaction<T>(fn: (trx: Transaction<ManagerTables>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (bigint: our millisecond times) as numbers: they stay below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export async function openManagerDatabase(target: DatabaseTarget): Promise<ManagerDatabase> {
  let db: Kysely<ManagerTables>;
  if (target.kind === 'sqlite') {
    let sqlite: Database.Database;
    try {
      sqlite = new Database(target.file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new OutpostError('MANAGER_DATABASE_UNAVAILABLE', `SQLite database ${target.file}: ${(error as Error).message}`);
    }
    db = new Kysely<ManagerTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const pool = new pg.Pool({ connectionString: target.connectionString, max: target.maxConnections ?? 20 });
    // An idle connection the server ended (a restart, a failover) is dropped from the pool; the next query opens another.
    // Without a listener the pool's 'error' event would end the process.
    pool.on('error', (error) => target.onIdleError?.(error));
    db = new Kysely<ManagerTables>({ dialect: new PostgresDialect({ pool }) });
  }
  const dialect: Dialect = target.kind;
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? '?';
      throw new OutpostError('MANAGER_DATABASE_MIGRATION_FAILED', `migration ${failed} failed: ${(error as Error).message}`);
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    if (error instanceof OutpostError) throw error;
    throw new OutpostError('MANAGER_DATABASE_UNAVAILABLE', `${target.kind === 'sqlite' ? `SQLite database ${target.file}` : 'PostgreSQL'}: ${(error as Error).message}`);
  }
  const ambient = new AsyncLocalStorage<Transaction<ManagerTables>>();
  return {
    get db() { return ambient.getStore() ?? db; },
    dialect,
    transaction<T>(fn: (trx: Transaction<ManagerTables>) => Promise<T>): Promise<T> {
      const current = ambient.getStore();
      return current ? fn(current) : db.transaction().execute((trx) => ambient.run(trx, () => fn(trx)));
    },
    close: () => db.destroy(),
  };
}

// Opens the manager's database (docs/manager.md "Storage"): SQLite embedded (a file
// under the data directory; WAL, synchronous FULL so an answered write survives power
// loss, foreign keys on) or PostgreSQL (a pool); migrates it to the latest schema.
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { OutpostError } from '../../core/errors.js';
import { migrationProvider, type Dialect } from './migrations.js';
import type { ManagerTables } from './tables.js';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly maxConnections?: number; readonly onIdleError?: (error: Error) => void };

export interface ManagerDatabase {
  readonly db: Kysely<ManagerTables>;
  readonly dialect: Dialect;
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
  return { db, dialect, close: () => db.destroy() };
}

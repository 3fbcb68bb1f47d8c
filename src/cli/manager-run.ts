// `outpost manager run` (docs/manager.md "Running"): opens the database — a SQLite file
// under the data directory by default, or PostgreSQL (--database postgresql://…) — and
// serves the REST API. At the first start it makes the first administrator with a
// random password and prints it once with an admin token, which it also writes to
// <data-dir>/admin.token (0600). Stops cleanly on SIGTERM and SIGINT.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildApi } from '../api/server.js';
import { Manager } from '../manager/manager.js';
import { seedDemo } from '../manager/demo.js';
import { createLogger, logEvent } from '../runtime/log.js';
import { systemClock } from '../runtime/system-clock.js';
import { openManagerDatabase, type DatabaseTarget } from '../storage/manager/database.js';

export interface ManagerRunOptions {
  dataDir: string;
  listen: string;
  port: string;
  database?: string;
  /** Fill an empty database with the demo dataset (npm start). */
  demo?: boolean;
  /** Seconds an agent may stay silent before its server is unreachable. */
  unreachableAfter?: string;
}

export const MANAGER_DB_FILE = 'manager.sqlite';
export const ADMIN_TOKEN_FILE = 'admin.token';

export async function runManager(o: ManagerRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { err.write(`outpost manager run: --port ${o.port} is not a port (0–65535)\n`); return 2; }
  const unreachableAfter = Number(o.unreachableAfter ?? '300');
  if (!Number.isInteger(unreachableAfter) || unreachableAfter < 10 || unreachableAfter > 86_400) { err.write(`outpost manager run: --unreachable-after ${o.unreachableAfter} is not 10–86400 seconds\n`); return 2; }
  const dataDir = resolve(o.dataDir);
  const log = createLogger({ level: 'info', base: { component: 'manager' } });
  let target: DatabaseTarget;
  if (o.database) {
    if (!/^postgres(ql)?:\/\//.test(o.database)) { err.write('outpost manager run: --database is a postgresql:// URL (without it: SQLite in --data-dir)\n'); return 2; }
    target = { kind: 'postgres', connectionString: o.database, onIdleError: (e) => logEvent(log, 'MANAGER_DATABASE_UNAVAILABLE', { err: e.message }) };
  } else {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    target = { kind: 'sqlite', file: join(dataDir, MANAGER_DB_FILE) };
  }
  let database;
  try {
    database = await openManagerDatabase(target);
  } catch (error) {
    err.write(`outpost manager run: ${(error as Error).message}\n`);
    return 1;
  }
  const manager = new Manager(database, systemClock, { unreachableAfterMs: unreachableAfter * 1000 });
  const first = await manager.users.bootstrap();
  if (first && o.demo) await seedDemo(manager);
  const app = await buildApi({ manager });
  let url: string;
  try {
    url = await app.listen({ host: o.listen, port });
  } catch (error) {
    err.write(`outpost manager run: cannot listen on ${o.listen} port ${port}: ${(error as Error).message}\n`);
    await database.close();
    return 1;
  }
  logEvent(log, 'MANAGER_LISTENING', { url, api: `${url}/api/v1`, database: target.kind === 'sqlite' ? target.file : 'postgresql' });
  out.write(`Outpost manager: ${url}/api/v1 (OpenAPI: ${url}/api/v1/openapi.json)\n`);
  if (first) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const tokenFile = join(dataDir, ADMIN_TOKEN_FILE);
    await writeFile(tokenFile, `${first.token}\n`, { mode: 0o600 });
    out.write(`First start: user ${first.name}, password ${first.password} (shown once; change it)\n`);
    out.write(`Admin API token written to ${tokenFile}\n`);
  }
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      logEvent(log, 'MANAGER_STOPPING', { signal });
      done();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await app.close();
  await database.close();
  return 0;
}

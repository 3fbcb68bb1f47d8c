// A real PostgreSQL server for a test (Debian's postgresql package): a fresh cluster in
// a temporary directory (initdb), listening on 127.0.0.1 at a free port and on a socket
// in that directory, stopped and removed when the test ends. PostgreSQL refuses to run
// as root, so as root the cluster belongs to the `postgres` user and runs as it (setpriv
// execs it directly, so signals reach the server itself).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './ports.js';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined when there is none. */
export function postgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : undefined;
}

export interface PostgresServer {
  readonly connectionString: string;
  readonly port: number;
  /** Creates a database and returns its connection string. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server is installed (Debian package postgresql)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pg-'));
  const data = join(dir, 'data');
  const asOwner = (cmd: string, args: string[]) => (root ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]] as const : [cmd, args] as const);
  if (root) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  const [initCmd, initArgs] = asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'outpost', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}${init.stdout}`);
  }
  const port = await freeTcpPort();
  const [cmd, args] = asOwner(join(bin, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', '-c', 'max_connections=200', '-c', 'shared_buffers=128MB',
  ]);
  const proc: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (log.includes('database system is ready to accept connections')) break;
    if (proc.exitCode !== null) throw new Error(`postgres exited: ${log}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`postgres did not start in 30 s: ${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = `postgresql://outpost@127.0.0.1:${port}`;
  return {
    connectionString: `${base}/postgres`,
    port,
    createDatabase(name) {
      const r = spawnSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'outpost', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE "${name}"`], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${r.stderr}`);
      return `${base}/${name}`;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGINT'); // fast shutdown
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { proc.kill('SIGKILL'); resolve(); }, 10_000);
          proc.once('exit', () => { clearTimeout(t); resolve(); });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The bearer token of the status port's command routes (POST /failover/…, /dns/…,
// /files/sync): 32 random bytes in hex, made at each start and written to
// `control.token` (mode 0600) in the DHCP lease directory — or, on a server without
// DHCP, in the DNS data directory, or without either in files.dataDir — and removed on
// a clean stop. Each directory is this daemon's own: it is locked for one process
// (lease-journal-lock.ts, dns-zone-copy-files.ts, files-service.ts) and holds the state
// an operator command acts on, so whoever may read it may command the daemon, and two
// daemons on one host never share (or overwrite) a token. The token is written after
// that lock is taken (the service runs after DHCP, DNS and files), never logged.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OutpostError } from '../core/errors.js';
import type { SiteService } from './service.js';

export const CONTROL_TOKEN_FILE = 'control.token';

type Owned<K extends string> = { readonly enabled?: boolean } & Readonly<Record<K, string>>;

/** Where the daemon of this config writes its control token: the DHCP lease directory, else the DNS data directory, else files.dataDir (undefined: none, so no command routes). */
export function controlTokenPath(
  config: { readonly dhcp?: Owned<'leaseDir'>; readonly dns?: Owned<'dataDir'>; readonly files?: Owned<'dataDir'> },
  configDir: string,
): string | undefined {
  const on = (s: { readonly enabled?: boolean } | undefined) => s !== undefined && s.enabled !== false;
  const dir = on(config.dhcp) ? config.dhcp!.leaseDir : on(config.dns) ? config.dns!.dataDir : on(config.files) ? config.files!.dataDir : undefined;
  return dir === undefined ? undefined : join(resolve(configDir, dir), CONTROL_TOKEN_FILE);
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class ControlToken implements SiteService {
  readonly name = 'control';
  private token?: string;
  private written = false;

  constructor(readonly path: string) {}

  /** True once the token exists (the daemon started this service). */
  get ready(): boolean {
    return this.token !== undefined;
  }

  /** Whether a presented token is this one; constant time (both sides hashed to 32 bytes first). */
  verify(presented: string): boolean {
    const token = this.token;
    if (token === undefined) return false;
    return timingSafeEqual(digest(presented), digest(token));
  }

  /** A new token, in a temporary file (0600) renamed over the last one. */
  async start(): Promise<void> {
    const token = randomBytes(32).toString('hex');
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      await rm(tmp, { force: true }); // a leftover of a crash, with whatever mode it had
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(token + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new OutpostError('STATUS_CONTROL_TOKEN_FAILED', `cannot write the control token ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.written = true;
    this.token = token;
  }

  async stop(): Promise<void> {
    this.token = undefined;
    if (this.written) await rm(this.path, { force: true });
    this.written = false;
  }
}

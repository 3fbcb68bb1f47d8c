// The files of a secondary zone's copy (docs/dns.md, "Secondary zones"): the copy
// `<dataDir>/<zone>.zone` (or dns.zones[].file) and its timers `<copy>.timers`. Each is
// replaced atomically and durably — a temporary file written and fsynced, renamed over
// the old one, then the directory fsynced — so a crash or power cut at any point
// leaves the old version or the new one, never a mix; what the texts mean (and the
// checksum that catches any other damage) is src/protocol/dns/secondary/zone-copy.ts.
// Writes to one file are serialised. The data directory is locked for one process.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutpostError } from '../core/errors.js';
import { FileLock } from '../runtime/file-lock.js';
import type { ZoneCopyFiles } from '../protocol/dns/secondary/secondary-zone.js';
import { writeFileAtomically, type AtomicWriteHooks } from './atomic-file.js';
import { makeDurableDir } from './lease-journal-files.js';

export const DNS_LOCK_FILE = 'dns.lock';

/** The default copy path of a zone in the data directory: the name in lower case without its final dot (the root: "root"). */
export function defaultCopyPath(dataDir: string, zone: string): string {
  const name = zone.toLowerCase().replace(/\.$/, '');
  return join(dataDir, `${name === '' ? 'root' : name}.zone`);
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class DnsZoneCopyFiles implements ZoneCopyFiles {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string, private readonly hooks: AtomicWriteHooks = {}) {}

  get timersPath(): string {
    return `${this.path}.timers`;
  }

  async read(): Promise<{ copy?: string; timers?: string }> {
    const [copy, timers] = await Promise.all([readIfThere(this.path), readIfThere(this.timersPath)]);
    return { ...(copy !== undefined ? { copy } : {}), ...(timers !== undefined ? { timers } : {}) };
  }

  writeCopy(text: string): Promise<void> {
    return this.serial(async () => {
      await makeDurableDir(dirname(this.path));
      await writeFileAtomically(this.path, text, this.hooks);
    });
  }

  writeTimers(text: string): Promise<void> {
    return this.serial(() => writeFileAtomically(this.timersPath, text, this.hooks));
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** Creates the data directory (durably) and locks it for this process: one DNS service per dns.dataDir. */
export async function openDnsDataDir(dir: string): Promise<FileLock> {
  try {
    await makeDurableDir(dir);
  } catch (error) {
    throw new OutpostError('DNS_DATA_DIR_UNAVAILABLE', `dns.dataDir ${dir} cannot be created: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const path = join(dir, DNS_LOCK_FILE);
  try {
    return FileLock.acquire(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { holder?: number };
    const who = e.holder === undefined ? 'another process' : `another process (pid ${e.holder})`;
    throw new OutpostError('DNS_DATA_DIR_UNAVAILABLE', e.code === 'EWOULDBLOCK'
      ? `dns.dataDir ${dir} is in use by ${who}: one DNS service per data directory`
      : `dns.dataDir ${dir}: cannot lock ${path}: ${e.code ?? e.message}`);
  }
}

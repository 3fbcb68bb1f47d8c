// The DNS service's own directory (dns.dataDir): created if missing and locked for one
// process, as the lease directory is (lease-journal-lock.ts). Two servers appending to
// one zone's IXFR journal would interleave versions and serve differences of a zone
// the other one never had. The lock is a flock on `<dataDir>/lock`, dropped by the
// kernel when its process dies (kill -9 included).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OutpostError } from '../core/errors.js';
import { FileLock } from '../runtime/file-lock.js';

export async function lockDnsDataDir(dir: string): Promise<FileLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'lock');
  try {
    return FileLock.acquire(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { holder?: number };
    if (e.code !== 'EWOULDBLOCK') throw error;
    const who = e.holder === undefined ? 'another process' : `another process (pid ${e.holder})`;
    throw new OutpostError('DNS_DATA_DIR_LOCKED', `DNS data directory ${dir} is in use by ${who}: one server per dns.dataDir`, [
      `lock: ${path}`, 'stop the other server, or give this one its own dns.dataDir',
    ]);
  }
}

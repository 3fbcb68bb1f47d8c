// One process per lease directory. Two servers appending to one journal would
// interleave frames and compact each other's files away: every lease at risk. The
// lock is a flock on `<dir>/lock` (src/runtime/file-lock.ts), which the kernel drops
// when its process dies, so a server restarted after kill -9 finds it free.
import { join } from 'node:path';
import { OutpostError } from '../core/errors.js';
import { FileLock } from '../runtime/file-lock.js';

export const LOCK_FILE = 'lock';

export function lockLeaseDir(dir: string): FileLock {
  const path = join(dir, LOCK_FILE);
  try {
    return FileLock.acquire(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { holder?: number };
    if (e.code !== 'EWOULDBLOCK') throw error;
    const who = e.holder === undefined ? 'another process' : `another process (pid ${e.holder})`;
    throw new OutpostError('DHCP_JOURNAL_LOCKED', `lease journal ${dir} is in use by ${who}: one server per lease directory`, [
      `lock: ${path}`, 'stop the other server, or give this one its own dhcp.leaseDir',
    ]);
  }
}

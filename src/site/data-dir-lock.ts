// The data directory a site service owns (files.dataDir, agent.dataDir): created if
// missing and locked with a flock (file-lock.ts) so one process uses it; the kernel
// drops the lock when the process dies, kill -9 included.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Code } from '../core/codes.js';
import { OutpostError } from '../core/errors.js';
import { FileLock } from '../runtime/file-lock.js';

/** Locks `dir/lockFile`; refuses with `code` naming `setting` (e.g. "files.dataDir") and who owns it: `owner` ("one file service"). */
export async function lockDataDir(dir: string, lockFile: string, setting: string, owner: string, code: Code): Promise<FileLock> {
  try {
    await mkdir(dir, { recursive: true });
    return FileLock.acquire(join(dir, lockFile));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { holder?: number };
    throw new OutpostError(code, e.code === 'EWOULDBLOCK'
      ? `${setting} ${dir} is in use by another process${e.holder ? ` (pid ${e.holder})` : ''}: ${owner} per data directory`
      : `${setting} ${dir}: ${e.code ?? e.message}`);
  }
}

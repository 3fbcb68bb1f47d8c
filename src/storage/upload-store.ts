// Files clients upload — phone backups by HTTP PUT/POST, TFTP write requests — kept
// apart from the served set (docs/files.md "Uploads"): `<files.dataDir>/uploads/<path>`,
// only under the directories configured for it. A write streams into a temporary file
// in the same directory, refused past maxBytes, fdatasync'ed, the previous version kept
// as `<name>.prev`, then renamed into place and the directory fsync'ed: a reader sees
// the old file or the new one, never a part, and an acknowledged upload survives a
// crash. Reads of those paths come from here (openUpload), before the served tree.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from './lease-journal-files.js';

export const UPLOADS_SUBDIR = 'uploads';
const PREVIOUS = '.prev';

export type UploadRefusal = 'not-allowed' | 'too-large' | 'io';

export type UploadResult =
  | { readonly ok: true; readonly bytes: number; readonly sha256: string; readonly replaced: boolean }
  | { readonly ok: false; readonly reason: UploadRefusal; readonly detail?: string };

export class UploadStore {
  readonly dir: string;

  /** `directories`: tree paths ending in "/" (files.http.uploads.paths, files.tftp.writable). */
  constructor(dataDir: string, private readonly directories: readonly string[]) {
    this.dir = join(dataDir, UPLOADS_SUBDIR);
  }

  /** Whether `path` (checked by treePath: relative, no dot segments) is in an upload directory. */
  covers(path: string): boolean {
    return !path.endsWith(PREVIOUS) && this.directories.some((d) => path.startsWith(d) && path.length > d.length);
  }

  /** Stores `chunks` at `path`; at most `maxBytes`. The caller checked the path with treePath. */
  async write(path: string, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, maxBytes: number): Promise<UploadResult> {
    if (!this.covers(path)) return { ok: false, reason: 'not-allowed' };
    const target = join(this.dir, path);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    let fh: FileHandle | undefined;
    let bytes = 0;
    const hash = createHash('sha256');
    try {
      await mkdir(dirname(target), { recursive: true });
      fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
      for await (const chunk of chunks) {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          await fh.close();
          fh = undefined;
          await rm(tmp, { force: true });
          return { ok: false, reason: 'too-large' };
        }
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.datasync();
      await fh.close();
      fh = undefined;
      let replaced = true;
      await rm(`${target}${PREVIOUS}`, { force: true });
      await link(target, `${target}${PREVIOUS}`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        replaced = false;
      });
      await rename(tmp, target);
      await fsyncDir(dirname(target));
      return { ok: true, bytes, sha256: hash.digest('hex'), replaced };
    } catch (error) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      return { ok: false, reason: 'io', detail: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  }

  /** The stored file at `path`, opened for reading (not-found when none was uploaded: the served tree's answer shape); the caller closes it. */
  async open(path: string): Promise<{ ok: true; handle: FileHandle; size: number; mtimeMs: number; ino: number } | { ok: false; reason: 'not-found' }> {
    if (this.covers(path)) {
      try {
        const handle = await open(join(this.dir, path), constants.O_RDONLY | constants.O_NOFOLLOW);
        const st = await handle.stat();
        if (st.isFile()) return { ok: true, handle, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
        await handle.close();
      } catch {
        // absent, or not a regular file
      }
    }
    return { ok: false, reason: 'not-found' };
  }

}

// The served tree of the file service (docs/files.md "Paths"): where a checked request
// path (protocol/files/tree-path.ts) leads on disk, opened for reading. The root is a
// directory, or with sync the `current` link that is switched from one complete set to
// the next (site/files-sync.ts, which calls rootChanged()): the root is resolved once per
// switch, and a file opened before a switch is read to its end from the set it was
// opened in. A symbolic link inside the
// tree may point anywhere inside it; one that leads out of it (after every link is
// followed) is refused, as a directory, a device or a socket is: only regular files are
// served.
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { treePath, type TreePathRefusal } from '../protocol/files/tree-path.js';

export type OpenRefusal = TreePathRefusal | 'not-found' | 'outside-root' | 'not-a-file' | 'unreadable';

export type OpenedFile =
  | { readonly ok: true; readonly path: string; readonly handle: FileHandle; readonly size: number; readonly mtimeMs: number; readonly ino: number }
  | { readonly ok: false; readonly reason: OpenRefusal };

export class FileTree {
  /** The root with every link followed, until setRoot or rootChanged: one realpath less per request. */
  private resolved?: Promise<string>;

  constructor(private root: string) {}

  /** The directory (or link to one) served. */
  get rootPath(): string {
    return this.root;
  }

  /** Serve another directory from the next open on. */
  setRoot(root: string): void {
    this.root = root;
    this.resolved = undefined;
  }

  /** The root (a link) now leads elsewhere: the sync switched the set. */
  rootChanged(): void {
    this.resolved = undefined;
  }

  private base(): Promise<string> {
    if (!this.resolved) {
      const pending = realpath(this.root);
      this.resolved = pending;
      // A root that does not resolve (no set yet) is tried again at the next request.
      pending.catch(() => { if (this.resolved === pending) this.resolved = undefined; });
    }
    return this.resolved;
  }

  /** The file `requested` names, opened for reading; the caller closes the handle. */
  async open(requested: string): Promise<OpenedFile> {
    const checked = treePath(requested);
    if (!checked.ok) return checked;
    if (checked.directory) return { ok: false, reason: 'not-a-file' };
    let base: string;
    let real: string;
    try {
      base = await this.base();
      real = await realpath(join(base, checked.path));
    } catch (error) {
      return { ok: false, reason: refusalOf(error) };
    }
    if (!real.startsWith(base + sep)) return { ok: false, reason: 'outside-root' };
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      return { ok: false, reason: refusalOf(error) };
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) {
        await handle.close();
        return { ok: false, reason: 'not-a-file' };
      }
      return { ok: true, path: checked.path, handle, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
    } catch (error) {
      await handle.close().catch(() => undefined);
      return { ok: false, reason: refusalOf(error) };
    }
  }
}

function refusalOf(error: unknown): OpenRefusal {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not-found';
  if (code === 'ELOOP' || code === 'EISDIR') return 'not-a-file';
  return 'unreadable';
}

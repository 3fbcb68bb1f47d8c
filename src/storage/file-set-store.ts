// The synced sets on disk (docs/files.md "Sync"), in files.dataDir:
//
//   objects/<sha256>           verified content, named by its SHA-256, read-only, fsync'ed
//   downloads/<sha256>.part    a download in progress (resumed with a Range request)
//   sets/<id>/<path…>          a complete set: hard links to objects (id: sync-plan.ts setId)
//   sets/<id>.json             its manifest (version, files), written before the set is renamed in
//   sets/~build-<random>/      a set being built (removed at open: never served)
//   current -> sets/<id>       the set served: a relative symbolic link
//   previous -> sets/<id>      the set served before it, kept for rollback
//
// An object exists only once its size and hash were checked (the caller's job; this
// file renames a fsync'ed part into place and fsyncs the directory). A set is built
// apart, every directory of it fsync'ed, its manifest written, then renamed into sets/
// whole: sets/<id> with sets/<id>.json is a complete set (a manifest is removed before
// its set, so a removal cut short leaves nothing that could be taken for one). `current` is switched by making a new link beside it and
// renaming it over the old one, then fsyncing the directory: a crash at any moment
// leaves `current` naming the old complete set or the new one, never a half set.
// Nothing else in files.dataDir (uploads/, the lock, the control token) is touched.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { HeldContent, Manifest, ManifestEntry } from '../protocol/files/sync-plan.js';
import { writeFileAtomically } from './atomic-file.js';
import { fsyncDir } from './lease-journal-files.js';

export const OBJECTS_DIR = 'objects';
export const DOWNLOADS_DIR = 'downloads';
export const SETS_DIR = 'sets';
export const PREVIOUS_LINK = 'previous';
const PART = '.part';
const BUILD_PREFIX = '~build-';
const MANIFEST_SUFFIX = '.json';
const TMP_SUFFIX = '.tmp';
const SHA256 = /^[0-9a-f]{64}$/;

/** A download being written: bytes go to the end of the part, in order. */
export interface PartWriter {
  readonly path: string;
  write(chunk: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** What open() found and removed: leftovers of a crash. */
export interface OpenReport {
  readonly current?: string;
  readonly removed: readonly string[];
}

export interface PruneReport {
  readonly sets: readonly string[];
  readonly objects: number;
  readonly parts: number;
}

export class FileSetStore {
  readonly objects: string;
  readonly downloads: string;
  readonly sets: string;
  readonly currentLink: string;
  readonly previousLink: string;

  /** `currentName`: the served link's name in dataDir (files-service.ts CURRENT_SET). */
  constructor(readonly dataDir: string, currentName: string) {
    this.objects = join(dataDir, OBJECTS_DIR);
    this.downloads = join(dataDir, DOWNLOADS_DIR);
    this.sets = join(dataDir, SETS_DIR);
    this.currentLink = join(dataDir, currentName);
    this.previousLink = join(dataDir, PREVIOUS_LINK);
  }

  /** Makes the layout and removes what a crash can leave: sets being built, temporary links and manifests, manifests without their set. */
  async open(): Promise<OpenReport> {
    for (const d of [this.objects, this.downloads, this.sets]) await mkdir(d, { recursive: true });
    const removed: string[] = [];
    const drop = async (path: string) => {
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    };
    for (const link of [this.currentLink, this.previousLink]) {
      if (await exists(link + TMP_SUFFIX)) await drop(link + TMP_SUFFIX);
    }
    // A set is complete when both its directory and its manifest are there; the links' targets are never removed.
    const linked = new Set([await readlink(this.currentLink).catch(() => ''), await readlink(this.previousLink).catch(() => '')]);
    const names = new Set(await readdir(this.sets));
    for (const name of names) {
      if (name.startsWith(BUILD_PREFIX) || name.endsWith(TMP_SUFFIX)) await drop(join(this.sets, name));
      else if (name.endsWith(MANIFEST_SUFFIX)) {
        if (!names.has(name.slice(0, -MANIFEST_SUFFIX.length))) await drop(join(this.sets, name));
      } else if (!names.has(name + MANIFEST_SUFFIX) && !linked.has(`${SETS_DIR}/${name}`)) await drop(join(this.sets, name));
    }
    for (const name of await readdir(this.downloads)) {
      if (!name.endsWith(PART) || !SHA256.test(name.slice(0, -PART.length))) await drop(join(this.downloads, name));
    }
    if (removed.length > 0) for (const d of [this.sets, this.downloads, this.dataDir]) await fsyncDir(d);
    const current = await this.linkedSet(this.currentLink);
    return { ...(current ? { current } : {}), removed };
  }

  /** The id of the set a link names, or undefined (no link, or one that names no complete set). */
  async linkedSet(link: string): Promise<string | undefined> {
    let target: string;
    try {
      target = await readlink(link);
    } catch {
      return undefined;
    }
    const prefix = `${SETS_DIR}/`;
    if (!target.startsWith(prefix)) return undefined;
    const id = target.slice(prefix.length);
    if (id.includes('/') || !(await exists(join(this.sets, id + MANIFEST_SUFFIX)))) return undefined;
    return id;
  }

  /** The served set's id, or undefined. */
  currentSet(): Promise<string | undefined> {
    return this.linkedSet(this.currentLink);
  }

  /** The manifest a complete set was built from. */
  async setManifest(id: string): Promise<Manifest> {
    return JSON.parse(await readFile(join(this.sets, id + MANIFEST_SUFFIX), 'utf8')) as Manifest;
  }

  /** What is on disk for the planner: the served set and its files, the objects, the parts and their sizes. */
  async held(): Promise<HeldContent> {
    const objects = new Set((await readdir(this.objects)).filter((n) => SHA256.test(n)));
    const partials = new Map<string, number>();
    for (const name of await readdir(this.downloads)) {
      if (!name.endsWith(PART)) continue;
      const st = await stat(join(this.downloads, name)).catch(() => undefined);
      if (st?.isFile()) partials.set(name.slice(0, -PART.length), st.size);
    }
    const id = await this.currentSet();
    let current: HeldContent['current'];
    if (id !== undefined) {
      const m = await this.setManifest(id).catch(() => undefined);
      if (m) current = { id, files: new Map(m.files.map((f) => [f.path, f.sha256])) };
    }
    return { current, objects, partials };
  }

  partPath(sha256: string): string {
    return join(this.downloads, sha256 + PART);
  }

  /** The part's bytes from 0 to `length`, in chunks (to hash what a resumed download holds already). */
  async *readPart(sha256: string, length: number): AsyncIterable<Buffer> {
    const fh = await open(this.partPath(sha256), 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let at = 0; at < length;) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at);
        if (bytesRead === 0) throw new Error(`${this.partPath(sha256)} ends at ${at}, before ${length}`);
        at += bytesRead;
        yield Buffer.from(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  /** Opens the part to write from byte `from` on (0: from scratch); bytes past `from` are cut. */
  async openPart(sha256: string, from: number): Promise<PartWriter> {
    const path = this.partPath(sha256);
    const fh: FileHandle = from === 0
      ? await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o640)
      : await open(path, constants.O_WRONLY);
    try {
      if (from > 0) await fh.truncate(from);
    } catch (error) {
      await fh.close();
      throw error;
    }
    let at = from;
    return {
      path,
      write: async (chunk) => {
        for (let done = 0; done < chunk.length;) {
          const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, at);
          if (!(bytesWritten > 0)) throw new Error(`write to ${path} made no progress`);
          done += bytesWritten;
          at += bytesWritten;
        }
      },
      close: () => fh.close(),
    };
  }

  async discardPart(sha256: string): Promise<void> {
    await rm(this.partPath(sha256), { force: true });
  }

  /** Keeps a verified part as objects/<sha256>: fdatasync'ed, read-only, renamed, the directory fsync'ed. */
  async keepObject(sha256: string): Promise<void> {
    const part = this.partPath(sha256);
    const fh = await open(part, 'r+');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await chmod(part, 0o444);
    await rename(part, join(this.objects, sha256));
    await fsyncDir(this.objects);
  }

  /** Whether sets/<id> exists (then it is complete: it is renamed in only when built). */
  hasSet(id: string): Promise<boolean> {
    return exists(join(this.sets, id + MANIFEST_SUFFIX)).then(async (m) => m && exists(join(this.sets, id)));
  }

  /**
   * Builds sets/<id> from objects (each file a hard link to objects/<sha256>): in a
   * directory of its own, every directory fsync'ed, its manifest written, then renamed
   * in whole. Every object must be held. Nothing is served from it until switchTo(id).
   */
  async buildSet(id: string, manifest: Manifest): Promise<void> {
    if (await this.hasSet(id)) return;
    const build = join(this.sets, `${BUILD_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(build, { mode: 0o755 });
      const dirs = new Set<string>([build]);
      for (const f of manifest.files) {
        const target = join(build, f.path);
        if (!target.startsWith(build + sep)) throw new Error(`${f.path} leads out of the set`);
        const dir = dirname(target);
        if (!dirs.has(dir)) {
          await mkdir(dir, { recursive: true, mode: 0o755 });
          for (let d = dir; d !== build && !dirs.has(d); d = dirname(d)) dirs.add(d);
        }
        await link(join(this.objects, f.sha256), target);
      }
      // Deepest first, so each directory's entry in its parent is durable after its content.
      for (const d of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(d);
      await writeFileAtomically(join(this.sets, id + MANIFEST_SUFFIX), JSON.stringify({ version: manifest.version, files: manifest.files.map(entry) }) + '\n');
      await rm(join(this.sets, id), { recursive: true, force: true }); // a set dir without its manifest: never complete
      await rename(build, join(this.sets, id));
      await fsyncDir(this.sets);
    } catch (error) {
      await rm(build, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Serves sets/<id>: `previous` names the set served until now, then `current` is switched; each by a new link renamed over the old. */
  async switchTo(id: string): Promise<void> {
    const before = await this.currentSet();
    if (before === id) return;
    if (before !== undefined) await this.replaceLink(this.previousLink, before);
    await this.replaceLink(this.currentLink, id);
    await fsyncDir(this.dataDir);
  }

  /**
   * After a switch: removes every set but the current and previous ones, every object no
   * set links to (one link: only objects/ names it), and every part left. Uploads and
   * anything else in files.dataDir are never touched.
   */
  async prune(): Promise<PruneReport> {
    const keep = new Set([await this.currentSet(), await this.linkedSet(this.previousLink)].filter((s): s is string => s !== undefined));
    const ids = (await readdir(this.sets)).filter((n) => n.endsWith(MANIFEST_SUFFIX)).map((n) => n.slice(0, -MANIFEST_SUFFIX.length));
    const sets = ids.filter((id) => !keep.has(id)).sort();
    for (const id of sets) {
      // The manifest first: without it the set is no longer complete, so a crash while
      // its directory is being removed leaves nothing that could be taken for a set.
      await rm(join(this.sets, id + MANIFEST_SUFFIX), { force: true });
      await fsyncDir(this.sets);
      await rm(join(this.sets, id), { recursive: true, force: true });
    }
    let objects = 0;
    for (const name of await readdir(this.objects)) {
      const st = await lstat(join(this.objects, name)).catch(() => undefined);
      if (st && st.nlink <= 1) {
        await rm(join(this.objects, name), { force: true });
        objects++;
      }
    }
    let parts = 0;
    for (const name of await readdir(this.downloads)) {
      await rm(join(this.downloads, name), { force: true });
      parts++;
    }
    await fsyncDir(this.sets);
    await fsyncDir(this.objects);
    return { sets, objects, parts };
  }

  private async replaceLink(link: string, id: string): Promise<void> {
    const tmp = link + TMP_SUFFIX;
    await rm(tmp, { force: true });
    await symlink(`${SETS_DIR}/${id}`, tmp);
    await rename(tmp, link);
  }
}

const entry = (f: ManifestEntry): ManifestEntry => ({ path: f.path, size: f.size, sha256: f.sha256 });

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** A small file written whole: temporary file, fsync, rename (the caller fsyncs the directory). */

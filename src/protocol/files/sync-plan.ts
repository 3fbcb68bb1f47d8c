// What one sync attempt must do to serve a manifest (docs/files.md "Sync"), from what the
// site already holds: the objects kept on disk (verified content, by SHA-256), the
// downloads cut short (by SHA-256, with the bytes they hold) and the set served now.
// Content is fetched by hash, each hash once however many paths share it; what is held
// is reused; a download is resumed where it stopped unless it holds more bytes than the
// file has (then it starts again). A manifest that cannot be built is refused with the
// reason: a path that is not a plain tree path, listed twice or also another file's
// directory, one hash with two sizes, an empty file whose hash is not the empty one.
// Pure: no files, no sockets.
import { createHash } from 'node:crypto';
import { treePath } from './tree-path.js';

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly version: string;
  readonly files: readonly ManifestEntry[];
}

/** What the site holds before an attempt. */
export interface HeldContent {
  /** The set served now: its id (setId) and its files, path → SHA-256; undefined when nothing is served yet. */
  readonly current?: { readonly id: string; readonly files: ReadonlyMap<string, string> } | undefined;
  /** Verified objects kept on disk, by SHA-256. */
  readonly objects: ReadonlySet<string>;
  /** Downloads cut short: SHA-256 → bytes already on disk. */
  readonly partials: ReadonlyMap<string, number>;
}

/** One piece of content to download: fetched from the first path that names it. */
export interface FetchItem {
  readonly sha256: string;
  readonly size: number;
  /** Every path of the set with this content, in path order; each source is asked for paths[0]. */
  readonly paths: readonly string[];
  /** Bytes already downloaded (resumed from here with a Range request); equal to size: only verification is left. */
  readonly resumeFrom: number;
}

export interface ReuseItem {
  readonly sha256: string;
  readonly paths: readonly string[];
  /** 'current': the set served holds it; 'held': downloaded earlier (an attempt that did not finish, or an older set). */
  readonly from: 'current' | 'held';
}

export interface SyncPlan {
  readonly version: string;
  /** The set's directory name: its version and a digest of its files (setId). */
  readonly setId: string;
  /** The set to build, sorted by path. */
  readonly files: readonly ManifestEntry[];
  readonly toFetch: readonly FetchItem[];
  readonly reuse: readonly ReuseItem[];
  /** Downloads cut short to delete: content no longer wanted, or more bytes than the file has. */
  readonly discard: readonly string[];
  /** The set served is this manifest already: nothing to fetch, build or switch. */
  readonly upToDate: boolean;
  /** Bytes left to download (resumed downloads counted from where they stopped). */
  readonly bytesToFetch: number;
  /** Bytes of the whole set (each content once). */
  readonly bytesTotal: number;
}

export type PlanResult = { readonly ok: true; readonly plan: SyncPlan } | { readonly ok: false; readonly reason: string };

/** The empty content's SHA-256: a file of size 0 must have it. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const SHA256 = /^[0-9a-f]{64}$/;

const byPath = (a: ManifestEntry, b: ManifestEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The name of a set's directory: `<version>~<16 hex digits>` of a digest of the version
 * and every (path, size, SHA-256) in path order. A manifest that keeps its version but
 * changes a file gets another name, so a set on disk is never rebuilt in place.
 */
export function setId(manifest: Manifest): string {
  const h = createHash('sha256').update(`${manifest.version}\n`);
  for (const f of [...manifest.files].sort(byPath)) h.update(`${f.path}\0${f.size}\0${f.sha256}\n`);
  return `${manifest.version}~${h.digest('hex').slice(0, 16)}`;
}

/** The version a set id names (the part before the last "~"). */
export function versionOfSetId(id: string): string {
  const cut = id.lastIndexOf('~');
  return cut < 0 ? id : id.slice(0, cut);
}

/** Why a manifest cannot be built, or undefined. */
function manifestProblem(files: readonly ManifestEntry[]): string | undefined {
  const paths = new Set<string>();
  for (const f of files) {
    const checked = treePath(f.path);
    if (!checked.ok || checked.directory || checked.path !== f.path) return `${JSON.stringify(f.path)} is not a plain path in the tree${checked.ok ? '' : ` (${checked.reason})`}`;
    if (!SHA256.test(f.sha256)) return `${f.path}: sha256 is not 64 lower-case hex digits`;
    if (!Number.isSafeInteger(f.size) || f.size < 0) return `${f.path}: size ${f.size} is not a byte count`;
    if (f.size === 0 && f.sha256 !== EMPTY_SHA256) return `${f.path} has size 0 but its sha256 is not that of empty content`;
    if (paths.has(f.path)) return `${f.path} is listed twice`;
    paths.add(f.path);
  }
  for (const p of paths) {
    for (let cut = p.indexOf('/'); cut > 0; cut = p.indexOf('/', cut + 1)) {
      if (paths.has(p.slice(0, cut))) return `${p.slice(0, cut)} is a file and also the directory of ${p}`;
    }
  }
  return undefined;
}

export function planSync(manifest: Manifest, held: HeldContent): PlanResult {
  const problem = manifestProblem(manifest.files);
  if (problem !== undefined) return { ok: false, reason: problem };
  const files = [...manifest.files].sort(byPath);
  const bySha = new Map<string, { size: number; paths: string[] }>();
  for (const f of files) {
    const seen = bySha.get(f.sha256);
    if (!seen) bySha.set(f.sha256, { size: f.size, paths: [f.path] });
    else if (seen.size !== f.size) return { ok: false, reason: `${seen.paths[0]} and ${f.path} have the same sha256 but sizes ${seen.size} and ${f.size}` };
    else seen.paths.push(f.path);
  }
  const currentShas = new Set(held.current?.files.values() ?? []);
  const toFetch: FetchItem[] = [];
  const reuse: ReuseItem[] = [];
  const discard: string[] = [];
  let bytesToFetch = 0;
  let bytesTotal = 0;
  for (const [sha256, { size, paths }] of bySha) {
    bytesTotal += size;
    if (held.objects.has(sha256)) {
      reuse.push({ sha256, paths, from: currentShas.has(sha256) ? 'current' : 'held' });
      continue;
    }
    const partial = held.partials.get(sha256);
    const resumable = partial !== undefined && partial <= size;
    if (partial !== undefined && !resumable) discard.push(sha256);
    const resumeFrom = resumable ? partial : 0;
    toFetch.push({ sha256, size, paths, resumeFrom });
    bytesToFetch += size - resumeFrom;
  }
  for (const sha256 of held.partials.keys()) {
    if (!bySha.has(sha256) || held.objects.has(sha256)) discard.push(sha256);
  }
  const id = setId(manifest);
  return {
    ok: true,
    plan: {
      version: manifest.version, setId: id, files, toFetch, reuse, discard: discard.sort(),
      upToDate: held.current?.id === id, bytesToFetch, bytesTotal,
    },
  };
}

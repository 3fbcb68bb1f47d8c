// The files of a lease journal directory: their names, the injectable write/fsync
// calls (so tests can make a disk fail), directory fsync, and the error that names a
// damaged file, offset and reason.
import fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OutpostError } from '../core/errors.js';
import { FILE_HEADER_LENGTH, encodeFileHeader, type FileKind } from './lease-journal-format.js';

//   leases-0000000007.journal        commits appended since snapshot 7 (or since the start)
//   leases-0000000007.snapshot       every lease as of the start of journal 7
//   leases-0000000007.snapshot.tmp   a snapshot being written (never read; removed at open)
const NAME = /^leases-(\d{10})\.(journal|snapshot|snapshot\.tmp)$/;

export function fileName(kind: FileKind | 'tmp', generation: number): string {
  const g = String(generation).padStart(10, '0');
  return kind === 'journal' ? `leases-${g}.journal` : kind === 'snapshot' ? `leases-${g}.snapshot` : `leases-${g}.snapshot.tmp`;
}

export function parseFileName(name: string): { kind: FileKind | 'tmp'; generation: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const kind = m[2] === 'journal' ? 'journal' : m[2] === 'snapshot' ? 'snapshot' : 'tmp';
  return { kind, generation: Number(m[1]) };
}

/** The two calls durability rests on; replaceable so tests can inject EIO or ENOSPC. */
export interface JournalIo {
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(fd: number): Promise<void>;
}

export const realIo: JournalIo = {
  write: (fd, buf, offset, length, position) => new Promise((resolve, reject) => {
    fs.write(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  }),
  datasync: (fd) => new Promise((resolve, reject) => {
    fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
  }),
};

/** Writes all `length` bytes (a short write is continued, never ignored). */
export async function writeFully(io: JournalIo, fd: number, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await io.write(fd, buf, done, length - done, position + done);
    if (!(n > 0)) throw new Error(`write made no progress at offset ${position + done}`);
    done += n;
  }
}

/** fsync of a directory: makes a created, renamed or removed name durable. */
export function fsyncDir(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(dir, 'r', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (e) => fs.close(fd, () => (e ? reject(e) : resolve())));
    });
  });
}

/**
 * Creates dir (and missing parents) durably: a directory created here must have its
 * entry in its parent on disk, or a power cut could take the whole journal away with
 * every lease acknowledged in it. A no-op for a directory that exists.
 */
export async function makeDurableDir(dir: string): Promise<void> {
  const created = await fs.promises.mkdir(dir, { recursive: true });
  if (created === undefined) return;
  for (let p = resolve(dir); ; p = dirname(p)) {
    await fsyncDir(dirname(p));
    if (p === resolve(created)) break;
  }
}

/** fsync of a file by name (after a truncate: the new size must be durable). */
export function fsyncFile(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r+', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (e) => fs.close(fd, () => (e ? reject(e) : resolve())));
    });
  });
}

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * Creates a new, empty file of the directory with its header, fsynced: file data
 * first, then the directory entry. Nothing is appended to it before this resolves.
 * `exclusive` false replaces a file whose header a crash left unfinished.
 */
export async function createLeaseFile(io: JournalIo, dir: string, kind: FileKind | 'tmp', generation: number, now: number, exclusive = true): Promise<{ fd: number; path: string }> {
  const path = join(dir, fileName(kind, generation));
  const fd = await openFd(path, exclusive ? 'wx' : 'w');
  try {
    const header = encodeFileHeader({ kind: kind === 'tmp' ? 'snapshot' : kind, generation, createdAt: now });
    await writeFully(io, fd, header, FILE_HEADER_LENGTH, 0);
    await io.datasync(fd);
    await fsyncDir(dir);
    return { fd, path };
  } catch (err) {
    await closeFd(fd).catch(() => undefined);
    throw err;
  }
}

/** A damaged lease file: which, where, why. Code DHCP_JOURNAL_CORRUPT, or DHCP_JOURNAL_UNSUPPORTED for a newer format. */
export class LeaseFileError extends OutpostError {
  constructor(readonly file: string, readonly offset: number, readonly reason: string, unsupported = false, advice = DAMAGE_ADVICE) {
    super(
      unsupported ? 'DHCP_JOURNAL_UNSUPPORTED' : 'DHCP_JOURNAL_CORRUPT',
      `lease file ${file} ${unsupported ? 'cannot be read' : 'is damaged'} at offset ${offset}: ${reason}. ${unsupported ? UNSUPPORTED_ADVICE : advice}`,
      [`file: ${file}`, `offset: ${offset}`, `reason: ${reason}`],
    );
    this.name = 'LeaseFileError';
  }
}

export const DAMAGE_ADVICE = 'The lease store refuses to start rather than lose or hand out again a lease it acknowledged; nothing was changed on disk. '
  + 'Copy the directory aside, then restore it from a backup, or open the store once with salvage enabled '
  + '(the damaged region\'s leases are dropped, the damaged file is kept beside the others as *.damaged-<time>).';
const UNSUPPORTED_ADVICE = 'It was written by a newer Outpost; run that version (or newer), nothing was changed on disk.';

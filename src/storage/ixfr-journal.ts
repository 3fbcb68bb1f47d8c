// A zone's IXFR journal on disk (docs/dns.md, "The IXFR journal"): one append-only file
// per zone, `<dns.dataDir>/ixfr/<zone>.ixfr`, one frame per zone version
// (ixfr-journal-format.ts). An append is written and fdatasync'ed before it is
// acknowledged, so a version the server has NOTIFYed about is on disk. Opening reads
// every frame; a torn or damaged tail (a crash in the middle of an append) is cut off
// at the last good frame, so later appends follow good data. When the file holds
// twice the versions to keep, the newest are copied to a temporary file that replaces
// it (rename, then the directory fsync'ed). Whether the entries still match the zone
// file is the caller's judgement: it resets the journal when they do not.
import { mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, fsyncFile } from './lease-journal-files.js';
import { FRAME_HEADER_BYTES, JOURNAL_MAGIC, decodeJournal, encodeFrame, type JournalEntry } from './ixfr-journal-format.js';

export const JOURNAL_SUBDIR = 'ixfr';

export interface OpenedJournal {
  readonly journal: IxfrJournal;
  /** Every readable entry, oldest first. */
  readonly entries: JournalEntry[];
  /** Why part of the file was dropped (and how many bytes), when it was. */
  readonly damage?: { readonly reason: string; readonly droppedBytes: number };
}

/** The file name of a zone's journal: its lower-case name without the final dot, "%2E" for the root; bytes outside [a-z0-9._-] as %XX. */
export function journalFileName(zone: string): string {
  const key = zone.toLowerCase();
  const bare = key === '.' ? '%2E' : (key.endsWith('.') ? key.slice(0, -1) : key).replace(/[^a-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${bare}.ixfr`;
}

export class IxfrJournal {
  private constructor(
    readonly dir: string,
    readonly zone: string,
    readonly path: string,
    /** Sizes of the frames in the file, oldest first. */
    private frames: number[],
  ) {}

  /** Opens (or finds absent) the journal of `zone` under `dataDir`, cutting off a damaged tail. */
  static async open(dataDir: string, zone: string): Promise<OpenedJournal> {
    const dir = join(dataDir, JOURNAL_SUBDIR);
    await mkdir(dir, { recursive: true });
    const path = join(dir, journalFileName(zone));
    await rm(`${path}.tmp`, { force: true }); // a compaction cut short: the journal itself is intact
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return { journal: new IxfrJournal(dir, zone, path, []), entries: [] };
    }
    const decoded = decodeJournal(file, zone);
    const journal = new IxfrJournal(dir, zone, path, []);
    let offset = JOURNAL_MAGIC.length;
    for (let i = 0; i < decoded.entries.length; i++) {
      const size = FRAME_HEADER_BYTES + file.readUInt32LE(offset + 4);
      journal.frames.push(size);
      offset += size;
    }
    if (decoded.damage === undefined) return { journal, entries: decoded.entries };
    const droppedBytes = file.length - decoded.goodBytes;
    if (decoded.goodBytes < JOURNAL_MAGIC.length) await journal.reset();
    else {
      await truncate(path, decoded.goodBytes);
      await fsyncFile(path);
    }
    return { journal, entries: decoded.entries, damage: { reason: decoded.damage, droppedBytes } };
  }

  /** Versions in the file. */
  get versions(): number {
    return this.frames.length;
  }

  /** Appends one version, durably; compacts to the newest `keep` when the file holds 2 × keep. keep 0: no journal. */
  async append(entry: JournalEntry, keep: number): Promise<void> {
    if (keep <= 0) return this.reset();
    const frame = encodeFrame(this.zone, entry);
    const fresh = this.frames.length === 0;
    const fh = await open(this.path, fresh ? 'w' : 'a', 0o644);
    try {
      await fh.write(fresh ? Buffer.concat([JOURNAL_MAGIC, frame]) : frame);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    if (fresh) await fsyncDir(this.dir);
    this.frames.push(frame.length);
    if (this.frames.length >= 2 * keep) await this.compact(keep);
  }

  /** Forgets every version: the file is removed (the next append starts a new one). */
  async reset(): Promise<void> {
    this.frames = [];
    await rm(this.path, { force: true });
    await fsyncDir(this.dir);
  }

  /** Rewrites the file with its newest `keep` frames: a temporary file, fsync'ed, renamed over it, the directory fsync'ed. */
  private async compact(keep: number): Promise<void> {
    const drop = this.frames.length - keep;
    if (drop <= 0) return;
    const skip = this.frames.slice(0, drop).reduce((a, b) => a + b, 0);
    const file = await readFile(this.path);
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.write(Buffer.concat([JOURNAL_MAGIC, file.subarray(JOURNAL_MAGIC.length + skip)]));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    await fsyncDir(this.dir);
    this.frames = this.frames.slice(drop);
  }
}

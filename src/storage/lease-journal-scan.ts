// Reads one lease file frame by frame and tells a torn tail (the unfinished last
// write of a crash: cut it off) from damage before the end (refuse, or in salvage
// mode skip to the next valid frame). The writer has at most one un-fsynced frame at
// a time, always the last one of the newest journal, so a torn tail is: in the newest
// journal only, at most one frame long, and followed by no valid frame.
import { open, type FileHandle } from 'node:fs/promises';
import {
  FILE_HEADER_LENGTH,
  FRAME_HEADER_LENGTH,
  FRAME_MAGIC,
  FormatError,
  MAX_FRAME_BODY,
  UnsupportedVersionError,
  checkFrameBody,
  decodeFileHeader,
  decodeFrameHeader,
  decodeRecords,
  type FileKind,
  type FrameHeader,
  type JournalRecord,
} from './lease-journal-format.js';
import { LeaseFileError } from './lease-journal-files.js';

export interface TornTail {
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
  /** Records in the dropped frame when its header was readable, else undefined. */
  readonly records: number | undefined;
}

export interface SkippedRegion {
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
}

export interface FileScan {
  readonly size: number;
  /** False when the newest journal's header was never completed (a crash right after creating it). */
  readonly headerComplete: boolean;
  /** Offset just after the last good frame: where appending continues. */
  readonly validEnd: number;
  readonly frames: number;
  readonly records: number;
  /** Sequence number of the last good frame (0: none). */
  readonly lastSeq: number;
  readonly tail: TornTail | undefined;
  readonly skipped: readonly SkippedRegion[];
}

export interface ScanOptions {
  readonly kind: FileKind;
  readonly generation: number;
  /** The newest journal: the only file that may end in a torn tail. */
  readonly newest: boolean;
  readonly salvage: boolean;
}

const WINDOW = 4 * 1024 * 1024;

/** Positional reads through one reusable window buffer. A returned slice is valid until the next read. */
class Window {
  private buf = Buffer.allocUnsafe(0);
  private start = 0;
  private end = 0;
  constructor(private readonly fh: FileHandle, readonly size: number) {}

  async read(pos: number, len: number): Promise<Buffer> {
    len = Math.max(0, Math.min(len, this.size - pos));
    if (pos >= this.start && pos + len <= this.end) return this.buf.subarray(pos - this.start, pos - this.start + len);
    const want = Math.min(Math.max(len, WINDOW), this.size - pos);
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(this.buf, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.start = pos;
    this.end = pos + got;
    return this.buf.subarray(0, Math.min(len, got));
  }
}

type Frame = { readonly header: FrameHeader; readonly records: JournalRecord[] };

/** A frame whose CRCs match but whose records do not decode. */
class ChecksummedButBad extends FormatError {
  constructor(err: FormatError, readonly frameLength: number, readonly seq: number) {
    super(err.offset, err.reason);
  }
}

/**
 * Scans `path`, calling `apply` with each good frame's records in file order (a
 * frame's records are decoded in full before any is applied). Throws LeaseFileError
 * on damage that is not a torn tail, unless `salvage`.
 */
export async function scanLeaseFile(path: string, opts: ScanOptions, apply: (records: readonly JournalRecord[]) => void): Promise<FileScan> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const win = new Window(fh, size);
    const damage = (offset: number, reason: string, unsupported = false) => new LeaseFileError(path, offset, reason, unsupported);

    // The header. A journal created by a rotation is fsynced before anything is appended to
    // it, so an unfinished header with nothing after it is a crash during creation.
    const hb = Buffer.from(await win.read(0, FILE_HEADER_LENGTH));
    try {
      const h = decodeFileHeader(hb);
      if (h.kind !== opts.kind) throw new FormatError(10, `file header says ${h.kind}, the file name says ${opts.kind}`);
      if (h.generation !== opts.generation) throw new FormatError(12, `file header says generation ${h.generation}, the file name says ${opts.generation}`);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      const unfinished = opts.kind === 'journal' && opts.newest && size <= FILE_HEADER_LENGTH && !(err instanceof UnsupportedVersionError);
      if (unfinished) return { size, headerComplete: false, validEnd: 0, frames: 0, records: 0, lastSeq: 0, tail: undefined, skipped: [] };
      throw damage(err.offset, err.reason, err instanceof UnsupportedVersionError);
    }

    /** The frame at `pos`, fully checked (header, sequence, body CRC, records), or the reason it is not one. */
    const frameAt = async (pos: number, seq: number | undefined, minSeq: number): Promise<Frame | FormatError> => {
      try {
        const hbuf = await win.read(pos, FRAME_HEADER_LENGTH);
        if (hbuf.length < FRAME_HEADER_LENGTH) throw new FormatError(pos, `frame header cut short by the end of the file (${hbuf.length} of ${FRAME_HEADER_LENGTH} bytes)`);
        const header = decodeFrameHeader(hbuf, pos);
        if (header.generation !== opts.generation) throw new FormatError(pos, `frame of generation ${header.generation} in the file of generation ${opts.generation}`);
        if (seq !== undefined && header.seq !== seq) throw new FormatError(pos, `frame sequence ${header.seq} where ${seq} was expected`);
        if (header.seq < minSeq) throw new FormatError(pos, `frame sequence ${header.seq} is not after ${minSeq - 1}`);
        const left = size - pos - FRAME_HEADER_LENGTH;
        if (header.bodyLength > left) throw new FormatError(pos, `frame body of ${header.bodyLength} bytes runs past the end of the file (${left} bytes left)`);
        const body = await win.read(pos + FRAME_HEADER_LENGTH, header.bodyLength);
        checkFrameBody(header, body, pos);
        const records: JournalRecord[] = [];
        try {
          decodeRecords(body, pos + FRAME_HEADER_LENGTH, header.records, (r) => records.push(r));
        } catch (err) {
          // Its CRC matches: this frame was written whole. Bad content is damage wherever it is.
          if (err instanceof FormatError) return new ChecksummedButBad(err, FRAME_HEADER_LENGTH + header.bodyLength, header.seq);
          throw err;
        }
        return { header, records };
      } catch (err) {
        if (err instanceof FormatError) return err;
        throw err;
      }
    };

    /** The next offset after `from` where a frame of this file that was written whole starts (checksums match, sequence ≥ minSeq). */
    const nextValidFrame = async (from: number, minSeq: number): Promise<{ offset: number; seq: number } | undefined> => {
      let base = from;
      while (base + FRAME_HEADER_LENGTH <= size) {
        const chunk = Buffer.from(await win.read(base, WINDOW));
        let i = chunk.indexOf(FRAME_MAGIC);
        while (i >= 0) {
          const f = await frameAt(base + i, undefined, minSeq);
          if (!(f instanceof FormatError)) return { offset: base + i, seq: f.header.seq };
          if (f instanceof ChecksummedButBad) return { offset: base + i, seq: f.seq }; // written whole: damage follows, not a tail
          i = chunk.indexOf(FRAME_MAGIC, i + 1);
        }
        if (chunk.length < WINDOW) break;
        base += chunk.length - (FRAME_MAGIC.length - 1);
      }
      return undefined;
    };

    let pos = FILE_HEADER_LENGTH;
    let seq = 1;
    let frames = 0;
    let records = 0;
    let ended = false;
    let puts = 0;
    let tail: TornTail | undefined;
    const skipped: SkippedRegion[] = [];
    let validEnd = pos;

    const take = (f: Frame, at: number): void => {
      for (const r of f.records) {
        if (ended) throw damage(at, 'a record follows the end record of the snapshot');
        if (r.type === 'end') {
          if (opts.kind !== 'snapshot') throw damage(at, 'an end record in a journal (only snapshots have one)');
          if (r.leases !== puts) throw damage(at, `snapshot end record counts ${r.leases} leases, the snapshot holds ${puts}`);
          ended = true;
        } else if (opts.kind === 'snapshot' && r.type !== 'put') {
          throw damage(at, 'a remove record in a snapshot');
        } else if (r.type === 'put') {
          puts++;
        }
      }
      apply(f.records);
      frames++;
      records += f.records.length;
    };

    while (pos < size) {
      const f = await frameAt(pos, seq, 0);
      if (!(f instanceof FormatError)) {
        take(f, pos);
        pos += FRAME_HEADER_LENGTH + f.header.bodyLength;
        validEnd = pos;
        seq = f.header.seq + 1;
        continue;
      }
      if (f instanceof ChecksummedButBad) {
        if (!opts.salvage) throw damage(f.offset, `${f.reason} (in a frame whose checksums match: written whole, by a faulty or newer writer)`);
        skipped.push({ offset: pos, bytes: f.frameLength, reason: f.reason });
        pos += f.frameLength;
        seq++;
        continue;
      }
      const next = await nextValidFrame(pos + 1, seq);
      const tornPossible = opts.kind === 'journal' && opts.newest && size - pos <= FRAME_HEADER_LENGTH + MAX_FRAME_BODY;
      if (tornPossible && !next) {
        let n: number | undefined;
        try { n = decodeFrameHeader(await win.read(pos, FRAME_HEADER_LENGTH), pos).records; } catch { n = undefined; }
        tail = { offset: pos, bytes: size - pos, reason: f.reason, records: n };
        break;
      }
      if (!opts.salvage) {
        const why = next
          ? `${f.reason}; a valid frame follows at offset ${next.offset}, so this is damage, not the unfinished last write of a crash`
          : opts.kind === 'snapshot'
            ? `${f.reason}; snapshots are complete and fsynced before they are used, so this is damage`
            : !opts.newest
              ? `${f.reason}; only the newest journal can end in an unfinished write, so this is damage`
              : `${f.reason}; ${size - pos} bytes remain, more than one frame, so this is damage`;
        throw damage(f.offset, why);
      }
      const to = next?.offset ?? size;
      skipped.push({ offset: pos, bytes: to - pos, reason: f.reason });
      if (!next) break;
      pos = next.offset;
      seq = next.seq;
    }
    if (opts.kind === 'snapshot' && !ended) {
      if (!opts.salvage) throw damage(validEnd, `the snapshot ends without its end record (${puts} leases read)`);
      skipped.push({ offset: validEnd, bytes: size - validEnd, reason: 'the snapshot ends without its end record' });
    }
    return { size, headerComplete: true, validEnd, frames, records, lastSeq: seq - 1, tail, skipped };
  } finally {
    await fh.close();
  }
}

// Writing a snapshot of every lease for a compaction, in chunks so the event loop
// keeps serving commits between them: <gen>.snapshot.tmp, frames of leases, an end
// record, fdatasync, rename to <gen>.snapshot, fsync of the directory.
//
// The snapshot is fuzzy: leases change while it is written. That is sound because
// every change made after the rotation that opened journal <gen> is also in that
// journal, which recovery replays over the snapshot, and every record is a whole
// "address := lease" or "forget address" (last writer wins): an address untouched
// since the rotation has the same lease at any moment of the writing; one touched
// gets its final value from the journal. The client-index flag of each lease follows
// the same argument (docs/lease-store.md).
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaseIndex } from '../protocol/dhcp/memory-lease-store.js';
import { END_LENGTH, FILE_HEADER_LENGTH, FRAME_HEADER_LENGTH, maxPutLength, sealFrame, writeEnd, writePut } from './lease-journal-format.js';
import { closeFd, createLeaseFile, fileName, fsyncDir, writeFully, type JournalIo } from './lease-journal-files.js';

export type CompactionStep = 'rotated' | 'snapshot-chunk' | 'snapshot-synced' | 'snapshot-installed' | 'cleaned';

export class CompactionAborted extends Error {
  constructor() {
    super('compaction aborted: the lease store is closing');
    this.name = 'CompactionAborted';
  }
}

export interface SnapshotOptions {
  readonly io: JournalIo;
  readonly dir: string;
  readonly generation: number;
  readonly index: LeaseIndex;
  readonly now: number;
  readonly chunkLeases: number;
  readonly shouldStop: () => boolean;
  readonly step: (s: CompactionStep) => Promise<void>;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes and installs snapshot `generation`; returns its size and lease count. The .tmp is left for the caller to remove on failure. */
export async function writeSnapshot(o: SnapshotOptions): Promise<{ path: string; bytes: number; leases: number }> {
  const { fd, path: tmp } = await createLeaseFile(o.io, o.dir, 'tmp', o.generation, o.now, false);
  let closed = false;
  try {
    let buf = Buffer.allocUnsafe(256 * 1024);
    let pos = FILE_HEADER_LENGTH;
    let seq = 1;
    let leases = 0;
    const it = o.index.values();
    let done = false;
    while (!done) {
      if (o.shouldStop()) throw new CompactionAborted();
      let len = FRAME_HEADER_LENGTH;
      let records = 0;
      while (records < o.chunkLeases) {
        const r = it.next();
        if (r.done) { done = true; break; }
        const l = r.value;
        const need = len + maxPutLength(l) + END_LENGTH;
        if (need > buf.length) {
          const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        len = writePut(buf, len, l, o.index.clientIndexed(l));
        records++;
      }
      leases += records;
      if (done) {
        len = writeEnd(buf, len, leases);
        records++;
      }
      sealFrame(buf, len - FRAME_HEADER_LENGTH, o.generation, seq++, records);
      await writeFully(o.io, fd, buf, len, pos);
      pos += len;
      await o.step('snapshot-chunk');
      await turn();
    }
    await o.io.datasync(fd);
    closed = true;
    await closeFd(fd);
    await o.step('snapshot-synced');
    const path = join(o.dir, fileName('snapshot', o.generation));
    await rename(tmp, path);
    await fsyncDir(o.dir);
    return { path, bytes: pos, leases };
  } finally {
    if (!closed) await closeFd(fd).catch(() => undefined);
  }
}

// Opening a lease journal directory: find the newest snapshot, replay it and every
// journal from its generation on, cut a torn tail off the newest journal, and only
// then remove what an interrupted compaction left behind. Nothing is removed or
// changed on disk before every file has been read successfully.
import { readdir, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../runtime/log.js';
import { logEvent } from '../runtime/log.js';
import { LeaseIndex } from '../protocol/dhcp/memory-lease-store.js';
import { fileName, fsyncDir, fsyncFile, LeaseFileError, makeDurableDir, parseFileName } from './lease-journal-files.js';
import { FILE_HEADER_LENGTH, type JournalRecord } from './lease-journal-format.js';
import { scanLeaseFile, type FileScan } from './lease-journal-scan.js';

export interface Recovered {
  readonly index: LeaseIndex;
  /** Generation of the newest journal, where appending continues (0: a fresh directory). */
  readonly generation: number;
  /** Where the next frame goes in the newest journal; 0 when its header must be (re)written. */
  readonly appendAt: number;
  readonly nextSeq: number;
  /** Size of the newest snapshot, or 0. */
  readonly snapshotBytes: number;
  readonly files: number;
  readonly bytes: number;
  /** Files salvage mode read around damage; they must be rewritten by a compaction and kept aside. */
  readonly damaged: readonly string[];
  /** Files older than the newest snapshot (left by a compaction cut short); removed once a compaction or this open no longer needs them. */
  readonly obsolete: readonly string[];
}

export interface RecoverOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly salvage: boolean;
}

export async function recoverLeaseDir(opts: RecoverOptions): Promise<Recovered> {
  const { dir, log } = opts;
  await makeDurableDir(dir);
  const names = await readdir(dir);
  const journals: number[] = [];
  const snapshots: number[] = [];
  const tmps: string[] = [];
  for (const n of names) {
    const p = parseFileName(n);
    if (!p) continue;
    if (p.kind === 'journal') journals.push(p.generation);
    else if (p.kind === 'snapshot') snapshots.push(p.generation);
    else tmps.push(n);
  }
  journals.sort((a, b) => a - b);
  snapshots.sort((a, b) => a - b);
  const snap = snapshots.at(-1);
  const live = journals.filter((g) => snap === undefined || g >= snap);
  const missing = (what: string, gen: number, why: string) => new LeaseFileError(join(dir, fileName('journal', gen)), 0, `${what} is missing: ${why}`);

  // Which files make up the state: snapshot S (if any) and journals S, S+1, ..., newest.
  if (snap !== undefined && live[0] !== snap) throw missing('journal', snap, `snapshot ${fileName('snapshot', snap)} is the start of that journal, which must exist beside it`);
  if (snap === undefined && live.length > 0 && live[0] !== 1) {
    throw missing('journal', 1, `there is no snapshot, so the journals must start at generation 1 (the oldest present is ${fileName('journal', live[0]!)})`);
  }
  for (let i = 1; i < live.length; i++) {
    if (live[i] !== live[i - 1]! + 1) throw missing('journal', live[i - 1]! + 1, `journals ${fileName('journal', live[i - 1]!)} and ${fileName('journal', live[i]!)} are not consecutive`);
  }

  const index = new LeaseIndex();
  const damaged: string[] = [];
  let files = 0;
  let bytes = 0;
  let snapshotBytes = 0;
  const applyRecords = (records: readonly JournalRecord[]) => {
    for (const r of records) {
      if (r.type === 'put') index.set(r.lease, r.clientIndexed);
      else if (r.type === 'remove') index.delete(r.address);
    }
  };
  const noteSkipped = (path: string, scan: FileScan) => {
    if (scan.skipped.length === 0) return;
    damaged.push(path);
    for (const s of scan.skipped) logEvent(log, 'DHCP_JOURNAL_SALVAGED', { file: path, offset: s.offset, bytes: s.bytes, reason: s.reason });
  };

  if (snap !== undefined) {
    const path = join(dir, fileName('snapshot', snap));
    const scan = await scanLeaseFile(path, { kind: 'snapshot', generation: snap, newest: false, salvage: opts.salvage }, applyRecords);
    noteSkipped(path, scan);
    files++;
    bytes += scan.size;
    snapshotBytes = scan.size;
  }

  let appendAt = 0;
  let nextSeq = 1;
  const newest = live.at(-1);
  for (const gen of live) {
    const path = join(dir, fileName('journal', gen));
    const isNewest = gen === newest;
    const scan = await scanLeaseFile(path, { kind: 'journal', generation: gen, newest: isNewest, salvage: opts.salvage }, applyRecords);
    noteSkipped(path, scan);
    files++;
    bytes += scan.size;
    if (!isNewest) continue;
    nextSeq = scan.lastSeq + 1;
    appendAt = scan.headerComplete ? scan.validEnd : 0;
    if (scan.tail) {
      // Only bytes that no fsync ever covered are cut: the frame that was being written.
      await truncate(path, scan.tail.offset);
      await fsyncFile(path);
      logEvent(log, 'DHCP_JOURNAL_TRUNCATED', {
        file: path, offset: scan.tail.offset, bytes: scan.tail.bytes, records: scan.tail.records ?? 'unknown', reason: scan.tail.reason,
        kept: { frames: scan.frames, records: scan.records },
      });
    } else if (scan.skipped.length > 0 && scan.headerComplete) {
      appendAt = scan.size; // salvage: keep appending after whatever is there; the compaction that follows rewrites it
    }
  }
  if (appendAt !== 0 && appendAt < FILE_HEADER_LENGTH) appendAt = 0;

  // Leftovers: unfinished snapshots, and files an installed snapshot made obsolete.
  const obsolete = [
    ...journals.filter((g) => snap !== undefined && g < snap).map((g) => fileName('journal', g)),
    ...snapshots.filter((g) => g !== snap).map((g) => fileName('snapshot', g)),
  ];
  const removed = [...tmps, ...obsolete];
  if (removed.length > 0 && damaged.length === 0) {
    for (const n of removed) await rm(join(dir, n), { force: true });
    await fsyncDir(dir);
    logEvent(log, 'DHCP_JOURNAL_LEFTOVER_REMOVED', { dir, files: removed });
  }
  return {
    index,
    generation: newest ?? 0,
    appendAt,
    nextSeq,
    snapshotBytes,
    files,
    bytes,
    damaged,
    obsolete: damaged.length === 0 ? [] : obsolete,
  };
}

/** Salvage mode, after the compaction that rewrote their content: damaged files are kept aside, never deleted. */
export async function keepDamagedAside(dir: string, paths: readonly string[], now: number): Promise<string[]> {
  const kept: string[] = [];
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  for (const p of paths) {
    const to = `${p}.damaged-${stamp}`;
    await rename(p, to);
    kept.push(to);
  }
  if (kept.length > 0) await fsyncDir(dir);
  return kept;
}

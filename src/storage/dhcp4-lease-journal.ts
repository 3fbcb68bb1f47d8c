// The durable DHCPv4 lease store of the site daemon: an append-only journal with
// group commit, periodic compaction into a snapshot, and recovery at open
// (docs/lease-store.md).
//
// Group commit: a commit is applied to the in-memory index at once (so the engine never
// offers the address twice) and its record is added to the open batch; one writer at a
// time takes a batch, writes it as one frame and fdatasyncs it; every commit of the batch
// resolves only after that fdatasync returned. Commits arriving meanwhile form the next
// batch. Order is kept: batches are written in order, records within a batch in order.
// A failed write or fdatasync rejects every commit not yet durable and fails the store for
// good: after a failed fsync the kernel may have dropped the dirty pages, so no retry can
// be trusted; the daemon restarts and recovers from what is on disk.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { OutpostError } from '../core/errors.js';
import type { Lease } from '../protocol/dhcp/lease.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import {
  LeaseIndex,
  invalidLease,
  isLeaseAddress,
  leaseProblem,
  makeLease,
  storeClosed,
} from '../protocol/dhcp/memory-lease-store.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { systemClock } from '../runtime/system-clock.js';
import { FILE_HEADER_LENGTH, FRAME_HEADER_LENGTH, MAX_FRAME_BODY, REMOVE_LENGTH, maxPutLength, sealFrame, writePut, writeRemove } from './lease-journal-format.js';
import { closeFd, createLeaseFile, fileName, fsyncDir, makeDurableDir, openFd, parseFileName, realIo, writeFully, type JournalIo } from './lease-journal-files.js';
import { keepDamagedAside, recoverLeaseDir } from './lease-journal-recovery.js';
import { lockLeaseDir } from './lease-journal-lock.js';
import type { FileLock } from '../runtime/file-lock.js';
import { CompactionAborted, writeSnapshot, type CompactionStep } from './lease-journal-snapshot.js';
import { readdir } from 'node:fs/promises';

export type { CompactionStep } from './lease-journal-snapshot.js';
export type { JournalIo } from './lease-journal-files.js';

export interface LeaseJournalOptions {
  /** The directory of the journal (created if missing). One store per directory. */
  readonly dir: string;
  readonly log: Logger;
  /** Compact once the newest journal holds this many bytes and at least as many as the last snapshot. Default 64 MiB. */
  readonly compactMinBytes?: number;
  /** Largest frame (one write + one fdatasync) the group commit builds; more commits wait for the next. Default 1 MiB. */
  readonly maxBatchBytes?: number;
  /**
   * Shortest time (ms) from the start of one frame's write to the start of the next one's,
   * unless a full frame waits: under load, commits gather for this long into one frame, so a
   * fast disk is not asked for thousands of fdatasyncs per second (each costs CPU and
   * wakeups). A commit after a quiet spell is written at once. 0: write as soon as the last
   * fdatasync returned. Default 2 ms. Durability is the same either way: a commit resolves
   * only after the fdatasync covering it.
   */
  readonly commitIntervalMs?: number;
  /** Leases per snapshot frame; the event loop turns between frames. Default 2048. */
  readonly snapshotChunkLeases?: number;
  /**
   * Open a damaged directory anyway: skip damaged regions (their leases are lost, each
   * is logged as DHCP_JOURNAL_SALVAGED), compact at once, keep the damaged files aside.
   * Off by default: a damaged journal refuses to open (DHCP_JOURNAL_CORRUPT).
   */
  readonly salvage?: boolean;
  readonly clock?: Clock;
  /** The write and fdatasync calls (tests inject failures). */
  readonly io?: JournalIo;
  /** Test hook, awaited at each step of a compaction: a test copies the directory there, as a crash would leave it. */
  readonly onCompactionStep?: (step: CompactionStep) => void | Promise<void>;
}

export interface LeaseJournalStats {
  readonly leases: number;
  readonly commits: number;
  /** fdatasync calls of the journal (one per frame). */
  readonly fsyncs: number;
  readonly frames: number;
  readonly bytesWritten: number;
  readonly generation: number;
  /** Size of the newest journal file. */
  readonly journalBytes: number;
  readonly snapshotBytes: number;
  readonly compactions: number;
  readonly compacting: boolean;
  readonly failed: boolean;
}

interface Batch {
  buf: Buffer;
  /** Bytes used, the frame header's room included. */
  len: number;
  records: number;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

type State = 'open' | 'closing' | 'closed' | 'failed';

const DEFAULTS = { compactMinBytes: 64 * 1024 * 1024, maxBatchBytes: 1024 * 1024, snapshotChunkLeases: 2048, commitIntervalMs: 2 };
const INITIAL_BUFFER = 64 * 1024;

export class Dhcp4LeaseJournal implements LeaseStore {
  private state: State = 'open';
  private failure: OutpostError | undefined;
  private open: Batch | undefined;
  private readonly sealed: Batch[] = [];
  private readonly pool: Buffer[] = [];
  private flushing = false;
  private flushScheduled = false;
  /** performance.now() when the last frame's write started (commitIntervalMs). */
  private lastFrameAt = -Infinity;
  private idleWaiters: (() => void)[] = [];
  private rotation: { resolve: (gen: number) => void; reject: (e: Error) => void; promise: Promise<number> } | undefined;
  private compaction: Promise<void> | undefined;
  private compactRetryAt = 0;
  private counters = { commits: 0, fsyncs: 0, frames: 0, bytesWritten: 0, compactions: 0 };

  private constructor(
    private readonly opts: Required<Pick<LeaseJournalOptions, 'dir' | 'log' | 'compactMinBytes' | 'maxBatchBytes' | 'snapshotChunkLeases' | 'commitIntervalMs'>> & LeaseJournalOptions,
    private readonly io: JournalIo,
    private readonly clock: Clock,
    private readonly index: LeaseIndex,
    private readonly lock: FileLock,
    private fd: number,
    private generation: number,
    private pos: number,
    private seq: number,
    private snapshotBytes: number,
  ) {}

  /** Recovers the directory (refusing a damaged one unless `salvage`) and opens it for commits. */
  static async open(options: LeaseJournalOptions): Promise<Dhcp4LeaseJournal> {
    const opts = { ...DEFAULTS, ...stripUndefined(options) } as Dhcp4LeaseJournal['opts'];
    if (!(opts.maxBatchBytes >= 64 * 1024 && opts.maxBatchBytes <= MAX_FRAME_BODY)) throw new RangeError(`maxBatchBytes must be in ${64 * 1024}..${MAX_FRAME_BODY}`);
    if (!(opts.compactMinBytes >= 0)) throw new RangeError('compactMinBytes must not be negative');
    if (!(opts.snapshotChunkLeases >= 1)) throw new RangeError('snapshotChunkLeases must be at least 1');
    if (!(opts.commitIntervalMs >= 0 && opts.commitIntervalMs <= 1000)) throw new RangeError('commitIntervalMs must be in 0..1000');
    let lock: FileLock | undefined;
    try {
      // One process per directory, taken before recovery touches anything (lease-journal-lock.ts).
      await makeDurableDir(opts.dir);
      lock = lockLeaseDir(opts.dir);
      return await Dhcp4LeaseJournal.openLocked(opts, lock);
    } catch (err) {
      lock?.release();
      if (err instanceof OutpostError || err instanceof RangeError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new OutpostError('DHCP_JOURNAL_UNAVAILABLE', `lease journal ${options.dir} cannot be opened: ${e.message}`, [`dir: ${options.dir}`, `cause: ${e.code ?? e.message}`]);
    }
  }

  private static async openLocked(opts: Dhcp4LeaseJournal['opts'], lock: FileLock): Promise<Dhcp4LeaseJournal> {
    const io = opts.io ?? realIo;
    const clock = opts.clock ?? systemClock;
    const t0 = performance.now();
    const r = await recoverLeaseDir({ dir: opts.dir, log: opts.log, salvage: opts.salvage ?? false });
    let gen = r.generation;
    let fd: number;
    let pos = FILE_HEADER_LENGTH;
    let seq = 1;
    if (gen === 0) {
      gen = 1;
      fd = (await createLeaseFile(io, opts.dir, 'journal', gen, clock.now())).fd;
    } else if (r.appendAt === 0) {
      // A crash right after a rotation created this journal, before its header was durable.
      fd = (await createLeaseFile(io, opts.dir, 'journal', gen, clock.now(), false)).fd;
    } else {
      fd = await openFd(join(opts.dir, fileName('journal', gen)), 'r+');
      pos = r.appendAt;
      seq = r.nextSeq;
    }
    const j = new Dhcp4LeaseJournal(opts, io, clock, r.index, lock, fd, gen, pos, seq, r.snapshotBytes);
    if (r.damaged.length > 0) {
      try {
        await j.compactNow(r.damaged);
      } catch (err) {
        await j.close().catch(() => undefined);
        throw err;
      }
    }
    logEvent(opts.log, 'DHCP_JOURNAL_OPENED', {
      dir: opts.dir, leases: r.index.size, files: r.files, bytes: r.bytes, generation: j.generation, ms: Math.round(performance.now() - t0),
    });
    return j;
  }

  get size(): number {
    return this.index.size;
  }

  get(address: number): Lease | undefined {
    return this.index.get(address);
  }

  findByClient(subnetId: number, clientKey: string): Lease | undefined {
    return this.index.findByClient(subnetId, clientKey);
  }

  all(): Iterable<Lease> {
    return this.index.values();
  }

  dueForExpiry(now: number, limit: number): Lease[] {
    return this.index.dueForExpiry(now, limit);
  }

  commit(lease: Lease): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.failure ?? storeClosed('commit'));
    const problem = leaseProblem(lease);
    if (problem) return Promise.reject(invalidLease(lease, problem));
    const l = makeLease(lease);
    const b = this.room(maxPutLength(l));
    b.len = writePut(b.buf, b.len, l, true);
    b.records++;
    this.index.set(l);
    this.counters.commits++;
    this.kick();
    return b.promise;
  }

  remove(address: number): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.failure ?? storeClosed('remove'));
    if (!isLeaseAddress(address)) return Promise.reject(new OutpostError('DHCP_LEASE_INVALID', `remove refused: address must be an integer in 0..4294967295 (got ${String(address)})`));
    const b = this.room(REMOVE_LENGTH);
    b.len = writeRemove(b.buf, b.len, address);
    b.records++;
    this.index.delete(address);
    this.kick();
    return b.promise;
  }

  /** Compacts now (or joins the compaction under way); resolves once the new snapshot is installed. */
  compact(): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.failure ?? storeClosed('compact'));
    return this.compactNow([]);
  }

  stats(): LeaseJournalStats {
    return {
      leases: this.index.size,
      ...this.counters,
      generation: this.generation,
      journalBytes: this.pos,
      snapshotBytes: this.snapshotBytes,
      compacting: this.compaction !== undefined,
      failed: this.state === 'failed',
    };
  }

  /** Waits for every commit made so far to be durable (or rejected), then releases the files. Rejects with the failure if the store failed. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.state = 'closing';
    await this.idle();
    await this.compaction?.catch(() => undefined);
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      await closeFd(fd).catch(() => undefined);
    }
    this.lock.release();
    if (this.state === 'failed') throw this.failure!;
    this.state = 'closed';
  }

  // ---- group commit -------------------------------------------------------------

  /** The batch the next record goes into, with room for `bytes` more. */
  private room(bytes: number): Batch {
    let b = this.open;
    if (b && b.records > 0 && b.len + bytes > FRAME_HEADER_LENGTH + this.opts.maxBatchBytes) {
      this.sealed.push(b);
      b = undefined;
    }
    if (!b) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      b = { buf: this.pool.pop() ?? Buffer.allocUnsafe(INITIAL_BUFFER), len: FRAME_HEADER_LENGTH, records: 0, promise, resolve, reject };
      this.open = b;
    }
    if (b.len + bytes > b.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(b.buf.length * 2, b.len + bytes));
      b.buf.copy(bigger, 0, 0, b.len);
      b.buf = bigger;
    }
    return b;
  }

  /** Starts the writer at the end of this turn of the event loop, so commits of one turn share a frame. */
  private kick(): void {
    if (this.flushing || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.state !== 'failed') {
        if (this.rotation) await this.rotate();
        // Group commit window: under load, let commits gather (a full frame goes at once).
        const wait = this.lastFrameAt + this.opts.commitIntervalMs - performance.now();
        if (wait > 0 && this.sealed.length === 0 && (this.open?.records ?? 0) > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          if (this.rotation) continue;
        }
        let b = this.sealed.shift();
        if (!b && this.open && this.open.records > 0) {
          b = this.open;
          this.open = undefined;
        }
        if (!b) break;
        const bodyLength = b.len - FRAME_HEADER_LENGTH;
        sealFrame(b.buf, bodyLength, this.generation, this.seq, b.records);
        const at = this.pos;
        this.lastFrameAt = performance.now();
        try {
          await writeFully(this.io, this.fd, b.buf, b.len, at);
        } catch (err) {
          this.fail('write', at, err, b);
          break;
        }
        this.pos += b.len;
        try {
          await this.io.datasync(this.fd);
        } catch (err) {
          this.fail('fdatasync', at, err, b);
          break;
        }
        this.seq++;
        this.counters.fsyncs++;
        this.counters.frames++;
        this.counters.bytesWritten += b.len;
        b.resolve();
        if (this.pool.length < 4 && b.buf.length <= 2 * FRAME_HEADER_LENGTH + this.opts.maxBatchBytes) this.pool.push(b.buf);
        this.maybeCompact();
      }
    } finally {
      this.flushing = false;
      if (this.state !== 'failed' && (this.sealed.length > 0 || (this.open?.records ?? 0) > 0 || this.rotation)) this.kick();
      else this.wakeIdle();
    }
  }

  private idle(): Promise<void> {
    if (!this.flushing && !this.flushScheduled && this.sealed.length === 0 && !(this.open && this.open.records > 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** A write or fdatasync failed: nothing not yet durable may be acknowledged, now or later. */
  private fail(op: string, offset: number, err: unknown, inflight: Batch | undefined): void {
    if (this.state === 'failed') return;
    const cause = err instanceof Error ? err.message : String(err);
    const file = join(this.opts.dir, fileName('journal', this.generation));
    this.failure = new OutpostError(
      'DHCP_JOURNAL_FAILED',
      `lease journal ${file}: ${op} failed at offset ${offset}: ${cause}. Commits not yet durable are rejected and every further commit is refused; restart to recover the journal from disk.`,
      [`file: ${file}`, `operation: ${op}`, `offset: ${offset}`, `cause: ${cause}`],
    );
    this.state = 'failed';
    const pending = [...(inflight ? [inflight] : []), ...this.sealed.splice(0), ...(this.open ? [this.open] : [])];
    this.open = undefined;
    let commits = 0;
    for (const b of pending) {
      commits += b.records;
      b.reject(this.failure);
    }
    logEvent(this.opts.log, 'DHCP_JOURNAL_FAILED', { file, operation: op, offset, cause, rejected: commits });
    this.rotation?.reject(this.failure);
    this.rotation = undefined;
    this.wakeIdle();
  }

  // ---- compaction ---------------------------------------------------------------

  private maybeCompact(): void {
    if (this.compaction || this.state !== 'open') return;
    if (this.pos < Math.max(this.opts.compactMinBytes, this.snapshotBytes, this.compactRetryAt)) return;
    this.compactNow([]).catch(() => undefined); // logged; the journal keeps everything meanwhile
  }

  private compactNow(keepAside: readonly string[]): Promise<void> {
    if (!this.compaction) {
      this.compaction = this.runCompaction(keepAside).finally(() => { this.compaction = undefined; });
    }
    return this.compaction;
  }

  private async step(s: CompactionStep): Promise<void> {
    await this.opts.onCompactionStep?.(s);
  }

  private async runCompaction(keepAside: readonly string[]): Promise<void> {
    const t0 = performance.now();
    const { dir, log } = this.opts;
    logEvent(log, 'DHCP_JOURNAL_COMPACTION_STARTED', { dir, generation: this.generation, journalBytes: this.pos, leases: this.index.size });
    let gen: number | undefined;
    try {
      // 1. Rotate: everything before is fsynced in journals < gen; everything after goes to journal gen.
      gen = await this.requestRotation();
      await this.step('rotated');
      // 2. Snapshot gen: every lease, in chunks, fsynced, renamed into place, directory fsynced.
      const snap = await writeSnapshot({
        io: this.io, dir, generation: gen, index: this.index, now: this.clock.now(), chunkLeases: this.opts.snapshotChunkLeases,
        shouldStop: () => this.state !== 'open', step: (s) => this.step(s),
      });
      await this.step('snapshot-installed');
      // 3. What the snapshot covers can go (salvage keeps damaged files aside instead).
      const kept = await keepDamagedAside(dir, keepAside, this.clock.now());
      const obsolete = (await readdir(dir)).filter((n) => {
        const p = parseFileName(n);
        return p !== undefined && p.generation < gen!;
      });
      for (const n of obsolete) await rm(join(dir, n), { force: true });
      if (obsolete.length > 0) await fsyncDir(dir);
      await this.step('cleaned');
      this.snapshotBytes = snap.bytes;
      this.counters.compactions++;
      logEvent(log, 'DHCP_JOURNAL_COMPACTED', {
        dir, generation: gen, leases: snap.leases, snapshotBytes: snap.bytes, removed: obsolete, keptAside: kept, ms: Math.round(performance.now() - t0),
      });
    } catch (err) {
      if (gen !== undefined) await rm(join(dir, fileName('tmp', gen)), { force: true }).catch(() => undefined);
      if (err instanceof CompactionAborted) return;
      this.compactRetryAt = this.pos + this.opts.compactMinBytes;
      const cause = err instanceof Error ? err.message : String(err);
      logEvent(log, 'DHCP_JOURNAL_COMPACTION_FAILED', { dir, generation: gen, cause });
      throw err instanceof OutpostError ? err : new OutpostError('DHCP_JOURNAL_COMPACTION_FAILED', `lease journal compaction in ${dir} failed: ${cause}; the journal keeps every lease and compaction is retried later`);
    }
  }

  /** Asks the writer to start journal generation+1 between two frames; resolves with the new generation. */
  private requestRotation(): Promise<number> {
    if (this.state !== 'open') return Promise.reject(this.failure ?? new CompactionAborted());
    if (!this.rotation) {
      let resolve!: (gen: number) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<number>((res, rej) => { resolve = res; reject = rej; });
      this.rotation = { resolve, reject, promise };
      this.kick();
    }
    return this.rotation.promise;
  }

  /** Runs in the writer, between frames: the old journal is fully fsynced, nothing is in flight. */
  private async rotate(): Promise<void> {
    const r = this.rotation!;
    this.rotation = undefined;
    const gen = this.generation + 1;
    let created: { fd: number } | undefined;
    try {
      created = await createLeaseFile(this.io, this.opts.dir, 'journal', gen, this.clock.now());
    } catch (err) {
      // A half-created newer journal would make the one we keep appending to look
      // like an older journal, where a torn tail is not allowed: remove it, or fail.
      try {
        await rm(join(this.opts.dir, fileName('journal', gen)), { force: true });
        await fsyncDir(this.opts.dir);
      } catch (e) {
        this.fail('rotation cleanup', this.pos, e, undefined);
      }
      r.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const old = this.fd;
    this.fd = created.fd;
    this.generation = gen;
    this.pos = FILE_HEADER_LENGTH;
    this.seq = 1;
    await closeFd(old).catch(() => undefined);
    r.resolve(gen);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

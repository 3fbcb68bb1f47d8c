// The sync part of the file service (docs/files.md "Sync"): keeps the set served equal
// to files.sync.manifest. At start it serves the last complete set on disk at once (or
// nothing yet) and begins an attempt: plan (protocol/files/sync-plan.ts) from what the
// store holds (storage/file-set-store.ts), fetch each object the plan names from the
// sources in order (files-sync-fetch.ts), verify its size and SHA-256 before it is kept,
// and once every object is held build the new set and switch `current` to it. A failed
// attempt leaves the old set serving and is retried after retryInterval; a rejected
// file is deleted, counted and logged. The state machine (protocol/files/sync-machine.ts)
// is the only place the state changes. `POST /files/sync` starts an attempt now.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import type { TimerHandle } from '../core/clock.js';
import type { FilesSyncConfig } from '../config/files-schema.js';
import { attemptRunning, SYNC_STATES, SyncMachine, type SyncEvent, type SyncTransition } from '../protocol/files/sync-machine.js';
import { planSync, setId, versionOfSetId, type FetchItem, type Manifest, type SyncPlan } from '../protocol/files/sync-plan.js';
import { bandwidthBucket, type TokenBucket } from '../protocol/files/token-bucket.js';
import { HttpGetter } from '../runtime/http-get.js';
import { logEvent } from '../runtime/log.js';
import { FileSetStore } from '../storage/file-set-store.js';
import { CURRENT_SET, type FilesPart, type FilesPartOptions } from './files-service.js';
import { completePart, errorText, fetchFrom, type FetchContext, type FetchSource, type Received } from './files-sync-fetch.js';

interface Progress {
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  file?: { path: string; size: number };
}

/** What one attempt has done so far: enough to tell failed-partially from waiting-retry. */
interface AttemptTally {
  fetched: number;
  bytes: number;
  rejected: number;
  missing: string[];
}

export class FilesSync implements FilesPart {
  readonly name = 'sync';
  readonly store: FileSetStore;
  private readonly sync: FilesSyncConfig;
  private readonly manifest: Manifest;
  private readonly targetId: string;
  private readonly machine: SyncMachine;
  private readonly http = new HttpGetter();
  private readonly bucket: TokenBucket | undefined;
  private readonly metrics: { bytes: Counter; files: Counter; rejected: Counter };
  private served: string | undefined;
  private running: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private retryTimer: TimerHandle | undefined;
  private nextAttemptAt: number | undefined;
  private lastSuccess: number | undefined;
  private lastError: { at: number; message: string } | undefined;
  private progress: Progress | undefined;
  private totals = { bytes: 0, files: 0, rejected: 0 };

  constructor(private readonly o: FilesPartOptions) {
    if (!o.config.sync) throw new Error('FilesSync needs files.sync');
    this.sync = o.config.sync;
    this.manifest = this.sync.manifest;
    this.targetId = setId(this.manifest);
    this.store = new FileSetStore(o.dataDir, CURRENT_SET);
    this.bucket = this.sync.bandwidth === undefined ? undefined : bandwidthBucket(this.sync.bandwidth, o.clock.monotonic());
    this.machine = new SyncMachine(() => o.clock.now(), (t: SyncTransition) => logEvent(o.log, 'FILES_SYNC_TRANSITION', { ...t }));
    const registers = [o.registry];
    this.metrics = {
      bytes: new Counter({ name: 'outpost_files_sync_bytes_fetched_total', help: 'Phone files sync: bytes downloaded from the sources.', registers }),
      files: new Counter({ name: 'outpost_files_sync_files_fetched_total', help: 'Phone files sync: objects downloaded and verified (each content once, however many paths share it).', registers }),
      rejected: new Counter({ name: 'outpost_files_sync_rejected_total', help: 'Phone files sync: downloads rejected (size or SHA-256 not the manifest\'s), deleted and never served.', registers }),
    };
    const sync = this;
    new Gauge({ name: 'outpost_files_sync_state', help: 'Phone files sync: 1 for the state the sync is in.', labelNames: ['state'], registers,
      collect() { for (const s of SYNC_STATES) this.set({ state: s }, s === sync.machine.state ? 1 : 0); } });
    new Gauge({ name: 'outpost_files_sync_last_success_timestamp_seconds', help: 'Phone files sync: when the set served was last found equal to the manifest (Unix time; 0: never since start).', registers,
      collect() { this.set(sync.lastSuccess === undefined ? 0 : sync.lastSuccess / 1000); } });
    new Gauge({ name: 'outpost_files_sync_served_info', help: 'Phone files sync: the set served (version and set); the value is always 1, no series while nothing is served.', labelNames: ['version', 'set'], registers,
      collect() { this.reset(); if (sync.served) this.set({ version: versionOfSetId(sync.served), set: sync.served }, 1); } });
    new Gauge({ name: 'outpost_files_sync_pending_bytes', help: 'Phone files sync: bytes the attempt under way has still to download (0 when none runs).', registers,
      collect() { const p = sync.progress; this.set(p && attemptRunning(sync.machine.state) ? Math.max(0, p.bytesTotal - p.bytesDone) : 0); } });
  }

  async start(): Promise<void> {
    const opened = await this.store.open();
    this.served = opened.current;
    logEvent(this.o.log, 'FILES_SYNC_OPENED', {
      served: this.served ? { version: versionOfSetId(this.served), set: this.served } : null,
      target: { version: this.manifest.version, set: this.targetId }, removed: opened.removed,
    });
    this.begin('sync', 'start');
  }

  async stop(): Promise<void> {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.abort?.abort(new Error('the file service is stopping'));
    await this.running;
    this.machine.transition('stop', 'the file service is stopping');
    this.http.close();
  }

  /** POST /files/sync: an attempt now, unless one runs. */
  syncNow(): { status: number; body: unknown } {
    const from = this.machine.state;
    if (from === 'stopped') return { status: 503, body: { error: 'the sync is stopped' } };
    if (attemptRunning(from)) return { status: 202, body: { started: false, state: from, note: 'an attempt is under way' } };
    this.begin('sync', 'operator (POST /files/sync)');
    return { status: 202, body: { started: true, from, to: this.machine.state } };
  }

  /** GET /files: the sync's part. */
  status(): Record<string, unknown> {
    const p = this.progress;
    return {
      state: this.machine.state,
      since: this.machine.enteredAt,
      served: this.served ? { version: versionOfSetId(this.served), set: this.served } : null,
      target: { version: this.manifest.version, set: this.targetId, files: this.manifest.files.length },
      progress: p ? { files: p.filesDone, filesTotal: p.filesTotal, bytes: p.bytesDone, bytesTotal: p.bytesTotal, ...(p.file ? { file: p.file } : {}) } : null,
      lastSuccess: this.lastSuccess ?? null,
      lastError: this.lastError ?? null,
      nextAttemptAt: this.nextAttemptAt ?? null,
      fetched: { files: this.totals.files, bytes: this.totals.bytes },
      rejected: this.totals.rejected,
      bandwidth: this.sync.bandwidth ?? null,
      transitions: this.machine.history.slice(-5),
    };
  }

  private begin(event: Extract<SyncEvent, 'sync' | 'retry-due'>, cause: string): void {
    if (this.running || this.machine.transition(event, cause) === undefined) return;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.attempt(abort.signal).finally(() => {
      this.running = undefined;
      this.abort = undefined;
    });
  }

  private async attempt(signal: AbortSignal): Promise<void> {
    const startedAt = this.o.clock.monotonic();
    try {
      const r = planSync(this.manifest, await this.store.held());
      if (!r.ok) throw new ManifestRefused(r.reason);
      const plan = r.plan;
      for (const sha of plan.discard) await this.store.discardPart(sha);
      logEvent(this.o.log, 'FILES_SYNC_PLANNED', {
        version: plan.version, set: plan.setId, files: plan.files.length, fetch: plan.toFetch.length, resumed: plan.toFetch.filter((f) => f.resumeFrom > 0).length,
        bytes: plan.bytesToFetch, reused: plan.reuse.length, upToDate: plan.upToDate,
      });
      if (plan.upToDate) {
        this.machine.transition('up-to-date', `set ${plan.setId} is served`);
        this.succeeded();
        await this.prune();
        return;
      }
      this.progress = { filesTotal: plan.toFetch.length, filesDone: 0, bytesTotal: plan.bytesToFetch, bytesDone: 0 };
      const tally = await this.fetchAll(plan, signal);
      if (signal.aborted) return;
      if (tally.missing.length > 0) return this.incomplete(tally);
      this.machine.transition('all-held', `${plan.toFetch.length} fetched, ${plan.reuse.length} reused`);
      await this.store.buildSet(plan.setId, { version: plan.version, files: plan.files });
      const previous = this.served;
      await this.store.switchTo(plan.setId);
      this.o.tree.rootChanged();
      this.served = plan.setId;
      this.machine.transition('switched', `serving ${plan.setId}`);
      logEvent(this.o.log, 'FILES_SYNC_SWITCHED', {
        version: plan.version, set: plan.setId, previous: previous ?? null, fetched: tally.fetched, bytes: tally.bytes, reused: plan.reuse.length,
        seconds: Math.round(this.o.clock.monotonic() - startedAt) / 1000,
      });
      this.succeeded();
      await this.prune();
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof ManifestRefused ? `manifest refused: ${error.message}` : `disk: ${errorText(error)}`;
      this.lastError = { at: this.o.clock.now(), message };
      logEvent(this.o.log, 'FILES_SYNC_FAILED', { err: message, state: this.machine.state, retryIn: this.sync.retryInterval });
      if (attemptRunning(this.machine.state)) this.machine.transition('attempt-failed', message);
      this.armRetry();
    }
  }

  /** Every object of the plan, one after the other; what is still missing at the end. */
  private async fetchAll(plan: SyncPlan, signal: AbortSignal): Promise<AttemptTally> {
    const sources = await this.sources();
    const down = new Set<number>();
    const tally: AttemptTally = { fetched: 0, bytes: 0, rejected: 0, missing: [] };
    const ctx: FetchContext = {
      store: this.store, http: this.http, clock: this.o.clock, signal, bucket: this.bucket,
      onBytes: (n) => {
        tally.bytes += n;
        this.totals.bytes += n;
        this.metrics.bytes.inc(n);
        if (this.progress) this.progress.bytesDone += n;
      },
    };
    for (const item of plan.toFetch) {
      if (signal.aborted) break;
      if (this.progress) this.progress.file = { path: item.paths[0]!, size: item.size };
      if (await this.obtain(item, ctx, sources, down, tally)) {
        tally.fetched++;
        if (this.progress) this.progress.filesDone++;
      } else tally.missing.push(item.paths[0]!);
    }
    if (this.progress) delete this.progress.file;
    return tally;
  }

  /** One object: the part on disk if it is whole, else each source in order until one verifies. */
  private async obtain(item: FetchItem, ctx: FetchContext, sources: readonly FetchSource[], down: Set<number>, tally: AttemptTally): Promise<boolean> {
    const whole = await completePart(ctx, item);
    if (whole && (await this.verify(item, whole, 'the download on disk', tally))) return true;
    for (let i = 0; i < sources.length; i++) {
      if (down.has(i) || ctx.signal.aborted) continue;
      const source = sources[i]!;
      const out = await fetchFrom(ctx, source, item);
      if (ctx.signal.aborted) return false;
      if (out.kind === 'received') {
        if (await this.verify(item, out, source.url, tally)) return true;
      } else if (out.kind === 'rejected') {
        this.reject(item, source.url, out.got, tally);
        this.machine.transition('object-rejected', `${item.paths[0]} from ${source.url}: ${out.got}`);
      } else {
        const reason = out.kind === 'absent' ? 'not found' : out.reason;
        logEvent(this.o.log, 'FILES_SYNC_SOURCE_FAILED', { source: source.url, path: item.paths[0], reason, skipped: out.kind === 'failed' && out.down });
        this.lastError = { at: this.o.clock.now(), message: `${item.paths[0]} from ${source.url}: ${reason}` };
        if (out.kind === 'failed' && out.down) down.add(i);
      }
    }
    return false;
  }

  /** Received content against the manifest: kept as an object, or deleted and counted. */
  private async verify(item: FetchItem, got: Received, source: string, tally: AttemptTally): Promise<boolean> {
    const path = item.paths[0]!;
    this.machine.transition('object-received', `${path}: ${got.size} bytes from ${source}`);
    if (got.size !== item.size || got.sha256 !== item.sha256) {
      await this.store.discardPart(item.sha256);
      this.reject(item, source, got.size !== item.size ? `size ${got.size}` : `sha256 ${got.sha256}`, tally);
      this.machine.transition('object-rejected', `${path} from ${source}: sha256 ${got.sha256}`);
      return false;
    }
    await this.store.keepObject(item.sha256);
    this.totals.files++;
    this.metrics.files.inc();
    this.machine.transition('object-verified', `${path}: sha256 verified`);
    logEvent(this.o.log, 'FILES_SYNC_FETCHED', { path, paths: item.paths.length, sha256: item.sha256, size: item.size, bytes: got.bytes, resumedFrom: got.resumedFrom, source });
    return true;
  }

  private reject(item: FetchItem, source: string, got: string, tally: AttemptTally): void {
    tally.rejected++;
    this.totals.rejected++;
    this.metrics.rejected.inc();
    const path = item.paths[0]!;
    this.lastError = { at: this.o.clock.now(), message: `${path} from ${source} rejected: expected size ${item.size} sha256 ${item.sha256}, got ${got}` };
    logEvent(this.o.log, 'FILES_SYNC_REJECTED', { path, source, expected: { size: item.size, sha256: item.sha256 }, got });
  }

  private incomplete(tally: AttemptTally): void {
    const progressed = tally.fetched > 0 || tally.bytes > 0 || tally.rejected > 0;
    const cause = `${tally.missing.length} file(s) missing: ${tally.missing.slice(0, 5).join(', ')}${tally.missing.length > 5 ? ', …' : ''}`;
    this.machine.transition(progressed ? 'attempt-incomplete' : 'attempt-failed', cause);
    this.armRetry();
    logEvent(this.o.log, 'FILES_SYNC_INCOMPLETE', {
      state: this.machine.state, version: this.manifest.version, missing: tally.missing.length, files: tally.missing.slice(0, 20),
      lastError: this.lastError?.message ?? null, retryIn: this.sync.retryInterval,
    });
  }

  private succeeded(): void {
    this.lastSuccess = this.o.clock.now();
    this.lastError = undefined;
    if (this.progress) delete this.progress.file;
  }

  private async prune(): Promise<void> {
    try {
      const r = await this.store.prune();
      if (r.sets.length + r.objects + r.parts > 0) logEvent(this.o.log, 'FILES_SYNC_PRUNED', { ...r });
    } catch (error) {
      logEvent(this.o.log, 'FILES_SYNC_FAILED', { err: `cleaning up after the switch: ${errorText(error)}`, state: this.machine.state });
    }
  }

  private armRetry(): void {
    const ms = this.sync.retryInterval * 1000;
    this.nextAttemptAt = this.o.clock.now() + ms;
    this.retryTimer = this.o.clock.setTimer(ms, () => {
      this.retryTimer = undefined;
      this.begin('retry-due', `retry after ${this.sync.retryInterval} s`);
    });
  }

  /** The sources with their bearer tokens, read at each attempt (a token can be replaced without a restart). */
  private async sources(): Promise<FetchSource[]> {
    return Promise.all(this.sync.sources.map(async (s): Promise<FetchSource> => {
      if (s.tokenFile === undefined) return { url: s.url };
      const path = resolve(this.o.configDir, s.tokenFile);
      try {
        const value = (await readFile(path, 'utf8')).trim();
        return { url: s.url, token: value ? { ok: true, value } : { ok: false, reason: `tokenFile ${path} is empty` } };
      } catch (error) {
        return { url: s.url, token: { ok: false, reason: `tokenFile ${path}: ${errorText(error)}` } };
      }
    }));
  }
}

class ManifestRefused extends Error {}


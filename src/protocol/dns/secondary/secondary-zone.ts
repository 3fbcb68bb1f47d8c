// One secondary zone: its state machine (transitions.ts), its timers (timers.ts) as
// wall-clock deadlines behind one wake-up timer, its attempts (attempt.ts), its copy
// and timers on disk (zone-copy.ts through the injected files), and what it serves
// (a ServedZone whose expiry follows the state). Pure: clock, transport and files are
// injected, so the protocol tests run it with fake time and no sockets.
import type { Clock, TimerHandle } from '../../../core/clock.js';
import { RRType, type ResourceRecord } from '../../../wire/dns/types.js';
import { Zone } from '../zone.js';
import type { ServedZone } from '../zone-set.js';
import { runAttempt, type AttemptMode, type AttemptOutcome, type XfrTransport } from './attempt.js';
import { primaryLabel, type PrimaryServer } from './primary.js';
import { answersFromCopy, hasCopy, type ExpiryPolicy, type SecondaryState } from './states.js';
import { refreshDueAt, refreshedTimers, soaTimers, type ZoneTimers } from './timers.js';
import { SecondaryStateMachine, type SecondaryEvent, type SecondaryTransition } from './transitions.js';
import type { XfrLimits } from './xfr-reader.js';
import { decodeZoneCopy, decodeZoneTimers, encodeZoneCopy, encodeZoneTimers } from './zone-copy.js';

/** Where a zone's copy and timers are kept (src/storage/dns-zone-copy-files.ts); texts in, texts out. */
export interface ZoneCopyFiles {
  /** The copy's path, for messages. */
  readonly path: string;
  /** The two texts; undefined for a file that does not exist. Rejects on other read errors. */
  read(): Promise<{ copy?: string; timers?: string }>;
  /** Replaces the copy atomically and durably (temp file, fsync, rename, directory fsync). */
  writeCopy(text: string): Promise<void>;
  writeTimers(text: string): Promise<void>;
}

/** Things worth a log line that are not transitions (the site layer maps them to codes). */
export type SecondaryNotice =
  | { readonly kind: 'loaded'; readonly serial: number; readonly refreshedAt: number; readonly expiresAt: number; readonly file: string; readonly warnings: readonly string[] }
  | { readonly kind: 'copy-corrupt'; readonly file: string; readonly reason: string }
  | { readonly kind: 'refreshed'; readonly primary: string; readonly serial: number }
  | { readonly kind: 'serial-backwards'; readonly primary: string; readonly ours: number; readonly theirs: number; readonly order: string }
  | { readonly kind: 'transferred'; readonly primary: string; readonly how: 'ixfr' | 'axfr'; readonly from?: number; readonly serial: number; readonly records: number; readonly messages: number; readonly bytes: number; readonly ms: number; readonly warnings: readonly string[] }
  | { readonly kind: 'ixfr-fallback'; readonly primary: string; readonly reason: string }
  | { readonly kind: 'transfer-failed'; readonly errors: readonly string[]; readonly retryAt: number }
  | { readonly kind: 'unreachable'; readonly errors: readonly string[]; readonly retryAt: number }
  | { readonly kind: 'persist-failed'; readonly file: string; readonly error: string }
  | { readonly kind: 'past-expire'; readonly expiredAt: number; readonly policy: ExpiryPolicy };

export interface SecondaryZoneOptions {
  readonly origin: string;
  readonly policy: ExpiryPolicy;
  readonly primaries: readonly PrimaryServer[];
  readonly clock: Clock;
  readonly transport: XfrTransport;
  readonly files: ZoneCopyFiles;
  readonly limits?: XfrLimits;
  readonly onTransition?: (t: SecondaryTransition) => void;
  readonly onNotice?: (n: SecondaryNotice) => void;
  /** What is served changed (a new version, or the state's serving rule): the service swaps its zone set. */
  readonly onServedChange?: () => void;
  /** DNS UPDATEs to the zone are forwarded to a primary (dns.zones[].forwardUpdates); default no. */
  readonly forwardUpdates?: boolean;
}

export interface SecondaryStatus {
  readonly zone: string;
  readonly role: 'secondary';
  readonly state: SecondaryState;
  readonly expiry: ExpiryPolicy;
  readonly since: number;
  readonly serial?: number;
  readonly lastRefresh?: number;
  readonly expiresAt?: number;
  /** Seconds left before the copy expires (0 past it; absent without a copy). */
  readonly expiresIn?: number;
  readonly stale: boolean;
  readonly serving: boolean;
  readonly refreshing: boolean;
  readonly nextAttemptAt?: number;
  readonly lastTransfer?: { readonly at: number; readonly how: 'ixfr' | 'axfr'; readonly primary: string; readonly serial: number };
  readonly lastError?: string;
  /** The primary's serial when it went backwards (older than ours); cleared by the next transfer. */
  readonly primaryBehind?: { readonly primary: string; readonly serial: number };
  readonly history: readonly SecondaryTransition[];
}

/** How long without a copy before another try (no SOA yet to give a retry). */
export const NO_COPY_RETRY_MS = 30_000;
/** The wake-up timer is armed this far at most (Node timers hold 2^31 − 1 ms; deadlines are re-checked on each wake). */
const MAX_WAKE_MS = 3_600_000;

export class SecondaryZone {
  readonly machine: SecondaryStateMachine;
  private zone: Zone;
  private served: ServedZone;
  private timers?: ZoneTimers;
  private refreshAt?: number;
  private retryAt?: number;
  private expireAt?: number;
  private wake?: TimerHandle;
  private running?: AbortController;
  private pending?: 'notify' | 'retransfer';
  private stopped = false;
  private lastTransfer?: SecondaryStatus['lastTransfer'];
  private lastError?: string;
  private primaryBehind?: SecondaryStatus['primaryBehind'];
  /** Resolves when the attempt under way (if any) has ended; for tests and stop(). */
  idle: Promise<void> = Promise.resolve();

  constructor(private readonly o: SecondaryZoneOptions) {
    this.machine = new SecondaryStateMachine(o.origin, o.policy, () => o.clock.now(), (t) => this.entered(t));
    this.zone = placeholder(o.origin);
    this.served = this.serve(this.zone);
  }

  get origin(): string {
    return this.o.origin;
  }

  get primaries(): readonly PrimaryServer[] {
    return this.o.primaries;
  }

  get state(): SecondaryState {
    return this.machine.state;
  }

  /** What the zone set holds for this zone now. */
  get servedZone(): ServedZone {
    return this.served;
  }

  /** Reads the copy kept on disk (a damaged one counts as none) and starts the timers; a transfer starts when there is no copy. */
  async start(): Promise<void> {
    const files = this.o.files;
    let texts: { copy?: string; timers?: string };
    try {
      texts = await files.read();
    } catch (error) {
      texts = {};
      this.notice({ kind: 'copy-corrupt', file: files.path, reason: `cannot be read: ${(error as Error).message}` });
    }
    if (texts.copy === undefined) return this.fire('no-copy', `no copy in ${files.path}`);
    let decoded;
    try {
      decoded = decodeZoneCopy(this.o.origin, texts.copy, files.path);
    } catch (error) {
      this.notice({ kind: 'copy-corrupt', file: files.path, reason: (error as Error).message });
      return this.fire('no-copy', `the copy in ${files.path} is damaged`);
    }
    const soa = decoded.zone.soa.data;
    const kept = texts.timers === undefined ? undefined : decodeZoneTimers(this.o.origin, texts.timers);
    // Timers of this very version, else the copy's transfer time (a crash between the two writes).
    const timers = kept && kept.serial === soa.serial && kept.refreshedAt >= decoded.transferredAt ? kept : refreshedTimers(soa, decoded.transferredAt);
    this.install(decoded.zone, timers);
    this.notice({ kind: 'loaded', serial: soa.serial, refreshedAt: timers.refreshedAt, expiresAt: timers.expiresAt, file: files.path, warnings: decoded.warnings });
    const now = this.o.clock.now();
    if (now >= timers.expiresAt) return this.fire('copy-loaded-expired', `the copy expired at ${new Date(timers.expiresAt).toISOString()} while the server was down`);
    this.refreshAt = refreshDueAt(soa, timers);
    this.expireAt = timers.expiresAt;
    this.fire('copy-loaded', `serial ${soa.serial} from ${files.path}, refreshed ${new Date(timers.refreshedAt).toISOString()}`);
  }

  /** Stops timers and the attempt under way (its result is dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.cancel();
    this.running?.abort();
    await this.idle;
  }

  /** A NOTIFY from one of the primaries was accepted (RFC 1996 §3.7: as if the refresh timer fired). */
  notify(from: string, serial?: number): void {
    this.fire('notify', `NOTIFY from ${from}${serial === undefined ? '' : ` (serial ${serial})`}`);
  }

  /** Operator: transfer the whole zone again. False when the zone is still loading. */
  retransfer(): boolean {
    if (this.machine.state === 'loading') return false;
    this.fire('retransfer', 'operator command retransfer');
    return true;
  }

  status(): SecondaryStatus {
    const now = this.o.clock.now();
    const state = this.machine.state;
    const copy = hasCopy(state) && this.timers;
    const next = [this.refreshAt, this.retryAt].filter((x): x is number => x !== undefined);
    return {
      zone: this.o.origin,
      role: 'secondary',
      state,
      expiry: this.o.policy,
      since: this.machine.enteredAt,
      ...(copy ? { serial: this.zone.serial, lastRefresh: copy.refreshedAt, expiresAt: copy.expiresAt, expiresIn: Math.max(0, Math.floor((copy.expiresAt - now) / 1000)) } : {}),
      stale: state === 'stale',
      serving: answersFromCopy(state),
      refreshing: this.running !== undefined,
      ...(next.length > 0 ? { nextAttemptAt: Math.min(...next) } : {}),
      ...(this.lastTransfer ? { lastTransfer: this.lastTransfer } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.primaryBehind ? { primaryBehind: this.primaryBehind } : {}),
      history: [...this.machine.history],
    };
  }

  // — the machine and its actions —

  private fire(event: SecondaryEvent, cause: string): void {
    if (this.stopped) return;
    const s = this.machine.transition(event, cause);
    if (s === undefined) return;
    const now = this.o.clock.now();
    switch (s.action) {
      case 'query':
      case 'transfer':
        this.begin(s.action === 'transfer' ? 'transfer' : 'refresh', event);
        break;
      case 'succeeded': {
        const timers = refreshedTimers(this.zone.soa.data, now);
        this.timers = timers;
        this.refreshAt = refreshDueAt(this.zone.soa.data, timers);
        this.expireAt = timers.expiresAt;
        this.retryAt = undefined;
        void this.persistTimers(timers);
        break;
      }
      case 'arm-retry':
        this.retryAt = now + (hasCopy(this.machine.state) ? soaTimers(this.zone.soa.data).retry * 1000 : NO_COPY_RETRY_MS);
        break;
      case 'none':
        break;
    }
    this.arm();
  }

  private entered(t: SecondaryTransition): void {
    if (t.to === 'stale' || t.to === 'expired') {
      this.expireAt = undefined;
      this.notice({ kind: 'past-expire', expiredAt: this.timers?.expiresAt ?? t.at, policy: this.o.policy });
    }
    this.o.onTransition?.(t);
    this.o.onServedChange?.();
  }

  /** One wake-up timer for the earliest deadline. */
  private arm(): void {
    this.wake?.cancel();
    this.wake = undefined;
    if (this.stopped) return;
    const next = [this.expireAt, this.retryAt, this.refreshAt].filter((x): x is number => x !== undefined);
    if (next.length === 0) return;
    const delay = Math.min(MAX_WAKE_MS, Math.max(0, Math.min(...next) - this.o.clock.now()));
    this.wake = this.o.clock.setTimer(delay, () => this.tick());
  }

  private tick(): void {
    this.wake = undefined;
    const now = this.o.clock.now();
    if (this.expireAt !== undefined && now >= this.expireAt) {
      this.expireAt = undefined;
      this.fire('expire-due', `no successful refresh since ${new Date(this.timers?.refreshedAt ?? now).toISOString()}; the SOA expire passed`);
    }
    if (this.retryAt !== undefined && now >= this.retryAt) {
      this.retryAt = undefined;
      this.fire('retry-due', 'the retry interval passed');
    }
    if (this.refreshAt !== undefined && now >= this.refreshAt) {
      this.refreshAt = undefined;
      this.fire('refresh-due', 'the refresh interval passed');
    }
    this.arm();
  }

  // — attempts —

  private begin(mode: AttemptMode, cause: SecondaryEvent): void {
    if (this.running) {
      // One attempt at a time; a NOTIFY or a retransfer meanwhile runs again when it ends (RFC 1996 §4.4).
      if (cause === 'retransfer' || cause === 'notify') this.pending = cause === 'retransfer' || this.pending === 'retransfer' ? 'retransfer' : 'notify';
      return;
    }
    this.refreshAt = undefined;
    this.retryAt = undefined;
    const controller = new AbortController();
    this.running = controller;
    const copy = hasCopy(this.machine.state) ? this.zone : undefined;
    const started = this.o.clock.monotonic();
    this.idle = runAttempt({
      origin: this.o.origin,
      primaries: this.o.primaries,
      transport: this.o.transport,
      mode,
      ...(copy ? { current: copy } : {}),
      ...(this.o.limits ? { limits: this.o.limits } : {}),
      signal: controller.signal,
      onNewer: (p, serial) => this.fire('serial-newer', `${primaryLabel(p)} has serial ${serial}, ours is ${copy?.serial}`),
      onFallback: (p, reason) => this.notice({ kind: 'ixfr-fallback', primary: primaryLabel(p), reason }),
    }).catch((error: unknown): AttemptOutcome => ({ kind: 'failed', errors: [`internal error: ${(error as Error).stack ?? String(error)}`] }))
      .then((outcome) => this.finish(outcome, copy, started))
      // A bug must cost one attempt, never the zone's timers: fail it, so a retry is armed.
      .catch((error: unknown) => this.fire('transfer-failed', `internal error: ${(error as Error).stack ?? String(error)}`))
      .finally(() => {
        this.running = undefined;
        const again = this.pending;
        this.pending = undefined;
        if (again && !this.stopped) this.fire(again, again === 'notify' ? 'a NOTIFY came during the last attempt' : 'operator command retransfer (during the last attempt)');
      });
  }

  private async finish(outcome: AttemptOutcome, previous: Zone | undefined, started: number): Promise<void> {
    if (this.stopped) return;
    const now = this.o.clock.now();
    switch (outcome.kind) {
      case 'current': {
        const label = primaryLabel(outcome.primary);
        if (outcome.order === 'same') {
          this.lastError = undefined;
          this.notice({ kind: 'refreshed', primary: label, serial: outcome.serial });
          return this.fire('serial-same', `${label} has our serial ${outcome.serial}`);
        }
        this.primaryBehind = { primary: label, serial: outcome.serial };
        this.lastError = `${label} has serial ${outcome.serial}, older than ours (${this.zone.serial}): not transferred; POST /dns/retransfer/${this.o.origin} takes its version`;
        this.notice({ kind: 'serial-backwards', primary: label, ours: this.zone.serial, theirs: outcome.serial, order: outcome.order });
        return this.fire('serial-older', `${label} has serial ${outcome.serial}, ${outcome.order === 'older' ? 'older than' : 'not comparable with'} ours (${this.zone.serial})`);
      }
      case 'transferred': {
        const label = primaryLabel(outcome.primary);
        // Served at once; kept on disk as well as the disk allows (a failure is logged, the old copy stays valid).
        this.install(outcome.zone, this.timers);
        this.primaryBehind = undefined;
        this.lastError = undefined;
        this.lastTransfer = { at: now, how: outcome.how, primary: label, serial: outcome.zone.serial };
        try {
          await this.o.files.writeCopy(encodeZoneCopy(outcome.zone, outcome.records, now));
        } catch (error) {
          this.notice({ kind: 'persist-failed', file: this.o.files.path, error: (error as Error).message });
        }
        if (this.stopped) return;
        this.notice({
          kind: 'transferred', primary: label, how: outcome.how, ...(previous ? { from: previous.serial } : {}), serial: outcome.zone.serial,
          records: outcome.records.length, messages: outcome.messages, bytes: outcome.bytes, ms: Math.round(this.o.clock.monotonic() - started), warnings: outcome.warnings,
        });
        this.o.onServedChange?.();
        return this.fire('transfer-done', `${outcome.how.toUpperCase()} from ${label}: serial ${previous ? `${previous.serial} → ` : ''}${outcome.zone.serial}`);
      }
      case 'unreachable':
      case 'failed': {
        this.lastError = outcome.errors.join('; ') || 'no primary tried';
        this.fire(outcome.kind === 'failed' ? 'transfer-failed' : 'unreachable', this.lastError);
        const retryAt = this.retryAt ?? now;
        return this.notice(outcome.kind === 'failed' ? { kind: 'transfer-failed', errors: outcome.errors, retryAt } : { kind: 'unreachable', errors: outcome.errors, retryAt });
      }
    }
  }

  // — what is served, and what is kept —

  private install(zone: Zone, timers: ZoneTimers | undefined): void {
    this.zone = zone;
    if (timers) this.timers = timers;
    this.served = this.serve(zone);
  }

  private serve(zone: Zone): ServedZone {
    return {
      zone,
      role: 'secondary',
      expiresIn: () => {
        const t = this.timers;
        return t && answersFromCopy(this.machine.state) ? Math.max(0, (t.expiresAt - this.o.clock.now()) / 1000) : 0;
      },
      expired: () => !answersFromCopy(this.machine.state),
      forwardUpdates: this.o.forwardUpdates === true,
    };
  }

  private async persistTimers(timers: ZoneTimers): Promise<void> {
    try {
      await this.o.files.writeTimers(encodeZoneTimers(this.o.origin, timers));
    } catch (error) {
      this.notice({ kind: 'persist-failed', file: `${this.o.files.path} (timers)`, error: (error as Error).message });
    }
  }

  private notice(n: SecondaryNotice): void {
    this.o.onNotice?.(n);
  }
}

/** What a zone without a copy is served as: an SOA only, never answered (expired() is true). */
function placeholder(origin: string): Zone {
  const soa: ResourceRecord = { name: origin, type: RRType.SOA, class: 1, ttl: 0, data: { mname: origin, rname: origin, serial: 0, refresh: 0, retry: 0, expire: 0, minimum: 0 } };
  return Zone.build(origin, [soa]);
}

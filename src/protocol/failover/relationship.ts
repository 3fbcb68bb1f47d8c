// One failover relationship on one server: its state machine driven by contact,
// heartbeats, confirmations, resync and operator commands; synchronous replication of
// every binding change while in contact; and the answers the DHCP engine asks of it
// (serving-policy.ts). No sockets: the site layer attaches an authenticated PeerLink
// and feeds received messages in; time comes from the injected Clock.
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ClientInfo } from '../dhcp/client.js';
import type { Lease } from '../dhcp/lease.js';
import type { RejectedLease } from '../../wire/failover/index.js';
import type { LeaseStore } from '../dhcp/lease-store.js';
import type { AddressRange, PoolModel } from '../dhcp/model.js';
import { ReplicationRefused } from '../dhcp/serving-policy.js';
import { loadBalancingHash, primaryServesBucket } from './lb-hash.js';
import { compareRecords } from './merge.js';
import type { RelationshipModel } from './model.js';
import { ownedRange } from './ownership.js';
import type { PeerLink, PeerMessage, ResyncPageMessage } from './peer-messages.js';
import { MAX_BODY_BYTES, MAX_LEASE_BYTES, leaseLength, type WireLease } from '../../wire/failover/index.js';
import { answers, type FailoverState, type PartnerState } from './states.js';
import { SyncLedger } from './sync-ledger.js';
import { FailoverStateMachine, type FailoverEvent, type FailoverTransition } from './transitions.js';

export type ProbeResult = 'refused' | 'open' | 'timeout';
export type { OperatorCommand } from './operator-commands.js';
import type { OperatorCommand } from './operator-commands.js';

/** Things worth a log line that are not transitions (the site layer maps them to codes). */
export type RelationshipNotice =
  | { readonly kind: 'resync-done'; readonly subnets: number; readonly received: number; readonly applied: number; readonly ms: number }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'update-rejected'; readonly address: number; readonly ours: Lease }
  | { readonly kind: 'apply-failed'; readonly error: string };

export interface RelationshipDeps {
  readonly model: RelationshipModel;
  readonly clock: Clock;
  /** The local durable store (the journal); records from the partner are committed to it. */
  readonly store: LeaseStore;
  readonly onTransition?: (t: FailoverTransition) => void;
  readonly onNotice?: (n: RelationshipNotice) => void;
  /** Tests whether the partner's failover port refuses connections (its process is gone). */
  readonly probe?: () => Promise<ProbeResult>;
}

interface Waiter {
  readonly record: Lease;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

interface Batch {
  readonly waiters: Waiter[];
  timer?: TimerHandle;
}

export interface RelationshipStatus {
  readonly name: string;
  readonly mode: string;
  readonly role: string;
  readonly partner: string;
  readonly state: FailoverState;
  readonly partnerState: PartnerState;
  readonly since: number;
  readonly connected: boolean;
  /** When a frame last came from the partner (ms since the epoch), 0: never. */
  readonly lastContact: number;
  /** Bindings the partner has not acknowledged yet (the replication lag, in records). */
  readonly unsynced: number;
  /** Updates sent and not yet acknowledged. */
  readonly inFlight: number;
  readonly unansweredClients: number;
  /** Subnets still to pull in the resync under way, or 0. */
  readonly resyncRemaining: number;
  readonly lastResyncMs?: number;
}

export class FailoverRelationship {
  /** Told of every record taken from the partner into the store (FailoverPolicy passes it to the engine). */
  onTaken?: (lease: Lease) => void;
  readonly machine: FailoverStateMachine;
  readonly ledger: SyncLedger;
  private readonly m: RelationshipModel;
  private link?: PeerLink;
  private lastHeardMono = 0;
  private lastContactAt = 0;
  private nextBatch = 1;
  private queued: Waiter[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Map<number, Batch>();
  private readonly unanswered = new Set<string>();
  private timers: TimerHandle[] = [];
  private failbackTimer?: TimerHandle;
  private probing = false;
  private stopped = false;
  // resync, pulling side
  private pull?: { index: number; started: number; received: number; applied: number };
  // resync, serving side: the addresses of a subnet being paged, and the page last sent
  private readonly pagingIndex = new Map<number, number[]>();
  private readonly lastPage = new Map<number, readonly Lease[]>();
  private lastResyncMs?: number;
  private readonly subnets: ReadonlySet<number>;

  constructor(private readonly deps: RelationshipDeps) {
    this.m = deps.model;
    this.subnets = new Set(deps.model.subnetIds);
    this.ledger = new SyncLedger((a) => deps.store.get(a), deps.model.mcltMs);
    this.machine = new FailoverStateMachine(deps.model.name, () => deps.clock.now(), (t) => this.entered(t));
  }

  get model(): RelationshipModel {
    return this.m;
  }

  get state(): FailoverState {
    return this.machine.state;
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  /** Loads what the partner knew before a restart and starts the startup wait and the heartbeat loop. */
  start(): void {
    const mine: Lease[] = [];
    for (const l of this.deps.store.all()) if (this.subnets.has(l.subnetId)) mine.push(l);
    this.ledger.load(mine);
    this.after(this.m.startupWaitMs, () => this.fire('startup-timeout', `no contact with ${this.m.partnerName} within ${this.m.startupWaitMs} ms`));
    const tick = () => {
      if (this.stopped) return;
      this.heartbeat();
      this.after(this.m.heartbeatMs, tick);
    };
    this.after(0, tick);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.failbackTimer?.cancel();
    this.link?.close('stopping');
    this.lost('stopping', false);
  }

  // ---------------------------------------------------------------- contact

  /** An authenticated connection to the partner is up (its state comes with its first HEARTBEAT). */
  attach(link: PeerLink): void {
    if (this.stopped) { link.close('stopping'); return; }
    if (this.link) this.link.close('replaced by a new connection');
    this.link = link;
    this.heard();
    this.unanswered.clear();
    if (!this.fire('connected', `authenticated connection with ${this.m.partnerName}`)) this.sendHeartbeat();
    this.beginPull();
  }

  /** The connection is gone (closed, reset, or we closed it). */
  detach(reason: string): void {
    if (!this.link) return;
    this.link = undefined;
    this.lost(reason, true);
  }

  /** We end the contact ourselves: forget the link, then close it (its close event finds nothing to detach). */
  private disconnect(reason: string, closeWith: string): void {
    const link = this.link;
    if (!link) return;
    this.detach(reason);
    link.close(closeWith);
  }

  private lost(reason: string, transition: boolean): void {
    const error = new ReplicationRefused('partner-lost', reason);
    for (const w of this.queued) w.reject(error);
    this.queued = [];
    for (const [id, b] of this.inFlight) { b.timer?.cancel(); for (const w of b.waiters) w.reject(error); this.inFlight.delete(id); }
    this.pull = undefined;
    this.pagingIndex.clear();
    this.lastPage.clear();
    if (!transition) return;
    this.fire('contact-lost', reason); // entering interrupted probes the partner's port
    if (this.m.confirm.unansweredClients === 0) this.fire('partner-dead', 'contact lost and no confirmation is configured (confirm.unansweredClients 0)');
  }

  private heard(): void {
    this.lastHeardMono = this.deps.clock.monotonic();
    this.lastContactAt = this.deps.clock.now();
  }

  /** Every heartbeat interval: send ours, notice a silent partner, probe a lost one. */
  private heartbeat(): void {
    if (this.link) {
      const silent = this.deps.clock.monotonic() - this.lastHeardMono;
      if (silent > this.m.missedHeartbeats * this.m.heartbeatMs) {
        this.disconnect(`no frame from ${this.m.partnerName} for ${silent} ms (${this.m.missedHeartbeats} heartbeats missed)`, 'heartbeats missed');
        return;
      }
      this.sendHeartbeat();
    } else {
      this.probeSoon();
    }
  }

  private sendHeartbeat(): void {
    this.link?.send({ kind: 'heartbeat', state: this.machine.state, clock: this.deps.clock.now(), unsynced: this.ledger.pendingCount });
  }

  private probeSoon(): void {
    const probe = this.deps.probe;
    if (!probe || !this.m.confirm.refused || this.probing || this.link || this.stopped) return;
    const s = this.machine.state;
    if (s !== 'startup' && s !== 'interrupted') return;
    this.probing = true;
    probe().then((result) => {
      this.probing = false;
      if (result === 'refused' && !this.link && !this.stopped) this.fire('partner-dead', `${this.m.partnerName}'s failover port refuses connections: its server is not running`);
    }, () => { this.probing = false; });
  }

  // ---------------------------------------------------------------- messages in

  receive(msg: PeerMessage): void {
    if (!this.link || this.stopped) return;
    this.heard();
    switch (msg.kind) {
      case 'heartbeat': {
        const skew = Math.abs(msg.clock - this.deps.clock.now());
        if (skew > this.m.maxClockSkewMs) {
          this.refuse(`clock skew ${skew} ms with ${this.m.partnerName} exceeds ${this.m.maxClockSkewMs} ms`);
          return;
        }
        if (msg.state !== this.machine.partner) this.fire('partner-changed', `${this.m.partnerName} reports ${msg.state}`, msg.state);
        return;
      }
      case 'update': this.applyUpdate(msg.batch, msg.leases); return;
      case 'update-ack': this.acknowledged(msg.batch, msg.rejected); return;
      case 'resync-request': this.servePage(msg.subnetId, msg.after, msg.limit); return;
      case 'resync-page': this.applyPage(msg); return;
    }
  }

  /** The partner is incompatible (version, config, clock): drop it and say so. */
  refuse(reason: string): void {
    this.deps.onNotice?.({ kind: 'refused', reason });
    this.disconnect(reason, reason);
    this.fire('refused', reason);
  }

  // ---------------------------------------------------------------- replication out

  /**
   * Resolves once the partner holds `record` (the store's own object, already durable
   * here), at once when out of contact; rejects with ReplicationRefused when the
   * partner refuses it, does not answer in time, or the connection goes.
   */
  replicate(record: Lease): Promise<void> {
    if (!this.link) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ record, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.link || this.queued.length === 0) return;
    while (this.queued.length > 0) {
      const waiters = takeWithin(this.queued, (w) => w.record, MAX_COUNT_PER_MESSAGE);
      const batch = this.nextBatch++ >>> 0;
      const b: Batch = { waiters };
      b.timer = this.deps.clock.setTimer(this.m.updateTimeoutMs, () => this.updateTimedOut(batch));
      this.inFlight.set(batch, b);
      this.link.send({ kind: 'update', batch, leases: waiters.map((w) => wire(w.record)) });
    }
  }

  private updateTimedOut(batch: number): void {
    const b = this.inFlight.get(batch);
    if (!b) return;
    this.inFlight.delete(batch);
    const error = new ReplicationRefused('partner-timeout', `no UPDATE-ACK for batch ${batch} within ${this.m.updateTimeoutMs} ms`);
    for (const w of b.waiters) w.reject(error);
    // A partner that does not acknowledge is not in contact: stop waiting for it.
    this.disconnect(error.message, 'update timeout');
  }

  private acknowledged(batch: number, rejected: readonly RejectedLease[]): void {
    const b = this.inFlight.get(batch);
    if (!b) return;
    b.timer?.cancel();
    this.inFlight.delete(batch);
    const refused = new Map<number, RejectedLease>(rejected.map((r) => [r.address, r]));
    for (const w of b.waiters) {
      const r = refused.get(w.record.address);
      if (r === undefined) {
        this.ledger.acknowledged(w.record);
        w.resolve();
      } else {
        this.deps.onNotice?.({ kind: 'update-rejected', address: w.record.address, ours: w.record });
        w.reject(new ReplicationRefused('partner-rejected', r.reason === 'newer' ? `the partner holds a newer record of the address (${r.lease.state}, ${r.lease.clientKey})` : `the partner refused the record: ${r.reason}`));
      }
    }
    // Take the partner's newer records: both then hold them.
    for (const r of rejected) if (r.reason === 'newer') this.take(r.lease, 0).catch((error: unknown) => this.applyFailed(error));
  }

  // ---------------------------------------------------------------- replication in

  private applyUpdate(batch: number, leases: readonly Lease[]): void {
    const rejected: RejectedLease[] = [];
    const commits: Promise<unknown>[] = [];
    for (const l of leases) {
      if (!this.subnets.has(l.subnetId)) { rejected.push({ address: l.address, reason: 'unknown-subnet', lease: wire(l) }); continue; }
      const ours = this.deps.store.get(l.address);
      // In contact the partner's change follows everything we sent it: only a strictly newer record of ours wins.
      if (ours !== undefined && compareRecords(l, ours, 0) < 0) rejected.push({ address: l.address, reason: 'newer', lease: wire(ours) });
      else commits.push(this.take(l, 0));
    }
    Promise.all(commits).then(
      () => this.link?.send({ kind: 'update-ack', batch, rejected }),
      (error: unknown) => this.applyFailed(error),
    );
  }

  /** Commits a partner's record as ours (durably) unless ours is newer; resolves to whether it was taken. */
  private async take(incoming: Lease, skewMs: number): Promise<boolean> {
    const ours = this.deps.store.get(incoming.address);
    const order = ours === undefined ? 1 : compareRecords(incoming, ours, skewMs);
    if (order === 0) this.ledger.received(incoming.address); // the partner holds the very record we hold
    if (order <= 0) return false;
    const { partnerExpiry: _theirs, ...record } = incoming;
    const write = this.deps.store.commit(record);
    this.ledger.received(incoming.address);
    this.onTaken?.(record);
    await write;
    return true;
  }

  private applyFailed(error: unknown): void {
    // Not durable here: acknowledging would lie. Drop the connection; the partner keeps the records pending.
    const text = error instanceof Error ? error.message : String(error);
    this.deps.onNotice?.({ kind: 'apply-failed', error: text });
    this.disconnect(`could not store the partner's records: ${text}`, 'store failed');
  }

  // ---------------------------------------------------------------- resync

  private beginPull(): void {
    this.pull = { index: 0, started: this.deps.clock.monotonic(), received: 0, applied: 0 };
    this.requestPage(0);
  }

  private requestPage(after: number): void {
    const p = this.pull;
    if (!p || !this.link) return;
    const subnet = this.m.subnetIds[p.index];
    if (subnet === undefined) {
      this.pull = undefined;
      this.lastResyncMs = this.deps.clock.monotonic() - p.started;
      this.deps.onNotice?.({ kind: 'resync-done', subnets: this.m.subnetIds.length, received: p.received, applied: p.applied, ms: this.lastResyncMs });
      this.fire('synced', `pulled ${p.received} records of ${this.m.subnetIds.length} subnets from ${this.m.partnerName} in ${this.lastResyncMs} ms`);
      return;
    }
    this.link.send({ kind: 'resync-request', subnetId: subnet, after, limit: this.m.pageSize });
  }

  private applyPage(page: ResyncPageMessage): void {
    const p = this.pull;
    if (!p || this.m.subnetIds[p.index] !== page.subnetId) return; // not asked for (a stale answer): ignore
    p.received += page.leases.length;
    const commits = page.leases.filter((l) => l.subnetId === page.subnetId).map((l) => this.take(l, this.m.maxClockSkewMs));
    Promise.all(commits).then((taken) => {
      if (this.pull !== p || !this.link) return;
      p.applied += taken.filter(Boolean).length;
      if (page.last) {
        // Tells the partner the subnet's last page is stored here (limit 0: no more pages).
        this.link.send({ kind: 'resync-request', subnetId: page.subnetId, after: page.next, limit: 0 });
        p.index++;
        this.requestPage(0);
      } else {
        this.requestPage(page.next);
      }
    }, (error: unknown) => this.applyFailed(error));
  }

  private servePage(subnet: number, after: number, limit: number): void {
    if (!this.link) return;
    // Asking for what follows a page means the page is stored at the partner.
    const sent = this.lastPage.get(subnet);
    if (sent) { for (const r of sent) this.ledger.acknowledged(r); this.lastPage.delete(subnet); }
    if (limit === 0) { this.pagingIndex.delete(subnet); return; }
    if (!this.subnets.has(subnet)) {
      this.link.send({ kind: 'resync-page', subnetId: subnet, last: true, next: after, leases: [] });
      return;
    }
    let index = this.pagingIndex.get(subnet);
    if (index === undefined || after === 0) {
      index = [];
      for (const l of this.deps.store.all()) if (l.subnetId === subnet) index.push(l.address);
      index.sort((a, b) => a - b);
      this.pagingIndex.set(subnet, index);
    }
    let i = lowerBound(index, after === 0 ? 0 : after + 1);
    const leases: Lease[] = [];
    let next = after;
    let bytes = 0;
    while (i < index.length && leases.length < Math.min(limit, MAX_COUNT_PER_MESSAGE)) {
      const l = this.deps.store.get(index[i]!);
      if (l !== undefined && l.subnetId === subnet) {
        const size = leaseLength(wire(l));
        if (bytes + size > PAGE_BODY_BUDGET && leases.length > 0) break;
        bytes += size;
        leases.push(l);
      }
      next = index[i++]!;
    }
    const last = i >= index.length;
    if (last) this.pagingIndex.delete(subnet);
    this.lastPage.set(subnet, leases);
    this.link.send({ kind: 'resync-page', subnetId: subnet, last, next, leases: leases.map(wire) });
  }

  // ---------------------------------------------------------------- serving policy

  /** Whether we answer this client now; a client we leave unanswered while suspecting the partner counts towards confirmation. */
  answers(client: ClientInfo, secs: number): boolean {
    const ours = this.m.mode === 'hot-standby' ? this.m.role === 'primary' : this.bucketIsOurs(client);
    if (answers(this.machine.state, ours)) return true;
    this.observeUnanswered(client.key, secs);
    return false;
  }

  private bucketIsOurs(client: ClientInfo): boolean {
    const key = Buffer.from(client.clientId ?? client.hwAddress, 'hex');
    const primary = primaryServesBucket(loadBalancingHash(key), this.m.split);
    return this.m.role === 'primary' ? primary : !primary;
  }

  private observeUnanswered(clientKey: string, secs: number): void {
    const n = this.m.confirm.unansweredClients;
    if (n === 0 || this.link || this.machine.state !== 'interrupted' || secs < this.m.confirm.ackDelaySeconds) return;
    this.unanswered.add(clientKey);
    if (this.unanswered.size >= n) this.fire('partner-dead', `${this.unanswered.size} clients retried for ${this.m.confirm.ackDelaySeconds} s or more and nobody answered them`);
  }

  ownedRange(pool: PoolModel): AddressRange | undefined {
    return ownedRange(pool, this.m.mode, this.m.role, this.m.split, this.m.standbyReserve);
  }

  mayReuse(address: number): boolean {
    return !this.ledger.fenced(address, this.deps.clock.now());
  }

  /** In contact every change is replicated before the ACK: unbounded. Out of contact, rule 3 on the partner's addresses. */
  expiryLimit(address: number, ownedByUs: boolean): number {
    if (this.link || ownedByUs) return Infinity;
    return this.ledger.extensionLimit(address);
  }

  // ---------------------------------------------------------------- operator

  command(cmd: OperatorCommand): FailoverTransition | undefined {
    const event: FailoverEvent = cmd === 'maintenance' ? 'cmd-maintenance' : cmd === 'partner-down' ? 'cmd-partner-down' : 'cmd-resume';
    return this.fire(event, `operator: ${cmd}`);
  }

  status(): RelationshipStatus {
    let inFlight = 0;
    for (const b of this.inFlight.values()) inFlight += b.waiters.length;
    return {
      name: this.m.name, mode: this.m.mode, role: this.m.role, partner: this.m.partnerName,
      state: this.machine.state, partnerState: this.machine.partner, since: this.machine.enteredAt,
      connected: this.link !== undefined, lastContact: this.lastContactAt, unsynced: this.ledger.pendingCount,
      inFlight: inFlight + this.queued.length, unansweredClients: this.unanswered.size,
      resyncRemaining: this.pull ? this.m.subnetIds.length - this.pull.index : 0,
      ...(this.lastResyncMs !== undefined ? { lastResyncMs: this.lastResyncMs } : {}),
    };
  }

  // ---------------------------------------------------------------- transitions

  private fire(event: FailoverEvent, cause: string, partner?: PartnerState): FailoverTransition | undefined {
    if (this.stopped) return undefined;
    return this.machine.transition(event, cause, partner);
  }

  private entered(t: FailoverTransition): void {
    this.deps.onTransition?.(t);
    this.failbackTimer?.cancel();
    this.failbackTimer = undefined;
    if (t.to === 'ready' && this.m.failback.automatic) {
      this.failbackTimer = this.deps.clock.setTimer(this.m.failback.delayMs, () => this.fire('failback-due', `failback delay ${this.m.failback.delayMs} ms passed`));
    }
    if (t.to !== 'interrupted') this.unanswered.clear();
    this.sendHeartbeat(); // the partner learns the new state at once
    this.probeSoon();
  }

  private after(ms: number, fn: () => void): void {
    const handle = this.deps.clock.setTimer(ms, () => {
      this.timers = this.timers.filter((t) => t !== handle);
      fn();
    });
    this.timers.push(handle);
  }
}

/** Leases per UPDATE or RESYNC-PAGE (the wire's count is a u16), and their encoded bytes, under the 4 MiB body. */
const MAX_COUNT_PER_MESSAGE = 5000;
const PAGE_BODY_BUDGET = MAX_BODY_BYTES - 64 * 1024;

/** A stored lease as the wire carries it (stores never hold 'offered'). */
function wire(l: Lease): WireLease {
  return l as WireLease;
}

/** Removes and returns the longest prefix of `queue` whose leases fit one message. */
function takeWithin<T>(queue: T[], leaseOf: (t: T) => Lease, maxCount: number): T[] {
  // The usual batch fits even if every lease were of the largest size: no need to measure each.
  const all = Math.min(queue.length, maxCount);
  if (all * MAX_LEASE_BYTES <= PAGE_BODY_BUDGET) return queue.splice(0, all);
  let n = 0;
  let bytes = 0;
  while (n < queue.length && n < maxCount) {
    const size = leaseLength(wire(leaseOf(queue[n]!)));
    if (n > 0 && bytes + size > PAGE_BODY_BUDGET) break;
    bytes += size;
    n++;
  }
  return queue.splice(0, n);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

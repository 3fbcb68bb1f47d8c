// The pending DNS changes in acceptance order, with the merge rules that keep a queue
// from replaying history the name server no longer needs (counted as `merged`). Pure:
// the durable queue (src/storage/ddns-queue.ts) records what this decides. Only
// changes not in flight are merged; the last pending change of the same name, address
// and client (DHCID) is the one compared:
//   - add after an add      → the older add is dropped (the newer says the same, later)
//   - remove after an add   → both dropped: the add was never made, so nothing is left
//                             to remove (a remove before that add, if any, stays)
//   - remove after a remove → the new one is dropped (the same removal is pending)
//   - add after a remove    → kept, in order
import type { DnsChange, QueuedChange } from './change.js';

export interface BacklogDecision {
  /** The change appended, or undefined when it merged away. */
  readonly appended?: QueuedChange;
  /** Older pending changes dropped by it. */
  readonly dropped: readonly number[];
}

const mergeKey = (c: DnsChange) => `${c.fqdn}|${c.address}|${c.dhcid}`;

export class DdnsBacklog {
  private readonly entries = new Map<number, QueuedChange>();
  private readonly busy = new Set<number>();
  private nextSeq = 1;
  /** Changes that were never sent because a later one made them unnecessary. */
  merged = 0;

  /** Restores a change read back from storage (no merging). */
  restore(q: QueuedChange): void {
    this.entries.set(q.seq, q);
    this.nextSeq = Math.max(this.nextSeq, q.seq + 1);
  }

  /** Decides what accepting a change does; apply it with `apply` once it is durable. */
  decide(change: DnsChange): BacklogDecision {
    const key = mergeKey(change);
    let last: QueuedChange | undefined;
    for (const q of this.entries.values()) if (mergeKey(q.change) === key) last = q;
    const appended = { seq: this.nextSeq++, change };
    if (last === undefined || this.busy.has(last.seq)) return { appended, dropped: [] };
    if (change.kind === 'add') return last.change.kind === 'add' ? { appended, dropped: [last.seq] } : { appended, dropped: [] };
    return last.change.kind === 'add' ? { dropped: [last.seq] } : { dropped: [] };
  }

  apply(d: BacklogDecision): void {
    for (const seq of d.dropped) this.entries.delete(seq);
    if (d.appended) this.entries.set(d.appended.seq, d.appended);
    this.merged += d.dropped.length + (d.appended ? 0 : 1);
  }

  remove(seq: number): void {
    this.entries.delete(seq);
    this.busy.delete(seq);
  }

  /** Marks a change busy — in flight, or not yet durable — (never merged, not started) or back to waiting. */
  setBusy(seq: number, busy: boolean): void {
    if (busy) this.busy.add(seq);
    else this.busy.delete(seq);
  }

  isBusy(seq: number): boolean {
    return this.busy.has(seq);
  }

  has(seq: number): boolean {
    return this.entries.has(seq);
  }

  /** Pending changes, oldest first (Map order is insertion order; seqs only grow). */
  pending(): IterableIterator<QueuedChange> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The queue the sender takes changes from: durable in the site daemon, in memory in tests. */
export interface DdnsQueue {
  /** Accepts a change; resolves once it (and any merge) is durable. */
  add(change: DnsChange): Promise<void>;
  /** The change was delivered, refused or given up: it is removed, durably. */
  done(seq: number): Promise<void>;
  readonly backlog: DdnsBacklog;
  close(): Promise<void>;
}

/** The queue without storage (protocol tests). */
export class MemoryDdnsQueue implements DdnsQueue {
  readonly backlog = new DdnsBacklog();
  add(change: DnsChange): Promise<void> {
    this.backlog.apply(this.backlog.decide(change));
    return Promise.resolve();
  }
  done(seq: number): Promise<void> {
    this.backlog.remove(seq);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

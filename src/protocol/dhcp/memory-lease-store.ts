// The in-memory DHCPv4 lease store of the protocol tier, and the lease index every
// store keeps in memory (the journal of src/storage rebuilds it at open and keeps it
// while it appends). Pure: no files, no timers; expiry is a query the engine makes
// with its own clock (`dueForExpiry(now)`).
//
// The index holds, per lease, one frozen Lease object, two hash entries (address →
// lease, (subnet, client key) → address) and a 12-byte entry of the expiry heap.
// Addresses are keyed as signed 32-bit integers (`address | 0`) so V8 keeps them unboxed.
import { OutpostError } from '../../core/errors.js';
import type { Lease, LeaseState } from './lease.js';
import type { LeaseStore } from './lease-store.js';

/** Longest client key a store accepts (option 61 is at most 255 bytes = 510 hex digits, plus a prefix). */
export const MAX_CLIENT_KEY_LENGTH = 1024;
/** Longest hardware address (chaddr is 16 bytes = 32 hex digits; room to spare). */
export const MAX_HW_ADDRESS_LENGTH = 64;
/** Longest host name (option 12 and option 81 are each at most 255 bytes). */
export const MAX_HOSTNAME_LENGTH = 1024;

/** The states a store holds. 'offered' lives only in the engine's memory. */
export const STORED_STATES: readonly LeaseState[] = ['bound', 'released', 'expired', 'declined'];
/** The states whose `expiresAt` ends something the engine must act on (reclaim or end quarantine). */
export const EXPIRING_STATES: ReadonlySet<LeaseState> = new Set<LeaseState>(['bound', 'declined']);

const U32_MAX = 0xffff_ffff;

function expiring(state: LeaseState): boolean {
  return state === 'bound' || state === 'declined';
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= U32_MAX;
}

function stringProblem(name: string, v: unknown, max: number, allowEmpty: boolean): string | undefined {
  if (typeof v !== 'string') return `${name} must be a string (got ${typeof v})`;
  if (!allowEmpty && v.length === 0) return `${name} must not be empty`;
  if (v.length > max) return `${name} is ${v.length} characters long (at most ${max})`;
  if (!(v as unknown as { isWellFormed(): boolean }).isWellFormed()) return `${name} holds an unpaired UTF-16 surrogate (it could not be stored as UTF-8 and read back unchanged)`;
  return undefined;
}

/** Why a lease cannot be stored, or undefined when it can. Every store checks this before anything else. */
export function leaseProblem(lease: Lease): string | undefined {
  if (typeof lease !== 'object' || lease === null) return 'a lease must be an object';
  if (!isU32(lease.address)) return `address must be an integer in 0..${U32_MAX} (got ${String(lease.address)})`;
  if (!isU32(lease.subnetId)) return `subnetId must be an integer in 0..${U32_MAX} (got ${String(lease.subnetId)})`;
  const s = stringProblem('clientKey', lease.clientKey, MAX_CLIENT_KEY_LENGTH, false)
    ?? stringProblem('hwAddress', lease.hwAddress, MAX_HW_ADDRESS_LENGTH, true)
    ?? (lease.hostname === undefined ? undefined : stringProblem('hostname', lease.hostname, MAX_HOSTNAME_LENGTH, true));
  if (s) return s;
  if (lease.state === 'offered') return "state 'offered' is never stored: offers live in the engine's memory";
  if (!STORED_STATES.includes(lease.state)) return `state must be one of ${STORED_STATES.join(', ')} (got ${String(lease.state)})`;
  if (typeof lease.startedAt !== 'number' || !Number.isFinite(lease.startedAt)) return `startedAt must be a finite number of ms (got ${String(lease.startedAt)})`;
  if (typeof lease.expiresAt !== 'number' || !Number.isFinite(lease.expiresAt)) return `expiresAt must be a finite number of ms (got ${String(lease.expiresAt)})`;
  if (lease.partnerExpiry !== undefined && (typeof lease.partnerExpiry !== 'number' || !Number.isFinite(lease.partnerExpiry))) return `partnerExpiry must be a finite number of ms when present (got ${String(lease.partnerExpiry)})`;
  return undefined;
}

/** The error a store rejects an unstorable lease with (code DHCP_LEASE_INVALID). */
export function invalidLease(lease: Lease, problem: string): OutpostError {
  const where = typeof lease === 'object' && lease !== null && isU32(lease.address) ? ` for address ${lease.address}` : '';
  return new OutpostError('DHCP_LEASE_INVALID', `lease${where} refused: ${problem}`);
}

/** The error of a call made after close() (code DHCP_LEASE_STORE_CLOSED). */
export function storeClosed(what: string): OutpostError {
  return new OutpostError('DHCP_LEASE_STORE_CLOSED', `${what} refused: the lease store is closed`);
}

/**
 * A frozen copy with one fixed shape (V8 gives every stored lease the same hidden
 * class), so the caller's object can change later without touching the store.
 */
export function makeLease(l: Lease): Lease {
  const copy: { -readonly [K in keyof Lease]: Lease[K] } = {
    address: l.address,
    subnetId: l.subnetId,
    clientKey: l.clientKey,
    hwAddress: l.hwAddress,
    state: l.state,
    startedAt: l.startedAt,
    expiresAt: l.expiresAt,
  };
  if (l.hostname !== undefined) copy.hostname = l.hostname;
  if (l.partnerExpiry !== undefined) copy.partnerExpiry = l.partnerExpiry;
  return Object.freeze(copy);
}

/** What the engine stores when it reclaims an expired lease: same binding, state 'expired' from `now`. */
export function reclaimedLease(lease: Lease, now: number): Lease {
  return makeLease({ ...lease, state: 'expired', startedAt: now, expiresAt: now });
}

/**
 * The expiry queue: a binary min-heap of (expiresAt, address key) pairs in two typed
 * arrays (12 bytes an entry, no object per lease). Entries are never removed when a
 * lease changes; an entry is current while the index still holds an expiring lease of
 * that key with that very `expiresAt` (the caller's `current` test), and stale ones
 * are dropped when they reach the top or when the heap is rebuilt, which happens once
 * it holds twice as many entries as there are expiring leases (amortised O(1)).
 */
export class ExpiryHeap {
  private times = new Float64Array(1024);
  private keys = new Int32Array(1024);
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(key: number, expiresAt: number): void {
    if (this.n === this.times.length) this.grow(this.n * 2);
    let i = this.n++;
    const t = this.times;
    const k = this.keys;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= expiresAt) break;
      t[i] = t[p]!;
      k[i] = k[p]!;
      i = p;
    }
    t[i] = expiresAt;
    k[i] = key;
  }

  /**
   * Keys of current entries with expiresAt ≤ now, earliest first, at most `limit`.
   * Stale entries and duplicates met on the way are dropped; returned ones stay.
   */
  due(now: number, limit: number, current: (key: number, expiresAt: number) => boolean): number[] {
    const out: number[] = [];
    const times: number[] = [];
    const seen = new Set<number>();
    while (out.length < limit && this.n > 0 && this.times[0]! <= now) {
      const t = this.times[0]!;
      const k = this.keys[0]!;
      this.popTop();
      if (!current(k, t) || seen.has(k)) continue;
      seen.add(k);
      out.push(k);
      times.push(t);
    }
    for (let i = 0; i < out.length; i++) this.push(out[i]!, times[i]!);
    return out;
  }

  /** Keeps only current entries, then restores the heap order bottom-up (O(n)). */
  rebuild(current: (key: number, expiresAt: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      const t = this.times[r]!;
      const k = this.keys[r]!;
      if (!current(k, t)) continue;
      this.times[w] = t;
      this.keys[w] = k;
      w++;
    }
    this.n = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i);
    if (this.times.length > 4096 && w < this.times.length / 4) this.grow(Math.max(1024, w * 2));
  }

  private popTop(): void {
    const last = --this.n;
    if (last > 0) {
      this.times[0] = this.times[last]!;
      this.keys[0] = this.keys[last]!;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const t = this.times;
    const k = this.keys;
    const n = this.n;
    const time = t[i]!;
    const key = k[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && t[r]! < t[l]! ? r : l;
      if (t[c]! >= time) break;
      t[i] = t[c]!;
      k[i] = k[c]!;
      i = c;
    }
    t[i] = time;
    k[i] = key;
  }

  private grow(size: number): void {
    const t = new Float64Array(size);
    const k = new Int32Array(size);
    t.set(this.times.subarray(0, this.n));
    k.set(this.keys.subarray(0, this.n));
    this.times = t;
    this.keys = k;
  }
}

/**
 * The in-memory lease index: address → lease, (subnet, client key) → address, and
 * the expiry heap. "The lease of a client" is the one most recently stored for it;
 * replacing or removing that lease forgets the client's entry (an older lease that
 * still names the client is not promoted). `clientIndexed` tells a snapshot writer
 * whether a lease holds its client's entry, so replay rebuilds exactly this index.
 */
export class LeaseIndex {
  private readonly byAddress = new Map<number, Lease>();
  private readonly byClient = new Map<number, Map<string, number>>();
  private readonly expiry = new ExpiryHeap();
  /** Leases in an expiring state: the expiry heap is rebuilt when more than half its entries are stale. */
  private expiring = 0;
  private rebuildAt = 4096;
  private readonly current = (key: number, expiresAt: number): boolean => {
    const l = this.byAddress.get(key);
    return l !== undefined && l.expiresAt === expiresAt && expiring(l.state);
  };

  get size(): number {
    return this.byAddress.size;
  }

  get(address: number): Lease | undefined {
    return this.byAddress.get(address | 0);
  }

  findByClient(subnetId: number, clientKey: string): Lease | undefined {
    const key = this.byClient.get(subnetId)?.get(clientKey);
    return key === undefined ? undefined : this.byAddress.get(key);
  }

  /** Whether this lease is the one its client's entry points at. */
  clientIndexed(lease: Lease): boolean {
    return this.byClient.get(lease.subnetId)?.get(lease.clientKey) === (lease.address | 0);
  }

  values(): IterableIterator<Lease> {
    return this.byAddress.values();
  }

  /** Stores a (valid, frozen) lease; `indexClient` false keeps it out of the client index (snapshot replay). */
  set(lease: Lease, indexClient = true): void {
    const key = lease.address | 0;
    const prev = this.byAddress.get(key);
    this.byAddress.set(key, lease);
    // A renewal (same client, same subnet, its entry already here) leaves the client index alone.
    const sameClient = prev !== undefined && prev.subnetId === lease.subnetId && prev.clientKey === lease.clientKey;
    if (prev) {
      if (expiring(prev.state)) this.expiring--;
      if (!(sameClient && indexClient)) this.unindexClient(prev, key);
    }
    if (indexClient && !(sameClient && this.clientIndexed(prev!))) {
      let m = this.byClient.get(lease.subnetId);
      if (!m) {
        m = new Map();
        this.byClient.set(lease.subnetId, m);
      }
      m.set(lease.clientKey, key);
    } else if (!indexClient) {
      this.unindexClient(lease, key);
    }
    if (expiring(lease.state)) {
      this.expiring++;
      // The previous lease's entry is current again when the expiry time did not change.
      if (!(prev && expiring(prev.state) && prev.expiresAt === lease.expiresAt)) {
        this.expiry.push(key, lease.expiresAt);
        const n = this.expiry.length;
        if (n > this.rebuildAt && n > 2 * this.expiring) {
          this.expiry.rebuild(this.current);
          // Duplicates (an expiry time moved away and back) survive a rebuild: never rebuild again before the heap doubles.
          this.rebuildAt = Math.max(4096, 2 * this.expiry.length);
        }
      }
    }
  }

  delete(address: number): boolean {
    const key = address | 0;
    const prev = this.byAddress.get(key);
    if (!prev) return false;
    this.unindexClient(prev, key);
    if (expiring(prev.state)) this.expiring--;
    this.byAddress.delete(key);
    return true;
  }

  /** Forgets the client entry of `l` if it points at `key`. */
  private unindexClient(l: Lease, key: number): void {
    const m = this.byClient.get(l.subnetId);
    if (m && m.get(l.clientKey) === key) {
      m.delete(l.clientKey);
      if (m.size === 0) this.byClient.delete(l.subnetId);
    }
  }

  /** See LeaseStore.dueForExpiry. */
  dueForExpiry(now: number, limit: number): Lease[] {
    if (!(limit > 0)) return [];
    return this.expiry.due(now, limit, this.current).map((k) => this.byAddress.get(k)!);
  }
}

/** The lease store of the protocol tier: everything in memory, every commit "durable" at once. */
export class MemoryLeaseStore implements LeaseStore {
  private readonly index = new LeaseIndex();
  private closed = false;

  get size(): number {
    return this.index.size;
  }

  get(address: number): Lease | undefined {
    return this.index.get(address);
  }

  findByClient(subnetId: number, clientKey: string): Lease | undefined {
    return this.index.findByClient(subnetId, clientKey);
  }

  commit(lease: Lease): Promise<void> {
    if (this.closed) return Promise.reject(storeClosed('commit'));
    const problem = leaseProblem(lease);
    if (problem) return Promise.reject(invalidLease(lease, problem));
    this.index.set(makeLease(lease));
    return Promise.resolve();
  }

  remove(address: number): Promise<void> {
    if (this.closed) return Promise.reject(storeClosed('remove'));
    if (!isU32(address)) return Promise.reject(new OutpostError('DHCP_LEASE_INVALID', `remove refused: address must be an integer in 0..${U32_MAX} (got ${String(address)})`));
    this.index.delete(address);
    return Promise.resolve();
  }

  all(): Iterable<Lease> {
    return this.index.values();
  }

  dueForExpiry(now: number, limit: number): Lease[] {
    return this.index.dueForExpiry(now, limit);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export { isU32 as isLeaseAddress };

// Free-address search in pools: one bit per address of a pool (a /8 is 2 MiB), set
// while the address is taken (bound, quarantined, offered or excluded). The search
// goes round-robin from a cursor, so a released address is reused last, and skips
// 32 taken addresses per step.
import type { PoolModel, SubnetModel } from './model.js';

export class PoolBits {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private cursor = 0;
  taken = 0;

  constructor(readonly pool: PoolModel) {
    this.size = pool.last - pool.first + 1;
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
    this.windowLast = this.size - 1;
  }

  contains(address: number): boolean {
    return address >= this.pool.first && address <= this.pool.last;
  }

  isTaken(address: number): boolean {
    const i = address - this.pool.first;
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  take(address: number): void {
    const i = address - this.pool.first;
    const word = this.bits[i >>> 5]!;
    const bit = 1 << (i & 31);
    if ((word & bit) === 0) { this.bits[i >>> 5] = word | bit; this.taken++; }
  }

  free(address: number): void {
    const i = address - this.pool.first;
    const word = this.bits[i >>> 5]!;
    const bit = 1 << (i & 31);
    if ((word & bit) !== 0) { this.bits[i >>> 5] = word & ~bit; this.taken--; }
  }

  get capacity(): number {
    return this.size;
  }

  /** Offsets (inclusive) of the share of the pool next() allocates from: a failover server's own part. */
  private windowFirst = 0;
  private windowLast: number;

  /** Allocates only from first..last of the pool (its owned share); an empty window allocates nothing. */
  restrict(range: { first: number; last: number } | undefined): void {
    if (range === undefined) [this.windowFirst, this.windowLast] = [0, -1];
    else [this.windowFirst, this.windowLast] = [Math.max(0, range.first - this.pool.first), Math.min(this.size - 1, range.last - this.pool.first)];
    this.cursor = this.windowFirst;
  }

  /** The address is in this server's share of the pool (all of it without failover). */
  owns(address: number): boolean {
    const i = address - this.pool.first;
    return i >= this.windowFirst && i <= this.windowLast;
  }

  /** The next address not taken, from the cursor on, wrapping once within the window; undefined when none. */
  next(): number | undefined {
    if (this.taken >= this.size) return undefined;
    const lo = this.windowFirst;
    const hi = this.windowLast;
    if (hi < lo) return undefined;
    let i = this.cursor < lo || this.cursor > hi ? lo : this.cursor;
    for (let scanned = 0; scanned <= hi - lo + 32; ) {
      const word = this.bits[i >>> 5]!;
      if (word === 0xffffffff) {
        const skip = 32 - (i & 31);
        scanned += skip;
        i = i + skip > hi ? lo : i + skip;
        continue;
      }
      if ((word & (1 << (i & 31))) === 0) {
        this.cursor = i + 1 > hi ? lo : i + 1;
        return this.pool.first + i;
      }
      scanned++;
      i = i + 1 > hi ? lo : i + 1;
    }
    return undefined;
  }
}

/** Every pool of every subnet, with lookups by address. */
export class Allocator {
  private readonly bySubnet = new Map<number, PoolBits[]>();

  constructor(subnets: readonly SubnetModel[]) {
    for (const s of subnets) {
      const pools = s.pools.map((p) => new PoolBits(p));
      this.bySubnet.set(s.id, pools);
      for (const bits of pools) {
        for (const r of s.excluded) {
          const from = Math.max(r.first, bits.pool.first);
          const to = Math.min(r.last, bits.pool.last);
          for (let a = from; a <= to; a++) bits.take(a);
        }
      }
    }
  }

  pools(subnetId: number): readonly PoolBits[] {
    return this.bySubnet.get(subnetId) ?? [];
  }

  poolOf(subnetId: number, address: number): PoolBits | undefined {
    return this.bySubnet.get(subnetId)?.find((p) => p.contains(address));
  }

  take(subnetId: number, address: number): void {
    this.poolOf(subnetId, address)?.take(address);
  }

  free(subnetId: number, address: number): void {
    this.poolOf(subnetId, address)?.free(address);
  }
}

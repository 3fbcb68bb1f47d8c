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

  /** The next address not taken, from the cursor on, wrapping once; undefined when full. */
  next(): number | undefined {
    if (this.taken >= this.size) return undefined;
    const words = this.bits.length;
    let i = this.cursor;
    for (let scanned = 0; scanned <= this.size + 32; ) {
      const w = i >>> 5;
      const word = this.bits[w]!;
      if (word === 0xffffffff) {
        scanned += 32 - (i & 31);
        i = ((w + 1) % words) * 32;
        continue;
      }
      if (i < this.size && (word & (1 << (i & 31))) === 0) {
        this.cursor = i + 1 >= this.size ? 0 : i + 1;
        return this.pool.first + i;
      }
      scanned++;
      i = i + 1 >= this.size ? 0 : i + 1;
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

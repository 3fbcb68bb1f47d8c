// The owners of a zone version by key, persistent: a base map shared between versions
// and a small overlay of the owners changed since (undefined: removed). A new version
// (with) copies the overlay only; once the overlay outgrows √(base) it is folded into a
// new base. So a DNS UPDATE costs O(√n) amortised, not O(n) for a map copy, and a lookup
// is one map read more while an overlay exists.
export interface OwnerNode {
  readonly rrsets: ReadonlyMap<number, unknown>;
}

const NO_OVERLAY: ReadonlyMap<string, undefined> = new Map<string, undefined>();
const MIN_OVERLAY = 64;

export class ZoneNodes<N extends OwnerNode> {
  private constructor(
    private readonly base: ReadonlyMap<string, N>,
    private readonly overlay: ReadonlyMap<string, N | undefined>,
    /** Owners in this version. */
    readonly size: number,
  ) {}

  static of<N extends OwnerNode>(nodes: ReadonlyMap<string, N>): ZoneNodes<N> {
    return new ZoneNodes(nodes, NO_OVERLAY, nodes.size);
  }

  get(key: string): N | undefined {
    if (this.overlay.size > 0 && this.overlay.has(key)) return this.overlay.get(key);
    return this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every owner, in no particular order. */
  *entries(): Iterable<[string, N]> {
    if (this.overlay.size === 0) {
      yield* this.base;
      return;
    }
    for (const entry of this.base) if (!this.overlay.has(entry[0])) yield entry;
    for (const [key, node] of this.overlay) if (node !== undefined) yield [key, node];
  }

  /** A new version with `changes` (undefined, or a node without RRsets: removed). */
  with(changes: ReadonlyMap<string, N | undefined>): ZoneNodes<N> {
    const overlay = new Map(this.overlay);
    let size = this.size;
    for (const [key, node] of changes) {
      const now = node !== undefined && node.rrsets.size > 0 ? node : undefined;
      size += (now ? 1 : 0) - (this.has(key) ? 1 : 0);
      overlay.set(key, now);
    }
    if (overlay.size <= Math.max(MIN_OVERLAY, Math.sqrt(this.base.size))) return new ZoneNodes(this.base, overlay, size);
    const base = new Map(this.base);
    for (const [key, node] of overlay) {
      if (node === undefined) base.delete(key);
      else base.set(key, node);
    }
    return new ZoneNodes(base, NO_OVERLAY, size);
  }
}

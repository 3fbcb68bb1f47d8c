// A string-keyed map whose versions share their entries: a base map and a small overlay
// of the keys changed since (undefined: removed). A new version (with) copies the
// overlay only; once the overlay outgrows √(base) it is folded into a new base. So each
// version of a zone's indexes costs O(√n) amortised to make, not O(n) for a copy, and a
// read is one map lookup more while an overlay exists. Versions are immutable.
const MIN_OVERLAY = 64;

export class PersistentMap<V> {
  private static readonly NO_OVERLAY: ReadonlyMap<string, undefined> = new Map<string, undefined>();

  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly overlay: ReadonlyMap<string, V | undefined>,
    /** Keys in this version. */
    readonly size: number,
  ) {}

  static of<V>(entries: ReadonlyMap<string, V> = new Map()): PersistentMap<V> {
    return new PersistentMap<V>(entries, PersistentMap.NO_OVERLAY, entries.size);
  }

  get(key: string): V | undefined {
    if (this.overlay.size > 0 && this.overlay.has(key)) return this.overlay.get(key);
    return this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every entry, in no particular order. */
  *entries(): Iterable<[string, V]> {
    if (this.overlay.size === 0) {
      yield* this.base;
      return;
    }
    for (const entry of this.base) if (!this.overlay.has(entry[0])) yield entry;
    for (const [key, value] of this.overlay) if (value !== undefined) yield [key, value];
  }

  /** A new version with `changes` (undefined: the key removed). */
  with(changes: ReadonlyMap<string, V | undefined>): PersistentMap<V> {
    if (changes.size === 0) return this;
    const overlay = new Map(this.overlay);
    let size = this.size;
    for (const [key, value] of changes) {
      size += (value !== undefined ? 1 : 0) - (this.has(key) ? 1 : 0);
      overlay.set(key, value);
    }
    if (overlay.size <= Math.max(MIN_OVERLAY, Math.sqrt(this.base.size))) return new PersistentMap(this.base, overlay, size);
    const base = new Map(this.base);
    for (const [key, value] of overlay) {
      if (value === undefined) base.delete(key);
      else base.set(key, value);
    }
    return new PersistentMap<V>(base, PersistentMap.NO_OVERLAY, size);
  }

  /** A new version with the numbers at `deltas`' keys moved by their delta (a number reaching 0 is removed). */
  adjusted(this: PersistentMap<number>, deltas: ReadonlyMap<string, number>): PersistentMap<number> {
    const changes = new Map<string, number | undefined>();
    for (const [key, delta] of deltas) {
      if (delta === 0) continue;
      const n = (this.get(key) ?? 0) + delta;
      if (n < 0) throw new RangeError(`PersistentMap.adjusted: ${key} would count ${n}`);
      changes.set(key, n > 0 ? n : undefined);
    }
    return this.with(changes);
  }
}

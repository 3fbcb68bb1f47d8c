// An immutable snapshot of one authoritative zone, indexed for lookup (docs/dns.md,
// "Answering"). Built once per zone version from records that passed validation;
// the service swaps snapshots atomically, so a query sees one version from start to
// end. Names are keyed by nameKey() (ASCII case folded); every owner keeps the case
// its records were written with.
import { RRType, hasType, type RData, type ResourceRecord, type SOAData, type TypedRecord } from '../../wire/dns/types.js';
import { isSubdomain, nameKey, parent } from '../../wire/dns/name.js';
import { PersistentMap } from './persistent-map.js';

/** The records of one owner and type: one TTL (RFC 2181 §5.2), one or more RDATA. */
export interface RRset {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: readonly RData[];
}

export interface ZoneNode {
  /** The owner as written. */
  readonly name: string;
  readonly rrsets: ReadonlyMap<number, RRset>;
}

export class Zone {
  private constructor(
    readonly origin: string,
    readonly originKey: string,
    readonly soa: TypedRecord<typeof RRType.SOA>,
    private readonly nodes: PersistentMap<ZoneNode>,
    /**
     * Owners strictly below each name that has any, the apex included: a name without
     * records but with a count exists, with no data (an empty non-terminal, RFC 4592 §2.2.2).
     */
    private readonly below: PersistentMap<number>,
    /** NS records (at the apex and the cuts) naming each target, by the target's key. */
    private readonly nsTargets: PersistentMap<number>,
    readonly recordCount: number,
  ) {}

  /**
   * Indexes `records` (already validated: one SOA at `origin`, everything in the zone).
   * Records of one owner and type become one RRset with the lowest TTL of them.
   */
  static build(origin: string, records: readonly ResourceRecord[]): Zone {
    const originKey = nameKey(origin);
    const owners = new Map<string, { name: string; sets: Map<number, { name: string; type: number; class: number; ttl: number; data: RData[] }> }>();
    for (const rr of records) {
      const key = nameKey(rr.name);
      if (!isSubdomain(key, originKey)) throw new RangeError(`Zone.build: ${rr.name} is not in ${origin}`);
      let owner = owners.get(key);
      if (!owner) owners.set(key, (owner = { name: rr.name, sets: new Map() }));
      const set = owner.sets.get(rr.type);
      if (!set) owner.sets.set(rr.type, { name: owner.name, type: rr.type, class: rr.class, ttl: rr.ttl, data: [rr.data] });
      else {
        set.ttl = Math.min(set.ttl, rr.ttl);
        set.data.push(rr.data);
      }
    }
    const nodes = new Map<string, ZoneNode>();
    for (const [key, owner] of owners) nodes.set(key, { name: owner.name, rrsets: owner.sets });
    const empty = PersistentMap.of<number>();
    return Zone.index(origin, originKey, PersistentMap.of(nodes), empty, empty, nodes, new Map(), records.length);
  }

  /**
   * A new version with the nodes of `changes` replaced (undefined or no RRsets: the
   * owner removed), sharing every other node with this one. The changes must keep the
   * zone valid (an SOA at the apex; the caller checks the rest).
   */
  patch(changes: ReadonlyMap<string, ZoneNode | undefined>): Zone {
    const added = new Map<string, ZoneNode>();
    const removed = new Map<string, ZoneNode>();
    const nodes = new Map<string, ZoneNode | undefined>();
    let records = this.recordCount;
    for (const [key, node] of changes) {
      const old = this.nodes.get(key);
      if (old) {
        for (const set of old.rrsets.values()) records -= set.data.length;
        removed.set(key, old);
      }
      const now = node && node.rrsets.size > 0 ? node : undefined;
      if (now) {
        if (!isSubdomain(key, this.originKey)) throw new RangeError(`Zone.patch: ${now.name} is not in ${this.origin}`);
        for (const set of now.rrsets.values()) records += set.data.length;
        added.set(key, now);
      }
      nodes.set(key, now);
    }
    return Zone.index(this.origin, this.originKey, this.nodes.with(nodes), this.below, this.nsTargets, added, removed, records);
  }

  /** The indexes brought up to date for the owners `removed` (their old nodes) and `added` (their new ones). */
  private static index(
    origin: string, originKey: string, nodes: PersistentMap<ZoneNode>, below: PersistentMap<number>, nsTargets: PersistentMap<number>,
    added: ReadonlyMap<string, ZoneNode>, removed: ReadonlyMap<string, ZoneNode>, recordCount: number,
  ): Zone {
    const owners = new Map<string, number>();
    const targets = new Map<string, number>();
    const count = (key: string, node: ZoneNode, by: number) => {
      for (let p = key === originKey ? undefined : parent(key); p !== undefined; p = p === originKey ? undefined : parent(p)) owners.set(p, (owners.get(p) ?? 0) + by);
      for (const d of node.rrsets.get(RRType.NS)?.data ?? []) {
        if (!('host' in d)) continue;
        const target = nameKey(d.host);
        targets.set(target, (targets.get(target) ?? 0) + by);
      }
    };
    for (const [key, node] of removed) count(key, node, -1);
    for (const [key, node] of added) count(key, node, 1);
    const soa = nodes.get(originKey)?.rrsets.get(RRType.SOA);
    if (!soa) throw new RangeError(`Zone: ${origin} has no SOA at its apex`);
    return new Zone(origin, originKey, recordsOf(soa)[0] as TypedRecord<typeof RRType.SOA>, nodes, below.adjusted(owners), nsTargets.adjusted(targets), recordCount);
  }

  get serial(): number {
    return (this.soa.data as SOAData).serial;
  }

  node(key: string): ZoneNode | undefined {
    return this.nodes.get(key);
  }

  /** Whether the name exists in the zone: it owns records or is an empty non-terminal. */
  exists(key: string): boolean {
    return this.nodes.has(key) || this.below.has(key);
  }

  /** Whether some owner is strictly below the name. */
  hasDescendants(key: string): boolean {
    return this.below.has(key);
  }

  /** A delegation point: NS below the apex. */
  isCut(key: string): boolean {
    return key !== this.originKey && this.nodes.get(key)?.rrsets.has(RRType.NS) === true;
  }

  hasDname(key: string): boolean {
    return this.nodes.get(key)?.rrsets.has(RRType.DNAME) === true;
  }

  /** Whether an NS record of the zone (at the apex or a cut) names `key`. */
  isNsTarget(key: string): boolean {
    return this.nsTargets.has(key);
  }

  /** Every RRset, the apex SOA first (the order of an AXFR's body). */
  *rrsets(): Iterable<RRset> {
    const apex = this.nodes.get(this.originKey)!;
    yield apex.rrsets.get(RRType.SOA)!;
    for (const [type, set] of apex.rrsets) if (type !== RRType.SOA) yield set;
    for (const [key, node] of this.nodes.entries()) if (key !== this.originKey) yield* node.rrsets.values();
  }

  /** Every record, the apex SOA first. */
  records(): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    for (const set of this.rrsets()) out.push(...recordsOf(set));
    return out;
  }
}

/** The records of an RRset, each with `owner` as its name (a wildcard's synthesis or the RRset's own). */
export function recordsOf(set: RRset, owner = set.name, ttl = set.ttl): ResourceRecord[] {
  return set.data.map((data) => ({ name: owner, type: set.type, class: set.class, ttl, data }));
}

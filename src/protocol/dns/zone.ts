// An immutable snapshot of one authoritative zone, indexed for lookup (docs/dns.md,
// "Answering"). Built once per zone version from records that passed validation;
// the service swaps snapshots atomically, so a query sees one version from start to
// end. Names are keyed by nameKey() (ASCII case folded); every owner keeps the case
// its records were written with.
import { RRType, hasType, type RData, type ResourceRecord, type SOAData, type TypedRecord } from '../../wire/dns/types.js';
import { isSubdomain, nameKey, parent } from '../../wire/dns/name.js';
import { ZoneNodes } from './zone-nodes.js';

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
    private readonly nodes: ZoneNodes<ZoneNode>,
    /**
     * Owners strictly below each name that has any, the apex included: a name without
     * records but with a count exists, with no data (an empty non-terminal, RFC 4592 §2.2.2).
     */
    private readonly below: ReadonlyMap<string, number>,
    /** Keys of delegation points: NS below the apex. */
    private readonly cuts: ReadonlySet<string>,
    /** Keys of DNAME owners. */
    private readonly dnames: ReadonlySet<string>,
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
    return Zone.index(origin, originKey, ZoneNodes.of(nodes), new Map(), new Set(), new Set(), [...nodes.keys()], [], records.length);
  }

  /**
   * A new version with the nodes of `changes` replaced (undefined or no RRsets: the
   * owner removed), sharing every other node with this one. The changes must keep the
   * zone valid (an SOA at the apex; the caller checks the rest).
   */
  patch(changes: ReadonlyMap<string, ZoneNode | undefined>): Zone {
    const added: string[] = [];
    const removed: string[] = [];
    let records = this.recordCount;
    for (const [key, node] of changes) {
      const old = this.nodes.get(key);
      if (old) {
        for (const set of old.rrsets.values()) records -= set.data.length;
        removed.push(key);
      }
      if (node && node.rrsets.size > 0) {
        if (!isSubdomain(key, this.originKey)) throw new RangeError(`Zone.patch: ${node.name} is not in ${this.origin}`);
        for (const set of node.rrsets.values()) records += set.data.length;
        added.push(key);
      }
    }
    return Zone.index(this.origin, this.originKey, this.nodes.with(changes), new Map(this.below), new Set(this.cuts), new Set(this.dnames), added, removed, records);
  }

  /** The indexes of `nodes`, brought up to date for the owners `removed` (first) and `added`. */
  private static index(
    origin: string, originKey: string, nodes: ZoneNodes<ZoneNode>, below: Map<string, number>, cuts: Set<string>, dnames: Set<string>,
    added: readonly string[], removed: readonly string[], recordCount: number,
  ): Zone {
    const count = (key: string, by: number) => {
      for (let p = key === originKey ? undefined : parent(key); p !== undefined; p = p === originKey ? undefined : parent(p)) {
        const n = (below.get(p) ?? 0) + by;
        if (n > 0) below.set(p, n);
        else below.delete(p);
      }
    };
    for (const key of removed) {
      count(key, -1);
      cuts.delete(key);
      dnames.delete(key);
    }
    for (const key of added) {
      const node = nodes.get(key)!;
      count(key, 1);
      if (key !== originKey && node.rrsets.has(RRType.NS)) cuts.add(key);
      if (node.rrsets.has(RRType.DNAME)) dnames.add(key);
    }
    const soa = nodes.get(originKey)?.rrsets.get(RRType.SOA);
    if (!soa) throw new RangeError(`Zone: ${origin} has no SOA at its apex`);
    return new Zone(origin, originKey, recordsOf(soa)[0] as TypedRecord<typeof RRType.SOA>, nodes, below, cuts, dnames, recordCount);
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

  /** Keys of the delegation points (NS below the apex). */
  cutKeys(): Iterable<string> {
    return this.cuts;
  }

  isCut(key: string): boolean {
    return this.cuts.has(key);
  }

  hasDname(key: string): boolean {
    return this.dnames.has(key);
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

// An immutable snapshot of one authoritative zone, indexed for lookup (docs/dns.md,
// "Answering"). Built once per zone version from records that passed validation;
// the service swaps snapshots atomically, so a query sees one version from start to
// end. Names are keyed by nameKey() (ASCII case folded); every owner keeps the case
// its records were written with.
import { RRType, hasType, type RData, type ResourceRecord, type SOAData, type TypedRecord } from '../../wire/dns/types.js';
import { isSubdomain, nameKey, parent } from '../../wire/dns/name.js';

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
    private readonly nodes: ReadonlyMap<string, ZoneNode>,
    /** Names that own nothing but have descendants that do (RFC 4592 §2.2.2): they exist, with no data. */
    private readonly emptyNonTerminals: ReadonlySet<string>,
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
    let soa: TypedRecord<typeof RRType.SOA> | undefined;
    for (const rr of records) {
      const key = nameKey(rr.name);
      if (!isSubdomain(key, originKey)) throw new RangeError(`Zone.build: ${rr.name} is not in ${origin}`);
      if (hasType(rr, RRType.SOA) && key === originKey) soa = rr;
      let owner = owners.get(key);
      if (!owner) owners.set(key, (owner = { name: rr.name, sets: new Map() }));
      const set = owner.sets.get(rr.type);
      if (!set) owner.sets.set(rr.type, { name: owner.name, type: rr.type, class: rr.class, ttl: rr.ttl, data: [rr.data] });
      else {
        set.ttl = Math.min(set.ttl, rr.ttl);
        set.data.push(rr.data);
      }
    }
    if (!soa) throw new RangeError(`Zone.build: ${origin} has no SOA at its apex`);
    const nodes = new Map<string, ZoneNode>();
    const emptyNonTerminals = new Set<string>();
    const cuts = new Set<string>();
    const dnames = new Set<string>();
    for (const [key, owner] of owners) {
      nodes.set(key, { name: owner.name, rrsets: owner.sets });
      if (key !== originKey && owner.sets.has(RRType.NS)) cuts.add(key);
      if (owner.sets.has(RRType.DNAME)) dnames.add(key);
    }
    for (const key of owners.keys()) {
      for (let p = parent(key); p !== undefined && p !== originKey && !nodes.has(p) && !emptyNonTerminals.has(p); p = parent(p)) {
        emptyNonTerminals.add(p);
      }
    }
    return new Zone(origin, originKey, soa, nodes, emptyNonTerminals, cuts, dnames, records.length);
  }

  get serial(): number {
    return (this.soa.data as SOAData).serial;
  }

  node(key: string): ZoneNode | undefined {
    return this.nodes.get(key);
  }

  /** Whether the name exists in the zone: it owns records or is an empty non-terminal. */
  exists(key: string): boolean {
    return this.nodes.has(key) || this.emptyNonTerminals.has(key);
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
    for (const [key, node] of this.nodes) if (key !== this.originKey) yield* node.rrsets.values();
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

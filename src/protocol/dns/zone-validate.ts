// The content rules of one zone, checked on its records wherever they came from (a zone
// file, a transfer, the manager): one SOA at the apex, NS at the apex, CNAME and DNAME
// exclusivity, nothing outside the zone, only glue below a zone cut and the glue that
// in-zone NS targets need, 31-bit TTLs. Duplicates are collapsed and an RRset's TTLs
// made equal (its lowest, RFC 2181 §5.2), each with a warning; the records come back
// so normalised. Names are compared by the codec's nameKey (src/wire/dns/name.ts: ASCII
// case and escapes folded), each made once, and placed with isSubdomain and parent on
// those keys. Pure; docs/dns.md gives each rule's reason.
import { RRType, type ResourceRecord } from '../../wire/dns/types.js';
import { isSubdomain, nameKey, parent } from '../../wire/dns/name.js';
import { severityOf, type SourcePosition, type ZoneProblem, type ZoneProblemKind } from './zone-problem.js';
import { rdataKey, rdataToText } from './zone-file/rdata-text.js';
import { typeToText } from './zone-file/mnemonics.js';

export const MAX_TTL = 0x7fffffff;

export interface ZoneValidateOptions {
  /** Where records came from (parseZoneFile's `sources`), so problems can name file and line. */
  readonly sources?: ReadonlyMap<ResourceRecord, SourcePosition>;
}

export interface ZoneValidation {
  /** Errors and warnings, errors first. The zone is fit to serve when no problem has severity "error". */
  readonly problems: ZoneProblem[];
  /** The records without duplicates, each RRset with one TTL (its lowest), in their first order. */
  readonly records: ResourceRecord[];
  /** `options.sources` extended to the records whose TTL was lowered. */
  readonly sources: ReadonlyMap<ResourceRecord, SourcePosition>;
}

/** Types that may sit beside a CNAME (RFC 4035 §2.5). */
export const BESIDE_CNAME: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.NSEC]);
/** Types that are authoritative at a zone cut, on the parent's side (RFC 4035 §2.4). */
const AT_CUT: ReadonlySet<number> = new Set([RRType.NS, RRType.DS, RRType.RRSIG, RRType.NSEC]);

/** The RRsets of one name (a name has few types: arrays beat a Map per name). */
class Owner {
  readonly types: number[] = [];
  readonly sets: ResourceRecord[][] = [];
  /** Data keys of each RRset, made when it gets a second member (most RRsets have one). */
  private readonly keys: (Set<string> | undefined)[] = [];

  constructor(readonly name: string) {}

  get(type: number): ResourceRecord[] | undefined {
    const i = this.types.indexOf(type);
    return i < 0 ? undefined : this.sets[i];
  }

  has(type: number): boolean {
    return this.types.includes(type);
  }

  /** Adds the record to its RRset; false when the RRset holds the same record already. */
  add(rr: ResourceRecord): boolean {
    const i = this.types.indexOf(rr.type);
    if (i < 0) {
      this.types.push(rr.type);
      this.sets.push([rr]);
      this.keys.push(undefined);
      return true;
    }
    const set = this.sets[i]!;
    const keys = (this.keys[i] ??= new Set(set.map(dataKey)));
    const key = dataKey(rr);
    if (keys.has(key)) return false;
    keys.add(key);
    set.push(rr);
    return true;
  }
}

const dataKey = (rr: ResourceRecord) => `${rr.class} ${rdataKey(rr.type, rr.data)}`;

export function validateZone(origin: string, records: readonly ResourceRecord[], options: ZoneValidateOptions = {}): ZoneValidation {
  const sources = new Map(options.sources ?? []);
  // Problems with the record they are about, to be put in the records' order at the end.
  const found: { problem: ZoneProblem; rr?: ResourceRecord }[] = [];
  const report = (kind: ZoneProblemKind, rr: ResourceRecord, reason: string): void => {
    const severity = severityOf(kind);
    const at = sources.get(rr);
    found.push({
      rr,
      problem: {
        code: severity === 'error' ? 'DNS_ZONE_INVALID' : 'DNS_ZONE_WARNING',
        kind, severity, owner: rr.name, type: rr.type, reason,
        ...(at?.file !== undefined && { file: at.file }),
        ...(at !== undefined && { line: at.line }),
      },
    });
  };
  const apex = nameKey(origin);

  // Owners and RRsets; duplicates out.
  const owners = new Map<string, Owner>();
  const kept: ResourceRecord[] = [];
  for (const rr of records) {
    const key = nameKey(rr.name);
    let owner = owners.get(key);
    if (owner === undefined) owners.set(key, (owner = new Owner(rr.name)));
    if (!owner.add(rr)) {
      report('duplicate', rr, `duplicate ${typeToText(rr.type)} record ${rr.name} ${rdataToText(rr.type, rr.data)} collapsed into one`);
      continue;
    }
    kept.push(rr);
    if (rr.ttl > MAX_TTL) report('ttl-range', rr, `TTL ${rr.ttl} of ${rr.name} ${typeToText(rr.type)} is above ${MAX_TTL} (RFC 2181 §8)`);
  }

  // One TTL per RRset: the lowest.
  const lowered = new Map<ResourceRecord, ResourceRecord>();
  for (const owner of owners.values()) {
    for (let t = 0; t < owner.types.length; t++) {
      const type = owner.types[t]!;
      const set = owner.sets[t]!;
      let low = set[0]!.ttl;
      let high = low;
      for (const rr of set) { low = Math.min(low, rr.ttl); high = Math.max(high, rr.ttl); }
      if (low === high) continue;
      report('ttl-mismatch', set[0]!, `the ${typeToText(type)} RRset of ${owner.name} has TTLs from ${low} to ${high}; all get ${low} (RFC 2181 §5.2)`);
      for (let i = 0; i < set.length; i++) {
        const rr = set[i]!;
        if (rr.ttl === low) continue;
        const copy = { ...rr, ttl: low };
        lowered.set(rr, copy);
        const at = sources.get(rr);
        if (at !== undefined) sources.set(copy, at);
        set[i] = copy;
      }
    }
  }

  // The apex.
  const apexOwner = owners.get(apex);
  const soas = apexOwner?.get(RRType.SOA) ?? [];
  if (soas.length === 0) {
    found.push({ problem: { code: 'DNS_ZONE_INVALID', kind: 'no-soa', severity: 'error', owner: origin, type: RRType.SOA, reason: `the zone ${origin} has no SOA record at its apex` } });
  }
  for (const extra of soas.slice(1)) report('multiple-soa', extra, `a second SOA record for ${origin}; a zone has exactly one`);
  if (apexOwner?.get(RRType.NS) === undefined) {
    found.push({
      problem: { code: 'DNS_ZONE_INVALID', kind: 'no-apex-ns', severity: 'error', owner: origin, type: RRType.NS, reason: `the zone ${origin} has no NS records at its apex`, ...(soas[0] && sourceOf(sources, soas[0])) },
      ...(soas[0] && { rr: soas[0] }),
    });
  }
  const zoneClass = soas[0]?.class;
  for (const ds of apexOwner?.get(RRType.DS) ?? []) report('ds-at-apex', ds, `DS at the apex ${origin}: it belongs in the parent zone`);

  // Zone cuts and NS targets.
  const cuts = new Set<string>();
  const targets = new Set<string>();
  for (const [key, owner] of owners) {
    const ns = owner.get(RRType.NS);
    if (ns === undefined) continue;
    if (key !== apex && isSubdomain(key, apex)) cuts.add(key);
    for (const rr of ns) if ('host' in rr.data) targets.add(nameKey(rr.data.host));
  }
  const occluders = new Set(cuts);
  for (const [key, owner] of owners) if (owner.has(RRType.DNAME)) occluders.add(key);
  const hasAddress = (key: string) => {
    const owner = owners.get(key);
    return owner !== undefined && (owner.has(RRType.A) || owner.has(RRType.AAAA));
  };
  const isCname = (key: string) => owners.get(key)?.has(RRType.CNAME) === true;

  for (const [key, owner] of owners) {
    if (!isSubdomain(key, apex)) {
      for (const set of owner.sets) report('out-of-zone', set[0]!, `${owner.name} is not in the zone ${origin}`);
      continue;
    }
    if (zoneClass !== undefined) {
      for (const set of owner.sets) for (const rr of set) if (rr.class !== zoneClass) report('class-mismatch', rr, `class ${rr.class} of ${owner.name} ${typeToText(rr.type)} differs from the SOA's class ${zoneClass}`);
    }

    // Exclusivity at this name.
    const cname = owner.get(RRType.CNAME);
    if (cname !== undefined) {
      if (cname.length > 1) report('multiple-cname', cname[1]!, `${owner.name} has ${cname.length} CNAME records; at most one is allowed`);
      const others = owner.types.filter((t) => t !== RRType.CNAME && !BESIDE_CNAME.has(t));
      if (others.length > 0) report('cname-and-other-data', cname[0]!, `${owner.name} has a CNAME and other data (${others.map(typeToText).join(', ')})`);
    }
    const dname = owner.get(RRType.DNAME);
    if (dname !== undefined && dname.length > 1) report('multiple-dname', dname[1]!, `${owner.name} has ${dname.length} DNAME records; at most one is allowed`);
    for (let t = 0; t < owner.types.length; t++) {
      const type = owner.types[t]!;
      const set = owner.sets[t]!;
      if (type === RRType.SOA && key !== apex) report('soa-not-at-apex', set[0]!, `SOA at ${owner.name}, which is not the apex ${origin}`);
    }

    // Occlusion: the highest DNAME or zone cut above this name (or a cut at it, for types the parent does not own there).
    let occluder: { name: string; dname: boolean } | undefined;
    if (occluders.size > 0) {
      for (let up = key === apex ? undefined : parent(key); up !== undefined; up = up === apex ? undefined : parent(up)) {
        if (occluders.has(up)) occluder = { name: up, dname: !cuts.has(up) || owners.get(up)?.has(RRType.DNAME) === true };
      }
    }
    if (occluder === undefined && cuts.has(key)) occluder = { name: key, dname: false };
    if (occluder !== undefined) {
      for (let t = 0; t < owner.types.length; t++) {
      const type = owner.types[t]!;
      const set = owner.sets[t]!;
        if (occluder.dname) {
          report('below-dname', set[0]!, `${owner.name} ${typeToText(type)} is below the DNAME at ${occluder.name}`);
        } else if (occluder.name === key && AT_CUT.has(type)) {
          // The delegation itself.
        } else if ((type === RRType.A || type === RRType.AAAA) && targets.has(key)) {
          // Glue.
        } else {
          report('below-delegation', set[0]!, `${owner.name} ${typeToText(type)} is ${occluder.name === key ? 'at' : 'below'} the zone cut at ${occluder.name} and is not glue: it is never answered`);
        }
      }
    }

    // NS, MX and SRV targets.
    for (const rr of owner.get(RRType.NS) ?? []) {
      if (!('host' in rr.data)) continue;
      const target = nameKey(rr.data.host);
      if (isCname(target)) report('target-is-cname', rr, `NS target ${rr.data.host} of ${owner.name} is a CNAME`);
      else if (isSubdomain(target, apex) && !hasAddress(target)) {
        report('missing-glue', rr, `NS target ${rr.data.host} of ${owner.name} is in the zone but has no A or AAAA record${key === apex ? '' : ' (glue)'}`);
      }
    }
    for (const rr of owner.get(RRType.MX) ?? []) {
      if ('exchange' in rr.data && isCname(nameKey(rr.data.exchange))) report('target-is-cname', rr, `MX target ${rr.data.exchange} of ${owner.name} is a CNAME`);
    }
    for (const rr of owner.get(RRType.SRV) ?? []) {
      if ('port' in rr.data && isCname(nameKey(rr.data.target))) report('target-is-cname', rr, `SRV target ${rr.data.target} of ${owner.name} is a CNAME`);
    }
  }

  const out: ResourceRecord[] = [];
  for (const rr of kept) out.push(lowered.get(rr) ?? rr);
  return { problems: inRecordOrder(found, records, lowered), records: out, sources };
}

function sourceOf(sources: ReadonlyMap<ResourceRecord, SourcePosition>, rr: ResourceRecord): { file?: string; line?: number } {
  const at = sources.get(rr);
  if (at === undefined) return {};
  return at.file === undefined ? { line: at.line } : { file: at.file, line: at.line };
}

/** Errors first, then warnings; each in the order of the records they are about (zone-wide ones first). */
function inRecordOrder(found: readonly { problem: ZoneProblem; rr?: ResourceRecord }[], records: readonly ResourceRecord[], lowered: ReadonlyMap<ResourceRecord, ResourceRecord>): ZoneProblem[] {
  if (found.length === 0) return [];
  const index = new Map<ResourceRecord, number>();
  records.forEach((rr, i) => index.set(rr, i));
  for (const [original, copy] of lowered) index.set(copy, index.get(original)!);
  const rank = (f: { problem: ZoneProblem; rr?: ResourceRecord }) => (f.problem.severity === 'error' ? 0 : 1) * (records.length + 1) + (f.rr === undefined ? -1 : index.get(f.rr) ?? records.length);
  return found.map((f) => ({ f, r: rank(f) })).sort((a, b) => a.r - b.r).map(({ f }) => f.problem);
}

// The zone rules (zone-validate.ts) a DNS UPDATE could break, checked on the version it
// makes. Applying already keeps the SOA, the apex NS and CNAME exclusivity, and the
// prescan keeps every name in the zone; what is left depends on what was touched:
//   - an update that changes NS, DNAME or DS records may move zone cuts, occlusion and
//     glue anywhere below: the whole zone is validated;
//   - any other update can break three rules only, checked at the names it touched:
//     a TTL above 2^31 − 1, data below a DNAME, and an in-zone NS target (at the apex or
//     a cut) left without an address.
// So the common update (A, AAAA, PTR, TXT, DHCID, SRV…) costs the size of the change,
// not of the zone. Pure.
import { parent } from '../../../wire/dns/name.js';
import { RRType } from '../../../wire/dns/types.js';
import { typeToText } from '../zone-file/mnemonics.js';
import { formatZoneProblem, type ZoneProblem } from '../zone-problem.js';
import { MAX_TTL, validateZone } from '../zone-validate.js';
import type { RRset, Zone } from '../zone.js';

export interface RuleCheck {
  /** Why the new version breaks a rule; empty when it is fit to serve. */
  readonly errors: readonly string[];
  /** The whole zone's warnings, when it was validated whole. */
  readonly warnings: readonly ZoneProblem[];
}

const STRUCTURAL: readonly number[] = [RRType.NS, RRType.DNAME, RRType.DS];

export function checkUpdatedZone(before: Zone, after: Zone, touched: ReadonlySet<string>): RuleCheck {
  const structural = [...touched].some((key) => STRUCTURAL.some((t) => changed(before.node(key)?.rrsets.get(t), after.node(key)?.rrsets.get(t))));
  if (structural) {
    const problems = validateZone(after.origin, after.records()).problems;
    return { errors: problems.filter((p) => p.severity === 'error').map(formatZoneProblem), warnings: problems };
  }
  const errors: string[] = [];
  for (const key of touched) {
    const node = after.node(key);
    if (node) {
      for (const set of node.rrsets.values()) if (set.ttl > MAX_TTL) errors.push(`TTL ${set.ttl} of ${node.name} ${typeToText(set.type)} is above ${MAX_TTL} (RFC 2181 §8)`);
      const dname = highestDname(after, key);
      if (dname !== undefined) errors.push(`${node.name} is below the DNAME at ${dname}`);
    }
    if (hasAddress(before, key) && !hasAddress(after, key) && after.isNsTarget(key)) {
      errors.push(`${before.node(key)!.name} is an NS target in the zone and would have no A or AAAA record`);
    }
  }
  return { errors, warnings: [] };
}

/** Whether an RRset differs between versions (apply copies the data of the owners it touches, keeping each record's data object). */
function changed(a: RRset | undefined, b: RRset | undefined): boolean {
  if (a === undefined || b === undefined) return a !== b;
  return a.ttl !== b.ttl || a.data.length !== b.data.length || a.data.some((d, i) => d !== b.data[i]);
}

/** The DNAME that occludes `key`, as zone-validate.ts finds it: the highest cut or DNAME above it, when that has a DNAME. */
function highestDname(zone: Zone, key: string): string | undefined {
  let occluder: { key: string; dname: boolean } | undefined;
  for (let up = key === zone.originKey ? undefined : parent(key); up !== undefined; up = up === zone.originKey ? undefined : parent(up)) {
    if (zone.isCut(up) || zone.hasDname(up)) occluder = { key: up, dname: zone.hasDname(up) };
  }
  return occluder?.dname ? zone.node(occluder.key)!.name : undefined;
}

function hasAddress(zone: Zone, key: string): boolean {
  const sets = zone.node(key)?.rrsets;
  return sets !== undefined && (sets.has(RRType.A) || sets.has(RRType.AAAA));
}

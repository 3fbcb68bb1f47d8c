// Authoritative lookup in one zone snapshot (RFC 1034 §4.3.2 step 3, wildcards by
// RFC 4592, DNAME by RFC 6672, negative answers by RFC 2308, ANY by RFC 8482).
// Pure: a Zone and a question in, the sections of the answer out. The response
// builder (respond.ts) adds the header, EDNS and truncation.
import { Rcode, RRType, type RData, type ResourceRecord, type SOAData } from '../../wire/dns/types.js';
import { isSubdomain, joinNames, labelCount, leadingLabels, nameKey, parent } from '../../wire/dns/name.js';
import { recordsOf, type RRset, type Zone, type ZoneNode } from './zone.js';

/** What the lookup found, for metrics and logs; the fixed set of outcomes of the query path. */
export type LookupOutcome = 'answer' | 'wildcard' | 'cname' | 'referral' | 'nodata' | 'nxdomain' | 'yxdomain';

export interface LookupResult {
  readonly outcome: LookupOutcome;
  readonly rcode: number;
  /** Authoritative answer: false for a referral without anything we answered ourselves. */
  readonly aa: boolean;
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  readonly additionals: readonly ResourceRecord[];
}

export interface LookupOptions {
  /** RFC 8482: false (UDP) answers ANY with one RRset of the name; true (TCP) with all. */
  readonly anyInFull: boolean;
}

/** CNAME and DNAME hops followed inside a zone before the answer stops where it is. */
export const MAX_CHAIN = 16;

const target = (data: RData): string => (data as { target: string }).target;

export function lookup(zone: Zone, qname: string, qtype: number, opts: LookupOptions): LookupResult {
  const answers: ResourceRecord[] = [];
  const seen = new Set<string>();
  let name = qname;
  for (let hop = 0; ; hop++) {
    const key = nameKey(name);
    // A chain leaving the zone, looping or too long ends here: the resolver follows it.
    if (hop > 0 && (!isSubdomain(key, zone.originKey) || seen.has(key) || hop > MAX_CHAIN)) return done('cname', Rcode.NOERROR, answers);
    seen.add(key);

    // Top down from the apex: a DNAME above the name, or a delegation above or at it, decides first.
    let redirect: string | undefined;
    for (const a of [zone.originKey, ...ancestorsBelowApex(key, zone.originKey)]) {
      if (a !== key && zone.hasDname(a)) {
        const dname = zone.node(a)!.rrsets.get(RRType.DNAME)!;
        answers.push(...recordsOf(dname));
        redirect = joinNames(leadingLabels(name, labelCount(name) - labelCount(dname.name)), target(dname.data[0]!));
        if (redirect === undefined) return done('yxdomain', Rcode.YXDOMAIN, answers);
        answers.push({ name, type: RRType.CNAME, class: dname.class, ttl: dname.ttl, data: { target: redirect } });
        break;
      }
      if (a !== zone.originKey && zone.isCut(a) && !(a === key && qtype === RRType.DS)) return referral(zone, zone.node(a)!, answers);
    }
    if (redirect !== undefined) {
      // Asked for the CNAME itself: the synthesized one is the answer.
      if (qtype === RRType.CNAME) return done(hop === 0 ? 'answer' : 'cname', Rcode.NOERROR, answers);
      name = redirect;
      continue;
    }

    let node = zone.node(key);
    let outcome: LookupOutcome = hop === 0 ? 'answer' : 'cname';
    if (!node) {
      if (zone.exists(key)) return negative(zone, 'nodata', Rcode.NOERROR, answers);
      node = wildcardFor(zone, key);
      if (!node) return negative(zone, 'nxdomain', Rcode.NXDOMAIN, answers);
      if (hop === 0) outcome = 'wildcard';
    }
    // Records of a wildcard take the asked name as owner; others too (the case the client used).
    const owner = name;
    if (qtype === RRType.ANY) {
      const sets = [...node.rrsets.values()];
      if (sets.length === 0) return negative(zone, 'nodata', Rcode.NOERROR, answers);
      for (const set of opts.anyInFull ? sets : sets.slice(0, 1)) answers.push(...recordsOf(set, owner));
      return done(outcome, Rcode.NOERROR, answers);
    }
    const set = node.rrsets.get(qtype);
    if (set) {
      answers.push(...recordsOf(set, owner));
      return done(outcome, Rcode.NOERROR, answers);
    }
    const cname = node.rrsets.get(RRType.CNAME);
    if (cname && qtype !== RRType.CNAME) {
      answers.push(...recordsOf(cname, owner));
      name = target(cname.data[0]!);
      continue;
    }
    return negative(zone, 'nodata', Rcode.NOERROR, answers);
  }
}

/** Keys from just below the apex down to `key` itself (empty for the apex). */
function ancestorsBelowApex(key: string, originKey: string): string[] {
  const path: string[] = [];
  for (let k: string | undefined = key; k !== undefined && k !== originKey; k = parent(k)) path.push(k);
  return path.reverse();
}

/** RFC 4592 §3.3.1: the source of synthesis under the closest encloser, if the zone has one. */
function wildcardFor(zone: Zone, key: string): ZoneNode | undefined {
  let encloser = parent(key);
  while (encloser !== undefined && !zone.exists(encloser)) encloser = parent(encloser);
  if (encloser === undefined) return undefined;
  return zone.node(encloser === '.' ? '*.' : `*.${encloser}`);
}

function done(outcome: LookupOutcome, rcode: number, answers: ResourceRecord[]): LookupResult {
  return { outcome, rcode, aa: true, answers, authorities: [], additionals: [] };
}

/** NXDOMAIN or NODATA: the zone's SOA in authority, its TTL capped by the SOA minimum (RFC 2308 §3). */
function negative(zone: Zone, outcome: 'nodata' | 'nxdomain', rcode: number, answers: ResourceRecord[]): LookupResult {
  const soa = zone.soa;
  const ttl = Math.min(soa.ttl, (soa.data as SOAData).minimum);
  return { outcome, rcode, aa: true, answers, authorities: [{ ...soa, ttl }], additionals: [] };
}

/** A delegation: the cut's NS in authority, the addresses of its in-zone name servers as glue. */
function referral(zone: Zone, cut: ZoneNode, answers: ResourceRecord[]): LookupResult {
  const ns = cut.rrsets.get(RRType.NS)!;
  const additionals: ResourceRecord[] = [];
  for (const data of ns.data) {
    const host = (data as { host: string }).host;
    const hostKey = nameKey(host);
    if (!isSubdomain(hostKey, zone.originKey)) continue;
    const node = zone.node(hostKey);
    for (const type of [RRType.A, RRType.AAAA]) {
      const set: RRset | undefined = node?.rrsets.get(type);
      if (set) additionals.push(...recordsOf(set));
    }
  }
  // Anything answered before the delegation (a CNAME into it) stays authoritative.
  return { outcome: 'referral', rcode: Rcode.NOERROR, aa: answers.length > 0, answers, authorities: recordsOf(ns), additionals };
}

// The difference between two versions of a zone (IXFR, RFC 1995 §4): the records the
// old version has and the new one lacks (deleted), and the reverse (added), the SOA
// of each version apart. A record is its owner, type, class, TTL and data: a TTL that
// changed is a deletion and an addition, so a secondary applying the difference ends
// with exactly the new version. Owner and RDATA names compare without case
// (RFC 4343); a change of case alone is not a difference.
import { nameKey } from '../../wire/dns/name.js';
import { encodeRdata, rdataEqual } from '../../wire/dns/rdata.js';
import { RRType, type ResourceRecord, type SOAData, type TypedRecord } from '../../wire/dns/types.js';
import { recordsOf, type RRset, type Zone } from './zone.js';

export type SoaRecord = TypedRecord<typeof RRType.SOA>;

export interface ZoneDiff {
  /** The SOA of the version the difference starts from. */
  readonly from: SoaRecord;
  /** The SOA of the version it leads to. */
  readonly to: SoaRecord;
  readonly deleted: readonly ResourceRecord[];
  readonly added: readonly ResourceRecord[];
}

export const soaSerial = (soa: SoaRecord): number => (soa.data as SOAData).serial;

/** What turns `before` into `after` (both of one zone). */
export function diffZones(before: Zone, after: Zone): ZoneDiff {
  const deleted: ResourceRecord[] = [];
  const added: ResourceRecord[] = [];
  const keys = new Set<string>();
  for (const set of after.rrsets()) keys.add(nameKey(set.name));
  for (const set of before.rrsets()) keys.add(nameKey(set.name));
  for (const key of keys) diffOwner(before, after, key, deleted, added);
  return { from: before.soa, to: after.soa, deleted, added };
}

/** What turns `before` into `after` when they differ only at the owners `keys` (a DNS UPDATE's). */
export function diffOwners(before: Zone, after: Zone, keys: Iterable<string>): ZoneDiff {
  const deleted: ResourceRecord[] = [];
  const added: ResourceRecord[] = [];
  for (const key of keys) diffOwner(before, after, key, deleted, added);
  return { from: before.soa, to: after.soa, deleted, added };
}

/** The records of one owner that differ, the apex SOA apart. */
function diffOwner(before: Zone, after: Zone, key: string, deleted: ResourceRecord[], added: ResourceRecord[]): void {
  const old = before.node(key)?.rrsets;
  const now = after.node(key)?.rrsets;
  const apex = key === after.originKey;
  for (const [type, set] of now ?? []) {
    if (apex && type === RRType.SOA) continue;
    const was = old?.get(type);
    if (!was) added.push(...recordsOf(set));
    else if (was !== set && !sameRRset(was, set)) changes(was, set, deleted, added);
  }
  for (const [type, set] of old ?? []) {
    if (apex && type === RRType.SOA) continue;
    if (!now?.has(type)) deleted.push(...recordsOf(set));
  }
}

/** Same TTL and the same data in the same order: the common case, checked without keys. */
function sameRRset(a: RRset, b: RRset): boolean {
  if (a.ttl !== b.ttl || a.class !== b.class || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!rdataEqual(a.type, a.data[i]!, b.data[i]!)) return false;
  return true;
}

function changes(old: RRset, now: RRset, deleted: ResourceRecord[], added: ResourceRecord[]): void {
  if (old.ttl !== now.ttl || old.class !== now.class) {
    deleted.push(...recordsOf(old));
    added.push(...recordsOf(now));
    return;
  }
  const key = (d: RRset['data'][number]) => encodeRdata(old.type, d).toString('latin1');
  const oldKeys = new Set(old.data.map(key));
  const newKeys = new Set(now.data.map(key));
  const remaining = now.data.filter((d) => !oldKeys.has(key(d)));
  for (const d of old.data) {
    // Equal but for the case of a name in it: not a change.
    if (newKeys.has(key(d)) || now.data.some((n) => rdataEqual(old.type, d, n))) continue;
    deleted.push({ name: old.name, type: old.type, class: old.class, ttl: old.ttl, data: d });
  }
  for (const d of remaining) {
    if (old.data.some((o) => rdataEqual(old.type, o, d))) continue;
    added.push({ name: now.name, type: now.type, class: now.class, ttl: now.ttl, data: d });
  }
}

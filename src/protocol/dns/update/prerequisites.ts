// The prerequisite section of a DNS UPDATE (RFC 2136 §2.4, checked as §3.2 says),
// against the zone version the update would change. Each record is one test: class ANY
// "in use" (type ANY: the name owns a record; else the RRset exists), class NONE "not
// in use", the zone's class "this RRset exists with exactly these data" (the records of
// one name and type gathered first, compared as sets, TTLs ignored). The first test to
// fail decides the answer. Pure.
import { isSubdomain, nameKey } from '../../../wire/dns/name.js';
import { isOpaque, rdataEqual } from '../../../wire/dns/rdata.js';
import { Rcode, RRClass, RRType, type RData, type ResourceRecord } from '../../../wire/dns/types.js';
import { isMetaType } from '../zone-file/mnemonics.js';
import type { Zone } from '../zone.js';

/** Why the prerequisites failed: the rcode and the record that failed, for the log. */
export interface PrerequisiteFailure {
  readonly rcode: number;
  readonly record: ResourceRecord;
  readonly reason: string;
}

/** undefined when every prerequisite holds. */
export function checkPrerequisites(zone: Zone, zoneClass: number, records: readonly ResourceRecord[]): PrerequisiteFailure | undefined {
  const expected = new Map<string, { record: ResourceRecord; data: RData[] }>();
  for (const rr of records) {
    const fail = (rcode: number, reason: string): PrerequisiteFailure => ({ rcode, record: rr, reason });
    if (rr.ttl !== 0) return fail(Rcode.FORMERR, 'a prerequisite must have TTL 0');
    const key = nameKey(rr.name);
    if (!isSubdomain(key, zone.originKey)) return fail(Rcode.NOTZONE, `${rr.name} is not in ${zone.origin}`);
    const node = zone.node(key);
    if (rr.class === RRClass.ANY || rr.class === RRClass.NONE) {
      if (!isEmpty(rr.data)) return fail(Rcode.FORMERR, `a class ${rr.class === RRClass.ANY ? 'ANY' : 'NONE'} prerequisite must have no data`);
      const inUse = rr.type === RRType.ANY ? node !== undefined && node.rrsets.size > 0 : node?.rrsets.has(rr.type) === true;
      if (rr.class === RRClass.ANY && !inUse) return rr.type === RRType.ANY ? fail(Rcode.NXDOMAIN, 'the name is not in use') : fail(Rcode.NXRRSET, 'the RRset does not exist');
      if (rr.class === RRClass.NONE && inUse) return rr.type === RRType.ANY ? fail(Rcode.YXDOMAIN, 'the name is in use') : fail(Rcode.YXRRSET, 'the RRset exists');
    } else if (rr.class === zoneClass) {
      if (isMetaType(rr.type)) return fail(Rcode.FORMERR, `type ${rr.type} cannot be a value-dependent prerequisite`);
      const at = `${key}|${rr.type}`;
      const set = expected.get(at);
      if (!set) expected.set(at, { record: rr, data: [rr.data] });
      else if (!set.data.some((d) => rdataEqual(rr.type, d, rr.data))) set.data.push(rr.data);
    } else {
      return fail(Rcode.FORMERR, `class ${rr.class} is neither the zone's, ANY nor NONE`);
    }
  }
  for (const { record, data } of expected.values()) {
    const have = zone.node(nameKey(record.name))?.rrsets.get(record.type)?.data ?? [];
    const same = have.length === data.length && data.every((d) => have.some((h) => rdataEqual(record.type, h, d)));
    if (!same) return { rcode: Rcode.NXRRSET, record, reason: 'the RRset does not have exactly these data' };
  }
  return undefined;
}

export function isEmpty(data: RData): boolean {
  return isOpaque(data) && data.opaque.length === 0;
}

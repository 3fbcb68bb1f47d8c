// The update section of a DNS UPDATE (RFC 2136 §2.5): checked whole first (§3.4.1
// prescan: every record in the zone and well formed, or nothing is done), then applied
// in order to a copy of the zone version (§3.4.2): class IN adds a record, class ANY
// deletes an RRset (type ANY: every RRset of the name), class NONE deletes one record.
// The RFC's silent skips hold: a CNAME never joins other data nor other data a CNAME;
// the SOA is only replaced by a newer serial; the apex SOA and NS are never deleted
// whole, nor the apex's last NS. An added record with a TTL other than its RRset's
// gives the whole RRset that TTL (RFC 2181 §5.2, as BIND does). When anything changed
// and the update did not itself raise the serial, it is raised by one (§3.6). Only the
// owners the update names are copied: the new version shares every other node with the
// old one (Zone.patch), so an update costs the size of what it changes. Pure.
import { isSubdomain, nameKey } from '../../../wire/dns/name.js';
import { rdataEqual } from '../../../wire/dns/rdata.js';
import { Rcode, RRClass, RRType, type RData, type ResourceRecord, type SOAData } from '../../../wire/dns/types.js';
import { serialAdd, serialGreater } from '../serial.js';
import { isMetaType } from '../zone-file/mnemonics.js';
import { BESIDE_CNAME } from '../zone-validate.js';
import type { RRset, Zone, ZoneNode } from '../zone.js';
import { isEmpty } from './prerequisites.js';

export interface PrescanFailure {
  readonly rcode: number;
  readonly record: ResourceRecord;
  readonly reason: string;
}

/** RFC 2136 §3.4.1: undefined when every update record may be applied. */
export function prescanUpdates(zone: Zone, zoneClass: number, updates: readonly ResourceRecord[]): PrescanFailure | undefined {
  for (const rr of updates) {
    const fail = (rcode: number, reason: string): PrescanFailure => ({ rcode, record: rr, reason });
    if (!isSubdomain(nameKey(rr.name), zone.originKey)) return fail(Rcode.NOTZONE, `${rr.name} is not in ${zone.origin}`);
    if (rr.class === zoneClass) {
      if (isMetaType(rr.type)) return fail(Rcode.FORMERR, `type ${rr.type} cannot be added`);
    } else if (rr.class === RRClass.ANY) {
      if (rr.ttl !== 0 || !isEmpty(rr.data)) return fail(Rcode.FORMERR, 'an RRset deletion must have TTL 0 and no data');
      if (isMetaType(rr.type) && rr.type !== RRType.ANY) return fail(Rcode.FORMERR, `type ${rr.type} cannot be deleted`);
    } else if (rr.class === RRClass.NONE) {
      if (rr.ttl !== 0) return fail(Rcode.FORMERR, 'a record deletion must have TTL 0');
      if (isMetaType(rr.type)) return fail(Rcode.FORMERR, `type ${rr.type} cannot be deleted by record`);
    } else {
      return fail(Rcode.FORMERR, `class ${rr.class} is neither the zone's, ANY nor NONE`);
    }
  }
  return undefined;
}

interface WorkingSet {
  ttl: number;
  data: RData[];
}

interface WorkingOwner {
  readonly name: string;
  readonly sets: Map<number, WorkingSet>;
}

export interface AppliedUpdate {
  /** The new version (the SOA with its new serial), when a record changed; else undefined (the version stays, serial and all). */
  readonly zone?: Zone;
  /** The owners the update rewrote, by key (their nodes in the new version; the others are shared with the old). */
  readonly touched: ReadonlySet<string>;
}

/** Applies prescanned `updates` to `zone`: copies of the owners it touches, patched into a new version. */
export function applyUpdates(zone: Zone, zoneClass: number, updates: readonly ResourceRecord[]): AppliedUpdate {
  const owners = new Map<string, WorkingOwner | undefined>();
  /** The working copy of an owner, made from the zone's node the first time (undefined: the name owns nothing). */
  const ownerAt = (key: string): WorkingOwner | undefined => {
    if (owners.has(key)) return owners.get(key);
    const node = zone.node(key);
    const owner = node && { name: node.name, sets: new Map([...node.rrsets].map(([type, set]) => [type, { ttl: set.ttl, data: [...set.data] }])) };
    owners.set(key, owner);
    return owner;
  };
  const apex = zone.originKey;
  let changed = false;
  for (const rr of updates) {
    const key = nameKey(rr.name);
    const owner = ownerAt(key);
    if (rr.class === zoneClass) {
      changed = add(owners, owner, key, apex, rr) || changed;
    } else if (rr.class === RRClass.ANY) {
      if (!owner) continue;
      for (const type of rr.type === RRType.ANY ? [...owner.sets.keys()] : [rr.type]) {
        if (key === apex && (type === RRType.SOA || type === RRType.NS)) continue;
        changed = owner.sets.delete(type) || changed;
      }
    } else {
      const set = owner?.sets.get(rr.type);
      if (!owner || !set || rr.type === RRType.SOA) continue;
      if (rr.type === RRType.NS && key === apex && set.data.length === 1) continue;
      const at = set.data.findIndex((d) => rdataEqual(rr.type, d, rr.data));
      if (at < 0) continue;
      set.data.splice(at, 1);
      if (set.data.length === 0) owner.sets.delete(rr.type);
      changed = true;
    }
  }
  if (!changed) return { touched: new Set() };
  const soa = ownerAt(apex)!.sets.get(RRType.SOA)!;
  const soaData = soa.data[0] as SOAData;
  if (soaData.serial === zone.serial) soa.data = [{ ...soaData, serial: serialAdd(zone.serial, 1) }];
  const changes = new Map<string, ZoneNode | undefined>();
  for (const [key, owner] of owners) {
    if (!owner) continue;
    const rrsets = new Map<number, RRset>();
    for (const [type, set] of owner.sets) rrsets.set(type, { name: owner.name, type, class: zoneClass, ttl: set.ttl, data: set.data });
    changes.set(key, rrsets.size > 0 ? { name: owner.name, rrsets } : undefined);
  }
  return { zone: zone.patch(changes), touched: new Set(changes.keys()) };
}

/** One added record (§3.4.2.2); true when the zone changed. */
function add(owners: Map<string, WorkingOwner | undefined>, found: WorkingOwner | undefined, key: string, apex: string, rr: ResourceRecord): boolean {
  let owner = found;
  if (rr.type === RRType.SOA) {
    const set = owner?.sets.get(RRType.SOA);
    if (key !== apex || !set || !serialGreater((rr.data as SOAData).serial, (set.data[0] as SOAData).serial)) return false;
    set.data = [rr.data];
    set.ttl = rr.ttl;
    return true;
  }
  if (owner) {
    const hasCname = owner.sets.has(RRType.CNAME);
    if (rr.type === RRType.CNAME ? [...owner.sets.keys()].some((t) => t !== RRType.CNAME && !BESIDE_CNAME.has(t)) : hasCname && !BESIDE_CNAME.has(rr.type)) return false;
  } else {
    owners.set(key, (owner = { name: rr.name, sets: new Map() }));
  }
  const set = owner.sets.get(rr.type);
  if (!set) {
    owner.sets.set(rr.type, { ttl: rr.ttl, data: [rr.data] });
    return true;
  }
  if (rr.type === RRType.CNAME) {
    // A name has one CNAME: the new one replaces it.
    if (set.ttl === rr.ttl && set.data.length === 1 && rdataEqual(rr.type, set.data[0]!, rr.data)) return false;
    owner.sets.set(rr.type, { ttl: rr.ttl, data: [rr.data] });
    return true;
  }
  const known = set.data.some((d) => rdataEqual(rr.type, d, rr.data));
  if (known && set.ttl === rr.ttl) return false;
  if (!known) set.data.push(rr.data);
  set.ttl = rr.ttl;
  return true;
}

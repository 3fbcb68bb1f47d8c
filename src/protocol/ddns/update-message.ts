// The DNS UPDATE messages (RFC 2136) of one change, following RFC 4703 §5 with
// DHCID records (RFC 4701) as the guard (Kea's "check-with-dhcid"):
//
//   add, forward   1. prerequisite: the name is not in use (NONE ANY) → add A, add DHCID
//                  2. if YXDOMAIN: prerequisite: DHCID = ours (IN DHCID rdata)
//                     → delete the A RRset, add A          (NXRRSET: another client's name)
//   add, reverse   delete the PTR RRset at the address's name, add PTR
//   remove, fwd    prerequisite: DHCID = ours → delete the A RRset, delete the DHCID RRset
//   remove, rev    delete the one PTR record naming our name (class NONE)
//
// The zone section names the zone (type SOA); prerequisites are the answer section,
// updates the authority section (RFC 2136 §2). Empty RDATA in classes ANY and NONE as
// §2.4–2.5 say; DHCID as opaque bytes.
import { Opcode, RRClass, RRType, DHCID_TYPE, type DnsMessage, type ResourceRecord } from '../../wire/dns/index.js';
import type { DnsChange } from './change.js';
import { reverseName } from './name.js';

export type UpdateStep = 'add-forward' | 'replace-forward' | 'add-reverse' | 'remove-forward' | 'remove-reverse';

const EMPTY = Buffer.alloc(0);
const rr = (name: string, type: number, cls: number, ttl: number, data: ResourceRecord['data']): ResourceRecord => ({ name, type, class: cls, ttl, data });
const empty = (name: string, type: number, cls: number) => rr(name, type, cls, 0, { opaque: EMPTY });

export function updateMessage(id: number, zone: string, prerequisites: readonly ResourceRecord[], updates: readonly ResourceRecord[]): DnsMessage {
  return {
    id,
    flags: { qr: false, opcode: Opcode.UPDATE, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
    rcode: 0,
    questions: [{ name: zone, type: RRType.SOA, class: RRClass.IN }],
    answers: prerequisites,
    authorities: updates,
    additionals: [],
  };
}

/** The message of one step of a change. */
export function stepMessage(step: UpdateStep, c: DnsChange, id: number): DnsMessage {
  const dhcid = Buffer.from(c.dhcid, 'base64');
  const a = rr(c.fqdn, RRType.A, RRClass.IN, c.ttl, { address: c.address });
  const ours = rr(c.fqdn, DHCID_TYPE, RRClass.IN, 0, { opaque: dhcid });
  const ptrName = reverseName(c.address);
  switch (step) {
    case 'add-forward':
      return updateMessage(id, c.forwardZone, [empty(c.fqdn, RRType.ANY, RRClass.NONE)], [a, rr(c.fqdn, DHCID_TYPE, RRClass.IN, c.ttl, { opaque: dhcid })]);
    case 'replace-forward':
      return updateMessage(id, c.forwardZone, [ours], [empty(c.fqdn, RRType.A, RRClass.ANY), a]);
    case 'remove-forward':
      return updateMessage(id, c.forwardZone, [ours], [empty(c.fqdn, RRType.A, RRClass.ANY), empty(c.fqdn, DHCID_TYPE, RRClass.ANY)]);
    case 'add-reverse':
      return updateMessage(id, c.reverseZone!, [], [empty(ptrName, RRType.PTR, RRClass.ANY), rr(ptrName, RRType.PTR, RRClass.IN, c.ttl, { host: c.fqdn })]);
    case 'remove-reverse':
      return updateMessage(id, c.reverseZone!, [], [rr(ptrName, RRType.PTR, RRClass.NONE, 0, { host: c.fqdn })]);
  }
}

// A DNS UPDATE message (RFC 2136) judged in two steps (docs/dns.md "DNS UPDATE"):
//
//   routeUpdate     the zone section (§3.1): one SOA question naming a zone we serve,
//                   else FORMERR or NOTAUTH; a secondary's zone is forwarded to its
//                   primary (§6) or REFUSED; a primary's is REFUSED unless a grant of
//                   the zone names the key the update was signed with.
//   evaluateUpdate  on the zone version the update would change (the caller runs the
//                   updates of one zone one after the other): prerequisites (§3.2),
//                   permission per record (§3.3), prescan (§3.4.1), then the records
//                   applied (§3.4.2), and the new version checked against the zone
//                   rules it could break (zone-rules.ts) — if it would, REFUSED.
//
// Pure: the caller verified the TSIG, journals and swaps in the new version, answers.
import { nameKey } from '../../../wire/dns/name.js';
import { Opcode, Rcode, RRClass, RRType, type DnsMessage, type ResourceRecord } from '../../../wire/dns/types.js';
import { classToText, typeToText } from '../zone-file/mnemonics.js';
import type { ZoneProblem } from '../zone-problem.js';
import type { Zone } from '../zone.js';
import type { ServedZone } from '../zone-set.js';
import { applyUpdates, prescanUpdates } from './apply.js';
import type { UpdatePolicy } from './policy.js';
import { checkPrerequisites } from './prerequisites.js';
import { checkUpdatedZone } from './zone-rules.js';

/** An update ended without a change: its rcode and why (for the log). */
export interface UpdateVerdict {
  readonly kind: 'answer';
  readonly rcode: number;
  readonly reason: string;
  readonly zone?: string;
}

export type UpdateRoute = UpdateVerdict | { readonly kind: 'forward'; readonly zone: string } | { readonly kind: 'evaluate'; readonly zone: string };

export type UpdateEvaluation = UpdateVerdict | { readonly kind: 'change'; readonly zone: Zone; readonly touched: ReadonlySet<string>; readonly warnings: readonly ZoneProblem[] };

const answer = (rcode: number, reason: string, zone?: string): UpdateVerdict => ({ kind: 'answer', rcode, reason, ...(zone ? { zone } : {}) });

/** Where an UPDATE goes, from its zone section (before its TSIG is checked: a forwarded update is the primary's to check). */
export function routeUpdate(message: DnsMessage, find: (origin: string) => ServedZone | undefined): UpdateRoute {
  if (message.questions.length !== 1) return answer(Rcode.FORMERR, `the zone section has ${message.questions.length} records, not 1`);
  const q = message.questions[0]!;
  if (q.type !== RRType.SOA) return answer(Rcode.FORMERR, `the zone section's type is ${q.type}, not SOA`);
  if (message.edns && message.edns.version > 0) return answer(Rcode.BADVERS, `EDNS version ${message.edns.version}`);
  const target = q.class === RRClass.IN ? find(q.name) : undefined;
  if (!target || target.zone.originKey !== nameKey(q.name)) return answer(Rcode.NOTAUTH, `not authoritative for ${q.name}`);
  const zone = target.zone.origin;
  if (target.role === 'secondary') return target.forwardUpdates ? { kind: 'forward', zone } : answer(Rcode.REFUSED, 'a secondary zone, forwardUpdates is off', zone);
  return { kind: 'evaluate', zone };
}

/** The update, signed with `tsigKey` (verified; undefined: unsigned), applied to `zone` (a primary routeUpdate sent here), or why not. */
export function evaluateUpdate(message: DnsMessage, zone: Zone, policy: UpdatePolicy, tsigKey: string | undefined): UpdateEvaluation {
  const origin = zone.origin;
  const zoneClass = RRClass.IN;
  if (!policy.knows(tsigKey)) {
    return answer(Rcode.REFUSED, tsigKey === undefined ? 'unsigned (allowUpdate grants signed updates only)' : `no allowUpdate grant for key ${tsigKey}`, origin);
  }
  const prereq = checkPrerequisites(zone, zoneClass, message.answers);
  if (prereq) return answer(prereq.rcode, `prerequisite ${describe(prereq.record)}: ${prereq.reason}`, origin);
  const denied = message.authorities.find((rr) => !permitted(zone, policy, tsigKey, rr));
  if (denied) return answer(Rcode.REFUSED, `key ${tsigKey} may not change ${describe(denied)}`, origin);
  const prescan = prescanUpdates(zone, zoneClass, message.authorities);
  if (prescan) return answer(prescan.rcode, `update ${describe(prescan.record)}: ${prescan.reason}`, origin);
  const applied = applyUpdates(zone, zoneClass, message.authorities);
  if (!applied.zone) return answer(Rcode.NOERROR, 'nothing to change', origin);
  const rules = checkUpdatedZone(zone, applied.zone, applied.touched);
  if (rules.errors.length > 0) return answer(Rcode.REFUSED, `the zone would break a rule: ${rules.errors.join('; ')}`, origin);
  return { kind: 'change', zone: applied.zone, touched: applied.touched, warnings: rules.warnings };
}

/** §3.3 per record: an RRset deletion of type ANY needs every type the name has (but the apex SOA and NS, never deleted). */
function permitted(zone: Zone, policy: UpdatePolicy, tsigKey: string | undefined, rr: ResourceRecord): boolean {
  const owner = nameKey(rr.name);
  const apex = zone.originKey;
  if (rr.class !== RRClass.ANY || rr.type !== RRType.ANY) return policy.allows(tsigKey, owner, rr.type, apex);
  const types = [...(zone.node(owner)?.rrsets.keys() ?? [])].filter((t) => !(owner === apex && (t === RRType.SOA || t === RRType.NS)));
  return types.length > 0 ? types.every((t) => policy.allows(tsigKey, owner, t, apex)) : policy.allowsName(tsigKey, owner);
}

/** The answer to an UPDATE: id and opcode echoed, the zone section, no other records. */
export function updateResponse(message: DnsMessage, rcode: number, udpSize: number): DnsMessage {
  return {
    id: message.id,
    flags: { qr: true, opcode: Opcode.UPDATE, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
    rcode,
    questions: message.questions.slice(0, 1),
    answers: [],
    authorities: [],
    additionals: [],
    ...(message.edns ? { edns: { udpSize, version: 0, do: false, z: 0, options: [] } } : {}),
  };
}

function describe(rr: ResourceRecord): string {
  return `${rr.name} ${classToText(rr.class)} ${typeToText(rr.type)}`;
}

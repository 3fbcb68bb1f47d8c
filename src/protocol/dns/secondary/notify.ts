// An incoming NOTIFY (RFC 1996): checked and answered here, acted on by the zone's
// driver (a NOTIFY is a refresh-timer expiry, §3.7/§3.11). Pure: the decoded message
// and its source in, the response and the verdict out.
//
//   - one question, of type SOA (§3.7) — else FORMERR / NOTIMP;
//   - a zone this server is a secondary of — else NOTAUTH (as BIND and Knot answer);
//   - from one of the zone's configured primaries (§3.10), and passing the TSIG check
//     of that primary — else REFUSED;
//   - the answer echoes id, opcode and question, AA set (§3.7); NOERROR.
import { Opcode, Rcode, RRType, hasType, type DnsMessage } from '../../../wire/dns/types.js';
import { namesEqual } from '../../../wire/dns/name.js';
import { plainAddress, type PrimaryServer } from './primary.js';

export interface NotifyZone {
  readonly origin: string;
  readonly primaries: readonly PrimaryServer[];
}

export type NotifyVerdict =
  | { readonly kind: 'accepted'; readonly zone: string; readonly primary: PrimaryServer; readonly serial?: number }
  | { readonly kind: 'refused'; readonly zone?: string; readonly reason: string };

export interface NotifyAnswer {
  readonly response: DnsMessage;
  readonly verdict: NotifyVerdict;
}

/**
 * The answer to a NOTIFY from `source`, or undefined for a NOTIFY response (QR set:
 * nothing to answer). `find` gives the secondary zone a name is the apex of;
 * `accept` is the TSIG check for the matching primary (true, or false / the reason it fails).
 */
export function answerNotify(m: DnsMessage, source: string, find: (name: string) => NotifyZone | undefined, accept: (p: PrimaryServer) => boolean | string): NotifyAnswer | undefined {
  if (m.flags.qr || m.flags.opcode !== Opcode.NOTIFY) return undefined;
  const q = m.questions[0];
  const answer = (rcode: number, verdict: NotifyVerdict): NotifyAnswer => ({
    verdict,
    response: {
      id: m.id,
      flags: { qr: true, opcode: Opcode.NOTIFY, aa: rcode === Rcode.NOERROR, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
      rcode,
      questions: m.questions.slice(0, 1),
      answers: [],
      authorities: [],
      additionals: [],
    },
  });
  if (m.questions.length !== 1 || !q) return answer(Rcode.FORMERR, { kind: 'refused', reason: `${m.questions.length} questions (one is required)` });
  if (q.type !== RRType.SOA) return answer(Rcode.NOTIMP, { kind: 'refused', zone: q.name, reason: `question type ${q.type}, not SOA` });
  const zone = find(q.name);
  if (!zone) return answer(Rcode.NOTAUTH, { kind: 'refused', zone: q.name, reason: 'not a secondary zone of this server' });
  const from = plainAddress(source);
  const primary = zone.primaries.find((p) => plainAddress(p.address) === from);
  if (!primary) return answer(Rcode.REFUSED, { kind: 'refused', zone: zone.origin, reason: `${source} is not a primary of the zone` });
  const accepted = accept(primary);
  if (accepted !== true) return answer(Rcode.REFUSED, { kind: 'refused', zone: zone.origin, reason: typeof accepted === 'string' ? accepted : `the NOTIFY is not signed with ${primary.key ?? 'the primary\'s key'}` });
  // §3.7: an SOA in the answer section is a hint of the new serial.
  const soa = m.answers.find((r) => hasType(r, RRType.SOA) && namesEqual(r.name, zone.origin));
  const serial = soa && hasType(soa, RRType.SOA) ? soa.data.serial : undefined;
  return answer(Rcode.NOERROR, { kind: 'accepted', zone: zone.origin, primary, ...(serial !== undefined ? { serial } : {}) });
}

// The requests a secondary sends its primaries, and the check of an SOA answer:
// the SOA query of a refresh (RFC 1034 §4.3.5), AXFR (RFC 5936) and IXFR (RFC 1995
// §3: our SOA in the authority section). Ids are set by the transport that sends them.
import { Opcode, Rcode, RRClass, RRType, hasType, type DnsMessage, type ResourceRecord, type SOAData } from '../../../wire/dns/types.js';
import { namesEqual } from '../../../wire/dns/name.js';

const QUERY_FLAGS = { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false } as const;

function request(origin: string, type: number, authorities: readonly ResourceRecord[] = []): DnsMessage {
  return { id: 0, flags: QUERY_FLAGS, rcode: 0, questions: [{ name: origin, type, class: RRClass.IN }], answers: [], authorities, additionals: [] };
}

export const soaQuery = (origin: string): DnsMessage => request(origin, RRType.SOA);
export const axfrQuery = (origin: string): DnsMessage => request(origin, RRType.AXFR);
/** IXFR from our version: our SOA record in the authority section (RFC 1995 §3). */
export const ixfrQuery = (origin: string, ourSoa: ResourceRecord): DnsMessage => request(origin, RRType.IXFR, [ourSoa]);

export type SoaAnswer =
  | { readonly ok: true; readonly soa: SOAData }
  | { readonly ok: false; readonly reason: string };

/** The primary's SOA from its answer to soaQuery(origin): authoritative, NOERROR, the SOA of the apex. */
export function readSoaAnswer(origin: string, m: DnsMessage): SoaAnswer {
  const q = m.questions[0];
  if (!m.flags.qr || m.flags.opcode !== Opcode.QUERY) return { ok: false, reason: 'not a response to a query' };
  if (m.questions.length !== 1 || !q || !namesEqual(q.name, origin) || q.type !== RRType.SOA) return { ok: false, reason: 'the answer is for another question' };
  if (m.rcode !== Rcode.NOERROR) return { ok: false, reason: `rcode ${rcodeName(m.rcode)}` };
  if (!m.flags.aa) return { ok: false, reason: 'not authoritative for the zone (AA clear)' };
  const soa = m.answers.find((r) => hasType(r, RRType.SOA) && namesEqual(r.name, origin));
  if (!soa || !hasType(soa, RRType.SOA)) return { ok: false, reason: 'no SOA of the zone in the answer' };
  return { ok: true, soa: soa.data };
}

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));
RCODE_NAMES.set(16, 'BADVERS/BADSIG');

export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? String(rcode);
}

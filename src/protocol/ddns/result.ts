// What an UPDATE's answer means for the change (RFC 2136 §2.2, §3.8; RFC 8945):
//   ok           NOERROR
//   prerequisite YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET: the name is not as required
//                (in use, or not ours) — handled by the step logic, never retried
//   refused      NOTAUTH, REFUSED, NOTZONE, NOTIMP, FORMERR, or our TSIG refused
//                (BADKEY, BADSIG): a configuration problem — logged, not retried
//   retry        SERVFAIL, anything else, no answer, an answer that fails TSIG
//                verification otherwise (BADTIME, unsigned, forged): tried again later
import { Rcode } from '../../wire/dns/index.js';

export type UpdateResult = 'ok' | 'prerequisite' | 'refused' | 'retry';

export function classifyRcode(rcode: number): UpdateResult {
  switch (rcode) {
    case Rcode.NOERROR: return 'ok';
    case Rcode.YXDOMAIN: case Rcode.YXRRSET: case Rcode.NXDOMAIN: case Rcode.NXRRSET: return 'prerequisite';
    case Rcode.NOTAUTH: case Rcode.REFUSED: case Rcode.NOTZONE: case Rcode.NOTIMP: case Rcode.FORMERR: return 'refused';
    default: return 'retry';
  }
}

export function rcodeName(rcode: number): string {
  return Object.entries(Rcode).find(([, v]) => v === rcode)?.[0] ?? String(rcode);
}

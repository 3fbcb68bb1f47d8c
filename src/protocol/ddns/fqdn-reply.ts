// Option 81 in the server's OFFER and ACK (RFC 4702 §4), to a client that sent it:
// which DNS updates the server does for the client and under which name — the same
// decision dnsChanges (policy.ts) takes when the lease is committed. Pure, one function.
//   S: the server does the A (forward) update; O: S differs from the client's S
//   (RFC 4702 §2.1: "MUST set this bit to 1 if the S bit in its reply ... does not
//   match"); N: the server does no update at all (then S is 0); E: the client's
//   encoding; RCODE1/RCODE2: 255 (§2.2); name: the FQDN registered, else the client's.
// As Kea does, a subnet without registration answers N=1, S=0 (O=1 if the client set S).
import type { DdnsSettings } from '../../config/ddns-effective.js';
import { FqdnFlag, type ClientFqdn } from '../../wire/dhcp4/fqdn.js';
import { registeredName } from './name.js';
import { parts } from './policy.js';

/** RFC 4702 §2.2: a server SHOULD send 255 in both deprecated RCODE fields. */
export const SERVER_RCODE = 255;

/**
 * The option 81 to answer `sent` with. `name` is the name the lease takes (option 81's,
 * else option 12's, else the reservation's); `settings` the subnet's, undefined where
 * registration is off.
 */
export function fqdnReply(sent: ClientFqdn, name: string | undefined, settings: DdnsSettings | undefined): ClientFqdn {
  const fqdn = settings && registeredName(name, settings.forwardZone);
  const p = settings && fqdn !== undefined ? parts(sent.flags, settings.clientFlags) : { forward: false, reverse: false };
  const clientS = (sent.flags & FqdnFlag.S) !== 0;
  const flags = (sent.flags & FqdnFlag.E)
    | (p.forward ? FqdnFlag.S : 0)
    | (clientS !== p.forward ? FqdnFlag.O : 0)
    | (!p.forward && !p.reverse ? FqdnFlag.N : 0);
  return { flags, rcode1: SERVER_RCODE, rcode2: SERVER_RCODE, name: fqdn ?? sent.name };
}

// Conflict detection before an offer (RFC 2131 §3.1 step 2, "SHOULD probe the
// reused address before allocating it, e.g. with an ICMP echo request"). The engine
// asks an injected probe; the site daemon's probe pings (src/runtime/icmp4-pinger.ts).
//
// Which addresses are probed: those new to the client — a free address from a pool,
// or an address it asked for that it never held. Not its reservation, not an
// address it holds or was already offered: it may be the very host that answers.

/** free: nothing answered; in-use: something did; unknown: could not ask (offered anyway, as ISC dhcpd does). */
export type ProbeResult = 'free' | 'in-use' | 'unknown';

/** Asks whether some host already uses an address. Must never reject. */
export type AddressProbe = (address: number) => Promise<ProbeResult>;

/** Addresses tried for one DISCOVER before giving up (each costs a ping timeout). */
export const MAX_PROBED_ADDRESSES = 3;

/** Client key of the quarantine record of an address that answered a ping: no client of ours holds it. */
export const PING_CONFLICT_CLIENT = 'conflict:ping';

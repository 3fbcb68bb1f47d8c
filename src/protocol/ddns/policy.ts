// Which DNS changes a lease transition calls for (RFC 4702, RFC 4703): pure, one
// function. A binding that becomes bound registers the client's name (A + DHCID, PTR);
// one that stops being bound (released, expired, declined, or moved to another address)
// removes it; a renewal registers again only when the name changed (old name removed
// first). Who does which part follows option 81's flags (see `parts`).
import { FqdnFlag } from '../../wire/dhcp4/fqdn.js';
import { dhcidIdentifier, dhcidRdata } from '../../wire/dns/index.js';
import { ipv4ToString } from '../../wire/ipv4.js';
import type { DdnsSettings } from '../../config/ddns-effective.js';
import type { Lease } from '../dhcp/lease.js';
import type { LeaseEvent } from '../dhcp/lease-machine.js';
import type { DnsChange } from './change.js';
import { registeredName } from './name.js';

export interface LeaseChange {
  readonly event: LeaseEvent;
  /** The record committed. */
  readonly lease: Lease;
  /** The record it replaced, if any. */
  readonly previous?: Lease;
  /** Option 81's flags in the request that caused an ack, when the client sent it. */
  readonly fqdnFlags?: number;
}

interface Registration {
  readonly fqdn: string;
  readonly dhcid: string;
  readonly settings: DdnsSettings;
  readonly address: string;
}

/** The DHCID identifier of a lease's client key ("id:<hex>" option 61, "hw:<htype>:<hex>" chaddr). */
export function identityOf(clientKey: string): { clientId?: Buffer; htype: number; chaddr: Buffer } | undefined {
  if (clientKey.startsWith('id:')) return { clientId: Buffer.from(clientKey.slice(3), 'hex'), htype: 0, chaddr: Buffer.alloc(0) };
  const m = /^hw:(\d+):([0-9a-f]*)$/.exec(clientKey);
  return m ? { htype: Number(m[1]), chaddr: Buffer.from(m[2]!, 'hex') } : undefined;
}

function registration(lease: Lease | undefined, settingsOf: (subnetId: number) => DdnsSettings | undefined): Registration | undefined {
  if (lease === undefined) return undefined;
  const settings = settingsOf(lease.subnetId);
  const fqdn = settings && registeredName(lease.hostname, settings.forwardZone);
  const identity = identityOf(lease.clientKey);
  if (settings === undefined || fqdn === undefined || identity === undefined) return undefined;
  return { fqdn, settings, address: ipv4ToString(lease.address), dhcid: dhcidRdata(dhcidIdentifier(identity), fqdn).toString('base64') };
}

/**
 * Which parts the server updates (RFC 4702 §3.1, RFC 4703 §4): with option 81 and
 * clientFlags 'honour', N set means none, S clear means the PTR only (the client keeps
 * its A record); otherwise — no option 81 (host name only), or 'override' — both.
 */
export function parts(flags: number | undefined, policy: 'honour' | 'override'): { forward: boolean; reverse: boolean } {
  if (flags === undefined || policy === 'override') return { forward: true, reverse: true };
  if (flags & FqdnFlag.N) return { forward: false, reverse: false };
  return { forward: (flags & FqdnFlag.S) !== 0, reverse: true };
}

function change(kind: 'add' | 'remove', r: Registration, p: { forward: boolean; reverse: boolean }, at: number): DnsChange {
  const s = r.settings;
  return {
    kind, fqdn: r.fqdn, address: r.address, dhcid: r.dhcid, ttl: s.ttl, forward: p.forward, reverse: p.reverse && s.reverseZone !== undefined,
    forwardZone: s.forwardZone, ...(s.reverseZone !== undefined ? { reverseZone: s.reverseZone } : {}),
    server: { address: s.server.address, port: s.server.port, ...(s.server.key !== undefined ? { key: s.server.key } : {}) },
    at,
  };
}

/** The changes, in the order they must be made, for one committed lease transition. */
export function dnsChanges(t: LeaseChange, settingsOf: (subnetId: number) => DdnsSettings | undefined, now: number): DnsChange[] {
  // Only a binding that was 'bound' in the store can have a name registered (every other state removed it).
  const before = t.previous?.state === 'bound' ? registration(t.previous, settingsOf) : undefined;
  // A removal undoes whatever an add may have done, whichever parts that was.
  const remove = (r: Registration) => change('remove', r, { forward: true, reverse: true }, now);
  if (t.event !== 'ack') return before ? [remove(before)] : [];
  const after = registration(t.lease, settingsOf);
  const same = before !== undefined && after !== undefined && before.fqdn === after.fqdn && before.dhcid === after.dhcid && before.address === after.address;
  const out: DnsChange[] = [];
  if (before && !same) out.push(remove(before));
  // A renewal of an unchanged name is not sent again; a binding that was not live (expired, not yet reclaimed) is.
  const renewal = same && t.previous !== undefined && t.previous.expiresAt > now;
  if (after && !renewal) {
    const p = parts(t.fqdnFlags, after.settings.clientFlags);
    if (p.forward || p.reverse) out.push(change('add', after, p, now));
  }
  return out;
}

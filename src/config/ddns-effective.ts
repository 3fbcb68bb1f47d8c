// A subnet's DHCP → DNS settings as the server uses them: dhcp.ddns with the subnet's
// own keys (dhcp.subnets[].ddns) over it, names absolute and lower-cased, the reverse
// zone derived from the subnet when not given (/8, /16, /24: whole octets), the TTL
// defaulted to a third of the lease time (RFC 4702 §5), at most DEFAULT_DDNS_MAX_TTL.
import { DEFAULT_DDNS_MAX_TTL, type DdnsConfig, type DdnsServerConfig, type DdnsSubnetConfig } from './ddns-schema.js';

export interface DdnsSettings {
  readonly forwardZone: string;
  /** Undefined when neither given nor derivable (the validator refuses that for an enabled subnet). */
  readonly reverseZone: string | undefined;
  readonly server: DdnsServerConfig;
  readonly ttl: number;
  readonly clientFlags: 'honour' | 'override';
}

/** "voice.example.com" → "voice.example.com." (lower case). */
export function absoluteName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The in-addr.arpa zone of a /8, /16 or /24 network; undefined for other prefixes. */
export function derivedReverseZone(cidr: string): string | undefined {
  const [address = '', length = ''] = cidr.split('/');
  const prefix = Number(length);
  if (prefix !== 8 && prefix !== 16 && prefix !== 24) return undefined;
  return `${address.split('.').slice(0, prefix / 8).reverse().join('.')}.in-addr.arpa.`;
}

/** The settings of an enabled subnet, or undefined when registration is off there or incomplete. */
export function ddnsSettings(ddns: DdnsConfig, subnet: { subnet: string; ddns?: DdnsSubnetConfig }, leaseTime: number): DdnsSettings | undefined {
  const own = subnet.ddns ?? {};
  const enabled = own.enabled ?? ddns.enabled;
  const forwardZone = own.forwardZone ?? ddns.forwardZone;
  const server = own.server ?? ddns.server;
  if (!enabled || forwardZone === undefined || server === undefined) return undefined;
  const reverse = own.reverseZone ?? ddns.reverseZone;
  return {
    forwardZone: absoluteName(forwardZone),
    reverseZone: reverse !== undefined ? absoluteName(reverse) : derivedReverseZone(subnet.subnet),
    server,
    ttl: own.ttl ?? ddns.ttl ?? Math.min(DEFAULT_DDNS_MAX_TTL, Math.floor(leaseTime / 3)),
    clientFlags: own.clientFlags ?? ddns.clientFlags,
  };
}

// The `ddns` keys of the `dhcp` section (DHCP → DNS registration, docs/dns.md
// "DHCP → DNS"): a default at dhcp.ddns, overridden key by key per subnet
// (dhcp.subnets[].ddns). Kept apart from dhcp-schema.ts (which imports it) and free of
// runtime imports from the other schema files, so no import cycle forms; the TSIG key
// shape is dns-schema.ts's, referenced through the root schema's $defs.
import { Type, type Static } from '@sinclair/typebox';
import type { TsigKeyConfig } from './dns-schema.js';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `^${OCTET}(?:\\.${OCTET}){3}$`;
/** A zone or key name: letters, digits, hyphens, underscores; the trailing dot optional. */
const NAME = '^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.?$';

/** Where the TSIG key shape is kept in the root schema (site-schema.ts). */
export const TSIG_KEY_REF = '#/$defs/tsigKey';

/** Default TTL: a third of the lease time (RFC 4702 §5), at most this many seconds. */
export const DEFAULT_DDNS_MAX_TTL = 3600;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 254, pattern: NAME, description });

export const DdnsServerSchema = Type.Object(
  {
    address: Type.String({ pattern: IPV4, description: 'The IPv4 address of the primary name server the updates (RFC 2136) are sent to.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 53, description: 'Its DNS port.' }),
    key: Type.Optional(Name('The TSIG key updates are signed with: a name from dhcp.ddns.keys or dns.keys. Absent: unsigned updates.')),
  },
  { additionalProperties: false, description: 'The name server that takes the updates.' },
);

/** The keys a subnet may override; every one optional (inherited from dhcp.ddns). */
const subnetKeys = {
  enabled: Type.Optional(Type.Boolean({ description: 'Register the names of this subnet\'s clients in DNS.' })),
  forwardZone: Type.Optional(Name('The zone the names are registered in (A and DHCID records), e.g. voice.example.com.')),
  reverseZone: Type.Optional(Name('The zone of the PTR records, e.g. 2.0.192.in-addr.arpa. Default: derived from the subnet when its prefix is /8, /16 or /24.')),
  server: Type.Optional(DdnsServerSchema),
  ttl: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'TTL of the records (seconds). Default: a third of the lease time, at most 3600.' })),
  clientFlags: Type.Optional(Type.Union([Type.Literal('honour'), Type.Literal('override')], {
    description: 'Option 81 (RFC 4702) flags: honour: N set → no update, S clear → PTR only; override: the server always updates A and PTR.',
  })),
};

export const DdnsSubnetSchema = Type.Object(subnetKeys, {
  additionalProperties: false, description: 'DHCP → DNS registration for this subnet; each key given here overrides dhcp.ddns.',
});

export const DdnsSchema = Type.Object(
  {
    ...subnetKeys,
    enabled: Type.Boolean({ default: false, description: 'Register the names of clients in DNS (default for every subnet).' }),
    clientFlags: Type.Union([Type.Literal('honour'), Type.Literal('override')], {
      default: 'honour', description: 'Option 81 (RFC 4702) flags: honour: N set → no update, S clear → PTR only; override: the server always updates A and PTR.',
    }),
    keys: Type.Array(Type.Unsafe<TsigKeyConfig>(Type.Ref(TSIG_KEY_REF)), {
      maxItems: 64, default: [], description: 'TSIG keys for updates, for a site without a dns section; server.key looks here, then in dns.keys.',
    }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 2000, description: 'How long to wait for the name server\'s answer to one update before it is retried.' }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 1000, default: 30, description: 'Attempts of one change at most (retries back off from 1 s to 5 min); then it is given up, counted and logged.' }),
    maxAgeSeconds: Type.Integer({ minimum: 60, maximum: 2592000, default: 86400, description: 'A change still not delivered this long after its lease event is given up, counted and logged.' }),
  },
  { additionalProperties: false, default: {}, description: 'DHCP → DNS registration (RFC 4702, 4703, 4701, 2136): the defaults every subnet inherits.' },
);

export type DdnsConfig = Static<typeof DdnsSchema>;
export type DdnsSubnetConfig = Static<typeof DdnsSubnetSchema>;
export type DdnsServerConfig = Static<typeof DdnsServerSchema>;

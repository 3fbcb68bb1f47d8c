// The `dns` section of the site config: Outpost's authoritative DNS service, its
// zones (primary or secondary), TSIG keys and access rules (docs/dns.md). Defaults
// live next to each key, so this schema is also the defaults table. What a schema
// cannot say (zone names unique, key references, a secondary's primaries, prefixes
// well formed) is checked by dns-validate.ts after the schema passed.
import { Type, type Static } from '@sinclair/typebox';
import { PATTERNS } from './dhcp-schema.js';

export const DEFAULT_DNS_PORT = 53;
export const MAX_ZONES = 10_000;
export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha1'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];
/** Bytes a TSIG secret must have at least, decoded (RFC 8945 §6: at least the hash's output; 16 is the floor here for hmac-sha1 peers). */
export const MIN_TSIG_SECRET_BYTES = 16;

/** A domain name as written in configs: letters, digits, hyphens, underscores; the trailing dot optional. */
const ZONE_NAME = '^(?:\\.|(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.?)$';
const IP_PREFIX = '^[0-9A-Fa-f:.]+(?:/[0-9]{1,3})?$';

const DomainName = (description: string) => Type.String({ minLength: 1, maxLength: 254, pattern: ZONE_NAME, description });
const Path = (description: string) => Type.String({ minLength: 1, maxLength: 4096, pattern: PATTERNS.path, description });
const Seconds = (description: string, minimum: number, maximum: number, def: number) => Type.Integer({ minimum, maximum, default: def, description });

export const DnsListenSchema = Type.Object(
  {
    address: Type.String({ format: 'ip-address', description: 'Address to answer on (UDP and TCP); 0.0.0.0 or :: for every address of this server.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: DEFAULT_DNS_PORT, description: 'Port for UDP and TCP; 0 picks a free port and logs it (tests).' }),
  },
  { additionalProperties: false, description: 'One address and port the DNS service answers on.' },
);

export const TsigKeySchema = Type.Object(
  {
    name: DomainName('The key\'s name, as both ends of a transfer or update spell it (e.g. "xfr-branch.example.com").'),
    algorithm: Type.Union(TSIG_ALGORITHMS.map((a) => Type.Literal(a)), { default: 'hmac-sha256', description: 'The key\'s HMAC algorithm (RFC 8945); hmac-sha1 only for old peers.' }),
    secret: Type.Optional(Type.String({ minLength: 1, description: 'The shared secret in base64 (e.g. `tsig-keygen` or `openssl rand -base64 32`). Give secret or secretFile, not both.' })),
    secretFile: Type.Optional(Path('A file holding the secret in base64 (relative: against the config file\'s directory). Give secret or secretFile, not both.')),
  },
  { additionalProperties: false, description: 'A TSIG key (RFC 8945) for transfers, NOTIFY and updates.' },
);

export const AccessRuleSchema = Type.Object(
  {
    from: Type.Optional(Type.Array(Type.String({ pattern: IP_PREFIX, maxLength: 43, description: 'An address or prefix, e.g. 198.51.100.0/24.' }), {
      minItems: 1, maxItems: 256, description: 'Source addresses allowed; absent: any address (then a key is required).',
    })),
    key: Type.Optional(DomainName('The TSIG key (dns.keys[].name) the request must be signed with; absent: unsigned requests from `from` are allowed.')),
  },
  { additionalProperties: false, description: 'One allow rule: a request matches when its source is in `from` (if given) and it is signed with `key` (if given). Deny by default.' },
);

export const UpdateRuleSchema = Type.Object(
  {
    key: DomainName('The TSIG key an update must be signed with (dns.keys[].name).'),
    names: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 254, pattern: `^(?:\\*\\.)?${ZONE_NAME.slice(1)}`, description: 'A name the key may change; "*.sub" matches every name below sub (not sub itself).' }), {
      minItems: 1, maxItems: 256, description: 'Names this key may change; absent: every name of the zone except its apex SOA and NS.',
    })),
    types: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9]{0,9}$', description: 'A record type mnemonic, e.g. A, AAAA, PTR, TXT.' }), {
      minItems: 1, maxItems: 32, description: 'Types this key may change; absent: every type except SOA and apex NS.',
    })),
  },
  { additionalProperties: false, description: 'One update policy grant (like BIND\'s update-policy "grant key name/subdomain types").' },
);

export const RemoteServerSchema = Type.Object(
  {
    address: Type.String({ format: 'ip-address', description: 'The server\'s address.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_DNS_PORT, description: 'The server\'s DNS port.' }),
    key: Type.Optional(DomainName('The TSIG key messages to and from it are signed with (dns.keys[].name).')),
  },
  { additionalProperties: false, description: 'Another DNS server: a primary we transfer from, or a secondary we notify.' },
);

export const ZoneSchema = Type.Object(
  {
    name: DomainName('The zone\'s apex, e.g. voice.example.com or 2.0.192.in-addr.arpa.'),
    type: Type.Union([Type.Literal('primary'), Type.Literal('secondary')], {
      description: 'primary: this server holds the master copy (from `file` and DNS updates); secondary: it copies the zone from `primaries` by zone transfer.',
    }),
    file: Type.Optional(Path('primary: the zone file (RFC 1035 master format) read at start and on reload; secondary: where the transferred copy is kept (default: <dataDir>/<zone>.zone). Relative: against the config file\'s directory.')),
    primaries: Type.Optional(Type.Array(RemoteServerSchema, {
      minItems: 1, maxItems: 16, description: 'secondary: the servers to transfer from, tried in order; NOTIFY is accepted from them only.',
    })),
    notify: Type.Optional(Type.Array(RemoteServerSchema, {
      maxItems: 64, description: 'Servers sent a NOTIFY when the zone changes (its secondaries).',
    })),
    allowTransfer: Type.Array(AccessRuleSchema, { maxItems: 64, default: [], description: 'Who may AXFR/IXFR the zone from this server. Empty (the default): nobody.' }),
    allowUpdate: Type.Array(UpdateRuleSchema, { maxItems: 64, default: [], description: 'primary: TSIG keys allowed to change the zone by DNS UPDATE (RFC 2136), and what. Empty (the default): no updates.' }),
    forwardUpdates: Type.Boolean({ default: true, description: 'secondary: forward DNS UPDATEs to the first reachable primary (RFC 2136 §6) instead of refusing them.' }),
    expiry: Type.Union([Type.Literal('soa'), Type.Literal('never')], {
      default: 'soa',
      description: 'secondary: what happens when the primary stays unreachable past the SOA expire. soa: stop answering (like BIND and Knot); never: keep answering from the last copy and flag the zone stale (a site meant to survive a long WAN outage).',
    }),
    ixfrHistory: Type.Integer({ minimum: 0, maximum: 10_000, default: 100, description: 'Zone versions whose differences are kept for IXFR (primary, and secondary for its own secondaries); older serials get AXFR.' }),
  },
  { additionalProperties: false, description: 'One authoritative zone.' },
);

export const DnsSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the DNS service.' }),
    listen: Type.Array(DnsListenSchema, { minItems: 1, maxItems: 16, description: 'Where the service answers queries, transfers, NOTIFY and UPDATE.' }),
    dataDir: Path('Directory for secondary zone copies, their refresh timers and the journals of changes (relative: against the config file\'s directory). The service owns it.'),
    udpSize: Type.Integer({ minimum: 512, maximum: 4096, default: 1232, description: 'Largest UDP response sent to EDNS clients (the DNS flag day 2020 default); larger answers are truncated (TC) and clients retry over TCP.' }),
    tcp: Type.Object(
      {
        idleTimeout: Seconds('Seconds a TCP connection may stay idle before it is closed.', 1, 3600, 10),
        maxConnections: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Open TCP connections at most; further ones are refused until one closes.' }),
        maxPipelined: Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Queries of one connection answered concurrently at most (RFC 7766 pipelining).' }),
      },
      { additionalProperties: false, default: {}, description: 'TCP service limits.' },
    ),
    nsid: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: PATTERNS.printable, description: 'The name server identifier returned to clients asking with the NSID option (RFC 5001), e.g. the server name.' })),
    keys: Type.Array(TsigKeySchema, { maxItems: 1024, default: [], description: 'TSIG keys the zones refer to.' }),
    zones: Type.Array(ZoneSchema, { maxItems: MAX_ZONES, default: [], description: 'The zones this server is authoritative for.' }),
  },
  { additionalProperties: false, description: 'Authoritative DNS (docs/dns.md). Absent: no DNS service.' },
);

export type DnsConfig = Static<typeof DnsSchema>;
export type ZoneConfig = Static<typeof ZoneSchema>;
export type TsigKeyConfig = Static<typeof TsigKeySchema>;

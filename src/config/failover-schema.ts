// The `failover` section of the site config: DHCPv4 failover relationships between
// this server and its partners (docs/failover-protocol.md). Defaults live next to
// each key, so this schema is also the defaults table. What a schema cannot say
// (references to dhcp subnets, role per mode, partner and key per mode, key length,
// names unique, one name per partner) is checked by failover-validate.ts after the
// schema passed.
import { Type, type Static } from '@sinclair/typebox';
import { PATTERNS } from './dhcp-schema.js';

/** The failover port (RFC 8156 / draft-ietf-dhc-failover-12 §8.1). */
export const DEFAULT_FAILOVER_PORT = 647;

/** Most relationships one server takes part in. */
export const MAX_RELATIONSHIPS = 64;

/** Bytes a pre-shared key must have at least, decoded. */
export const MIN_KEY_BYTES = 32;

export const FAILOVER_MODES = ['hot-standby', 'load-balancing', 'split-scope'] as const;
export const FAILOVER_ROLES = ['primary', 'standby', 'secondary'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];
export type FailoverRole = (typeof FAILOVER_ROLES)[number];

/** The roles each mode admits: the primary, and what its partner is called. */
export const ROLES_OF_MODE: Readonly<Record<FailoverMode, readonly [FailoverRole, FailoverRole]>> = {
  'hot-standby': ['primary', 'standby'],
  'load-balancing': ['primary', 'secondary'],
  'split-scope': ['primary', 'secondary'],
};

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 63, pattern: PATTERNS.name, description });
const Ipv4 = (description: string, extra: { default?: string } = {}) => Type.String({ pattern: PATTERNS.ipv4, description, ...extra });
const Port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_FAILOVER_PORT, description });

export const FailoverListenSchema = Type.Object(
  {
    address: Ipv4('Address the failover listener binds to; 0.0.0.0: every address of this server. Partners that are primary connect here.', { default: '0.0.0.0' }),
    port: Port('TCP port of the failover listener; every relationship of this server shares it.'),
  },
  { additionalProperties: false, default: {}, description: 'Where this server accepts failover connections from its partners.' },
);

export const FailoverPartnerSchema = Type.Object(
  {
    name: Name('The partner\'s server.name, as in its own site config (a DNS label).'),
    address: Ipv4('The partner\'s address: the primary connects to it, both sides probe it.'),
    port: Port('The partner\'s failover port (its failover.listen.port).'),
  },
  { additionalProperties: false, description: 'The other server of the relationship. Required for hot-standby and load-balancing; not allowed for split-scope, whose servers never talk.' },
);

export const FailoverConfirmSchema = Type.Object(
  {
    refused: Type.Boolean({ default: true, description: 'Take over when a TCP connect to the partner\'s failover port is actively refused (its host is up, Outpost is not). Set false across a WAN.' }),
    unansweredClients: Type.Integer({ minimum: 0, maximum: 10000, default: 10, description: 'Take over when this many distinct clients of the relationship\'s subnets keep retrying unanswered (secs ≥ ackDelay) after the partner fell silent. 0: take over on silence alone.' }),
    ackDelay: Type.Integer({ minimum: 1, maximum: 3600, default: 10, description: 'Seconds a client must have been trying (its secs field) to count as unanswered.' }),
  },
  { additionalProperties: false, default: {}, description: 'How a silent partner is confirmed dead (partner-down), either way.' },
);

export const FailoverFailbackSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('automatic'), Type.Literal('manual')], {
      default: 'automatic',
      description: 'automatic: the returning primary takes its role back after resync and delay; manual: it waits for `outpost failover resume`.',
    }),
    delay: Type.Integer({ minimum: 0, maximum: 86400, default: 0, description: 'Seconds the resynced primary waits in ready before it serves again (like VRRP\'s preempt delay).' }),
  },
  { additionalProperties: false, default: {}, description: 'How a returning primary takes its role back.' },
);

export const FailoverResyncSchema = Type.Object(
  {
    pageSize: Type.Integer({ minimum: 100, maximum: 50000, default: 1000, description: 'Leases per resync page; each page is applied with one fsync. Small pages keep the partner answering clients between them (measured: 1000 resyncs 100k leases faster than 5000, with the partner never silent more than ~0.2 s).' }),
  },
  { additionalProperties: false, default: {}, description: 'Lease exchange after every new connection.' },
);

export const FailoverRelationshipSchema = Type.Object(
  {
    name: Name('The relationship\'s name (a DNS label), the same in both partners\' configs and unique on this server.'),
    mode: Type.Union(FAILOVER_MODES.map((m) => Type.Literal(m)), {
      description: 'hot-standby: the primary serves, the standby mirrors every binding; load-balancing: both serve, split by client hash; split-scope: both serve from their own share of each pool, without talking.',
    }),
    role: Type.Union(FAILOVER_ROLES.map((r) => Type.Literal(r)), {
      description: 'This server\'s role: primary or standby in hot-standby, primary or secondary in load-balancing and split-scope. The partner has the other one.',
    }),
    partner: Type.Optional(FailoverPartnerSchema),
    key: Type.Optional(Type.String({ minLength: 1, description: 'The pre-shared secret both partners authenticate with, in base64, at least 32 bytes decoded (e.g. `openssl rand -base64 32`). Give key or keyFile, not both.' })),
    keyFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, pattern: PATTERNS.path, description: 'A file holding the pre-shared secret in base64 (relative paths: against the config file\'s directory). Give key or keyFile, not both.' })),
    subnets: Type.Array(Type.String({ pattern: PATTERNS.cidr, description: 'A subnet of dhcp.subnets, as written there, e.g. 192.0.2.0/24.' }), {
      minItems: 1, maxItems: 1024,
      description: 'The dhcp subnets this relationship covers; each subnet belongs to at most one relationship.',
    }),
    split: Type.Integer({ minimum: 1, maximum: 99, default: 50, description: 'load-balancing and split-scope: percent of each pool owned (and, load-balancing, of the client hash buckets served) by the primary; the secondary has the rest.' }),
    standbyReserve: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'hot-standby: percent of each pool (its last addresses) the standby owns, for new clients while it serves alone.' }),
    mclt: Type.Integer({ minimum: 1, maximum: 604800, default: 3600, description: 'Maximum client lead time in seconds: how far past what the partner knows a server may extend a lease out of contact, and how long an ended lease stays fenced.' }),
    heartbeatInterval: Type.Integer({ minimum: 100, maximum: 60000, default: 1000, description: 'Milliseconds between heartbeats to the partner.' }),
    missedHeartbeats: Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'Heartbeat intervals without any frame from the partner before it is suspect (state interrupted).' }),
    updateTimeout: Type.Integer({ minimum: 100, maximum: 60000, default: 2000, description: 'Milliseconds the partner has to acknowledge a binding update; the client\'s ACK waits for it.' }),
    confirm: FailoverConfirmSchema,
    failback: FailoverFailbackSchema,
    resync: FailoverResyncSchema,
    startupWait: Type.Integer({ minimum: 0, maximum: 3600, default: 5, description: 'Seconds a starting server waits for its partner before it serves on its own.' }),
    maxClockSkew: Type.Integer({ minimum: 1, maximum: 3600, default: 5, description: 'Seconds the partners\' clocks may differ; a partner further off is refused (terminated).' }),
  },
  { additionalProperties: false, description: 'One failover relationship: this server, one partner and a set of dhcp subnets.' },
);

export const FailoverSchema = Type.Object(
  {
    listen: FailoverListenSchema,
    relationships: Type.Array(FailoverRelationshipSchema, {
      minItems: 1, maxItems: MAX_RELATIONSHIPS,
      description: 'The failover relationships of this server: one per partner in a pair, one per primary on a many-to-one failover server.',
    }),
  },
  { additionalProperties: false, description: 'DHCPv4 failover with one or more partners (docs/failover-protocol.md). Absent: this server serves its subnets alone.' },
);

/** The `failover` section after validation, with defaults filled in. */
export type FailoverConfig = Static<typeof FailoverSchema>;
export type FailoverRelationship = Static<typeof FailoverRelationshipSchema>;
export type FailoverPartner = Static<typeof FailoverPartnerSchema>;

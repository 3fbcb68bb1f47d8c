// The `dhcp` section of the site config: the DHCPv4 server of a site. Modelled on
// Kea's `Dhcp4` (interfaces-config, subnet4, pools, option-data, reservations,
// client-classes, shared-networks, valid-lifetime, renew-timer, rebind-timer,
// authoritative, decline-probation-period) with camelCase keys and typed values
// instead of free-form strings. Defaults live next to each key, so this schema is
// also the defaults table. What a schema cannot say (CIDR alignment, overlaps,
// uniqueness, references, T1 < T2 < lease time, option lengths) is checked by
// dhcp-validate.ts after the schema passed.
//
// Option values (`options` at every level) are one shape, kept once under the root
// schema's `$defs` and referenced from each level: see dhcp-options.ts for the
// catalogue of templates and how they render to DHCP options.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DdnsSchema, DdnsSubnetSchema } from './ddns-schema.js';

// ---------------------------------------------------------------------------
// Value syntax (patterns: ajv's strict mode knows no "ipv4" format here).

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
// A host name: labels joined by dots, at most 253 characters, whose last label is not
// all digits (so "300.1.2.3" is neither an address nor a name); a trailing dot is allowed.
const HOSTNAME = `(?=.{1,253}\\.?$)(?:${LABEL}\\.)*(?![0-9]+\\.?$)${LABEL}\\.?`;
const HEX_BYTES = '[0-9A-Fa-f]{2}(?::?[0-9A-Fa-f]{2})*';

export const PATTERNS = {
  ipv4: `^${IPV4}$`,
  cidr: `^${IPV4}/(?:3[0-2]|[12]?[0-9])$`,
  ipv4OrCidr: `^${IPV4}(?:/(?:3[0-2]|[12]?[0-9]))?$`,
  host: `^(?:${IPV4}|${HOSTNAME})$`,
  domain: `^${HOSTNAME}$`,
  mac: '^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\\1[0-9A-Fa-f]{2}){4}$',
  oui: '^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}\\1[0-9A-Fa-f]{2}$',
  hex: `^${HEX_BYTES}$`,
  name: '^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$',
  interfaceName: '^(?!\\.\\.?$)[A-Za-z0-9_.-]{1,15}$',
  printable: '^[ -~]*$',
  avayaParameter: '^[A-Z][A-Z0-9_]{0,31}$',
  avayaValue: '^[!-<>-~]*$',
  url: '^https?://[!-~]+$',
  path: '^[^\\u0000]+$',
} as const;

const Ipv4 = (description = 'An IPv4 address, e.g. 192.0.2.1.') => Type.String({ pattern: PATTERNS.ipv4, description });
const Ipv4List = (description: string, maxItems = 63) =>
  Type.Array(Ipv4(), { minItems: 1, maxItems, description });
const Host = (description = 'An IPv4 address or a host name, e.g. 192.0.2.10 or cm1.example.com.') =>
  Type.String({ pattern: PATTERNS.host, maxLength: 254, description });
const HostList = (description: string) => Type.Array(Host(), { minItems: 1, maxItems: 16, description });
const DomainName = (description = 'A domain name, e.g. voice.example.com.') =>
  Type.String({ pattern: PATTERNS.domain, maxLength: 254, description });
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 63, pattern: PATTERNS.name, description });
const Seconds = (description: string, minimum: number, extra: { default?: number } = {}) =>
  Type.Integer({ minimum, maximum: 0xfffffffe, description, ...extra });
const HexBytes = (description: string, maxBytes: number) =>
  Type.String({ pattern: PATTERNS.hex, maxLength: maxBytes * 3 - 1, description });
const Text = (description: string, maxLength = 255) => Type.String({ minLength: 1, maxLength, pattern: PATTERNS.printable, description });
const Description = () => Type.Optional(Type.String({ maxLength: 500, description: 'Free text for administrators.' }));
const ClassRefs = (description: string) => Type.Array(Name('A client class name (dhcp.classes[].name).'), { minItems: 1, maxItems: 64, description });

// ---------------------------------------------------------------------------
// Option templates: structured objects that render to option values (dhcp-options.ts).

export const AvayaTemplateSchema = Type.Object(
  {
    codes: Type.Array(Type.Union([Type.Literal(242), Type.Literal(176)]), {
      minItems: 1, maxItems: 2, default: [242],
      description: 'Which options carry the string: 242 (96xx/J-series H.323 phones), 176 (older 46xx phones), or both.',
    }),
    mcIpAdd: Type.Optional(HostList('MCIPADD: call servers (Communication Manager / gatekeepers) the phone registers with, in order.')),
    mcPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'MCPORT: the call server\'s H.225 RAS port (Avaya\'s default is 1719).' })),
    tftpSrvr: Type.Optional(HostList('TFTPSRVR: TFTP servers for phone settings and firmware.')),
    httpSrvr: Type.Optional(HostList('HTTPSRVR: HTTP servers for phone settings, firmware and backups (the site\'s file service).')),
    httpDir: Type.Optional(Type.String({ minLength: 1, maxLength: 127, pattern: '^[A-Za-z0-9._/-]+$', description: 'HTTPDIR: path on the HTTP servers, e.g. avaya/96xx.' })),
    tlsSrvr: Type.Optional(HostList('TLSSRVR: HTTPS servers for phone settings and firmware.')),
    l2q: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], {
      description: 'L2Q: 802.1Q tagging: auto (L2Q=0), on (L2Q=1), off (L2Q=2).',
    })),
    l2qVlan: Type.Optional(Type.Integer({ minimum: 0, maximum: 4094, description: 'L2QVLAN: the voice VLAN the phone tags its traffic with (0: none).' })),
    l2qAud: Type.Optional(Type.Integer({ minimum: 0, maximum: 7, description: 'L2QAUD: 802.1p priority of voice packets.' })),
    l2qSig: Type.Optional(Type.Integer({ minimum: 0, maximum: 7, description: 'L2QSIG: 802.1p priority of signalling packets.' })),
    vlanTest: Type.Optional(Type.Integer({ minimum: 0, maximum: 999, description: 'VLANTEST: seconds the phone waits for DHCP on the voice VLAN before it falls back (0: forever).' })),
    extra: Type.Optional(Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: PATTERNS.avayaParameter, description: 'An Avaya parameter name in capitals, e.g. SIPDOMAIN.' }),
          value: Type.String({ minLength: 1, maxLength: 200, pattern: PATTERNS.avayaValue, description: 'Its value: printable ASCII, no "=" and no spaces.' }),
        },
        { additionalProperties: false, description: 'A further NAME=value parameter.' },
      ),
      { minItems: 1, maxItems: 32, description: 'Further NAME=value parameters, appended after the typed ones in this order.' },
    )),
  },
  { additionalProperties: false, description: 'Avaya IP phone settings rendered as MCIPADD=…,MCPORT=…,TFTPSRVR=…,HTTPSRVR=…,L2Q=…,L2QVLAN=… into option 242 and/or 176 (at most 255 bytes).' },
);

export const CiscoTftpTemplateSchema = Type.Object(
  {
    servers: Ipv4List('TFTP servers of Cisco IP phones, in order: option 150.', 16),
    option66: Type.Boolean({ default: true, description: 'Also send option 66 (TFTP server name), for phones and loaders that read only 66.' }),
    serverName: Type.Optional(Host('Option 66: a TFTP server name or address. Default: the first of servers.')),
  },
  { additionalProperties: false, description: 'Cisco IP phone TFTP servers: option 150 (address list) and option 66 (one server name).' },
);

export const ArubaTemplateSchema = Type.Object(
  {
    controller: Host('Option 43: the address or name of the Aruba mobility controller (or Instant virtual controller), sent as text.'),
    vendorClass: Type.String({ minLength: 1, maxLength: 255, pattern: PATTERNS.printable, default: 'ArubaAP', description: 'Option 60 echoed back to the AP; must be what the APs send.' }),
  },
  { additionalProperties: false, description: 'Aruba access points: option 43 (controller) and option 60 echoed. Only in a client class that matches the APs\' vendor class, or in a reservation.' },
);

export const ResolversTemplateSchema = Type.Object(
  {
    servers: Type.Optional(Ipv4List('Option 6: DNS resolvers, in order of preference.', 16)),
    domain: Type.Optional(DomainName('Option 15: the domain name clients append, e.g. example.com.')),
    search: Type.Optional(Type.Array(DomainName(), { minItems: 1, maxItems: 16, description: 'Option 119: the domain search list, in order.' })),
  },
  { additionalProperties: false, description: 'Name resolution: option 6 (servers), 15 (domain name), 119 (search list).' },
);

export const CUSTOM_OPTION_TYPES = ['text', 'hex', 'boolean', 'uint8', 'uint16', 'uint32', 'int32', 'ipv4', 'ipv4-list', 'domain-list'] as const;

export const CustomOptionSchema = Type.Object(
  {
    code: Type.Optional(Type.Integer({ minimum: 1, maximum: 254, description: 'The option code (give code or name).' })),
    name: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 64, description: 'The option name from the catalogue (Kea\'s names), e.g. wpad-url (give code or name).' })),
    type: Type.Optional(Type.Union(CUSTOM_OPTION_TYPES.map((t) => Type.Literal(t)), {
      description: 'Value type; required for a code the catalogue does not know, not allowed otherwise.',
    })),
    value: Type.Unknown({ description: 'The value, typed by the option: a string (text, hex as 01:02…, an address, a name), a number, a boolean, or an array of addresses or names.' }),
  },
  { additionalProperties: false, description: 'One option by code or name, typed by the catalogue or by `type`.' },
);

export const DhcpOptionsSchema = Type.Object(
  {
    routers: Type.Optional(Ipv4List('Option 3: default gateways, in the subnet, in order of preference.', 16)),
    domainNameServers: Type.Optional(Ipv4List('Option 6: DNS resolvers; or use the resolvers template.', 16)),
    domainName: Type.Optional(DomainName('Option 15: the domain name; or use the resolvers template.')),
    domainSearch: Type.Optional(Type.Array(DomainName(), { minItems: 1, maxItems: 16, description: 'Option 119: domain search list; or use the resolvers template.' })),
    ntpServers: Type.Optional(Ipv4List('Option 42: NTP servers.', 16)),
    timeOffset: Type.Optional(Type.Integer({ minimum: -86400, maximum: 86400, description: 'Option 2: offset from UTC in seconds.' })),
    interfaceMtu: Type.Optional(Type.Integer({ minimum: 68, maximum: 65535, description: 'Option 26: MTU of the client\'s interface.' })),
    tftpServerName: Type.Optional(Host('Option 66: TFTP server name or address; or use the ciscoTftp template.')),
    bootFileName: Type.Optional(Text('Option 67: boot file name.')),
    tftpServerAddress: Type.Optional(Ipv4List('Option 150: TFTP server addresses; or use the ciscoTftp template.', 16)),
    classlessStaticRoutes: Type.Optional(Type.Array(
      Type.Object(
        {
          destination: Type.String({ pattern: PATTERNS.cidr, description: 'Destination network in CIDR form, e.g. 198.51.100.0/24.' }),
          router: Ipv4('The router to reach it through.'),
        },
        { additionalProperties: false, description: 'One classless static route.' },
      ),
      { minItems: 1, maxItems: 32, description: 'Option 121: classless static routes (RFC 3442). Include the default route when you also want one: clients that read 121 ignore option 3.' },
    )),
    wpadUrl: Type.Optional(Type.String({ maxLength: 255, pattern: PATTERNS.url, description: 'Option 252: URL of the web proxy auto-discovery file.' })),
    avaya: Type.Optional(AvayaTemplateSchema),
    ciscoTftp: Type.Optional(CiscoTftpTemplateSchema),
    aruba: Type.Optional(ArubaTemplateSchema),
    resolvers: Type.Optional(ResolversTemplateSchema),
    custom: Type.Optional(Type.Array(CustomOptionSchema, { minItems: 1, maxItems: 64, description: 'Options not covered by the keys above, by code or catalogue name.' })),
    alwaysSend: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 254, description: 'The code of an option set at this level.' }), {
      minItems: 1, maxItems: 64,
      description: 'Options of this level sent even when the client did not ask for them in option 55 (Kea\'s always-send). The aruba template\'s options are always sent.',
    })),
  },
  {
    additionalProperties: false,
    description: 'DHCP options sent to clients at this level. Levels inherit and override per option code: global → shared network → subnet → pool → class → reservation.',
  },
);

export type DhcpOptionValues = Static<typeof DhcpOptionsSchema>;
export type AvayaTemplate = Static<typeof AvayaTemplateSchema>;
export type CiscoTftpTemplate = Static<typeof CiscoTftpTemplateSchema>;
export type ArubaTemplate = Static<typeof ArubaTemplateSchema>;
export type ResolversTemplate = Static<typeof ResolversTemplateSchema>;
export type CustomOption = Static<typeof CustomOptionSchema>;

/** Where the options shape is kept in the root schema, referenced from every level. */
export const DHCP_OPTIONS_REF = '#/$defs/dhcpOptions';

/** The definitions the root site schema must carry for the `dhcp` section's references. */
export const DHCP_SCHEMA_DEFS: Record<string, TSchema> = { dhcpOptions: DhcpOptionsSchema };

const Options = (description: string) =>
  Type.Optional(Type.Unsafe<DhcpOptionValues>(Type.Ref(DHCP_OPTIONS_REF, { description })));

// ---------------------------------------------------------------------------
// Structure.

const AddressRange = (what: string, endOptional: boolean) => {
  const end = Ipv4(`Last address of the ${what}, inclusive.`);
  return {
    start: Ipv4(`First address of the ${what}.`),
    end: endOptional ? Type.Optional(Ipv4(`Last address of the ${what}, inclusive (default: start, a single address).`)) : end,
  };
};

export const PoolSchema = Type.Object(
  {
    ...AddressRange('pool', false),
    classes: Type.Optional(ClassRefs('Only clients in one of these classes get addresses from this pool. Without it, every client of the subnet may.')),
    options: Options('Options for clients that get an address from this pool.'),
    description: Description(),
  },
  { additionalProperties: false, description: 'A range of addresses handed out dynamically.' },
);

export const ExclusionSchema = Type.Object(
  AddressRange('excluded range', true),
  { additionalProperties: false, description: 'Addresses of the subnet never handed out dynamically (printers with fixed addresses, a switch…).' },
);

export const ReservationSchema = Type.Object(
  {
    hwAddress: Type.Optional(Type.String({ pattern: PATTERNS.mac, description: 'The client\'s MAC address, e.g. 00:1b:4f:12:34:56, with ":", "-" or no separator.' })),
    clientId: Type.Optional(HexBytes('The client identifier (option 61) as hex bytes, e.g. 01:00:1b:4f:12:34:56.', 255)),
    circuitId: Type.Optional(Text('The relay agent circuit-id (option 82, sub-option 1) as text, e.g. Gi1/0/5.')),
    circuitIdHex: Type.Optional(HexBytes('The relay agent circuit-id (option 82, sub-option 1) as hex bytes.', 255)),
    remoteId: Type.Optional(Text('The relay agent remote-id (option 82, sub-option 2) as text.')),
    remoteIdHex: Type.Optional(HexBytes('The relay agent remote-id (option 82, sub-option 2) as hex bytes.', 255)),
    address: Type.Optional(Ipv4('The address this client always gets, inside the subnet. Without it the client gets a pool address, with this reservation\'s options and classes.')),
    hostname: Type.Optional(Type.String({ pattern: PATTERNS.domain, maxLength: 253, description: 'Option 12: the host name sent to the client.' })),
    classes: Type.Optional(ClassRefs('Classes this client belongs to, besides those it matches.')),
    options: Options('Options for this client; they override every other level.'),
    description: Description(),
  },
  { additionalProperties: false, description: 'A client known by exactly one identifier: hwAddress, clientId, circuitId(Hex) or remoteId(Hex).' },
);

const StringMatchSchema = Type.Object(
  {
    equals: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The whole value, exactly (case-sensitive).' })),
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The value starts with this (case-sensitive).' })),
  },
  { additionalProperties: false, description: 'Give exactly one of equals, prefix.' },
);

const BytesMatchSchema = Type.Object(
  {
    equals: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The whole value as text, exactly.' })),
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The value as text starts with this.' })),
    hex: Type.Optional(HexBytes('The whole value as hex bytes, exactly.', 255)),
    hexPrefix: Type.Optional(HexBytes('The value starts with these hex bytes.', 255)),
  },
  { additionalProperties: false, description: 'Give exactly one of equals, prefix, hex, hexPrefix.' },
);

export const ClassMatchSchema = Type.Object(
  {
    vendorClass: Type.Optional(Type.Array(StringMatchSchema, { minItems: 1, maxItems: 32, description: 'Option 60 (vendor class identifier) matches one of these, e.g. {"equals": "ArubaAP"} or {"prefix": "ccp.avaya.com"}.' })),
    macOui: Type.Optional(Type.Array(Type.String({ pattern: PATTERNS.oui, description: 'The first three bytes of a MAC address, e.g. 00:1b:4f.' }), { minItems: 1, maxItems: 64, description: 'The client\'s MAC address starts with one of these OUIs.' })),
    userClass: Type.Optional(Type.Array(StringMatchSchema, { minItems: 1, maxItems: 32, description: 'One of the client\'s user classes (option 77) matches one of these.' })),
    circuitId: Type.Optional(Type.Array(BytesMatchSchema, { minItems: 1, maxItems: 64, description: 'The relay agent circuit-id (option 82.1) matches one of these.' })),
    remoteId: Type.Optional(Type.Array(BytesMatchSchema, { minItems: 1, maxItems: 64, description: 'The relay agent remote-id (option 82.2) matches one of these.' })),
    giaddr: Type.Optional(Type.Array(Type.String({ pattern: PATTERNS.ipv4OrCidr, description: 'A relay address or a network in CIDR form, e.g. 198.51.100.1 or 198.51.100.0/24.' }), { minItems: 1, maxItems: 64, description: 'The message came through a relay whose giaddr is one of these addresses or in one of these networks.' })),
  },
  { additionalProperties: false, description: 'Every criterion given must match; within one criterion, any of its entries. An empty match matches no client: such a class is given by reservations only.' },
);

export const ClientClassSchema = Type.Object(
  {
    name: Name('The class name (a DNS label), referenced by pools, subnets and reservations.'),
    match: Type.Optional(ClassMatchSchema),
    options: Options('Options for clients in this class; they override global, shared network, subnet and pool options. When a client is in several classes, the class listed first wins.'),
    description: Description(),
  },
  { additionalProperties: false, description: 'A client class: which clients it matches and the options they get.' },
);

export const SharedNetworkSchema = Type.Object(
  {
    name: Name('The shared network name (a DNS label), referenced by subnets[].sharedNetwork.'),
    options: Options('Options for every subnet of this shared network.'),
    description: Description(),
  },
  { additionalProperties: false, description: 'Several subnets on one link (one VLAN or one relay): a client may get an address from any of them that admits it.' },
);

export const SubnetSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1, maximum: 0xfffffffe, description: 'Stable subnet id, unique in the site; leases refer to it. Never reuse an id for another network.' }),
    subnet: Type.String({ pattern: PATTERNS.cidr, description: 'The network in CIDR form, aligned, /8 to /30, e.g. 192.0.2.0/24.' }),
    description: Description(),
    interface: Type.Optional(Type.String({ pattern: PATTERNS.interfaceName, description: 'The interface (dhcp.interfaces[].name) on which this subnet is directly connected. Omit for a subnet reached only through relays.' })),
    relayAddresses: Type.Optional(Type.Array(Ipv4(), { minItems: 1, maxItems: 32, description: 'Relay (giaddr) addresses that select this subnet when they are not inside it, e.g. a router\'s address in another network.' })),
    sharedNetwork: Type.Optional(Name('The shared network (dhcp.sharedNetworks[].name) this subnet belongs to.')),
    classes: Type.Optional(ClassRefs('Only clients in one of these classes get addresses from this subnet.')),
    leaseTime: Type.Optional(Seconds('Lease time in seconds for this subnet (default: dhcp.leaseTime).', 10)),
    renewTime: Type.Optional(Seconds('T1 in seconds for this subnet (default: dhcp.renewTime, else 50% of the lease time).', 1)),
    rebindTime: Type.Optional(Seconds('T2 in seconds for this subnet (default: dhcp.rebindTime, else 87.5% of the lease time).', 1)),
    pools: Type.Array(PoolSchema, { default: [], maxItems: 256, description: 'Dynamic address ranges. None: the subnet serves reservations only.' }),
    exclusions: Type.Array(ExclusionSchema, { default: [], maxItems: 1024, description: 'Addresses inside pools never handed out dynamically.' }),
    reservations: Type.Array(ReservationSchema, { default: [], maxItems: 65536, description: 'Known clients: a fixed address and/or their own options and classes.' }),
    options: Options('Options for every client of this subnet. The subnet mask (1) and broadcast address (28) come from the subnet itself.'),
    ddns: Type.Optional(DdnsSubnetSchema),
  },
  { additionalProperties: false, description: 'A subnet the server hands out addresses in.' },
);

export const DhcpInterfaceSchema = Type.Object(
  {
    name: Type.String({ pattern: PATTERNS.interfaceName, description: 'An interface name of at most 15 characters, e.g. eth0 or the VLAN subinterface eth0.10.' }),
    address: Type.Optional(Ipv4('The interface\'s IPv4 address the server answers from and names as server identifier (default: the interface\'s first address).')),
    description: Description(),
  },
  { additionalProperties: false, description: 'An interface the DHCP server listens on.' },
);

export const DhcpSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the DHCPv4 server. False keeps the section (and its checks) but starts nothing.' }),
    port: Type.Integer({ minimum: 1, maximum: 65534, default: 67, description: 'UDP port the server listens on. Replies go to clients on port + 1 and to relays on this port, like Kea\'s -p. Tests and the unprivileged demo use a high port.' }),
    interfaces: Type.Array(DhcpInterfaceSchema, { default: [], maxItems: 256, description: 'Interfaces the server listens on, each named once.' }),
    serverIdentifier: Type.Optional(Ipv4('Server identifier (option 54) for every reply (default: the address of the interface the request came in on).')),
    authoritative: Type.Boolean({ default: true, description: 'Answer a REQUEST for an address this server cannot give with a NAK (true), so a phone moved to another VLAN starts over at once; false ignores it (Kea\'s default).' }),
    matchClientId: Type.Boolean({ default: true, description: 'Identify clients by their client identifier (option 61) when they send one, else by MAC address (as Kea\'s match-client-id).' }),
    leaseTime: Seconds('Lease time (valid lifetime) in seconds.', 10, { default: 86400 }),
    renewTime: Type.Optional(Seconds('T1 (renew timer) in seconds (default: 50% of the lease time).', 1)),
    rebindTime: Type.Optional(Seconds('T2 (rebind timer) in seconds (default: 87.5% of the lease time).', 1)),
    declineProbationTime: Seconds('Seconds an address declined by a client (address conflict) stays out of use.', 1, { default: 86400 }),
    offerHoldTime: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'Seconds an offered address stays held for the client that was offered it.' }),
    pingBeforeOffer: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Ping a free address (ICMP echo) before offering it; skip it when something answers.' }),
        timeoutMs: Type.Integer({ minimum: 10, maximum: 10000, default: 500, description: 'Milliseconds to wait for an echo reply.' }),
      },
      { additionalProperties: false, default: {}, description: 'Conflict detection before an offer, for networks with hosts that configure addresses by hand.' },
    ),
    leaseDir: Type.String({ maxLength: 4096, pattern: PATTERNS.path, default: '/var/lib/outpost/dhcp4', description: 'Directory of the lease files; relative paths are resolved against the config file\'s directory.' }),
    options: Options('Global options, for every client.'),
    classes: Type.Array(ClientClassSchema, { default: [], maxItems: 256, description: 'Client classes, in priority order (the first class listed wins an option two classes set).' }),
    sharedNetworks: Type.Array(SharedNetworkSchema, { default: [], maxItems: 1024, description: 'Shared networks: several subnets on one link.' }),
    subnets: Type.Array(SubnetSchema, { default: [], maxItems: 65536, description: 'The subnets the server hands out addresses in.' }),
    ddns: DdnsSchema,
  },
  { additionalProperties: false, description: 'The DHCPv4 server of this site. Absent: no DHCP service.' },
);

/** The `dhcp` section as the engine sees it after validation, with defaults filled in. */
export type DhcpConfig = Static<typeof DhcpSchema>;
export type DhcpSubnet = Static<typeof SubnetSchema>;
export type DhcpPool = Static<typeof PoolSchema>;
export type DhcpExclusion = Static<typeof ExclusionSchema>;
export type DhcpReservation = Static<typeof ReservationSchema>;
export type DhcpClientClass = Static<typeof ClientClassSchema>;
export type DhcpClassMatch = Static<typeof ClassMatchSchema>;
export type DhcpSharedNetwork = Static<typeof SharedNetworkSchema>;
export type DhcpInterface = Static<typeof DhcpInterfaceSchema>;

/** Fraction of the lease time T1 and T2 default to (RFC 2131 §4.4.5). */
export const DEFAULT_T1_FRACTION = 0.5;
export const DEFAULT_T2_FRACTION = 0.875;

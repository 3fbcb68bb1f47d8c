// DHCP service objects (docs/manager.md "Service objects"): option sets (reusable options
// with the typed VoIP and AP templates of the site config), client classes, failover
// relationships and DHCP scopes (a subnet served by one server or by a failover
// relationship). Option values are checked by the same renderer the site daemon uses, so
// a value the manager accepts is one a site accepts.
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { ClassMatchSchema, DhcpOptionsSchema, PATTERNS, type DhcpOptionValues } from '../../config/dhcp-schema.js';
import { renderOptions } from '../../config/dhcp-options.js';
import { FAILOVER_MODES, FailoverConfirmSchema, FailoverFailbackSchema, FailoverRelationshipSchema } from '../../config/failover-schema.js';
import { FilesSyncSchema } from '../../config/files-schema.js';
import { ManagerError } from '../errors.js';
import type { Trx } from '../ipam/transaction.js';
import type { ResourceDef } from './resource.js';
import { Description, Ipv4, Label, ObjectId } from './fields.js';

const Options = (description: string) => Type.Optional(Type.Unsafe<DhcpOptionValues>({ ...DhcpOptionsSchema, description }));

/** Refuses options the site's option renderer would refuse (lengths, catalogue names, template values). */
export function checkOptions(options: DhcpOptionValues | undefined, object: string, field = 'options'): void {
  const problem = renderOptions(options, [field]).problems[0];
  if (problem) throw new ManagerError('MANAGER_INVALID', 'invalid', problem.reason, object, problem.path.replace(/^\$\./, ''));
}

export const OptionSetDoc = Type.Object({
  name: Label('The option set\'s name (a DNS label), e.g. "avaya-96xx".'),
  options: Type.Unsafe<DhcpOptionValues>({ ...DhcpOptionsSchema, description: 'The options: typed keys (routers, domainNameServers…), templates (avaya, ciscoTftp, aruba, resolvers) and custom options.' }),
  description: Description(),
}, { additionalProperties: false });

export const optionSets: ResourceDef<typeof OptionSetDoc> = {
  type: 'option set', table: 'option_set', path: 'option-sets', title: 'OptionSet', schema: OptionSetDoc,
  columns: { name: 'name' }, filters: ['name'], unique: [['name']],
  referencedBy: [{ table: 'client_class', column: 'option_set_id', what: 'client class' }, { table: 'dhcp_scope', column: 'option_set_id', what: 'DHCP scope' }],
  label: (d) => d.name,
  check: async (_trx, d) => checkOptions(d.options, `option set ${d.name}`),
};

export const ClientClassDoc = Type.Object({
  name: Label('The class name (a DNS label): pools, scopes and reservations name it.'),
  priority: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 100, description: 'Lower first: when a client is in several classes, the first one\'s options win.' }),
  match: Type.Optional(ClassMatchSchema),
  optionSetId: Type.Optional(ObjectId('An option set its clients get (options below override it).')),
  options: Options('Options of this class, over the option set\'s.'),
  description: Description(),
}, { additionalProperties: false });

export const clientClasses: ResourceDef<typeof ClientClassDoc> = {
  type: 'client class', table: 'client_class', path: 'client-classes', title: 'ClientClass', schema: ClientClassDoc,
  columns: { name: 'name', optionSetId: 'option_set_id' }, filters: ['name'], unique: [['name']],
  references: { optionSetId: { table: 'option_set', what: 'option set' } },
  label: (d) => d.name,
  usedBy: (trx, d) => classUser(trx, d.name),
  async check(trx, d, id) {
    checkOptions(d.options, `client class ${d.name}`);
    const stored = id === undefined ? undefined : await trx.selectFrom('client_class').select('name').where('id', '=', id).executeTakeFirst();
    const user = stored && stored.name !== d.name ? await classUser(trx, stored.name) : undefined;
    if (user) throw new ManagerError('MANAGER_IN_USE', 'conflict', `client class ${stored!.name} is named by ${user}: rename it there first`, `client class ${stored!.name}`, 'name');
  },
};

/**
 * Where a client class is named — by a DHCP scope, a pool or a reservation (the first
 * found) — so it is neither deleted nor renamed under them. A text search narrows, JSON decides.
 */
async function classUser(trx: Trx, name: string): Promise<string | undefined> {
  const needle = `%${JSON.stringify(name)}%`;
  const names = (data: string | null) => (data ? (JSON.parse(data) as { classes?: string[] }).classes ?? [] : []);
  for (const r of await trx.selectFrom('dhcp_scope').select(['subnet_id', 'data']).where('data', 'like', needle).execute()) {
    if (names(r.data).includes(name)) return `the DHCP scope of subnet ${r.subnet_id}`;
  }
  for (const r of await trx.selectFrom('ip_range').select(['start', 'end', 'data']).where('data', 'like', needle).execute()) {
    if (names(r.data).includes(name)) return `pool ${r.start}-${r.end}`;
  }
  for (const r of await trx.selectFrom('address').select(['address', 'data']).where('data', 'like', needle).execute()) {
    if (names(r.data).includes(name)) return `reservation ${r.address}`;
  }
  return undefined;
}

const R = FailoverRelationshipSchema.properties;
export const FailoverDoc = Type.Object({
  name: Label('The relationship\'s name (a DNS label), the same in both servers\' configs.'),
  mode: Type.Union(FAILOVER_MODES.map((m) => Type.Literal(m)), { description: R.mode.description }),
  primaryServerId: ObjectId('The primary server.'),
  secondaryServerId: ObjectId('Its partner: the standby (hot-standby) or the secondary (load-balancing, split-scope). One server may be the partner of several primaries (many-to-one), up to its maxFailoverPrimaries.'),
  key: Type.Optional(Type.String({ minLength: 44, maxLength: 1024, pattern: '^[A-Za-z0-9+/]+=*$', description: 'The pre-shared key in base64 (at least 32 bytes). Absent: the manager makes one. Never read back.' })),
  split: R.split, standbyReserve: R.standbyReserve, mclt: R.mclt,
  heartbeatInterval: R.heartbeatInterval, missedHeartbeats: R.missedHeartbeats, updateTimeout: R.updateTimeout,
  confirm: FailoverConfirmSchema, failback: FailoverFailbackSchema,
  startupWait: R.startupWait, maxClockSkew: R.maxClockSkew,
  description: Description(),
}, { additionalProperties: false });

async function dhcpServer(trx: Trx, id: number, object: string, field: string): Promise<{ name: string; data: string }> {
  const s = await trx.selectFrom('server').select(['name', 'data']).where('id', '=', id).executeTakeFirstOrThrow();
  if (!(JSON.parse(s.data) as { roles?: string[] }).roles?.includes('dhcp')) {
    throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${s.name} does not run DHCP (its roles lack "dhcp")`, object, field);
  }
  return s;
}

export const failovers: ResourceDef<typeof FailoverDoc> = {
  type: 'failover relationship', table: 'failover', path: 'failover-relationships', title: 'FailoverRelationship', schema: FailoverDoc,
  columns: { name: 'name', primaryServerId: 'primary_server_id', secondaryServerId: 'secondary_server_id' },
  filters: ['name', 'primaryServerId', 'secondaryServerId'], unique: [['name']], hidden: ['key'],
  references: { primaryServerId: { table: 'server', what: 'server' }, secondaryServerId: { table: 'server', what: 'server' } },
  referencedBy: [{ table: 'dhcp_scope', column: 'failover_id', what: 'DHCP scope' }],
  label: (d) => d.name,
  prepare: (d) => ({ ...d, key: d.key ?? randomBytes(32).toString('base64') }),
  async check(trx, d, id) {
    const object = `failover relationship ${d.name}`;
    if (d.primaryServerId === d.secondaryServerId) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a relationship is between two different servers', object, 'secondaryServerId');
    await dhcpServer(trx, d.primaryServerId, object, 'primaryServerId');
    const partner = await dhcpServer(trx, d.secondaryServerId, object, 'secondaryServerId');
    const others = (await trx.selectFrom('failover').select(['id', 'name', 'primary_server_id', 'secondary_server_id'])
      .where((w) => w.or([w('primary_server_id', 'in', [d.primaryServerId, d.secondaryServerId]), w('secondary_server_id', 'in', [d.primaryServerId, d.secondaryServerId])]))
      .execute()).filter((r) => r.id !== id);
    const samePair = others.find((r) => new Set([r.primary_server_id, r.secondary_server_id, d.primaryServerId, d.secondaryServerId]).size === 2);
    if (samePair) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `the same two servers are in relationship ${samePair.name} already: one relationship per pair of servers`, object, 'secondaryServerId');
    const backedUp = others.filter((r) => r.secondary_server_id === d.secondaryServerId).length + 1;
    const limit = (JSON.parse(partner.data) as { maxFailoverPrimaries?: number }).maxFailoverPrimaries ?? 5;
    if (backedUp > limit) {
      throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${partner.name} would back up ${backedUp} primaries, more than its maxFailoverPrimaries (${limit})`, object, 'secondaryServerId');
    }
  },
};

export const DhcpScopeDoc = Type.Object({
  subnetId: ObjectId('The IPv4 subnet served (a /8 to a /30).'),
  serverId: Type.Optional(ObjectId('The server that serves it alone. Give serverId or failoverId.')),
  failoverId: Type.Optional(ObjectId('The failover relationship whose two servers serve it. Give serverId or failoverId.')),
  optionSetId: Type.Optional(ObjectId('An option set for its clients (options below override it).')),
  options: Options('Options for every client of the subnet, over the option set\'s.'),
  interface: Type.Optional(Type.String({ pattern: PATTERNS.interfaceName, description: 'The server interface (dhcpInterfaces[].name) the subnet is directly connected on; absent: reached through relays.' })),
  relayAddresses: Type.Optional(Type.Array(Ipv4('A relay (giaddr) address.'), { minItems: 1, maxItems: 32, description: 'Relay addresses outside the subnet that select it.' })),
  classes: Type.Optional(Type.Array(Label('A client class name.'), { minItems: 1, maxItems: 64, description: 'Only clients in one of these classes get addresses here.' })),
  leaseTime: Type.Optional(Type.Integer({ minimum: 10, maximum: 0xfffffffe, description: 'Lease time in seconds (default: the server\'s, 86400).' })),
  renewTime: Type.Optional(Type.Integer({ minimum: 1, maximum: 0xfffffffe, description: 'T1 in seconds.' })),
  rebindTime: Type.Optional(Type.Integer({ minimum: 1, maximum: 0xfffffffe, description: 'T2 in seconds.' })),
  description: Description(),
}, { additionalProperties: false });

export const dhcpScopes: ResourceDef<typeof DhcpScopeDoc> = {
  type: 'DHCP scope', table: 'dhcp_scope', path: 'dhcp-scopes', title: 'DhcpScope', schema: DhcpScopeDoc,
  columns: { subnetId: 'subnet_id', serverId: 'server_id', failoverId: 'failover_id', optionSetId: 'option_set_id' },
  filters: ['subnetId', 'serverId', 'failoverId'], unique: [['subnetId']],
  references: {
    subnetId: { table: 'subnet', what: 'subnet' }, serverId: { table: 'server', what: 'server' },
    failoverId: { table: 'failover', what: 'failover relationship' }, optionSetId: { table: 'option_set', what: 'option set' },
  },
  label: (d) => `subnet ${d.subnetId}`,
  async check(trx, d) {
    const subnet = await trx.selectFrom('subnet').select(['prefix', 'family', 'length']).where('id', '=', d.subnetId).executeTakeFirstOrThrow();
    const object = `DHCP scope of ${subnet.prefix}`;
    if (subnet.family !== 4 || subnet.length < 8 || subnet.length > 30) throw new ManagerError('MANAGER_INVALID', 'invalid', `${subnet.prefix}: the DHCPv4 service serves IPv4 subnets from /8 to /30`, object, 'subnetId');
    if ((d.serverId === undefined) === (d.failoverId === undefined)) throw new ManagerError('MANAGER_INVALID', 'invalid', 'give serverId (one server) or failoverId (a failover pair), not both or neither', object, d.serverId === undefined ? 'serverId' : 'failoverId');
    if (d.serverId !== undefined) {
      const server = await dhcpServer(trx, d.serverId, object, 'serverId');
      const interfaces = (JSON.parse(server.data) as { dhcpInterfaces?: { name: string }[] }).dhcpInterfaces ?? [];
      if (d.interface !== undefined && !interfaces.some((i) => i.name === d.interface)) {
        throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${server.name} has no DHCP interface ${d.interface} (its dhcpInterfaces: ${interfaces.map((i) => i.name).join(', ') || 'none'})`, object, 'interface');
      }
    }
    for (const [i, name] of (d.classes ?? []).entries()) {
      const known = await trx.selectFrom('client_class').select('id').where('name', '=', name).executeTakeFirst();
      if (!known) throw new ManagerError('MANAGER_INVALID', 'invalid', `there is no client class ${name}`, object, `classes.${i}`);
    }
    checkOptions(d.options, object);
  },
};

export const FileSetDoc = Type.Object({
  name: Label('The file set\'s name (a DNS label), e.g. "avaya-firmware".'),
  manifest: FilesSyncSchema.properties.manifest,
  sources: Type.Array(Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s]+$', description: 'Base URL a file\'s path is appended to.' }) }, { additionalProperties: false }), { minItems: 1, maxItems: 8, description: 'Where sites fetch the files from, tried in order.' }),
  bandwidth: Type.Optional(Type.Integer({ minimum: 1024, maximum: 10_000_000_000, description: 'Bytes per second a site\'s sync may use at most.' })),
  description: Description(),
}, { additionalProperties: false });

export const fileSets: ResourceDef<typeof FileSetDoc> = {
  type: 'file set', table: 'file_set', path: 'file-sets', title: 'FileSet', schema: FileSetDoc,
  columns: { name: 'name' }, filters: ['name'], unique: [['name']],
  referencedBy: [{ table: 'server', column: 'file_set_id', what: 'server' }],
  label: (d) => d.name,
};

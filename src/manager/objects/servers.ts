// Servers and twin pairs (docs/manager.md "Service objects"): a server is one site daemon —
// one rendered site config — with the roles it runs; a twin pair is two servers of a site
// behind one virtual address (seed 001's TwinMirror; VRRP in issue 10).
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_FAILOVER_PORT } from '../../config/failover-schema.js';
import { PATTERNS } from '../../config/dhcp-schema.js';
import { ManagerError } from '../errors.js';
import type { ResourceDef } from './resource.js';
import { Description, Ipv4, Label, ObjectId, Port } from './fields.js';

export const SERVER_ROLES = ['dhcp', 'dns', 'files'] as const;

export const ServerDoc = Type.Object({
  siteId: ObjectId('The site the server belongs to.'),
  name: Label('The server\'s name (a DNS label, unique among all servers): the site config\'s server.name, e.g. "branch-07-a".'),
  address: Ipv4('The server\'s address: failover partners connect to it, secondaries transfer from it, phones fetch files from it.'),
  roles: Type.Array(Type.Union(SERVER_ROLES.map((r) => Type.Literal(r))), { uniqueItems: true, default: [], description: 'The services it runs: dhcp, dns, files.' }),
  dhcpInterfaces: Type.Array(Type.Object({
    name: Type.String({ pattern: PATTERNS.interfaceName, description: 'An interface name, e.g. eth0 or eth0.10.' }),
    address: Type.Optional(Ipv4('The interface\'s address the server answers from (default: its first address).')),
  }, { additionalProperties: false }), { maxItems: 256, default: [], description: 'The interfaces the DHCP service listens on (directly connected subnets name one).' }),
  statusPort: Port(9180, 'The status endpoint\'s port (/healthz, /metrics) on 127.0.0.1.'),
  dnsPort: Port(53, 'The DNS service\'s port.'),
  failoverPort: Port(DEFAULT_FAILOVER_PORT, 'The failover listener\'s port.'),
  maxFailoverPrimaries: Type.Integer({ minimum: 1, maximum: 64, default: 5, description: 'As a many-to-one failover server: how many primaries it backs up at most (VitalQIP recommends at most 5).' }),
  dataDir: Type.String({ minLength: 1, maxLength: 4096, pattern: '^/[^\\u0000]*$', default: '/var/lib/outpost', description: 'The absolute directory the site daemon keeps its leases, zone copies and files under.' }),
  fileSetId: Type.Optional(ObjectId('The provisioning file set its file service serves.')),
  description: Description(),
}, { additionalProperties: false });

export const servers: ResourceDef<typeof ServerDoc> = {
  type: 'server', table: 'server', path: 'servers', title: 'Server', schema: ServerDoc,
  columns: { siteId: 'site_id', name: 'name', fileSetId: 'file_set_id' },
  filters: ['siteId', 'name'],
  unique: [['name']],
  references: { siteId: { table: 'site', what: 'site' }, fileSetId: { table: 'file_set', what: 'file set' } },
  referencedBy: [
    { table: 'twin_pair', column: 'server_a_id', what: 'twin pair' },
    { table: 'twin_pair', column: 'server_b_id', what: 'twin pair' },
    { table: 'failover', column: 'primary_server_id', what: 'failover relationship' },
    { table: 'failover', column: 'secondary_server_id', what: 'failover relationship' },
    { table: 'dhcp_scope', column: 'server_id', what: 'DHCP scope' },
    { table: 'dns_zone', column: 'primary_server_id', what: 'DNS zone' },
    { table: 'dns_zone_secondary', column: 'server_id', idColumn: 'zone_id', what: 'DNS zone (as a secondary)' },
  ],
  label: (d) => d.name,
  async check(trx, d, id) {
    if (id === undefined || d.roles.includes('dns')) return;
    // A zone's primary and secondaries run DNS (docs/manager.md "DNS"): the role stays while a zone uses the server.
    const zone = await trx.selectFrom('dns_zone').select(['id', 'name']).where((w) => w.or([
      w('primary_server_id', '=', id), w('id', 'in', w.selectFrom('dns_zone_secondary').select('zone_id').where('server_id', '=', id)),
    ])).executeTakeFirst();
    if (zone) throw new ManagerError('MANAGER_INVALID', 'invalid', `DNS zone ${zone.name} is served by this server: it keeps the role dns until the zone is moved`, `server ${d.name}`, 'roles');
  },
};

export const TwinPairDoc = Type.Object({
  siteId: ObjectId('The site of both servers.'),
  name: Label('The pair\'s name (a DNS label).'),
  serverAId: ObjectId('One server of the pair.'),
  serverBId: ObjectId('The other server.'),
  virtualAddress: Ipv4('The address the pair shares (VRRP): phones and clients use it.'),
  description: Description(),
}, { additionalProperties: false });

export const twinPairs: ResourceDef<typeof TwinPairDoc> = {
  type: 'twin pair', table: 'twin_pair', path: 'twin-pairs', title: 'TwinPair', schema: TwinPairDoc,
  columns: { siteId: 'site_id', name: 'name', serverAId: 'server_a_id', serverBId: 'server_b_id' },
  filters: ['siteId'],
  unique: [['name']],
  references: { siteId: { table: 'site', what: 'site' }, serverAId: { table: 'server', what: 'server' }, serverBId: { table: 'server', what: 'server' } },
  label: (d) => d.name,
  async check(trx, d, id) {
    const object = `twin pair ${d.name}`;
    if (d.serverAId === d.serverBId) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a twin pair is two different servers', object, 'serverBId');
    for (const field of ['serverAId', 'serverBId'] as const) {
      const server = await trx.selectFrom('server').select(['site_id', 'name']).where('id', '=', d[field]).executeTakeFirstOrThrow();
      if (server.site_id !== d.siteId) throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${server.name} is at site ${server.site_id}, not at the pair's site ${d.siteId}`, object, field);
      let q = trx.selectFrom('twin_pair').select('id').where((w) => w.or([w('server_a_id', '=', d[field]), w('server_b_id', '=', d[field])]));
      if (id !== undefined) q = q.where('id', '<>', id);
      const other = await q.executeTakeFirst();
      if (other) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `server ${server.name} is in twin pair ${other.id} already`, object, field);
    }
  },
};

export type ServerDocument = Static<typeof ServerDoc>;

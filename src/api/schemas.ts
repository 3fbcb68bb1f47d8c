// The shapes of the REST API (docs/api.md): TypeBox declarations that are at once the
// JSON Schemas fastify validates with, the OpenAPI document's components and the
// handlers' types. Bodies allow no unknown fields.
import { Type, type TSchema } from '@sinclair/typebox';
import { DhcpOptionsSchema, type DhcpOptionValues } from '../config/dhcp-schema.js';

const Id = Type.Integer({ minimum: 1, description: 'The object\'s id.' });
const Times = { version: Type.Integer({ description: 'Changes with every update; sent back as the ETag.' }), createdAt: Type.Integer({ description: 'ms since the epoch' }), updatedAt: Type.Integer({ description: 'ms since the epoch' }) };
const Text = (maxLength: number, description: string) => Type.String({ maxLength, description });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'A code from the registry (docs/codes.md): stable, alert on it.' }),
    message: Type.String({ description: 'What went wrong, in words.' }),
    object: Type.Optional(Type.String({ description: 'The object concerned, e.g. "subnet 198.51.100.0/24".' })),
    field: Type.Optional(Type.String({ description: 'The field concerned, e.g. "prefix", or the JSON path of a request value.' })),
    index: Type.Optional(Type.Integer({ description: 'In a bulk request: the operation that failed (from 0).' })),
  }),
});

export const IpSpace = Type.Object({ id: Id, name: Type.String(), description: Type.String(), ...Times });
export const IpSpaceInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 63, description: 'Letters, digits, ".", "_", "-".' }),
  description: Type.Optional(Text(500, 'Free text.')),
}, { additionalProperties: false });

export const Site = Type.Object({
  id: Id, name: Type.String(), description: Type.String(), survivability: Type.Union([Type.Literal('survivable'), Type.Literal('dependent')]), wanNotes: Type.String(), ...Times,
});
export const IpSpacePatch = Type.Object({
  name: Type.Optional(IpSpaceInput.properties.name), description: Type.Optional(Text(500, 'Free text.')),
}, { additionalProperties: false, minProperties: 1 });
export const SiteInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 63, description: 'A DNS label, e.g. "branch-07": the site config\'s site.name.' }),
  description: Type.Optional(Text(500, 'Free text.')),
  survivability: Type.Optional(Type.Union([Type.Literal('survivable'), Type.Literal('dependent')], { description: 'survivable: the site serves on its own through a WAN outage.' })),
  wanNotes: Type.Optional(Text(2000, 'Notes on the WAN link.')),
}, { additionalProperties: false });
export const SitePatch = Type.Partial(SiteInput, { additionalProperties: false, minProperties: 1 });

export const Subnet = Type.Object({
  id: Id, spaceId: Id, parentId: Nullable(Id), prefix: Type.String(), family: Type.Union([Type.Literal(4), Type.Literal(6)]), siteId: Nullable(Id), vlanId: Nullable(Id), description: Type.String(), ...Times,
});
const SubnetFields = {
  siteId: Type.Optional(Nullable(Type.Integer({ minimum: 1, description: 'The site the subnet is at.' }))),
  vlanId: Type.Optional(Nullable(Type.Integer({ minimum: 1, description: 'The VLAN it is on: one of every site, or one local to the subnet\'s site.' }))),
  description: Type.Optional(Text(500, 'Free text.')),
};
export const SubnetInput = Type.Object({
  spaceId: Id,
  prefix: Type.String({ maxLength: 64, description: 'e.g. "198.51.100.0/24" or "2001:db8:1::/48"; host bits zero.' }),
  ...SubnetFields,
}, { additionalProperties: false });
export const SubnetPatch = Type.Object(SubnetFields, { additionalProperties: false, minProperties: 1 });
export const NextFreeSubnetInput = Type.Object({
  length: Type.Integer({ minimum: 1, maximum: 128, description: 'The prefix length wanted, e.g. 24.' }),
  ...SubnetFields,
}, { additionalProperties: false });

/** A pool's or a reservation's own DHCP options and client classes (IPv4); each replaces the stored one whole, an empty one removes it. */
const DhcpExtras = (what: string) => ({
  options: Type.Optional(Type.Unsafe<DhcpOptionValues>({ ...DhcpOptionsSchema, description: `Options for ${what}, over the scope's and the classes'. Typed keys, templates (avaya, ciscoTftp, aruba, resolvers), custom options. {} removes them.` })),
  classes: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$', description: 'A client class name.' }), { maxItems: 64, uniqueItems: true, description: `Client classes of ${what}. [] removes them.` })),
});
const DhcpExtrasView = {
  options: Type.Optional(Type.Unsafe<DhcpOptionValues>({ ...DhcpOptionsSchema, description: 'Its own DHCP options.' })),
  classes: Type.Optional(Type.Array(Type.String(), { description: 'Its client classes.' })),
};

const MAC = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$';
const HOST = '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$';
const AddressFields = {
  kind: Type.Union([Type.Literal('reservation'), Type.Literal('static')], { description: 'reservation: the DHCP service gives it to one client (mac or clientId); static: configured on the device.' }),
  mac: Type.Optional(Nullable(Type.String({ pattern: MAC, description: 'e.g. 00:11:22:33:44:55' }))),
  clientId: Type.Optional(Nullable(Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){1,254}$', description: 'DHCP client identifier, hex bytes with colons.' }))),
  hostname: Type.Optional(Nullable(Type.String({ pattern: HOST, description: 'The host\'s name.' }))),
  dnsName: Type.Optional(Nullable(Type.String({ pattern: HOST, description: 'The DNS name registered for it.' }))),
  description: Type.Optional(Text(500, 'Free text.')),
  ...DhcpExtras('this client (reservations only): its classes decide which pools and options it gets'),
};
export const Address = Type.Object({
  id: Id, spaceId: Id, subnetId: Id, address: Type.String(), kind: AddressFields.kind,
  mac: Nullable(Type.String()), clientId: Nullable(Type.String()), hostname: Nullable(Type.String()), dnsName: Nullable(Type.String()), description: Type.String(), ...DhcpExtrasView, ...Times,
});
export const AddressInput = Type.Object({ spaceId: Id, address: Type.String({ maxLength: 45 }), ...AddressFields }, { additionalProperties: false });
export const NextFreeAddressInput = Type.Object(AddressFields, { additionalProperties: false });

export const IpRange = Type.Object({
  id: Id, subnetId: Id, kind: Type.Union([Type.Literal('pool'), Type.Literal('exclusion')]), start: Type.String(), end: Type.String(), description: Type.String(), ...DhcpExtrasView, ...Times,
});
const PoolExtras = DhcpExtras('clients given an address from this pool (IPv4 pools only); with classes, only clients in one of them get one here');
export const IpRangeInput = Type.Object({
  kind: Type.Union([Type.Literal('pool'), Type.Literal('exclusion')], { description: 'pool: handed out by DHCP; exclusion: given to nobody.' }),
  start: Type.String({ maxLength: 45 }), end: Type.String({ maxLength: 45 }), description: Type.Optional(Text(500, 'Free text.')), ...PoolExtras,
}, { additionalProperties: false });
export const IpRangePatch = Type.Object({ description: Type.Optional(Text(500, 'Free text.')), ...PoolExtras }, { additionalProperties: false, minProperties: 1 });

export const User = Type.Object({
  id: Id, name: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('read-only')]), sites: Nullable(Type.Array(Id)), disabled: Type.Boolean(), ...Times,
});
export const UserInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('read-only')]),
  password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
  sites: Type.Optional(Nullable(Type.Array(Id, { maxItems: 10_000 }))),
}, { additionalProperties: false });
export const TokenInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scope: Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]),
  expiresAt: Type.Optional(Type.Integer({ description: 'ms since the epoch' })),
}, { additionalProperties: false });
export const TokenCreated = Type.Object({ id: Id, secret: Type.String({ description: 'Shown once: store it now.' }) });
export const LoginInput = Type.Object({ name: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
export const Session = Type.Object({ token: Type.String(), expiresAt: Type.Integer() });

export const AuditEntry = Type.Object({
  id: Id, at: Type.Integer(), actor: Type.String(), action: Type.String(), objectType: Type.String(), objectId: Type.String(), before: Type.Unknown(), after: Type.Unknown(),
});

export const PageQuery = {
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'The `next` of the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
};
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** A page of T: items and the cursor of the next page (null on the last). */
export const PageOf = <T extends TSchema>(item: T, name: string) => Type.Object({ items: Type.Array(item), next: Nullable(Type.Integer()) }, { title: `${name} page` });


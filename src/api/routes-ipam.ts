// IPAM routes (docs/api.md): IP spaces, sites, subnets (with next-free subnet and
// address), ranges, addresses. GETs of one object send its ETag; PATCH and DELETE honour
// If-Match; next-free honours Idempotency-Key; lists page by keyset (`after`, `limit`).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../manager/audit.js';
import { ManagerError } from '../manager/errors.js';
import type { Manager } from '../manager/manager.js';
import { idempotencyKey, IDEMPOTENCY_HEADER, ifMatch, pageOf, withEtag } from './http-helpers.js';
import * as S from './schemas.js';

const actor = (req: FastifyRequest): Actor => req.principal!;
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 412: S.ErrorBody, 422: S.ErrorBody };
function found<T>(object: T | undefined, what: string, id: number): T {
  if (object === undefined) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `${what} ${id} does not exist`, `${what} ${id}`);
  return object;
}

type Id = { Params: Static<typeof S.IdParams> };

export async function ipamRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  // --- IP spaces ---
  api.get<{ Querystring: { after?: number; limit?: number } }>('/ip-spaces', {
    schema: { summary: 'List IP spaces', tags: ['ipam'], querystring: Type.Object(S.PageQuery, { additionalProperties: false }), response: { 200: S.PageOf(S.IpSpace, 'IpSpace'), ...errors } },
  }, (req) => m.queries.spaces(pageOf(req.query)));
  api.post<{ Body: Static<typeof S.IpSpaceInput> }>('/ip-spaces', {
    schema: { summary: 'Create an IP space (a VRF: its own subnet tree)', tags: ['ipam'], body: S.IpSpaceInput, response: { 201: S.IpSpace, ...errors } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.spaces.create(actor(req), req.body.name, req.body.description))));
  api.get<Id>('/ip-spaces/:id', {
    schema: { summary: 'Get an IP space', tags: ['ipam'], params: S.IdParams, response: { 200: S.IpSpace, ...errors } },
  }, async (req, reply) => withEtag(reply, found(await m.queries.space(req.params.id), 'IP space', req.params.id)));
  api.patch<Id & { Body: Static<typeof S.IpSpacePatch> }>('/ip-spaces/:id', {
    schema: { summary: 'Rename an IP space or change its description (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, body: S.IpSpacePatch, response: { 200: S.IpSpace, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.spaces.update(actor(req), req.params.id, req.body, ifMatch(req))));
  api.delete<Id>('/ip-spaces/:id', {
    schema: { summary: 'Delete an IP space that holds no subnets (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.spaces.delete(actor(req), req.params.id, ifMatch(req)); return reply.code(204).send(); });

  // --- sites ---
  api.get<{ Querystring: { after?: number; limit?: number } }>('/sites', {
    schema: { summary: 'List sites', tags: ['sites'], querystring: Type.Object(S.PageQuery, { additionalProperties: false }), response: { 200: S.PageOf(S.Site, 'Site'), ...errors } },
  }, (req) => m.queries.sites(pageOf(req.query)));
  api.post<{ Body: Static<typeof S.SiteInput> }>('/sites', {
    schema: { summary: 'Create a site', tags: ['sites'], body: S.SiteInput, response: { 201: S.Site, ...errors } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.sites.create(actor(req), req.body))));
  api.get<Id>('/sites/:id', {
    schema: { summary: 'Get a site', tags: ['sites'], params: S.IdParams, response: { 200: S.Site, ...errors } },
  }, async (req, reply) => withEtag(reply, found(await m.queries.site(req.params.id), 'site', req.params.id)));
  api.patch<Id & { Body: Static<typeof S.SitePatch> }>('/sites/:id', {
    schema: { summary: 'Change a site: name, survivability, description, WAN notes (If-Match: its ETag)', tags: ['sites'], params: S.IdParams, body: S.SitePatch, response: { 200: S.Site, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.sites.update(actor(req), req.params.id, req.body, ifMatch(req))));
  api.delete<Id>('/sites/:id', {
    schema: { summary: 'Delete a site with no servers, twin pairs, VLANs, subnets or lease history (If-Match: its ETag)', tags: ['sites'], params: S.IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.sites.delete(actor(req), req.params.id, ifMatch(req)); return reply.code(204).send(); });

  // --- subnets ---
  const SubnetQuery = Type.Object({
    spaceId: Type.Optional(Type.Integer({ minimum: 1 })),
    parentId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('none')], { description: 'A parent\'s id, or "none" for the top of the tree.' })),
    siteId: Type.Optional(Type.Integer({ minimum: 1 })),
    vlanId: Type.Optional(Type.Integer({ minimum: 1 })),
    family: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(6)])),
    contains: Type.Optional(Type.String({ maxLength: 45, description: 'Subnets that contain this address.' })),
    within: Type.Optional(Type.String({ maxLength: 64, description: 'Subnets inside this prefix.' })),
    ...S.PageQuery,
  }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof SubnetQuery> }>('/subnets', {
    schema: { summary: 'List subnets', tags: ['ipam'], querystring: SubnetQuery, response: { 200: S.PageOf(S.Subnet, 'Subnet'), ...errors } },
  }, (req) => {
    const { after, limit, parentId, ...f } = req.query;
    return m.queries.subnets({ ...f, ...(parentId !== undefined ? { parentId: parentId === 'none' ? null : parentId } : {}) }, pageOf({ after, limit }));
  });
  api.post<{ Body: Static<typeof S.SubnetInput> }>('/subnets', {
    schema: { summary: 'Create a subnet: it is placed under the smallest subnet that contains it and adopts those it contains', tags: ['ipam'], body: S.SubnetInput, response: { 201: S.Subnet, ...errors } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.subnets.create(actor(req), req.body))));
  api.get<Id>('/subnets/:id', {
    schema: { summary: 'Get a subnet', tags: ['ipam'], params: S.IdParams, response: { 200: S.Subnet, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.subnets.get(req.params.id)));
  api.patch<Id & { Body: Static<typeof S.SubnetPatch> }>('/subnets/:id', {
    schema: { summary: 'Change a subnet\'s site, VLAN or description (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, body: S.SubnetPatch, response: { 200: S.Subnet, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.subnets.update(actor(req), req.params.id, req.body, ifMatch(req))));
  api.delete<Id>('/subnets/:id', {
    schema: { summary: 'Delete a subnet that holds no addresses or ranges; its children move up (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.subnets.delete(actor(req), req.params.id, ifMatch(req)); return reply.code(204).send(); });
  api.post<Id & { Body: Static<typeof S.NextFreeSubnetInput> }>('/subnets/:id/next-free-subnet', {
    schema: { summary: 'Allocate the first free subnet of a length inside this one (race-free; Idempotency-Key)', tags: ['ipam'], params: S.IdParams, headers: IDEMPOTENCY_HEADER, body: S.NextFreeSubnetInput, response: { 201: S.Subnet, ...errors } },
  }, async (req, reply) => {
    const { length, ...extra } = req.body;
    return reply.code(201).send(withEtag(reply, await m.subnets.nextFree(actor(req), req.params.id, length, extra, idempotencyKey(req))));
  });
  api.post<Id & { Body: Static<typeof S.NextFreeAddressInput> }>('/subnets/:id/next-free-address', {
    schema: { summary: 'Allocate the lowest free address of this subnet outside its children, pools and exclusions (race-free; Idempotency-Key)', tags: ['ipam'], params: S.IdParams, headers: IDEMPOTENCY_HEADER, body: S.NextFreeAddressInput, response: { 201: S.Address, ...errors } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.addresses.nextFree(actor(req), req.params.id, req.body, idempotencyKey(req)))));

  // --- ranges (pools, exclusions) ---
  api.get<Id & { Querystring: { after?: number; limit?: number } }>('/subnets/:id/ranges', {
    schema: { summary: 'List a subnet\'s pools and exclusions', tags: ['ipam'], params: S.IdParams, querystring: Type.Object(S.PageQuery, { additionalProperties: false }), response: { 200: S.PageOf(S.IpRange, 'IpRange'), ...errors } },
  }, async (req) => {
    await m.subnets.get(req.params.id); // 404 for a subnet that does not exist, not an empty list
    return m.queries.ranges(req.params.id, pageOf(req.query));
  });
  api.post<Id & { Body: Static<typeof S.IpRangeInput> }>('/subnets/:id/ranges', {
    schema: { summary: 'Add a pool (with its own DHCP options and client classes) or an exclusion to a subnet', tags: ['ipam'], params: S.IdParams, body: S.IpRangeInput, response: { 201: S.IpRange, ...errors } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.ranges.create(actor(req), req.params.id, req.body))));
  api.get<Id>('/ranges/:id', {
    schema: { summary: 'Get a pool or exclusion', tags: ['ipam'], params: S.IdParams, response: { 200: S.IpRange, ...errors } },
  }, async (req, reply) => withEtag(reply, found(await m.queries.range(req.params.id), 'range', req.params.id)));
  api.patch<Id & { Body: Static<typeof S.IpRangePatch> }>('/ranges/:id', {
    schema: { summary: 'Change a range\'s description, or a pool\'s options and classes (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, body: S.IpRangePatch, response: { 200: S.IpRange, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.ranges.update(actor(req), req.params.id, req.body, ifMatch(req))));
  api.delete<Id>('/ranges/:id', {
    schema: { summary: 'Delete a pool or exclusion (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.ranges.delete(actor(req), req.params.id, ifMatch(req)); return reply.code(204).send(); });

  // --- addresses ---
  const AddressQuery = Type.Object({
    spaceId: Type.Optional(Type.Integer({ minimum: 1 })), subnetId: Type.Optional(Type.Integer({ minimum: 1 })),
    mac: Type.Optional(Type.String({ maxLength: 17 })), hostname: Type.Optional(Type.String({ maxLength: 253 })), ...S.PageQuery,
  }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof AddressQuery> }>('/addresses', {
    schema: { summary: 'List addresses (reservations and static assignments)', tags: ['ipam'], querystring: AddressQuery, response: { 200: S.PageOf(S.Address, 'Address'), ...errors } },
  }, (req) => {
    const { after, limit, ...f } = req.query;
    return m.queries.addresses(f, pageOf({ after, limit }));
  });
  api.post<{ Body: Static<typeof S.AddressInput> }>('/addresses', {
    schema: { summary: 'Record an address in the smallest subnet of its IP space that contains it', tags: ['ipam'], body: S.AddressInput, response: { 201: S.Address, ...errors } },
  }, async (req, reply) => {
    const { spaceId, address, ...details } = req.body;
    return reply.code(201).send(withEtag(reply, await m.addresses.create(actor(req), spaceId, address, details)));
  });
  api.get<Id>('/addresses/:id', {
    schema: { summary: 'Get an address', tags: ['ipam'], params: S.IdParams, response: { 200: S.Address, ...errors } },
  }, async (req, reply) => withEtag(reply, found(await m.queries.address(req.params.id), 'address', req.params.id)));
  const AddressPatch = Type.Omit(S.NextFreeAddressInput, ['kind'], { additionalProperties: false, minProperties: 1 });
  api.patch<Id & { Body: Static<typeof AddressPatch> }>('/addresses/:id', {
    schema: { summary: 'Change an address\'s client, names, description, or a reservation\'s options and classes (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, body: AddressPatch, response: { 200: S.Address, ...errors } },
  }, async (req, reply) => withEtag(reply, await m.addresses.update(actor(req), req.params.id, req.body, ifMatch(req))));
  api.delete<Id>('/addresses/:id', {
    schema: { summary: 'Delete an address (If-Match: its ETag)', tags: ['ipam'], params: S.IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.addresses.delete(actor(req), req.params.id, ifMatch(req)); return reply.code(204).send(); });

  // --- audit ---
  const AuditQuery = Type.Object({ objectType: Type.Optional(Type.String({ maxLength: 40 })), objectId: Type.Optional(Type.String({ maxLength: 40 })), ...S.PageQuery }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof AuditQuery> }>('/audit', {
    schema: { summary: 'The audit log: every write with actor, time, before and after', tags: ['audit'], querystring: AuditQuery, response: { 200: S.PageOf(S.AuditEntry, 'AuditEntry'), ...errors } },
  }, (req) => {
    const { after, limit, ...f } = req.query;
    return m.queries.audit(f, pageOf({ after, limit }));
  });
}

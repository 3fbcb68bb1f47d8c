// Routes of the service objects (docs/api.md "Service objects"): for every kind in the
// catalogue, list (filters, keyset pages), create, get, patch (a JSON merge patch under
// If-Match) and delete — made from the kind's declaration, so each kind's document is
// its schema in the OpenAPI document.
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { OBJECT_KINDS } from '../manager/objects/catalogue.js';
import type { ResourceDef } from '../manager/objects/resource.js';
import type { Manager } from '../manager/manager.js';
import { ifMatch, pageOf, withEtag } from './http-helpers.js';
import * as S from './schemas.js';

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 412: S.ErrorBody, 422: S.ErrorBody };
type Id = { Params: { id: number } };

/** A schema with every `default` removed: a patch sends only what changes. */
function withoutDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'default').map(([k, v]) => [k, withoutDefaults(v)]));
}

/** What a merge patch may send for a value of this schema: objects field by field (each optional, null removes), anything else whole. */
function patchShape(schema: unknown): unknown {
  const s = withoutDefaults(schema) as Record<string, unknown>;
  if (s.type !== 'object' || typeof s.properties !== 'object' || s.properties === null) return s;
  const { required: _required, ...rest } = s;
  return {
    ...rest,
    properties: Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, { anyOf: [patchShape(v), { type: 'null' }] }])),
  };
}

function shapes(def: ResourceDef): { view: TObject; created: TObject; patch: TSchema; query: TObject } {
  const props = def.schema.properties as Record<string, TSchema>;
  const shown = Object.fromEntries(Object.entries(props).filter(([k]) => !(def.hidden ?? []).includes(k)));
  const view = Type.Object({ id: Type.Integer({ minimum: 1 }), ...shown, version: Type.Integer(), createdAt: Type.Integer(), updatedAt: Type.Integer() }, { title: def.title });
  // The create answer shows generated secrets once (revealOnCreate).
  const revealed = Object.fromEntries((def.revealOnCreate ?? []).map((k) => [k, Type.Optional(Type.Unsafe({ ...withoutDefaults(props[k]) as object, description: 'Shown in this answer only: store it now.' }))]));
  const created = Object.keys(revealed).length === 0 ? view : Type.Object({ ...view.properties, ...revealed }, { title: `${def.title}Created` });
  const patch = Type.Unsafe({
    ...(patchShape(Type.Object(props, { additionalProperties: false })) as object),
    minProperties: 1,
    description: 'A JSON merge patch (RFC 7386): objects merge field by field, null removes a field, anything else replaces.',
  });
  const query = Type.Object({
    ...Object.fromEntries((def.filters ?? []).map((f) => [f, Type.Optional(Type.Unsafe(withoutDefaults(props[f]) as object))])),
    ...S.PageQuery,
  }, { additionalProperties: false });
  return { view, created, patch, query };
}

export async function objectRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  for (const def of OBJECT_KINDS) {
    const { view, created, patch, query } = shapes(def);
    const tags = [def.path];
    const one = `/${def.path}/:id`;
    api.get<{ Querystring: Record<string, unknown> & { after?: number; limit?: number } }>(`/${def.path}`, {
      schema: { summary: `List ${def.type}s`, tags, querystring: query, response: { 200: S.PageOf(view, def.title), ...errors } },
    }, (req) => {
      const { after, limit, ...filter } = req.query;
      return m.objects.list(def, filter, pageOf({ after, limit }));
    });
    api.post(`/${def.path}`, {
      schema: { summary: `Create a ${def.type}`, tags, body: def.schema, response: { 201: created, ...errors } },
    }, async (req, reply) => reply.code(201).send(withEtag(reply, await m.objects.create(req.principal!, def, req.body))));
    api.get<Id>(one, {
      schema: { summary: `Get a ${def.type}`, tags, params: S.IdParams, response: { 200: view, ...errors } },
    }, async (req, reply) => withEtag(reply, await m.objects.get(def, req.params.id)));
    api.patch<Id>(one, {
      schema: { summary: `Change a ${def.type} (a JSON merge patch; If-Match: its ETag)`, tags, params: S.IdParams, body: patch, response: { 200: view, ...errors } },
    }, async (req, reply) => withEtag(reply, await m.objects.update(req.principal!, def, req.params.id, req.body, ifMatch(req))));
    api.delete<Id>(one, {
      schema: { summary: `Delete a ${def.type} nothing refers to (If-Match: its ETag)`, tags, params: S.IdParams, response: { 204: Type.Null(), ...errors } },
    }, async (req, reply) => { await m.objects.delete(req.principal!, def, req.params.id, ifMatch(req)); return reply.code(204).send(); });
  }
}

// Rendering routes (docs/api.md "Rendering and plan"): a server's site config as the
// manager would send it, the plan (what would change, per server), and recording what a
// server was given.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Manager } from '../manager/manager.js';
import { maskSecrets } from '../manager/render/secrets.js';
import { allows } from '../manager/access/principals.js';
import { ManagerError } from '../manager/errors.js';
import * as S from './schemas.js';

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody };
const Problem = Type.Object({ code: Type.String(), object: Type.String(), path: Type.String({ description: 'The JSON path in the rendered config.' }), reason: Type.String() });
const File = Type.Object({ path: Type.String(), content: Type.String() });
const Rendered = Type.Object({
  serverId: Type.Integer(), server: Type.String(), site: Type.String(),
  config: Type.Object({}, { additionalProperties: true, description: 'The site config (schema/site-config.v1.schema.json).' }),
  files: Type.Array(File, { description: 'Files the config refers to (zone files).' }),
  configHash: Type.String({ description: 'The site daemon\'s hash of this config.' }),
  hash: Type.String({ description: 'The hash of config and files: what a deployment is.' }),
  problems: Type.Array(Problem, { description: 'Why a site would refuse it; empty when valid.' }),
  warnings: Type.Array(Problem),
}, { title: 'RenderedConfig' });
const Change = Type.Object({ op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('change')]), path: Type.String(), before: Type.Optional(Type.Unknown()), after: Type.Optional(Type.Unknown()) });
const ServerPlan = Type.Object({
  serverId: Type.Integer(), server: Type.String(), site: Type.String(),
  deployedHash: Type.Union([Type.String(), Type.Null()], { description: 'What the server was last given; null: never.' }),
  hash: Type.String(), changed: Type.Boolean(), changes: Type.Array(Change),
  fileChanges: Type.Array(Type.Object({ op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('change')]), path: Type.String() })),
  problems: Type.Array(Problem), warnings: Type.Array(Problem),
}, { title: 'ServerPlan' });

export async function renderRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  const ConfigQuery = Type.Object({ secrets: Type.Optional(Type.Boolean({ default: false, description: 'Show failover keys, TSIG secrets and upload passwords (admin); masked otherwise.' })) }, { additionalProperties: false });
  api.get<{ Params: { id: number }; Querystring: { secrets?: boolean } }>('/servers/:id/config', {
    schema: { summary: 'Render a server\'s site config (deterministic; checked by the site daemon\'s own parser)', tags: ['rendering'], params: S.IdParams, querystring: ConfigQuery, response: { 200: Rendered, ...errors } },
  }, async (req) => {
    if (req.query.secrets && !allows(req.principal!, 'admin')) throw new ManagerError('API_FORBIDDEN', 'forbidden', 'only an administrator (admin role and scope) may read secrets', `server ${req.params.id}`, 'secrets');
    const rendered = await m.render.server(req.params.id);
    return req.query.secrets ? rendered : { ...rendered, config: maskSecrets(rendered.config) };
  });
  const PlanQuery = Type.Object({ siteId: Type.Optional(Type.Integer({ minimum: 1 })), serverId: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
  api.get<{ Querystring: { siteId?: number; serverId?: number } }>('/plan', {
    schema: { summary: 'The plan: per server, what its config would change against the one it was last given', tags: ['rendering'], querystring: PlanQuery, response: { 200: Type.Object({ servers: Type.Array(ServerPlan) }), ...errors } },
  }, async (req) => ({ servers: await m.render.plan(req.query) }));
  api.post<{ Params: { id: number }; Body: { hash: string } }>('/servers/:id/deployed', {
    schema: {
      summary: 'Record that a server now runs the rendered config with this hash (refused when the rendering changed since)', tags: ['rendering'], params: S.IdParams,
      body: Type.Object({ hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: 'The hash of the rendering that was deployed, e.g. sha256:…' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ serverId: Type.Integer(), hash: Type.String(), deployedAt: Type.Integer() }), ...errors },
    },
  }, (req) => m.render.deployed(req.principal!, req.params.id, req.body.hash));
}

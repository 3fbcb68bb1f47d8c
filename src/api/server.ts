// The manager's REST API under /api/v1 (docs/api.md): fastify with every request and
// answer described by a JSON Schema, from which the OpenAPI 3.1 document at
// /api/v1/openapi.json is made. Deny by default: every route but login and the OpenAPI
// document needs a bearer token (an API token or a login session) whose user's role and
// token's scope allow it. Errors are one shape with a registered code.
import fastifySwagger from '@fastify/swagger';
import AjvModule from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Code } from '../core/codes.js';
import { ManagerError, type FailureKind } from '../manager/errors.js';
import type { Manager } from '../manager/manager.js';
import { allows, type Need, type Principal } from '../manager/access/principals.js';
import { sitesTouched } from '../manager/access/site-scope.js';
import { OUTPOST_VERSION } from '../runtime/version.js';
import { accessRoutes } from './routes-access.js';
import { ipamRoutes } from './routes-ipam.js';
import { csvRoutes } from './routes-csv.js';
import { objectRoutes } from './routes-objects.js';
import { renderRoutes } from './routes-render.js';
import { metricsRoute, reportRoutes } from './routes-reports.js';
import { bulkRoutes } from './routes-bulk.js';

const Ajv = AjvModule.default;

export const API_PREFIX = '/api/v1';
/** Largest request body (a bulk import is streamed separately). */
export const MAX_BODY_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs; absent: read for GET and HEAD, write otherwise. 'none': open to all (login, OpenAPI). */
    need?: Need | 'none';
  }
}

const STATUS: Readonly<Record<FailureKind, number>> = {
  invalid: 422, 'not-found': 404, conflict: 409, exhausted: 409, 'precondition-failed': 412, unauthorized: 401, forbidden: 403,
};

export interface ApiOptions {
  readonly manager: Manager;
  /** Log requests (pino options or false). */
  readonly logger?: boolean | object;
}

/** The secret of an `Authorization: Bearer …` header (the scheme is case-insensitive, RFC 9110 §11.1). */
export function bearer(req: FastifyRequest): string | undefined {
  const m = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export function sendError(reply: FastifyReply, status: number, code: Code, message: string, extra: { object?: string; field?: string } = {}): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code, message, ...extra } });
}

const registered = new WeakMap<FastifyInstance, readonly string[]>();

/** Every route of an API built by buildApi, as "METHOD /path" (the OpenAPI test checks each is documented). */
export function apiRoutes(app: FastifyInstance): readonly string[] {
  return registered.get(app) ?? [];
}

export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
  });
  // Unknown fields are refused, not silently dropped. Query strings and path parameters are text, so their numbers are
  // coerced; a body is JSON and must carry the right types ("7" is not 7).
  const coercing = new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, strict: false });
  const exact = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${r.url}`);
  });
  registered.set(app, routes);
  // Only JSON (and CSV where a route says so): a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Outpost manager API', version: OUTPOST_VERSION, description: 'IPAM, DHCP, DNS and phone files for multi-site networks (docs/api.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token or a login session (POST /api/v1/session).' } } },
      security: [{ bearer: [] }],
    },
  });

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    if (error instanceof ManagerError) {
      return sendError(reply, error.code.startsWith('API_') && error.kind === 'invalid' ? 400 : STATUS[error.kind], error.code, error.message, { ...(error.object ? { object: error.object } : {}), ...(error.field ? { field: error.field } : {}) });
    }
    if (error.validation) {
      const v = error.validation[0];
      const where = error.validationContext ?? 'body';
      const path = v?.instancePath ? `${where}${v.instancePath.replace(/\//g, '.')}` : where;
      const extraKey = (v?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      return sendError(reply, 400, 'API_INVALID_REQUEST', `${extraKey ? `${path}.${extraKey}: unknown field` : `${path}: ${v?.message ?? 'invalid'}`}`, { field: extraKey ? `${path}.${extraKey}` : path });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return sendError(reply, 400, 'API_INVALID_JSON', `the body is not JSON: ${error.message}`);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, 'API_BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, 'API_UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 400, 'API_INVALID_JSON', 'the body is empty');
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return sendError(reply, error.statusCode, 'API_INVALID_REQUEST', error.message);
    reply.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'API_INTERNAL', 'the request could not be completed; see the manager log');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'API_NO_ROUTE', `no route ${req.method} ${req.url.split('?')[0]}`));

  // Deny by default: a route is open only when it says need: 'none'.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const need = req.routeOptions.config?.need ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    if (need === 'none' || req.routeOptions.url === undefined) return;
    const secret = bearer(req);
    const principal = secret ? await o.manager.users.authenticate(secret) : undefined;
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="outpost"');
      return sendError(reply, 401, 'API_UNAUTHORIZED', secret ? 'the token is unknown, expired or revoked' : 'send Authorization: Bearer <token>');
    }
    if (!allows(principal, need)) return sendError(reply, 403, 'API_FORBIDDEN', `${principal.name} (role ${principal.role}, scope ${principal.scope}) may not ${need === 'read' ? 'read this' : need === 'write' ? 'change this' : 'administer access'}`);
    req.principal = principal;
  });
  // A user limited to sites changes only what belongs to them (docs/manager.md "Access"): checked once the body is parsed and valid.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const limited = req.principal?.sites;
    const need = req.routeOptions.config?.need ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    if (!limited || need === 'read' || need === 'none' || req.routeOptions.url === undefined) return;
    const route = `${req.method} ${req.routeOptions.url.startsWith(API_PREFIX) ? req.routeOptions.url.slice(API_PREFIX.length) : req.routeOptions.url}`;
    const touched = await sitesTouched(o.manager.database.db, route, req.params as Record<string, unknown>, req.body);
    const outside = touched.find((s) => s === null || !limited.includes(s));
    if (outside !== undefined) {
      return sendError(reply, 403, 'API_FORBIDDEN', `${req.principal!.name} is limited to site${limited.length === 1 ? '' : 's'} ${limited.join(', ')}: this ${outside === null ? 'changes something that belongs to no single site' : `changes site ${outside}`}`);
    }
  });

  await app.register(async (api) => {
    api.get('/openapi.json', { config: { need: 'none' }, schema: { summary: 'This API described in OpenAPI 3.1', tags: ['meta'] } }, async () => app.swagger());
    await ipamRoutes(api, o.manager);
    await accessRoutes(api, o.manager);
    await csvRoutes(api, o.manager);
    await objectRoutes(api, o.manager);
    await renderRoutes(api, o.manager);
    await reportRoutes(api, o.manager);
    await bulkRoutes(api, app, o.manager);
  }, { prefix: API_PREFIX });
  await metricsRoute(app, o.manager);
  return app;
}

// Access routes (docs/api.md): login sessions, users and their tokens. Users and tokens
// need the admin role and an admin-scoped token; a token's secret is answered once.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Manager } from '../manager/manager.js';
import { pageOf } from './http-helpers.js';
import * as S from './schemas.js';
import { bearer, sendError } from './server.js';

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody };

export async function accessRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  api.post<{ Body: Static<typeof S.LoginInput> }>('/session', {
    config: { need: 'none' },
    schema: { summary: 'Log in: a session token for a user name and password (12 hours)', tags: ['access'], security: [], body: S.LoginInput, response: { 201: S.Session, ...errors } },
  }, async (req, reply) => {
    const session = await m.users.login(req.body.name, req.body.password);
    if (!session) return sendError(reply, 401, 'API_UNAUTHORIZED', 'the user name or the password is wrong, or the user is disabled');
    return reply.code(201).send({ token: session.secret, expiresAt: session.expiresAt });
  });
  api.delete('/session', {
    config: { need: 'read' },
    schema: { summary: 'Log out: the session token (or API token) sent ends', tags: ['access'], response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await m.users.revoke(bearer(req)!);
    return reply.code(204).send();
  });
  api.get<{ Querystring: { after?: number; limit?: number } }>('/users', {
    config: { need: 'admin' },
    schema: { summary: 'List users', tags: ['access'], querystring: Type.Object(S.PageQuery, { additionalProperties: false }), response: { 200: S.PageOf(S.User, 'User'), ...errors } },
  }, (req) => m.queries.users(pageOf(req.query)));
  api.post<{ Body: Static<typeof S.UserInput> }>('/users', {
    config: { need: 'admin' },
    schema: { summary: 'Create a user', tags: ['access'], body: S.UserInput, response: { 201: S.User, ...errors } },
  }, async (req, reply) => reply.code(201).send(await m.users.create(req.principal!, req.body)));
  api.post<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.TokenInput> }>('/users/:id/tokens', {
    config: { need: 'admin' },
    schema: { summary: 'Make an API token for a user; its secret is in this answer only', tags: ['access'], params: S.IdParams, body: S.TokenInput, response: { 201: S.TokenCreated, ...errors } },
  }, async (req, reply) => reply.code(201).send(await m.users.createToken(req.principal!, req.params.id, req.body.name, req.body.scope, req.body.expiresAt)));
}

// Bulk requests (docs/api.md "Bulk"): up to 1000 operations — any of the API's own
// routes — run one after the other in one database transaction, all or nothing. Each
// runs exactly as it would alone (the same validation, access and audit), through the
// API itself; the first that fails rolls every one back and its error is the answer,
// with the operation's index. Reads inside see the writes before them. An operation can
// use what an earlier one answered: "$N.field" (a whole string in its body, or a part
// of its path) is operation N's answer's field — "$0.id", the id operation 0 created.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Manager } from '../manager/manager.js';
import { API_PREFIX, sendError } from './server.js';
import * as S from './schemas.js';

export const MAX_BULK_OPERATIONS = 1000;

const Operation = Type.Object({
  method: Type.Union(['GET', 'POST', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))),
  path: Type.String({ pattern: '^/[A-Za-z0-9/._~%?=&:$-]*$', maxLength: 2000, description: 'A route below /api/v1, e.g. "/subnets" or "/subnets/$0.id/ranges".' }),
  body: Type.Optional(Type.Unknown()),
  ifMatch: Type.Optional(Type.String({ maxLength: 40, description: 'The If-Match header of the operation.' })),
  idempotencyKey: Type.Optional(Type.String({ maxLength: 200, description: 'The Idempotency-Key header of the operation.' })),
}, { additionalProperties: false });
const BulkInput = Type.Object({ operations: Type.Array(Operation, { minItems: 1, maxItems: MAX_BULK_OPERATIONS }) }, { additionalProperties: false });
const BulkResult = Type.Object({
  results: Type.Array(Type.Object({ status: Type.Integer(), body: Type.Unknown() })),
}, { title: 'BulkResult' });

const REFERENCE = /^\$(\d+)\.([A-Za-z][A-Za-z0-9]*)$/;
const PATH_REFERENCE = /\$(\d+)\.([A-Za-z][A-Za-z0-9]*)/g;

/** A reference to an earlier answer's field, resolved; a failure naming where it is when it cannot be. */
function resolve(index: number, where: string, n: string, field: string, answers: readonly unknown[]): unknown {
  const i = Number(n);
  const value = i < index ? (answers[i] as Record<string, unknown> | null)?.[field] : undefined;
  if (value === undefined || value === null || typeof value === 'object') {
    throw new OperationFailed(index, 400, { error: { code: 'API_INVALID_REQUEST', message: `$${n}.${field}: ${i < index ? `operation ${i}'s answer has no field ${field}` : 'refers to an operation that does not come before this one'}`, field: where } });
  }
  return value;
}

function substitute(index: number, where: string, v: unknown, answers: readonly unknown[]): unknown {
  if (typeof v === 'string') {
    const m = REFERENCE.exec(v);
    return m ? resolve(index, where, m[1]!, m[2]!, answers) : v;
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(index, `${where}[${i}]`, x, answers));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(index, `${where}.${k}`, x, answers)]));
  return v;
}

/** An operation's failure: it rolls the transaction back and becomes the answer. */
class OperationFailed extends Error {
  constructor(readonly index: number, readonly status: number, readonly body: { error?: { code: string; message: string; object?: string; field?: string } }) {
    super(`operation ${index} failed`);
  }
}

export async function bulkRoutes(api: FastifyInstance, app: FastifyInstance, m: Manager): Promise<void> {
  api.post<{ Body: Static<typeof BulkInput> }>('/bulk', {
    // Each operation is checked against what it needs by itself; the envelope only needs a token.
    config: { need: 'read' },
    schema: {
      summary: 'Run up to 1000 operations in one transaction: all or nothing', tags: ['bulk'], body: BulkInput,
      response: { 200: BulkResult, 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 412: S.ErrorBody, 413: S.ErrorBody, 422: S.ErrorBody },
    },
  }, async (req, reply) => {
    const { operations } = req.body;
    const nested = operations.findIndex((o) => /^\/bulk(\?|\/|$)/.test(o.path));
    if (nested >= 0) return sendError(reply, 400, 'API_INVALID_REQUEST', `operation ${nested}: a bulk request cannot hold another`, { field: `body.operations[${nested}].path` });
    try {
      const results = await m.database.transaction(async () => {
        const out: { status: number; body: unknown }[] = [];
        const answers: unknown[] = [];
        for (const [i, o] of operations.entries()) {
          const path = o.path.replace(PATH_REFERENCE, (_, n: string, field: string) => encodeURIComponent(String(resolve(i, `body.operations[${i}].path`, n, field, answers))));
          const payload = o.body === undefined ? undefined : substitute(i, `body.operations[${i}].body`, o.body, answers);
          const res = await app.inject({
            method: o.method, url: `${API_PREFIX}${path}`,
            headers: {
              authorization: req.headers.authorization ?? '',
              ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
              ...(o.ifMatch !== undefined ? { 'if-match': o.ifMatch } : {}),
              ...(o.idempotencyKey !== undefined ? { 'idempotency-key': o.idempotencyKey } : {}),
            },
            ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
          });
          const body = res.body ? JSON.parse(res.body) as unknown : null;
          if (res.statusCode >= 400) throw new OperationFailed(i, res.statusCode, body as OperationFailed['body']);
          answers.push(body);
          out.push({ status: res.statusCode, body });
        }
        return out;
      });
      return { results };
    } catch (error) {
      if (!(error instanceof OperationFailed)) throw error;
      const e = error.body.error ?? { code: 'API_INTERNAL', message: 'the operation failed' };
      const o = operations[error.index]!;
      return reply.code(error.status).type('application/json').send({
        error: {
          code: e.code, message: `operation ${error.index} (${o.method} ${o.path}): ${e.message}; nothing was written`, index: error.index,
          ...(e.object ? { object: e.object } : {}), ...(e.field ? { field: e.field } : {}),
        },
      });
    }
  });
}

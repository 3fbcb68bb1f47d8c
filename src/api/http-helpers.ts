// Small pieces every route shares (docs/api.md): the ETag of a versioned object, the
// If-Match it is changed under, the Idempotency-Key of an allocation, and pages.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ManagerError } from '../manager/errors.js';
import type { PageRequest } from '../manager/queries.js';

export const etag = (version: number): string => `"${version}"`;

/** Sends a versioned object with its ETag. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, object: T): T {
  reply.header('etag', etag(object.version));
  return object;
}

/** The version an If-Match names: undefined without one (or "*"); refused when it is not one of our ETags. */
export function ifMatch(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(h);
  if (!m) throw new ManagerError('API_INVALID_REQUEST', 'invalid', `If-Match ${h} is not an ETag this API gave (e.g. "3")`, undefined, 'If-Match');
  return Number(m[1]);
}

/** An Idempotency-Key with the request body it must come with. */
export function idempotencyKey(req: FastifyRequest): { key: string; request: unknown } | undefined {
  const k = req.headers['idempotency-key'];
  if (k === undefined) return undefined;
  if (typeof k !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(k)) throw new ManagerError('API_INVALID_REQUEST', 'invalid', 'an Idempotency-Key is 1–200 printable characters', undefined, 'Idempotency-Key');
  return { key: k, request: req.body ?? null };
}

export const pageOf = (q: { after?: number; limit?: number }): PageRequest => ({ ...(q.after ? { after: q.after } : {}), limit: q.limit ?? 100 });

export const IDEMPOTENCY_HEADER = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', maxLength: 200, description: 'Sent again with the same body, the first answer comes back instead of a second allocation.' } },
} as const;

// Idempotency keys (docs/manager.md "Idempotency"): a write sent again with the same key
// and the same body gets the first answer again instead of a second allocation; the same
// key with another body is refused. The key is recorded in the write's transaction, so a
// crash leaves either both or neither.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../config/canonical.js';
import { ManagerError } from './errors.js';
import type { Trx } from './ipam/transaction.js';

export interface IdempotencyKey {
  /** What the key is scoped to: the operation and its target, e.g. "next-address:12". */
  readonly scope: string;
  readonly key: string;
  /** The request body, hashed to tell a repeat from a different request. */
  readonly request: unknown;
}

export const requestHash = (request: unknown): string => createHash('sha256').update(canonicalJson(request)).digest('hex');

/** The stored answer for this key, or undefined when it is new; refuses a key reused with another body. */
export async function replay<T>(trx: Trx, k: IdempotencyKey): Promise<T | undefined> {
  const row = await trx.selectFrom('idempotency').select(['request_hash', 'response']).where('scope', '=', k.scope).where('key', '=', k.key).executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== requestHash(k.request)) {
    throw new ManagerError('MANAGER_IDEMPOTENCY_MISMATCH', 'conflict', `idempotency key ${k.key} was used before with another request`, k.scope, 'Idempotency-Key');
  }
  return JSON.parse(row.response) as T;
}

export async function remember(trx: Trx, k: IdempotencyKey, at: number, response: unknown): Promise<void> {
  await trx.insertInto('idempotency').values({ scope: k.scope, key: k.key, request_hash: requestHash(k.request), status: 200, response: JSON.stringify(response), created_at: at }).execute();
}

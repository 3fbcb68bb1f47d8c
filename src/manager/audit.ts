// The audit log (docs/manager.md "Audit"): every write records who, when, what, and the
// object before and after, in the same transaction as the write — a write that is not
// audited did not happen.
import type { Trx } from './ipam/transaction.js';

export interface Actor {
  /** "user:alice", "token:ci-deploy", "system". */
  readonly name: string;
}

export const SYSTEM: Actor = { name: 'system' };

export async function audit(trx: Trx, at: number, actor: Actor, action: 'create' | 'update' | 'delete', objectType: string, objectId: string | number, before: unknown, after: unknown): Promise<void> {
  await trx.insertInto('audit').values({
    at, actor: actor.name, action, object_type: objectType, object_id: String(objectId),
    before: before === undefined || before === null ? null : JSON.stringify(before),
    after: after === undefined || after === null ? null : JSON.stringify(after),
  }).execute();
}

// Who is asking, and what they may do (docs/manager.md "Access"): a role — admin
// (everything, users and tokens too), operator (every write but users and tokens),
// read-only — optionally limited to some sites, and for a token its scope (read, write,
// admin), which can only narrow what its user may do.
import type { Actor } from '../audit.js';

export const ROLES = ['admin', 'operator', 'read-only'] as const;
export type Role = (typeof ROLES)[number];
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a request needs: to read, to write, or to administer access. */
export type Need = 'read' | 'write' | 'admin';

export interface Principal extends Actor {
  readonly userId: number;
  readonly role: Role;
  readonly scope: Scope;
  /** Site ids the principal is limited to; undefined: every site. */
  readonly sites?: readonly number[];
}

const RANK: Readonly<Record<Need, number>> = { read: 0, write: 1, admin: 2 };
const ROLE_RANK: Readonly<Record<Role, number>> = { 'read-only': 0, operator: 1, admin: 2 };
const SCOPE_RANK: Readonly<Record<Scope, number>> = { read: 0, write: 1, admin: 2 };

export function allows(p: Principal, need: Need): boolean {
  return Math.min(ROLE_RANK[p.role], SCOPE_RANK[p.scope]) >= RANK[need];
}

// Users and their tokens (docs/manager.md "Access"). A token's secret is shown once,
// when it is made; the database keeps its SHA-256 only. A login makes a session: a token
// of kind session that expires. The first start of a manager makes the first
// administrator with a random password (no default passwords).
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { AppUserRow } from '../../storage/manager/tables.js';
import { audit, SYSTEM, type Actor } from '../audit.js';
import { ManagerError } from '../errors.js';
import { inTransaction } from '../ipam/transaction.js';
import { checkPassword, hashPassword, randomSecret } from './passwords.js';
import { ROLES, SCOPES, type Principal, type Role, type Scope } from './principals.js';

export interface User {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly number[] | null;
  readonly disabled: boolean;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const userView = (r: AppUserRow): User => ({
  id: r.id, name: r.name, role: r.role as Role, sites: r.sites === null ? null : (JSON.parse(r.sites) as number[]), disabled: r.disabled !== 0,
  version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Prefix of every token secret, so one found in a log or a repository is recognisable. */
export const TOKEN_PREFIX = 'opt_';
const tokenHash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const SESSION_MS = 12 * 3600_000;

export interface UserInput {
  readonly name: string;
  readonly role: Role;
  readonly password?: string;
  readonly sites?: readonly number[] | null;
}

export class Users {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  async create(actor: Actor, input: UserInput): Promise<User> {
    const object = `user ${input.name}`;
    if (!USER_NAME.test(input.name)) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a user name is 1–64 letters, digits, ".", "_", "@" or "-"', object, 'name');
    if (!(ROLES as readonly string[]).includes(input.role)) throw new ManagerError('MANAGER_INVALID', 'invalid', `role is one of ${ROLES.join(', ')}`, object, 'role');
    if (input.password !== undefined && input.password.length < 12) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a password has at least 12 characters', object, 'password');
    if (input.sites && input.sites.length === 0) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a user limited to sites names at least one (null or absent: every site)', object, 'sites');
    const hash = input.password === undefined ? null : await hashPassword(input.password);
    return inTransaction(this.m, async (trx) => {
      const taken = await trx.selectFrom('app_user').select('id').where('name', '=', input.name).executeTakeFirst();
      if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `user ${input.name} exists already (id ${taken.id})`, object, 'name');
      for (const siteId of input.sites ?? []) {
        if (!await trx.selectFrom('site').select('id').where('id', '=', siteId).executeTakeFirst()) throw new ManagerError('MANAGER_INVALID', 'invalid', `site ${siteId} does not exist`, object, 'sites');
      }
      const now = this.clock.now();
      const row = await trx.insertInto('app_user').values({
        name: input.name, password_hash: hash, role: input.role, sites: input.sites ? JSON.stringify([...new Set(input.sites)].sort((a, b) => a - b)) : null, disabled: 0, version: 1, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'user', row.id, null, userView(row)); // the view has no password hash
      return userView(row);
    });
  }

  /** Makes a token for a user; returns its secret (shown once). */
  async createToken(actor: Actor, userId: number, name: string, scope: Scope, expiresAt?: number): Promise<{ id: number; secret: string }> {
    if (!(SCOPES as readonly string[]).includes(scope)) throw new ManagerError('MANAGER_INVALID', 'invalid', `scope is one of ${SCOPES.join(', ')}`, `token ${name}`, 'scope');
    if (expiresAt !== undefined && expiresAt <= this.clock.now()) throw new ManagerError('MANAGER_INVALID', 'invalid', 'expiresAt is in the past', `token ${name}`, 'expiresAt');
    return inTransaction(this.m, async (trx) => {
      const user = await trx.selectFrom('app_user').select('id').where('id', '=', userId).executeTakeFirst();
      if (!user) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `user ${userId} does not exist`, `user ${userId}`, 'userId');
      const secret = TOKEN_PREFIX + randomSecret(24);
      const now = this.clock.now();
      const row = await trx.insertInto('api_token').values({
        user_id: userId, name, kind: 'token', token_hash: tokenHash(secret), scope, expires_at: expiresAt ?? null, last_used_at: null, created_at: now, revoked_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'create', 'token', row.id, null, { userId, name, scope, expiresAt: expiresAt ?? null });
      return { id: row.id, secret };
    });
  }

  /** A login: the user's name and password make a session token, or undefined. */
  async login(name: string, password: string): Promise<{ secret: string; expiresAt: number } | undefined> {
    const user = await this.m.db.selectFrom('app_user').selectAll().where('name', '=', name).executeTakeFirst();
    // Unknown users cost a hash too: the answer's time does not tell which names exist.
    const ok = user?.password_hash ? await checkPassword(password, user.password_hash) : (await hashPassword(password), false);
    if (!user || !ok || user.disabled) return undefined;
    const secret = TOKEN_PREFIX + randomSecret(24);
    const now = this.clock.now();
    const expiresAt = now + SESSION_MS;
    await this.m.db.insertInto('api_token').values({
      user_id: user.id, name: 'session', kind: 'session', token_hash: tokenHash(secret), scope: 'admin', expires_at: expiresAt, last_used_at: now, created_at: now, revoked_at: null,
    }).execute();
    return { secret, expiresAt };
  }

  /** Who a bearer secret is, or undefined (unknown, expired, revoked, user disabled). */
  async authenticate(secret: string): Promise<Principal | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
    const row = await this.m.db.selectFrom('api_token').innerJoin('app_user', 'app_user.id', 'api_token.user_id')
      .select(['api_token.id as token_id', 'api_token.name as token_name', 'api_token.kind', 'api_token.scope', 'api_token.expires_at', 'api_token.revoked_at',
        'app_user.id as user_id', 'app_user.name as user_name', 'app_user.role', 'app_user.sites', 'app_user.disabled'])
      .where('api_token.token_hash', '=', tokenHash(secret)).executeTakeFirst();
    const now = this.clock.now();
    if (!row || row.revoked_at !== null || row.disabled || (row.expires_at !== null && row.expires_at <= now)) return undefined;
    return {
      name: row.kind === 'session' ? `user:${row.user_name}` : `token:${row.token_name}(${row.user_name})`,
      userId: row.user_id, role: row.role as Role, scope: row.scope as Scope,
      ...(row.sites === null ? {} : { sites: JSON.parse(row.sites) as number[] }),
    };
  }

  /** Ends a session or revokes a token by its secret. */
  async revoke(secret: string): Promise<void> {
    await this.m.db.updateTable('api_token').set({ revoked_at: this.clock.now() }).where('token_hash', '=', tokenHash(secret)).execute();
  }

  /** The first start: when no user exists, an administrator with a random password and a token. */
  async bootstrap(): Promise<{ name: string; password: string; token: string } | undefined> {
    const any = await this.m.db.selectFrom('app_user').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    const password = randomSecret(15);
    const admin = await this.create(SYSTEM, { name: 'admin', role: 'admin', password });
    const { secret } = await this.createToken(SYSTEM, admin.id, 'bootstrap', 'admin');
    return { name: admin.name, password, token: secret };
  }
}

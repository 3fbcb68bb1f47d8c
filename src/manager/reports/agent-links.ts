// Agent credentials (docs/manager.md "Site reports"): each server's agent authenticates
// with a token of its own, issued by an administrator and shown once. Only its hash is
// stored; issuing a new one replaces the old (rotation). The token opens the agent's
// routes only, and only for its own server.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { randomSecret } from '../access/passwords.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError } from '../errors.js';
import { inTransaction } from '../ipam/transaction.js';

/** Agent tokens start with this, so one is never mistaken for a user's (opt_…). */
export const AGENT_TOKEN_PREFIX = 'opa_';

const tokenHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** The server an agent token belongs to. */
export interface AgentIdentity {
  readonly serverId: number;
  readonly server: string;
  readonly siteId: number;
  readonly site: string;
}

export interface AgentLinkView {
  readonly serverId: number;
  readonly issuedAt: number;
  readonly lastContactAt: number | null;
  readonly lastAddress: string | null;
}

export class AgentLinks {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  /** Issues the server's agent token, replacing any earlier one; returns the secret (shown once). */
  async issue(actor: Actor, serverId: number): Promise<{ serverId: number; token: string; issuedAt: number }> {
    return inTransaction(this.m, async (trx) => {
      const server = await trx.selectFrom('server').select(['id', 'name']).where('id', '=', serverId).executeTakeFirst();
      if (!server) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `server ${serverId} does not exist`, `server ${serverId}`);
      const token = AGENT_TOKEN_PREFIX + randomSecret(24);
      const now = this.clock.now();
      const before = await trx.selectFrom('agent_link').select('issued_at').where('server_id', '=', serverId).executeTakeFirst();
      await trx.deleteFrom('agent_link').where('server_id', '=', serverId).execute();
      await trx.insertInto('agent_link').values({ server_id: serverId, token_hash: tokenHash(token), issued_at: now, last_contact_at: null, last_address: null }).execute();
      // The audit names the issue, never the secret.
      await audit(trx, now, actor, before ? 'update' : 'create', 'agent token', serverId, before ? { issuedAt: before.issued_at } : null, { server: server.name, issuedAt: now });
      return { serverId, token, issuedAt: now };
    });
  }

  async get(serverId: number): Promise<AgentLinkView | undefined> {
    const r = await this.m.db.selectFrom('agent_link').selectAll().where('server_id', '=', serverId).executeTakeFirst();
    return r && { serverId: r.server_id, issuedAt: r.issued_at, lastContactAt: r.last_contact_at, lastAddress: r.last_address };
  }

  /** Revokes the server's agent token: its agent is refused from now on. */
  async revoke(actor: Actor, serverId: number): Promise<void> {
    await inTransaction(this.m, async (trx) => {
      const gone = await trx.deleteFrom('agent_link').where('server_id', '=', serverId).returning('issued_at').executeTakeFirst();
      if (!gone) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `server ${serverId} has no agent token`, `server ${serverId}`);
      await audit(trx, this.clock.now(), actor, 'delete', 'agent token', serverId, { issuedAt: gone.issued_at }, null);
    });
  }

  /** Whose agent token this is, or undefined; records the contact. */
  async authenticate(secret: string, from: string): Promise<AgentIdentity | undefined> {
    if (!secret.startsWith(AGENT_TOKEN_PREFIX) || secret.length > 200) return undefined;
    const row = await this.m.db.selectFrom('agent_link')
      .innerJoin('server', 'server.id', 'agent_link.server_id').innerJoin('site', 'site.id', 'server.site_id')
      .select(['server.id as server_id', 'server.name as server', 'site.id as site_id', 'site.name as site'])
      .where('agent_link.token_hash', '=', tokenHash(secret)).executeTakeFirst();
    if (!row) return undefined;
    await this.m.db.updateTable('agent_link').set({ last_contact_at: this.clock.now(), last_address: from }).where('server_id', '=', row.server_id).execute();
    return { serverId: row.server_id, server: row.server, siteId: row.site_id, site: row.site };
  }
}

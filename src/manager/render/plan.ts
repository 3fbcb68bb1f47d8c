// Plan and deployed configs (docs/manager.md "Plan"): what each server would get now
// against what it was last given — the config's changes path by path, and the files
// added, removed or changed. Recording a deployment names the hash that was rendered, so
// a config that changed between plan and deployment is refused, not recorded.
import { diffConfigs, type ConfigChange } from '../../config/config-diff.js';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError } from '../errors.js';
import { inTransaction, type Db } from '../ipam/transaction.js';
import { maskSecrets } from './secrets.js';
import { renderServer, type RenderedConfig, type RenderedFile } from './site-config.js';

export interface FileChange {
  readonly op: 'add' | 'remove' | 'change';
  readonly path: string;
}

export interface ServerPlan {
  readonly serverId: number;
  readonly server: string;
  readonly site: string;
  /** The hash deployed last; null: never deployed. */
  readonly deployedHash: string | null;
  readonly hash: string;
  readonly changed: boolean;
  readonly changes: readonly ConfigChange[];
  readonly fileChanges: readonly FileChange[];
  readonly problems: RenderedConfig['problems'];
  readonly warnings: RenderedConfig['warnings'];
}

function fileChanges(before: readonly RenderedFile[], after: readonly RenderedFile[]): FileChange[] {
  const a = new Map(before.map((f) => [f.path, f.content]));
  const b = new Map(after.map((f) => [f.path, f.content]));
  return [
    ...[...a.keys()].filter((p) => !b.has(p)).map((path) => ({ op: 'remove' as const, path })),
    ...[...b].filter(([p, c]) => a.get(p) !== c).map(([path]) => ({ op: a.has(path) ? 'change' as const : 'add' as const, path })),
  ].sort((x, y) => (x.path < y.path ? -1 : 1));
}

export class Rendering {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  server(serverId: number, db: Db = this.m.db): Promise<RenderedConfig> {
    return renderServer(db, serverId);
  }

  /** The plan of one server, every server of a site, or every server. */
  async plan(filter: { serverId?: number; siteId?: number }): Promise<ServerPlan[]> {
    let q = this.m.db.selectFrom('server').select('id').orderBy('id');
    if (filter.serverId !== undefined) q = q.where('id', '=', filter.serverId);
    if (filter.siteId !== undefined) q = q.where('site_id', '=', filter.siteId);
    const ids = (await q.execute()).map((r) => r.id);
    if (filter.serverId !== undefined && ids.length === 0) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `server ${filter.serverId} does not exist`, `server ${filter.serverId}`);
    const plans: ServerPlan[] = [];
    for (const id of ids) {
      const now = await this.server(id);
      const deployed = await this.m.db.selectFrom('deployed_config').select(['hash', 'config']).where('server_id', '=', id).executeTakeFirst();
      const before = deployed ? JSON.parse(deployed.config) as { config: unknown; files: RenderedFile[] } : { config: {}, files: [] };
      plans.push({
        serverId: id, server: now.server, site: now.site, deployedHash: deployed?.hash ?? null, hash: now.hash,
        changed: deployed?.hash !== now.hash,
        changes: diffConfigs(maskSecrets(before.config), maskSecrets(now.config)),
        fileChanges: fileChanges(before.files, now.files),
        problems: now.problems, warnings: now.warnings,
      });
    }
    return plans;
  }

  /** Records that a server now runs the config with this hash (it must be what rendering gives now, and valid). */
  deployed(actor: Actor, serverId: number, hash: string): Promise<{ serverId: number; hash: string; deployedAt: number }> {
    return inTransaction(this.m, async (trx) => {
      const now = await this.server(serverId, trx);
      const object = `server ${now.server}`;
      if (now.hash !== hash) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `the config rendered now has hash ${now.hash}, not ${hash}: it changed since it was planned; plan again`, object, 'hash');
      if (now.problems.length > 0) throw new ManagerError('MANAGER_INVALID', 'invalid', `the config is not valid: ${now.problems[0]!.path}: ${now.problems[0]!.reason}`, object, now.problems[0]!.path);
      const before = await trx.selectFrom('deployed_config').select('hash').where('server_id', '=', serverId).executeTakeFirst();
      const at = this.clock.now();
      const row = { server_id: serverId, hash, config: JSON.stringify({ config: now.config, files: now.files }), deployed_at: at };
      await trx.insertInto('deployed_config').values(row).onConflict((oc) => oc.column('server_id').doUpdateSet({ hash, config: row.config, deployed_at: at })).execute();
      await audit(trx, at, actor, 'update', 'deployed config', serverId, before ?? null, { hash });
      return { serverId, hash, deployedAt: at };
    });
  }
}

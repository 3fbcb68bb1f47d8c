// The `failover` section of the validated site config compiled into what the
// protocol runs: one RelationshipModel per relationship with a partner (times in ms,
// subnets by the dhcp section's ids), and the split-scope subnets (no partner traffic).
import type { FailoverRelationship as RelationshipConfig } from '../../config/failover-schema.js';
import type { SiteConfig } from '../../config/site-schema.js';
import type { RelationshipModel } from './model.js';
import type { SplitScope } from './policy.js';
import type { FailoverMode } from './states.js';

/** The protocol's view of a configured relationship (times in ms, subnets by id). */
export function compileRelationship(r: RelationshipConfig, subnets: readonly { readonly id: number; readonly subnet: string }[]): RelationshipModel {
  const ids = new Map(subnets.map((s) => [s.subnet, s.id]));
  return {
    name: r.name, mode: r.mode as FailoverMode, role: r.role, partnerName: r.partner?.name ?? '',
    subnetIds: r.subnets.map((cidr) => ids.get(cidr)!),
    split: r.split, standbyReserve: r.standbyReserve, mcltMs: r.mclt * 1000,
    heartbeatMs: r.heartbeatInterval, missedHeartbeats: r.missedHeartbeats, updateTimeoutMs: r.updateTimeout,
    pageSize: r.resync.pageSize, startupWaitMs: r.startupWait * 1000, maxClockSkewMs: r.maxClockSkew * 1000,
    confirm: { refused: r.confirm.refused, unansweredClients: r.confirm.unansweredClients, ackDelaySeconds: r.confirm.ackDelay },
    failback: { automatic: r.failback.mode === 'automatic', delayMs: r.failback.delay * 1000 },
  };
}

/** Split-scope subnets: this server's role and the primary's share, by subnet id. */
export function compileSplitScope(config: Pick<SiteConfig, 'dhcp' | 'failover'>): Map<number, SplitScope> {
  const ids = new Map((config.dhcp?.subnets ?? []).map((s) => [s.subnet, s.id]));
  const out = new Map<number, SplitScope>();
  for (const r of config.failover?.relationships ?? []) {
    if (r.mode !== 'split-scope') continue;
    for (const cidr of r.subnets) out.set(ids.get(cidr)!, { role: r.role === 'primary' ? 'primary' : 'secondary', split: r.split });
  }
  return out;
}

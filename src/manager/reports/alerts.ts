// Alerts (docs/manager.md "Alerts"): computed when asked, from what the manager holds —
// utilisation of pools and of subnets with thresholds, the failover and zone states the
// servers last reported, and how long ago each server's agent was last heard from. An
// alert's key names its condition and object, so it is the same key while it lasts.
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { Utilisation, type PoolUse, type SubnetUse } from './utilisation.js';

export const ALERT_KINDS = ['pool-utilisation', 'subnet-utilisation', 'failover-state', 'zone-state', 'server-unreachable', 'site-unreachable'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
  /** Stable while the condition lasts: kind/object. */
  readonly key: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly siteId: number | null;
  readonly serverId: number | null;
  /** The object, for people: "pool 198.51.100.10-198.51.100.200", "server branch-7-a". */
  readonly object: string;
  readonly message: string;
  /** Since when the condition is known to hold (a reported state's time, a last contact); null when not known. */
  readonly since: number | null;
}

/** Failover states and how bad each is; any other state (normal) raises none. */
const FAILOVER_SEVERITY: Readonly<Record<string, Severity>> = {
  interrupted: 'critical', 'partner-down': 'critical', terminated: 'critical',
  startup: 'warning', recovering: 'warning', ready: 'warning', maintenance: 'warning',
};
const FAILOVER_WHY: Readonly<Record<string, string>> = {
  interrupted: 'the partners cannot reach each other; each serves within its limits',
  'partner-down': 'this server serves alone: the pair has no redundancy',
  terminated: 'the relationship stopped after an unrecoverable error',
  startup: 'starting', recovering: 'resynchronising leases from the partner', ready: 'waiting for the partner to finish its recovery',
  maintenance: 'an operator put this server in maintenance',
};
/** Secondary zone states and how bad each is; fresh, refreshing, loading and transferring raise none. */
const ZONE_SEVERITY: Readonly<Record<string, Severity>> = { retrying: 'warning', stale: 'warning', expired: 'critical', unavailable: 'critical' };
const ZONE_WHY: Readonly<Record<string, string>> = {
  retrying: 'the last refresh from its primaries failed',
  stale: 'past its SOA expire without a refresh; still answered from the copy (expiry never)',
  expired: 'past its SOA expire without a refresh: answered SERVFAIL',
  unavailable: 'no copy, and the transfer failed',
};

/** Default: an agent not heard from for 5 minutes makes its server unreachable. */
export const UNREACHABLE_AFTER_MS = 5 * 60_000;

export interface AlertFilter {
  readonly siteId?: number;
  readonly kind?: AlertKind;
  readonly severity?: Severity;
}

export interface AlertSnapshot {
  readonly alerts: readonly Alert[];
  /** What they were computed from, for /metrics. */
  readonly pools: readonly PoolUse[];
  readonly subnets: readonly SubnetUse[];
  readonly reports: readonly { serverId: number; server: string; siteId: number; site: string; kind: string; subject: string; state: string; since: number }[];
  readonly agents: readonly { serverId: number; server: string; siteId: number; site: string; lastContactAt: number | null; issuedAt: number }[];
}

function utilisationSeverity(percent: number, t: { warning: number; critical: number }): Severity | undefined {
  return percent >= t.critical ? 'critical' : percent >= t.warning ? 'warning' : undefined;
}

export class Alerts {
  private readonly utilisation: Utilisation;

  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock, private readonly unreachableAfterMs = UNREACHABLE_AFTER_MS) {
    this.utilisation = new Utilisation(m);
  }

  async snapshot(): Promise<AlertSnapshot> {
    const now = this.clock.now();
    const { pools, subnets } = await this.utilisation.watched(now);
    const alerts: Alert[] = [];
    for (const p of pools) {
      const severity = utilisationSeverity(p.percent, p.thresholds);
      if (severity) {
        alerts.push({
          key: `pool-utilisation/range/${p.rangeId}`, kind: 'pool-utilisation', severity, siteId: p.siteId, serverId: null, object: `pool ${p.start}-${p.end} (subnet ${p.prefix})`,
          message: `${p.percent}% leased (${p.leased} of ${p.size}); ${severity} at ${p.thresholds[severity]}%`, since: null,
        });
      }
    }
    for (const s of subnets) {
      const severity = s.thresholds && utilisationSeverity(s.percent, s.thresholds);
      if (severity) {
        alerts.push({
          key: `subnet-utilisation/subnet/${s.subnetId}`, kind: 'subnet-utilisation', severity, siteId: s.siteId, serverId: null, object: `subnet ${s.prefix}`,
          message: `${s.percent}% used (${s.used} of ${s.size}); ${severity} at ${s.thresholds![severity]}%`, since: null,
        });
      }
    }
    const reports = await this.m.db.selectFrom('server_report as r').innerJoin('server as v', 'v.id', 'r.server_id').innerJoin('site as s', 's.id', 'v.site_id')
      .select(['r.server_id as serverId', 'v.name as server', 's.id as siteId', 's.name as site', 'r.kind', 'r.subject', 'r.state', 'r.since'])
      .orderBy('r.server_id').orderBy('r.kind').orderBy('r.subject').execute();
    for (const r of reports) {
      const failover = r.kind === 'failover';
      const severity = (failover ? FAILOVER_SEVERITY : ZONE_SEVERITY)[r.state];
      if (!severity) continue;
      alerts.push({
        key: `${failover ? 'failover' : 'zone'}-state/${r.server}/${r.subject}`, kind: failover ? 'failover-state' : 'zone-state', severity, siteId: r.siteId, serverId: r.serverId,
        object: `${failover ? 'failover relationship' : 'zone'} ${r.subject} on server ${r.server}`,
        message: `${r.state}: ${(failover ? FAILOVER_WHY : ZONE_WHY)[r.state]}`, since: Number(r.since),
      });
    }
    const agents = (await this.m.db.selectFrom('agent_link as a').innerJoin('server as v', 'v.id', 'a.server_id').innerJoin('site as s', 's.id', 'v.site_id')
      .select(['a.server_id as serverId', 'v.name as server', 's.id as siteId', 's.name as site', 'a.last_contact_at as lastContactAt', 'a.issued_at as issuedAt'])
      .orderBy('a.server_id').execute()).map((a) => ({ ...a, lastContactAt: a.lastContactAt === null ? null : Number(a.lastContactAt), issuedAt: Number(a.issuedAt) }));
    const bySite = new Map<number, { site: string; total: number; unreachable: number; lastContactAt: number | null }>();
    for (const a of agents) {
      const heard = a.lastContactAt ?? a.issuedAt;
      const gone = now - heard > this.unreachableAfterMs;
      const site = bySite.get(a.siteId) ?? { site: a.site, total: 0, unreachable: 0, lastContactAt: null };
      site.total++;
      if (a.lastContactAt !== null) site.lastContactAt = Math.max(site.lastContactAt ?? 0, a.lastContactAt);
      bySite.set(a.siteId, site);
      if (!gone) continue;
      site.unreachable++;
      alerts.push({
        key: `server-unreachable/${a.server}`, kind: 'server-unreachable', severity: 'warning', siteId: a.siteId, serverId: a.serverId, object: `server ${a.server}`,
        message: a.lastContactAt === null ? `its agent has not reached the manager since its token was issued ${Math.round((now - a.issuedAt) / 1000)} s ago`
          : `its agent was last heard from ${Math.round((now - a.lastContactAt) / 1000)} s ago`,
        since: heard,
      });
    }
    for (const [siteId, s] of bySite) {
      if (s.unreachable < s.total) continue;
      alerts.push({
        key: `site-unreachable/${s.site}`, kind: 'site-unreachable', severity: 'critical', siteId, serverId: null, object: `site ${s.site}`,
        message: `none of its ${s.total} server${s.total === 1 ? '' : 's'} with an agent has been heard from for ${Math.round(this.unreachableAfterMs / 1000)} s`,
        since: s.lastContactAt,
      });
    }
    return { alerts, pools, subnets, reports: reports.map((r) => ({ ...r, since: Number(r.since) })), agents };
  }

  async list(f: AlertFilter = {}): Promise<Alert[]> {
    const { alerts } = await this.snapshot();
    return alerts.filter((a) => (f.siteId === undefined || a.siteId === f.siteId) && (f.kind === undefined || a.kind === f.kind) && (f.severity === undefined || a.severity === f.severity));
  }

  /** A subnet's utilisation and its pools' (the API's /subnets/{id}/utilisation). */
  subnetUtilisation(id: number): Promise<SubnetUse | undefined> {
    return this.utilisation.subnet(id, this.clock.now());
  }
}

// The manager's operations in one place (docs/manager.md): what the REST API, the CLI and
// the web UI call. Every write takes the actor for the audit log.
import type { Clock } from '../core/clock.js';
import type { ManagerDatabase } from '../storage/manager/database.js';
import { Users } from './access/users.js';
import { Addresses } from './ipam/addresses.js';
import { IpRanges } from './ipam/ranges.js';
import { Sites } from './ipam/sites.js';
import { IpSpaces } from './ipam/spaces.js';
import { Subnets } from './ipam/subnets.js';
import { Queries } from './queries.js';
import { ImportExport } from './import-export.js';
import { Resources } from './objects/resource.js';
import { Rendering } from './render/plan.js';
import { AgentLinks } from './reports/agent-links.js';
import { Alerts, UNREACHABLE_AFTER_MS } from './reports/alerts.js';
import { SiteHistory } from './reports/history.js';
import { EventIngest } from './reports/ingest.js';

export interface ManagerOptions {
  /** How long an agent may stay silent before its server is unreachable (ms). */
  readonly unreachableAfterMs?: number;
}

export class Manager {
  readonly spaces: IpSpaces;
  readonly sites: Sites;
  readonly subnets: Subnets;
  readonly addresses: Addresses;
  readonly ranges: IpRanges;
  readonly users: Users;
  readonly queries: Queries;
  readonly csv: ImportExport;
  /** Service objects: servers, twin pairs, VLANs, option sets, classes, failover, scopes, zones… (objects/catalogue.ts). */
  readonly objects: Resources;
  /** Site configs rendered per server, plans, deployed configs. */
  readonly render: Rendering;
  /** Agent credentials and last contact. */
  readonly agents: AgentLinks;
  /** Batches of events from the sites' agents. */
  readonly ingest: EventIngest;
  readonly alerts: Alerts;
  /** Lease history and site events, read back. */
  readonly history: SiteHistory;

  constructor(readonly database: ManagerDatabase, readonly clock: Clock, options: ManagerOptions = {}) {
    this.spaces = new IpSpaces(database, clock);
    this.sites = new Sites(database, clock);
    this.subnets = new Subnets(database, clock);
    this.addresses = new Addresses(database, clock);
    this.ranges = new IpRanges(database, clock);
    this.users = new Users(database, clock);
    this.queries = new Queries(database);
    this.csv = new ImportExport(this);
    this.objects = new Resources(database, clock);
    this.render = new Rendering(database, clock);
    this.agents = new AgentLinks(database, clock);
    this.ingest = new EventIngest(database, clock);
    this.alerts = new Alerts(database, clock, options.unreachableAfterMs ?? UNREACHABLE_AFTER_MS);
    this.history = new SiteHistory(database);
  }
}

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

  constructor(readonly database: ManagerDatabase, readonly clock: Clock) {
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
  }
}

// Rendering (docs/manager.md "Rendering"): one site config per server, from the database,
// in the site daemon's own schema. Deterministic — rows are read in a fixed order and the
// config is hashed canonically — so the same database always gives the same bytes and
// hash, and a change shows as a difference. The result is checked by the site daemon's
// own parser (parseSiteConfig): what the manager would send is what a site accepts, and
// what it would refuse is reported here, naming the server and the config path.
import { parseSiteConfig } from '../../config/site-config.js';
import { canonicalJson, contentHash } from '../../config/canonical.js';
import type { DhcpOptionValues } from '../../config/dhcp-schema.js';
import { ROLES_OF_MODE, type FailoverMode } from '../../config/failover-schema.js';
import type { Code } from '../../core/codes.js';
import type { Db } from '../ipam/transaction.js';
import { ManagerError } from '../errors.js';
import { renderDhcp } from './dhcp.js';
import { renderDns } from './dns.js';
import { documentOf } from '../objects/resource.js';
import { servers } from '../objects/servers.js';

export interface RenderedFile {
  /** Absolute path on the server, as the config names it. */
  readonly path: string;
  readonly content: string;
}

export interface RenderProblem {
  readonly code: Code;
  /** The server whose config it is, e.g. "server branch-07-a". */
  readonly object: string;
  /** The path in the rendered config, e.g. "$.dhcp.subnets[0].pools[0]". */
  readonly path: string;
  readonly reason: string;
}

export interface RenderedConfig {
  readonly serverId: number;
  readonly server: string;
  readonly site: string;
  /** The site config as the server gets it. */
  readonly config: Record<string, unknown>;
  /** Files the config refers to (zone files). */
  readonly files: readonly RenderedFile[];
  /** The site daemon's hash of the config (what it reports it runs). */
  readonly configHash: string;
  /** The hash of config and files together: what a deployment is. */
  readonly hash: string;
  /** Why a site would refuse it; empty: valid. */
  readonly problems: readonly RenderProblem[];
  readonly warnings: readonly RenderProblem[];
}

export interface ServerRow {
  readonly id: number;
  readonly siteId: number;
  readonly name: string;
  readonly address: string;
  readonly roles: readonly string[];
  readonly dhcpInterfaces: readonly { name: string; address?: string }[];
  readonly statusPort: number;
  readonly dnsPort: number;
  readonly failoverPort: number;
  readonly dataDir: string;
  readonly fileSetId: number | null;
}

export async function loadServer(db: Db, id: number): Promise<ServerRow | undefined> {
  const row = await db.selectFrom('server').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return { fileSetId: null, ...documentOf(servers, row), id: row.id } as ServerRow;
}

/** A shallow merge of option objects, lowest level first: a later level's key replaces an earlier one's. */
export const mergeOptions = (...levels: readonly (DhcpOptionValues | undefined)[]): DhcpOptionValues | undefined => {
  const merged = Object.assign({}, ...levels.filter(Boolean)) as DhcpOptionValues;
  return Object.keys(merged).length > 0 ? merged : undefined;
};

/** A section renderer: adds its part of the config (and files), or problems. */
export interface SectionContext {
  readonly db: Db;
  readonly server: ServerRow;
  readonly object: string;
  readonly files: RenderedFile[];
  readonly problems: RenderProblem[];
}

/** Renders the site config of one server. */
export async function renderServer(db: Db, serverId: number): Promise<RenderedConfig> {
  const server = await loadServer(db, serverId);
  if (!server) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `server ${serverId} does not exist`, `server ${serverId}`);
  const site = await db.selectFrom('site').select(['name', 'description']).where('id', '=', server.siteId).executeTakeFirstOrThrow();
  const object = `server ${server.name}`;
  const c: SectionContext = { db, server, object, files: [], problems: [] };
  const config: Record<string, unknown> = {
    version: 1,
    site: { name: site.name, ...(site.description ? { description: site.description } : {}) },
    server: { name: server.name },
    status: { listen: '127.0.0.1', port: server.statusPort },
  };
  if (server.roles.includes('dhcp')) Object.assign(config, await renderDhcp(c));
  const warnings: RenderProblem[] = [];
  if (server.roles.includes('dns')) {
    const dns = await renderDns(db, server.id);
    if (dns.section) config.dns = dns.section;
    c.files.push(...dns.files);
    for (const p of dns.problems) (p.severity === 'error' ? c.problems : warnings).push({ code: 'MANAGER_INVALID', object: p.object, path: p.field, reason: p.reason });
  }
  if (server.roles.includes('files')) config.files = await renderFiles(c);

  const problems = [...c.problems];
  const parsed = parseSiteConfig(canonicalJson(config));
  if (parsed.ok) for (const w of parsed.loaded.warnings) warnings.push({ code: w.code, object, path: w.path, reason: w.reason });
  else for (const p of parsed.problems) problems.push({ code: p.code, object, path: p.path, reason: p.reason });
  const files = [...c.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    serverId, server: server.name, site: site.name, config, files,
    configHash: contentHash(config), hash: contentHash({ config, files }),
    problems, warnings,
  };
}

async function renderFiles(c: SectionContext): Promise<Record<string, unknown>> {
  const { server } = c;
  const files: Record<string, unknown> = {
    root: `${server.dataDir}/files/root`,
    dataDir: `${server.dataDir}/files`,
    http: { listen: [{ address: server.address }] },
    tftp: { listen: [{ address: server.address }] },
  };
  if (server.fileSetId !== null) {
    const set = await c.db.selectFrom('file_set').select('data').where('id', '=', server.fileSetId).executeTakeFirstOrThrow();
    const d = JSON.parse(set.data) as { manifest: unknown; sources: unknown; bandwidth?: number };
    files.sync = { manifest: d.manifest, sources: d.sources, ...(d.bandwidth !== undefined ? { bandwidth: d.bandwidth } : {}) };
  }
  return files;
}

/** The role a server has in a relationship of this mode. */
export function roleIn(mode: FailoverMode, isPrimary: boolean): string {
  const [primary, partner] = ROLES_OF_MODE[mode];
  return isPrimary ? primary : partner;
}

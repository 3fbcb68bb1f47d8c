// The manager's CLI for what sites report (docs/manager.md "Site reports", "Alerts"):
// `outpost alerts`, `outpost utilisation`, `outpost lease-history`, `outpost
// lease-holders`, `outpost site-events` and `outpost agent-token issue|show|revoke`,
// each a client of the REST API like the other manager commands.
import type { Command } from 'commander';
import { EXIT_USAGE } from './status-target.js';
import { call, CliFailure, listAll, print, run, withConnection, type Row } from './manager-client.js';
import { withProgress } from './progress.js';

/** An ISO 8601 time (or ms since the epoch) as ms; a usage error naming the option otherwise. */
function timeOf(option: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new CliFailure(`${option} ${text} is not a time (ISO 8601, e.g. 2026-11-24T09:00:00Z, or ms since the epoch)`, EXIT_USAGE);
  return String(ms);
}
const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : ms);
const withTimes = (rows: Row[], fields: readonly string[]) => rows.map((r) => ({ ...r, ...Object.fromEntries(fields.map((f) => [f, iso(r[f])])) }));

export function addReportCommands(program: Command): void {
  const list = (c: Command) => withProgress(withConnection(c).option('--limit <n>', 'at most this many rows'));

  withConnection(program.command('alerts').description('open alerts: pool and subnet utilisation, failover and zone states, unreachable servers and sites')
    .option('--site <id>').option('--kind <kind>', 'pool-utilisation, subnet-utilisation, failover-state, zone-state, server-unreachable, site-unreachable')
    .option('--severity <severity>', 'warning or critical'))
    .action(run(async (o) => {
      const q = new URLSearchParams(Object.entries({ siteId: o.site, kind: o.kind, severity: o.severity }).filter((e): e is [string, string] => e[1] !== undefined));
      const { items } = await call(o, 'GET', `/alerts${q.size > 0 ? `?${q}` : ''}`);
      print(o, withTimes(items as Row[], ['since']), ['severity', 'kind', 'object', 'message', 'since']);
    }));

  withConnection(program.command('utilisation').description('a subnet\'s utilisation and its pools\'').argument('<subnet-id>'))
    .action(run(async (id: string, o) => {
      const u = await call(o, 'GET', `/subnets/${encodeURIComponent(id)}/utilisation`);
      if (o.json) return print(o, u, []);
      const limits = (t: unknown) => (t ? `${(t as Row).warning}%/${(t as Row).critical}% (${(t as Row).from})` : '-');
      print(o, [
        { what: `subnet ${u.prefix}`, size: u.size, used: u.used, percent: u.percent, thresholds: limits(u.thresholds) },
        ...(u.pools as Row[]).map((p) => ({ what: `pool ${p.start}-${p.end}`, size: p.size, used: p.leased, percent: p.percent, thresholds: limits(p.thresholds) })),
      ], ['what', 'size', 'used', 'percent', 'thresholds']);
    }));

  list(program.command('lease-history').description('lease changes the sites reported, oldest first')
    .option('--address <address>').option('--mac <mac>').option('--hostname <name>').option('--site <id>')
    .option('--since <time>', 'changes that began at or after this time (ISO 8601)').option('--until <time>', 'changes that began before this time'))
    .action(run(async (o) => {
      const rows = await listAll(o, '/leases/history', { address: o.address, mac: o.mac, hostname: o.hostname, siteId: o.site, since: timeOf('--since', o.since), until: timeOf('--until', o.until) });
      print(o, o.json ? rows : withTimes(rows, ['startsAt', 'endsAt']), ['address', 'state', 'mac', 'hostname', 'server', 'startsAt', 'endsAt']);
    }));

  withConnection(program.command('lease-holders').description('who held an address at a time, per site').argument('<address>')
    .requiredOption('--at <time>', 'the time (ISO 8601)').option('--site <id>'))
    .action(run(async (address: string, o) => {
      const q = new URLSearchParams({ address, at: timeOf('--at', o.at)!, ...(o.site ? { siteId: o.site } : {}) });
      const { items } = await call(o, 'GET', `/leases/holders?${q}`);
      const rows = (items as { siteId: number; held: boolean; lease: Row }[]).map((h) => ({ siteId: h.siteId, held: h.held, ...h.lease }));
      print(o, o.json ? rows : withTimes(rows, ['startsAt', 'endsAt']), ['siteId', 'held', 'state', 'mac', 'hostname', 'startsAt', 'endsAt']);
    }));

  list(program.command('site-events').description('events the sites delivered, once each, in the order stored')
    .option('--site <id>').option('--server <id>').option('--kind <kind>', 'e.g. files.upload, lease.change'))
    .action(run(async (o) => {
      const rows = await listAll(o, '/site-events', { siteId: o.site, serverId: o.server, kind: o.kind });
      print(o, o.json ? rows : withTimes(rows, ['at']).map((r) => ({ ...r, data: JSON.stringify(r.data) })), ['id', 'server', 'seq', 'at', 'kind', 'data']);
    }));

  const token = program.command('agent-token').description('a server\'s agent credential');
  withConnection(token.command('issue').description('issue the server\'s agent token (printed once), replacing any earlier one').argument('<server-id>'))
    .action(run(async (id: string, o) => {
      const issued = await call(o, 'POST', `/servers/${encodeURIComponent(id)}/agent-token`);
      if (o.json) return print(o, issued, []);
      process.stdout.write(`${String(issued.token)}\n`);
      process.stderr.write('outpost: the agent token is shown once: put it in the site\'s agent.tokenFile\n');
    }));
  withConnection(token.command('show').description('when the token was issued, when and from where the agent last reached the manager').argument('<server-id>'))
    .action(run(async (id: string, o) => print(o, withTimes([await call(o, 'GET', `/servers/${encodeURIComponent(id)}/agent`)], ['issuedAt', 'lastContactAt']), ['serverId', 'issuedAt', 'lastContactAt', 'lastAddress'])));
  withConnection(token.command('revoke').description('revoke the server\'s agent token').argument('<server-id>'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/servers/${encodeURIComponent(id)}/agent-token`); }));
}

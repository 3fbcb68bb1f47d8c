// The `outpost` command tree (commander). Kept apart from main.ts so tests can walk it.
import { Command } from 'commander';
import { OUTPOST_VERSION } from '../runtime/version.js';
import { checkSite } from '../site/check.js';
import { siteConfigJsonSchema } from '../config/site-config.js';
import { queryLeases, type LeasesOptions } from './leases.js';
import { failoverCommand, failoverStatus, type FailoverCommandOptions, type FailoverStatusOptions } from './failover.js';
import { OPERATOR_COMMANDS } from '../protocol/failover/operator-commands.js';
import { dnsNotify, dnsReload, dnsRetransfer, dnsStatus, type DnsCommandOptions, type DnsStatusOptions } from './dns.js';
import { filesStatus, filesSync, type FilesStatusOptions, type FilesSyncOptions } from './files.js';
import { agentStatus, type AgentStatusOptions } from './agent.js';
import type { ManagerRunOptions } from './manager-run.js';
import { addManagerCommands } from './manager-commands.js';
import { addObjectCommands, addRenderCommands } from './object-commands.js';
import { addReportCommands } from './report-commands.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('outpost')
    .description('Outpost: high-availability DHCP, DNS and IPAM for multi-site networks')
    .version(OUTPOST_VERSION)
    .showHelpAfterError();

  const site = program.command('site').description('the site daemon: one per site server');

  site.command('check')
    .description('validate a site config; print every error with its JSON path and reason (exit 2 when any)')
    .requiredOption('-c, --config <file>', 'site config file (JSON, comments allowed)')
    .action(async (o: { config: string }) => { process.exitCode = await checkSite(o.config, process.stdout, process.stderr); });

  site.command('run')
    .description('validate the config, then run the site daemon until SIGTERM or SIGINT')
    .requiredOption('-c, --config <file>', 'site config file (JSON, comments allowed)')
    // Loaded when run: the daemon's services would slow every other command's start.
    .action(async (o: { config: string }) => { process.exit(await (await import('../site/run.js')).runSite(o.config)); });

  site.command('schema')
    .description('print the JSON Schema of the site config')
    .action(() => { process.stdout.write(JSON.stringify(siteConfigJsonSchema(), null, 2) + '\n'); });

  program.command('leases')
    .description('show DHCPv4 leases held by a running site daemon (asks its status endpoint)')
    .option('-c, --config <file>', 'the site config (its status address and port)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180')
    .option('--address <ip>', 'the lease of this address')
    .option('--mac <mac>', 'leases of this hardware address')
    .option('--client-id <hex>', 'leases of this client identifier (option 61)')
    .option('--hostname <name>', 'leases with this host name')
    .option('--all', 'every lease (first 1000)')
    .option('--json', 'print JSON')
    .action(async (o: LeasesOptions) => { process.exitCode = await queryLeases(o, process.stdout, process.stderr); });

  const failover = program.command('failover').description('DHCP failover of a running site daemon (through its status endpoint)');

  failover.command('status')
    .description('show every failover relationship: state, partner, contact, replication, recent transitions')
    .option('-c, --config <file>', 'the site config (its status address and port)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180')
    .option('--json', 'print the daemon\'s JSON')
    .action(async (o: FailoverStatusOptions) => { process.exitCode = await failoverStatus(o, process.stdout, process.stderr); });

  const describe: Record<(typeof OPERATOR_COMMANDS)[number], string> = {
    'maintenance': 'take this server out of a relationship: it answers none of its clients, the partner all',
    'partner-down': 'declare the partner dead: this server answers all the relationship\'s clients (asks for confirmation)',
    'resume': 'leave maintenance, or fail back now (failback.mode manual)',
  };
  for (const command of OPERATOR_COMMANDS) {
    const c = failover.command(command)
      .description(describe[command])
      .argument('<relationship>', 'the relationship\'s name (failover.relationships[].name)')
      .option('-c, --config <file>', 'the site config (its status port, and the control token in its dhcp.leaseDir)')
      .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180 (then give --token-file)')
      .option('--token-file <file>', 'the daemon\'s control token (default: control.token in the config\'s dhcp.leaseDir)')
      .option('-y, --yes', 'do not ask for confirmation (partner-down asks; the others never do)');
    c.action(async (relationship: string, o: FailoverCommandOptions) => {
      process.exitCode = await failoverCommand(command, relationship, o, { input: process.stdin, isTTY: process.stdin.isTTY === true }, process.stdout, process.stderr);
    });
  }

  const dns = program.command('dns').description('the DNS zones of a running site daemon (through its status endpoint)');

  dns.command('status')
    .description('show every zone: role, state, serial, last refresh, time left before expire, stale or not')
    .option('-c, --config <file>', 'the site config (its status address and port)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180')
    .option('--json', 'print the daemon\'s JSON')
    .action(async (o: DnsStatusOptions) => { process.exitCode = await dnsStatus(o, process.stdout, process.stderr); });

  dns.command('retransfer')
    .description('transfer a secondary zone again in full (AXFR) from its primaries, whatever the serials say')
    .argument('<zone>', 'the zone (dns.zones[].name)')
    .option('-c, --config <file>', 'the site config (its status port, and the control token in its dhcp.leaseDir or dns.dataDir)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180 (then give --token-file)')
    .option('--token-file <file>', 'the daemon\'s control token (default: control.token in the config\'s dhcp.leaseDir, else dns.dataDir)')
    .action(async (zone: string, o: DnsCommandOptions) => { process.exitCode = await dnsRetransfer(zone, o, process.stdout, process.stderr); });
  const daemonOptions = (c: Command) => c
    .option('-c, --config <file>', 'the site config (its status port, and the control token in its dhcp.leaseDir or dns.dataDir)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180 (then give --token-file)')
    .option('--token-file <file>', 'the daemon\'s control token (default: control.token in the config\'s dhcp.leaseDir, else dns.dataDir)')
    .option('--json', 'print the daemon\'s JSON');
  daemonOptions(dns.command('reload')
    .description('read the primary zone files again: a newer serial is served, journaled for IXFR and NOTIFYed; an invalid file or a serial not raised keeps the old version')
    .argument('[zone]', 'only this zone (default: every primary zone)'))
    .action(async (zone: string | undefined, o: DnsCommandOptions) => { process.exitCode = await dnsReload(zone, o, process.stdout, process.stderr); });
  daemonOptions(dns.command('notify')
    .description('send NOTIFY for a zone to its notify servers now, with the serial served')
    .argument('<zone>', 'the zone (dns.zones[].name)'))
    .action(async (zone: string, o: DnsCommandOptions) => { process.exitCode = await dnsNotify(zone, o, process.stdout, process.stderr); });

  const files = program.command('files').description('the phone file service of a running site daemon (through its status endpoint)');

  files.command('status')
    .description('show the set served and the sync toward the manifest: target, state, progress, last success, rejected downloads, last error')
    .option('-c, --config <file>', 'the site config (its status address and port)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180')
    .option('--json', 'print the daemon\'s JSON')
    .action(async (o: FilesStatusOptions) => { process.exitCode = await filesStatus(o, process.stdout, process.stderr); });

  files.command('sync')
    .description('start a sync attempt now (instead of waiting for files.sync.retryInterval)')
    .option('-c, --config <file>', 'the site config (its status port, and the control token in its dhcp.leaseDir, dns.dataDir or files.dataDir)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180 (then give --token-file)')
    .option('--token-file <file>', 'the daemon\'s control token (default: control.token in the config\'s dhcp.leaseDir, else dns.dataDir, else files.dataDir)')
    .action(async (o: FilesSyncOptions) => { process.exitCode = await filesSync(o, process.stdout, process.stderr); });

  const manager = program.command('manager').description('the manager: IPAM database, REST API, config rendering');

  manager.command('run')
    .description('serve the REST API until SIGTERM or SIGINT; the first start makes an administrator and prints its password once')
    .option('--data-dir <dir>', 'where the SQLite database and admin.token live', 'outpost-manager')
    .option('--listen <address>', 'address of the API', '127.0.0.1')
    .option('--port <port>', 'port of the API (0: pick one and print it)', '8440')
    .option('--database <url>', 'a postgresql:// URL instead of SQLite')
    .option('--demo', 'on the first start, fill the database with the demo dataset (npm start)')
    .option('--unreachable-after <seconds>', 'an agent silent this long makes its server unreachable (an alert)', '300')
    // Loaded when run: the database drivers and the API server would slow every other command's start.
    .action(async (o: ManagerRunOptions) => { process.exit(await (await import('./manager-run.js')).runManager(o, process.stdout, process.stderr)); });

  addManagerCommands(program);
  addObjectCommands(program);
  addReportCommands(program);
  addRenderCommands(program);

  const agent = program.command('agent').description('the agent of a running site daemon: its event path to the managers (through its status endpoint)');

  agent.command('status')
    .description('show the delivery of events to the managers: state, manager in use, last contact, events pending and the oldest, delivered, refused, last error')
    .option('-c, --config <file>', 'the site config (its status address and port)')
    .option('--url <url>', 'the status endpoint, e.g. http://127.0.0.1:9180')
    .option('--json', 'print the daemon\'s JSON')
    .action(async (o: AgentStatusOptions) => { process.exitCode = await agentStatus(o, process.stdout, process.stderr); });

  return program;
}

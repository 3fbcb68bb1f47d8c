// `outpost site run`: validate, freeze, start the enabled services, stop cleanly on a signal.
import type { Clock } from '../core/clock.js';
import { formatProblem } from '../config/problem.js';
import { systemClock } from '../runtime/system-clock.js';
import { createLogger, logEvent, type Logger } from '../runtime/log.js';
import { createMetricsRegistry } from '../runtime/metrics.js';
import { OUTPOST_VERSION } from '../runtime/version.js';
import { readSiteConfigFile } from './config-file.js';
import { SiteDaemon } from './daemon.js';
import { StatusService } from './status-service.js';
import { Gauge } from 'prom-client';
import type { LoadedSiteConfig } from '../config/site-config.js';
import { dirname, join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { compileDhcp } from '../protocol/dhcp/compile.js';
import { Dhcp4LeaseJournal } from '../storage/dhcp4-lease-journal.js';
import { DhcpService } from './dhcp-service.js';
import { FailoverService } from './failover-service.js';
import { ControlToken, controlTokenPath } from './control-token.js';
import { OPERATOR_COMMANDS } from '../protocol/failover/operator-commands.js';
import { leaseQueryRoute } from './lease-query.js';
import { DnsService } from './dns-service.js';
import { FilesService } from './files-service.js';
import { AgentService } from './agent-service.js';
import { DdnsService, ddnsEnabled } from './ddns-service.js';
import type { SiteService } from './service.js';


export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INVALID_CONFIG = 2;

export function buildSiteDaemon(loaded: LoadedSiteConfig, log: Logger, clock: Clock = systemClock, configDir = process.cwd()): { daemon: SiteDaemon; status: StatusService; dns?: DnsService } {
  const { config, hash } = loaded;
  const registry = createMetricsRegistry();
  new Gauge({ name: 'outpost_site_config_info', help: 'The site config in force; the value is always 1.', labelNames: ['site', 'server', 'hash'], registers: [registry] })
    .set({ site: config.site.name, server: config.server.name, hash }, 1);
  const startedAt = clock.now();
  let daemon: SiteDaemon;
  const status = new StatusService({
    listen: config.status.listen,
    port: config.status.port,
    registry,
    log,
    clock,
    health: () => ({
      healthy: daemon.state === 'running',
      body: {
        status: daemon.state === 'running' ? 'ok' : daemon.state,
        site: config.site.name,
        server: config.server.name,
        version: OUTPOST_VERSION,
        config: { version: config.version, hash },
        uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
        services: daemon.serviceStates(),
      },
    }),
  });
  new Gauge({
    name: 'outpost_site_up', help: '1 while the site daemon is running every enabled service.', registers: [registry],
    collect() { this.set(daemon.state === 'running' ? 1 : 0); },
  });
  const services: SiteService[] = [status];
  let commands = false;
  // The agent starts before the services that report events to it and stops after them.
  const agent = config.agent?.enabled
    ? new AgentService({ config: config.agent, site: config.site.name, server: config.server.name, configDir, log, clock, registry })
    : undefined;
  if (agent) {
    status.addRoute('/agent', () => ({ status: 200, body: agent.status() }));
    services.push(agent);
  }
  const dhcp = config.dhcp;
  if (dhcp?.enabled) {
    const dir = resolve(configDir, dhcp.leaseDir);
    const failover = config.failover ? new FailoverService({ config, configDir, log, clock, registry }) : undefined;
    const service = new DhcpService({
      model: compileDhcp(dhcp), openStore: () => Dhcp4LeaseJournal.open({ dir, log, clock }), port: dhcp.port, log, clock, registry,
      ...(failover ? { failover } : {}),
      ...(ddnsEnabled(dhcp) ? { ddns: new DdnsService({ dhcp, dns: config.dns, configDir, dir, log, clock, registry }) } : {}),
      // The JIT warm-up runs over a journal of its own in a temporary directory: same class, nothing shared, removed after.
      warmUpStore: async () => {
        const tmp = await mkdtemp(join(tmpdir(), 'outpost-dhcp-warmup-'));
        const drop = () => rm(tmp, { recursive: true, force: true });
        try {
          const store = await Dhcp4LeaseJournal.open({ dir: tmp, log: createLogger({ level: 'silent' }), clock, commitIntervalMs: 0 });
          return { store, dispose: async () => { await store.close().catch(() => undefined); await drop(); } };
        } catch (err) {
          await drop();
          throw err;
        }
      },
    });
    status.addRoute('/leases', (q) => {
      const store = service.leases;
      return store ? leaseQueryRoute(store)(q) : { status: 503, body: { error: 'the DHCP service is not running' } };
    });
    services.push(service);
    if (failover) {
      status.addRoute('/failover', () => ({ status: 200, body: failover.status() }));
      for (const command of OPERATOR_COMMANDS) {
        status.addCommand(`/failover/:relationship/${command}`, ({ relationship }) => failover.command(relationship!, command));
      }
      services.push(failover);
      commands = true;
    }
  }
  let dns: DnsService | undefined;
  if (config.dns?.enabled) {
    const service = new DnsService({ config: config.dns, configDir, log, clock, registry });
    status.addCommand('/dns/reload', () => service.reloadCommand());
    status.addCommand('/dns/reload/:zone', ({ zone }) => service.reloadCommand(zone!));
    status.addCommand('/dns/notify/:zone', ({ zone }) => service.notifyCommand(zone!));
    status.addRoute('/dns', () => ({ status: 200, body: service.status() }));
    if (service.secondaries.zones.length > 0) status.addCommand('/dns/retransfer/:zone', ({ zone }) => service.secondaries.retransfer(zone!));
    services.push(service);
    dns = service;
    commands = true;
  }
  if (config.files?.enabled) {
    const service = new FilesService({ config: config.files, configDir, log, clock, registry, ...(agent ? { events: agent } : {}) });
    status.addRoute('/files', () => ({ status: 200, body: service.status() }));
    if (config.files.sync) {
      status.addCommand('/files/sync', () => service.syncNow());
      commands = true;
    }
    services.push(service);
  }
  if (commands) {
    // Last: the lease directory (or, without DHCP, the DNS data directory, or without either files.dataDir) exists and is locked by this process.
    const token = new ControlToken(controlTokenPath(config, configDir)!);
    status.useAuthority(token);
    services.push(token);
  }
  daemon = new SiteDaemon({ services, clock, log });
  return { daemon, status, ...(dns ? { dns } : {}) };
}

export async function runSite(configPath: string): Promise<number> {
  const result = await readSiteConfigFile(configPath);
  if (!result.ok) {
    for (const p of result.problems) process.stderr.write(formatProblem(configPath, p) + '\n');
    process.stderr.write(`${configPath}: ${result.problems.length} error(s); no service started\n`);
    return EXIT_INVALID_CONFIG;
  }
  const { config, hash } = result.loaded;
  const log = createLogger({ level: config.log.level, base: { site: config.site.name, server: config.server.name } });
  logEvent(log, 'CONFIG_LOADED', { path: configPath, hash });
  for (const w of result.loaded.warnings) logEvent(log, w.code, { path: w.path }, `${w.path}: ${w.reason}`);
  const { daemon, dns } = buildSiteDaemon(result.loaded, log, systemClock, dirname(resolve(configPath)));

  const onSignal = (signal: NodeJS.Signals) => { void daemon.stop(`signal ${signal}`); };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP: read the primary zone files again (docs/dns.md, "Reload and NOTIFY").
  const onHangup = () => { if (daemon.state === 'running') void dns?.reload('SIGHUP').catch(() => undefined); };
  if (dns) process.on('SIGHUP', onHangup);
  process.on('uncaughtException', (error) => {
    logEvent(log, 'SITE_UNCAUGHT', { err: error.message, stack: error.stack });
    void daemon.stop('uncaught exception');
    setTimeout(() => process.exit(EXIT_FAILURE), 4500).unref();
  });

  await daemon.start();
  const final = await daemon.done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off('SIGHUP', onHangup);
  return final === 'stopped' ? EXIT_OK : EXIT_FAILURE;
}

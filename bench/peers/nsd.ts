// NSD as a dns-udp peer: one server process (server-count 1), no database file,
// no remote control, no privilege drop, no rate limiting, everything inside the work dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsServer, DnsServerSetup, RunningDnsServer } from '../dns-server.js';
import { onPath } from '../machine.js';
import { startBackground } from '../process.js';

function config(s: DnsServerSetup, dir: string): string {
  return [
    'server:',
    `    ip-address: ${s.address}@${s.port}`,
    '    server-count: 1',
    '    username: ""',
    '    chroot: ""',
    `    zonesdir: "${dir}"`,
    '    database: ""',
    `    pidfile: "${join(dir, 'nsd.pid')}"`,
    `    xfrdfile: "${join(dir, 'xfrd.state')}"`,
    `    zonelistfile: "${join(dir, 'zone.list')}"`,
    `    xfrdir: "${dir}"`,
    `    logfile: "${join(dir, 'nsd.log')}"`,
    '    verbosity: 0',
    // Debian builds NSD with response rate limiting on (200/s per source): one
    // loopback load tool would be throttled, not measured.
    '    rrl-ratelimit: 0',
    '    rrl-whitelist-ratelimit: 0',
    'remote-control:',
    '    control-enable: no',
    'zone:',
    `    name: ${s.origin}`,
    `    zonefile: "${s.zoneFile}"`,
    '',
  ].join('\n');
}

export const nsd: DnsServer = {
  name: 'nsd',
  async unavailable() {
    return onPath('nsd') ? undefined : 'nsd not found (Debian package nsd)';
  },
  async start(s: DnsServerSetup): Promise<RunningDnsServer> {
    const dir = join(s.workDir, 'nsd');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'nsd.conf');
    writeFileSync(conf, config(s, dir));
    // -d: stay in the foreground so stop() reaches it; it forks xfrd and one server.
    return startBackground('nsd', ['-d', '-c', conf], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
  },
};

// Knot DNS as a dns-udp peer: one UDP and one TCP worker, so it gets the same
// single core as every other contender; no journal, no zone file writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsServer, DnsServerSetup, RunningDnsServer } from '../dns-server.js';
import { onPath } from '../machine.js';
import { startBackground } from '../process.js';

function config(s: DnsServerSetup, dir: string): string {
  return [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: ${s.address}@${s.port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'log:',
    `  - target: ${join(dir, 'knotd.log')}`,
    '    any: warning',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'zone:',
    `  - domain: ${s.origin}`,
    `    file: "${s.zoneFile}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    '',
  ].join('\n');
}

export const knot: DnsServer = {
  name: 'knot',
  async unavailable() {
    return onPath('knotd') ? undefined : 'knotd not found (Debian package knot)';
  },
  async start(s: DnsServerSetup): Promise<RunningDnsServer> {
    const dir = join(s.workDir, 'knot');
    mkdirSync(join(dir, 'db'), { recursive: true });
    const conf = join(dir, 'knot.conf');
    writeFileSync(conf, config(s, dir));
    return startBackground('knotd', ['-c', conf], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
  },
};

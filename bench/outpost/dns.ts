// Outpost's side of the dns-udp bench: the real `outpost site run` with a config whose
// only service is DNS, serving the bench's zone file as a primary zone on the bench's
// address and port, logging at warn into the instance's work directory. One process,
// one protocol thread: the same single core as every peer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DnsServer, DnsServerSetup, RunningDnsServer } from '../dns-server.js';
import { startBackground } from '../process.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function outpostDnsConfig(s: DnsServerSetup, dir: string): unknown {
  return {
    version: 1,
    site: { name: 'bench' },
    server: { name: 'bench-dns' },
    status: { listen: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    dns: {
      listen: [{ address: s.address, port: s.port }],
      dataDir: join(dir, 'data'),
      zones: [{ name: s.origin, type: 'primary', file: s.zoneFile }],
    },
  };
}

export const outpostDns: DnsServer = {
  name: 'outpost',
  async unavailable() {
    return undefined;
  },
  async start(s: DnsServerSetup): Promise<RunningDnsServer> {
    const dir = join(s.workDir, 'outpost');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const conf = join(dir, 'outpost-site.json');
    writeFileSync(conf, JSON.stringify(outpostDnsConfig(s, dir), null, 2));
    // Diagnostics only, as in the dhcp4 bench: e.g. OUTPOST_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeFlags = (process.env.OUTPOST_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    return startBackground(process.execPath, [...nodeFlags, OUTPOST, 'site', 'run', '--config', conf], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
  },
};

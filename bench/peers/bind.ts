// BIND 9 (named) as a dns-udp peer: one worker thread and one UDP listener
// (-n 1 -U 1), recursion off, no rndc control channel, files in the work dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsServer, DnsServerSetup, RunningDnsServer } from '../dns-server.js';
import { onPath } from '../machine.js';
import { startBackground } from '../process.js';

function config(s: DnsServerSetup, dir: string): string {
  return `options {
    directory "${dir}";
    pid-file "${join(dir, 'named.pid')}";
    session-keyfile "${join(dir, 'session.key')}";
    listen-on port ${s.port} { ${s.address}; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query { any; };
};
controls { };
zone "${s.origin}" { type primary; file "${s.zoneFile}"; };
`;
}

export const bind: DnsServer = {
  name: 'bind',
  async unavailable() {
    return onPath('named') ? undefined : 'named not found (Debian package bind9)';
  },
  async start(s: DnsServerSetup): Promise<RunningDnsServer> {
    const dir = join(s.workDir, 'bind');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'named.conf');
    writeFileSync(conf, config(s, dir));
    // -g: foreground, log to stderr (captured in the log file); default logging is
    // info-level but only at start-up, never per query.
    return startBackground('named', ['-g', '-n', '1', '-U', '1', '-c', conf], {
      logFile: join(dir, 'named.log'),
      cpus: s.cpus,
    });
  },
};

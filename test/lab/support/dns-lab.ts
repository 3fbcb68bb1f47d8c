// Shared by the DNS lab tests: Outpost's site daemon serving a `dns` section, dig from a
// namespace (once, or polled until a record is there), a bounded poll, and the
// named.conf of a BIND secondary of one of our zones.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabProcess, Netns } from '../index.js';

/** The outpost CLI, built, seen from dist/test/lab/support/. */
export const OUTPOST = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** Calls fn every 250 ms until it returns something other than undefined; throws after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The JSON log lines of the daemon with this code, parsed. */
export function logLines(daemon: LabProcess, code: string): Record<string, unknown>[] {
  return daemon.output().split('\n').filter((l) => l.includes(`"code":"${code}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `dig +short` from ns to server: the answer's values, one a line, trimmed ('' when there is none). */
export async function digShort(ns: Netns, server: string, name: string, type: string): Promise<string> {
  const r = await ns.run('dig', [`@${server}`, '+norec', '+short', '+time=1', '+tries=1', name, type], { timeoutMs: 10_000 });
  return r.stdout.trim();
}

/** Polls digShort until it prints `want` (with want '': nothing); returns the ms it took. */
export async function expectRecord(ns: Netns, server: string, name: string, type: string, want: string, why: string, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  let got = '';
  for (;;) {
    got = await digShort(ns, server, name, type);
    if (got === want) return Date.now() - started;
    if (Date.now() - started > timeoutMs) assert.fail(`${why}: dig @${server} ${name} ${type} gave "${got}" for ${timeoutMs} ms, want "${want}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The in-addr.arpa name of an IPv4 address. */
export const reverseName = (address: string): string => `${address.split('.').reverse().join('.')}.in-addr.arpa`;

/** named.conf of a BIND secondary of `zone` from `primary`, answering on `listen`:53, logging to dir/named.log (xfer-in and notify at debug 3). */
export function namedSecondaryConf(dir: string, o: { listen: string; primary: string; zone: string }): string {
  return `options {
    directory "${dir}";
    pid-file "${join(dir, 'named.pid')}";
    session-keyfile "${join(dir, 'session.key')}";
    listen-on port 53 { ${o.listen}; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query { any; };
};
controls { };
logging {
    channel out { file "${join(dir, 'named.log')}"; severity debug 3; print-time yes; print-category yes; };
    category default { out; };
    category xfer-in { out; };
    category notify { out; };
};
zone "${o.zone}" { type secondary; primaries { ${o.primary}; }; file "${join(dir, 'zone.bak')}"; };
`;
}

export interface DnsSite {
  readonly config: string;
  /** The running daemon (the latest start). */
  daemon: LabProcess;
  /** Starts the daemon (again) and waits until it answers DNS. */
  start(): Promise<LabProcess>;
}

/** Writes dir/site.json with this `dns` section (status on an ephemeral port) and starts `outpost site run` in ns. */
export async function dnsSite(ns: Netns, dir: string, dns: Record<string, unknown>, server = 'dns-1'): Promise<DnsSite> {
  const config = join(dir, 'site.json');
  writeFileSync(config, JSON.stringify({ version: 1, site: { name: 'lab' }, server: { name: server }, status: { port: 0 }, dns }));
  const site: DnsSite = {
    config,
    daemon: undefined as unknown as LabProcess,
    async start() {
      site.daemon = ns.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', config]);
      await site.daemon.waitForLine(/"code":"DNS_LISTENING"/, 20_000);
      return site.daemon;
    },
  };
  await site.start();
  return site;
}

// Shared by the DHCPv4 lab tests: our real `outpost site run` serving a lab topology,
// with helpers to query its leases and metrics from inside the server namespace, and to
// run ISC dhclient without it ever touching the host (the fixtures' dhclient-script).
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess, Netns } from '../index.js';

/** test/lab/fixtures/ in the source tree, seen from dist/test/lab/support/ (or test/lab/support/). */
export const FIXTURES = ((): string => {
  for (const rel of ['../../../../test/lab/fixtures/', '../fixtures/']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(path, 'dhclient-script.sh'))) return path;
  }
  throw new Error('lab: test/lab/fixtures not found');
})();
const OUTPOST = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

export interface LeaseView {
  address: string;
  state: string;
  hwAddress: string;
  hostname: string | null;
  expiresAt?: string;
  [k: string]: unknown;
}

export interface Site {
  daemon: LabProcess;
  dir: string;
  statusUrl: string;
  /** GET /leases?<query> from inside the server namespace. */
  leases: (query: string) => Promise<LeaseView[]>;
  /** GET /metrics: the value of one sample (name with its labels, exactly as exposed), or undefined. */
  metric: (sample: string) => Promise<number | undefined>;
}

/**
 * Writes dir/site.json: a lab site with this `dhcp` section (leases in dir/leases, status
 * on 127.0.0.1:9180) and any other top-level `sections` (e.g. `dns`).
 */
export function writeSiteConfig(dir: string, dhcp: Record<string, unknown>, logLevel = 'info', sections: Record<string, unknown> = {}): string {
  const config = {
    version: 1,
    site: { name: 'lab' },
    server: { name: 'lab-1' },
    status: { listen: '127.0.0.1', port: 9180 },
    log: { level: logLevel },
    dhcp: { leaseDir: join(dir, 'leases'), ...dhcp },
    ...sections,
  };
  const path = join(dir, 'site.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** Writes the site config (writeSiteConfig) and runs the daemon in server until DHCP listens. */
export async function startSite(
  server: Netns, dir: string, dhcp: Record<string, unknown>, logLevel = 'info', prefix: readonly string[] = [], sections: Record<string, unknown> = {},
): Promise<Site> {
  const config = writeSiteConfig(dir, dhcp, logLevel, sections);
  const argv = [process.execPath, OUTPOST, 'site', 'run', '--config', config];
  const daemon = server.spawn(prefix[0] ?? argv[0]!, [...prefix.slice(1), ...(prefix.length > 0 ? argv : argv.slice(1))]);
  await daemon.waitForLine(/"code":"DHCP_LISTENING"/, 20_000);
  // The JIT warm-up ran over a throwaway journal (same class as the real store), not the in-memory fallback.
  const listening = daemon.output().split('\n').find((l) => l.includes('"code":"DHCP_LISTENING"'));
  assert.equal((JSON.parse(listening!) as { warmUp?: { store?: string } }).warmUp?.store, 'throwaway', listening);
  const statusUrl = 'http://127.0.0.1:9180';
  const get = async (path: string): Promise<string> => {
    const r = await server.run('curl', ['-sf', `${statusUrl}${path}`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, `GET ${path} failed: ${r.stderr}\n${daemon.output()}`);
    return r.stdout;
  };
  const leases = async (query: string) => (JSON.parse(await get(`/leases?${query}`)) as { leases: LeaseView[] }).leases;
  const metric = async (sample: string) => {
    for (const line of (await get('/metrics')).split('\n')) {
      if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
    }
    return undefined;
  };
  return { daemon, dir, statusUrl, leases, metric };
}

export interface Served extends Site {
  server: Netns;
  client: Netns;
  clientIf: string;
  /** Only when relayed: the relay namespace and its dhcrelay. */
  relay?: Netns;
  dhcrelay?: LabProcess;
}

export interface ServeOptions {
  /** Extra keys of the `dhcp` section. */
  extra?: Record<string, unknown>;
  /** Put a dhcrelay namespace between client and server. */
  relayed?: boolean;
  /** Edits each subnet before the config is written. */
  tweak?: (subnet: Record<string, unknown>) => void;
  /** The daemon's log level (default info; debug logs every lease transition with its cause). */
  logLevel?: string;
  /** A command the daemon runs under, e.g. setpriv to drop a capability. */
  prefix?: readonly string[];
  /** Other top-level sections of the site config, e.g. `dns` (relative paths: against its directory). */
  sections?: Record<string, unknown>;
}

/**
 * Our site daemon serving 192.0.2.0/24 on the server end of a veth pair; or, relayed,
 * serving 198.51.100.0/24 to a client behind a dhcrelay namespace
 * (client —198.51.100.0/24— relay —203.0.113.0/24— server).
 */
export async function serve(lab: Lab, o: ServeOptions = {}): Promise<Served> {
  const server = await lab.namespace('server');
  const client = await lab.namespace('client');
  let ends: { a: string; b: string };
  let subnets: Record<string, unknown>[];
  let relay: Netns | undefined;
  let dhcrelay: LabProcess | undefined;
  if (o.relayed === true) {
    relay = await lab.namespace('relay');
    const up = await lab.link(server, relay, { a: '203.0.113.1/24', b: '203.0.113.2/24' });
    const down = await lab.link(relay, client, { a: '198.51.100.1/24' });
    await server.addRoute('198.51.100.0/24', { via: '203.0.113.2' });
    dhcrelay = relay.spawn('dhcrelay', ['-4', '-d', '--no-pid', '-id', down.a, '-iu', up.b, '203.0.113.1']);
    await dhcrelay.waitForLine(/Sending on +Socket/, 10_000);
    ends = { a: up.a, b: down.b };
    subnets = [{ id: 2, subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.100', end: '198.51.100.199' }], options: { routers: ['198.51.100.1'] } }];
  } else {
    ends = await lab.link(server, client, { a: '192.0.2.1/24' });
    subnets = [{ id: 1, subnet: '192.0.2.0/24', interface: ends.a, pools: [{ start: '192.0.2.100', end: '192.0.2.199' }] }];
  }
  subnets.forEach((n) => (o.tweak ?? (() => {}))(n));
  const dir = await lab.tempDir();
  const site = await startSite(server, dir, {
    interfaces: [{ name: ends.a, address: o.relayed === true ? '203.0.113.1' : '192.0.2.1' }],
    leaseTime: 600,
    options: { resolvers: { servers: ['192.0.2.1'], domain: 'lab.example' } },
    subnets,
    ...o.extra,
  }, o.logLevel, o.prefix, o.sections);
  return { ...site, server, client, clientIf: ends.b, relay, dhcrelay };
}

/** The fixtures' dhclient-script copied into dir (it applies only lab addresses, touches nothing on the host). */
export function dhclientScript(dir: string): string {
  const script = join(dir, 'dhclient-script.sh');
  copyFileSync(join(FIXTURES, 'dhclient-script.sh'), script);
  chmodSync(script, 0o755);
  return script;
}

/** dhclient's common arguments: lab config and script, lease and pid files in dir (prefix name). */
export function dhclientArgs(dir: string, name = 'dhclient', conf = join(FIXTURES, 'dhclient.conf')): string[] {
  return ['-v', '-cf', conf, '-sf', dhclientScript(dir), '-lf', join(dir, `${name}.leases`), '-pf', join(dir, `${name}.pid`)];
}

/** A dhclient config in dir/<name>.conf: the lab fixture's, plus these lines. */
export function clientConf(dir: string, name: string, lines: string[]): string {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, `${readFileSync(join(FIXTURES, 'dhclient.conf'), 'utf8')}\n${lines.join('\n')}\n`);
  return path;
}

/** A busybox udhcpc script that applies lab addresses inside the client namespace only and prints what it got. */
export function udhcpcScript(dir: string): string {
  const path = join(dir, 'udhcpc.sh');
  writeFileSync(path, `#!/bin/sh
# Applies lab addresses inside the client namespace only; prints what the server sent.
case "$1" in bound|renew) case "$ip" in 192.0.2.*|198.51.100.*) ip addr replace "$ip/$mask" dev "$interface" ;; esac ;; esac
echo "udhcpc-script $1 ip=$ip opt43=$opt43 avaya=$opt242"
`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * Runs dhcpcd once (-1) on ifname inside ns, in its own mount namespace with private
 * tmpfs over /run and /var/lib/dhcpcd (where it keeps state), touching no host file.
 * Returns the run and the IPv4 address it left on the interface.
 */
export async function dhcpcdOnce(ns: Netns, dir: string, ifname: string, timeoutMs = 40_000): Promise<{ output: string; code: number | null; address: string | undefined }> {
  writeFileSync(join(dir, 'dhcpcd.conf'), 'ipv4only\nnoipv4ll\nnoarp\nnohook resolv.conf\nnohook hostname\nclientid\n');
  writeFileSync(join(dir, 'noop.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'noop.sh'), 0o755);
  const r = await ns.run('unshare', ['-m', 'sh', '-c', `mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /var/lib/dhcpcd && mount -t tmpfs tmpfs /var/lib/dhcpcd && dhcpcd -f ${dir}/dhcpcd.conf -4 -c ${dir}/noop.sh -t 20 -w -1 ${ifname} && ip -4 -o addr show dev ${ifname}`], { timeoutMs });
  const output = r.stdout + r.stderr;
  return { output, code: r.code, address: /inet (\d+\.\d+\.\d+\.\d+)\/\d+/.exec(r.stdout)?.[1] };
}

export const macOf = async (ns: Netns, ifname: string): Promise<string> =>
  (JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', ifname)) as { address: string }[])[0]!.address;

/** Escapes dots for a RegExp built from an address. */
export const esc = (s: string): string => s.replaceAll('.', '\\.');

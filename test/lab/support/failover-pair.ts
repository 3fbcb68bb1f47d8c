// A DHCP failover pair (or a failover server with several primaries) in the lab: our
// real `outpost site run` in each server namespace on one server LAN (a bridge,
// 203.0.113.0/24), a dhcrelay namespace forwarding a client LAN (198.51.100.0/24) to
// every server, and a load namespace on the server LAN that acts as a relay itself
// (test/lab/support/dhcp4-load.ts) for the 203.0.113.0/24 and 198.18.0.0/15 subnets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess, Netns } from '../index.js';
import type { LeaseView } from './dhcp4-site.js';

const OUTPOST = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
export const LOAD = fileURLToPath(new URL('./dhcp4-load.js', import.meta.url));
export const RELAY_ADDRESS = '203.0.113.254';
export const LOAD_ADDRESS = '203.0.113.250';
/** The load client's relay address in the large subnet 198.18.0.0/15. */
export const LOAD_GIADDR_LARGE = '198.18.0.1';
export const STATUS = 'http://127.0.0.1:9180';

export interface RelationshipStatus {
  name: string;
  state: string;
  partnerState: string;
  connected: boolean;
  unsynced: number;
  lastResyncMs?: number;
  history: { from: string; to: string; event: string; cause: string; at: string }[];
}

/** One server: its namespace, config directory, and its daemon while running. */
export class FailoverServer {
  daemon?: LabProcess;

  constructor(readonly ns: Netns, readonly name: string, readonly address: string, readonly dir: string, readonly config: string) {}

  async start(waitFor = /"code":"FAILOVER_LISTENING"/): Promise<LabProcess> {
    const d = this.ns.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', this.config]);
    this.daemon = d;
    await d.waitForLine(waitFor, 30_000);
    return d;
  }

  /** SIGKILL: the process dies at once, its sockets are closed by the kernel. */
  async kill(): Promise<void> {
    const d = this.daemon!;
    process.kill(-d.pid, 'SIGKILL');
    await d.wait();
  }

  async get(path: string): Promise<string> {
    const r = await this.ns.run('curl', ['-sf', '--max-time', '5', `${STATUS}${path}`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, `${this.name}: GET ${path} failed (${r.code}): ${r.stderr}\n${this.daemon?.output().slice(-3000)}`);
    return r.stdout;
  }

  async relationships(): Promise<RelationshipStatus[]> {
    return (JSON.parse(await this.get('/failover')) as { relationships: RelationshipStatus[] }).relationships;
  }

  /** The relationship's state, or 'absent' while the daemon does not list it (still starting). */
  async state(relationship: string): Promise<string> {
    return (await this.relationships()).find((r) => r.name === relationship)?.state ?? 'absent';
  }

  /** Polls until the relationship is in one of `states`; returns when (Date.now()). */
  async waitForState(relationship: string, states: readonly string[], timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = await this.state(relationship);
      if (states.includes(last)) return Date.now();
      await sleep(100);
    }
    throw new Error(`${this.name}: relationship ${relationship} still ${last}, not ${states.join('|')}, after ${timeoutMs} ms\n${this.daemon?.output().slice(-4000)}`);
  }

  async leases(query = 'all=1'): Promise<LeaseView[]> {
    return (JSON.parse(await this.get(`/leases?${query}`)) as { leases: LeaseView[] }).leases;
  }

  async metric(sample: string): Promise<number | undefined> {
    for (const line of (await this.get('/metrics')).split('\n')) if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
    return undefined;
  }
}

export interface RelationshipSpec {
  name: string;
  mode: 'hot-standby' | 'load-balancing' | 'split-scope';
  primary: number;
  partner: number;
  /** Subnet ids (of SUBNETS) the relationship covers. */
  subnets: readonly number[];
  /** Extra keys of the relationship. */
  extra?: Record<string, unknown>;
}

/** The subnets every server in the lab serves: the client LAN behind dhcrelay, the load client's LAN, and a large one for resync. */
export const SUBNETS = [
  { id: 10, subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.100', end: '198.51.100.199' }], options: { routers: ['198.51.100.1'] } },
  { id: 20, subnet: '203.0.113.0/24', pools: [{ start: '203.0.113.100', end: '203.0.113.199' }] },
  { id: 30, subnet: '198.18.0.0/15', pools: [{ start: '198.18.1.0', end: '198.19.255.254' }] },
] as const;

export interface FailoverLab {
  servers: FailoverServer[];
  relay: Netns;
  client: Netns;
  clientIf: string;
  load: Netns;
  /** The load namespace's interface on the server LAN. */
  loadIf: string;
  dhcrelay: LabProcess;
}

/**
 * Builds the topology for `count` servers (203.0.113.1, .2, …) and writes each one's
 * config: every relationship in `relationships` whose primary or partner it is.
 */
export interface SubnetSpec { readonly id: number; readonly subnet: string; readonly pools: readonly { start: string; end: string }[]; readonly [k: string]: unknown }

export interface FailoverLabOptions {
  /** Extra keys of every server's `dhcp` section. */
  readonly dhcp?: Record<string, unknown>;
  readonly subnets?: readonly SubnetSpec[];
  /** More addresses for the load namespace (relay addresses it sends from). */
  readonly loadAddresses?: readonly string[];
  /** Subnet ids also served directly on the server LAN (broadcasts from the load namespace, e.g. perfdhcp). */
  readonly onLan?: readonly number[];
}

export async function failoverLab(lab: Lab, count: number, relationships: readonly RelationshipSpec[], o: FailoverLabOptions = {}): Promise<FailoverLab> {
  const subnets = o.subnets ?? SUBNETS;
  const sw = await lab.namespace('switch');
  const lan = await lab.bridge(sw);
  const servers: FailoverServer[] = [];
  const key = randomBytes(32).toString('base64');
  for (let i = 0; i < count; i++) {
    const ns = await lab.namespace(`srv${i + 1}`);
    const address = `203.0.113.${i + 1}`;
    const { iface } = await lab.attach(lan, ns, { address: `${address}/24` });
    await ns.addRoute('198.51.100.0/24', { via: RELAY_ADDRESS });
    await ns.addRoute('198.18.0.0/15', { via: LOAD_ADDRESS });
    const dir = await lab.tempDir();
    writeFileSync(join(dir, 'failover.key'), key + '\n', { mode: 0o600 });
    const name = `srv-${i + 1}`;
    const rels = relationships.filter((r) => r.primary === i || r.partner === i).map((r) => {
      const primary = r.primary === i;
      const other = primary ? r.partner : r.primary;
      return {
        name: r.name, mode: r.mode, role: primary ? 'primary' : r.mode === 'hot-standby' ? 'standby' : 'secondary',
        // split-scope: no partner traffic, so neither partner nor key
        ...(r.mode === 'split-scope' ? {} : { partner: { name: `srv-${other + 1}`, address: `203.0.113.${other + 1}`, port: 647 }, keyFile: 'failover.key' }),
        subnets: r.subnets.map((id) => subnets.find((s) => s.id === id)!.subnet),
        ...(r.mode === 'split-scope' ? {} : { startupWait: 2 }),
        ...r.extra,
      };
    });
    const servedIds = new Set(relationships.filter((r) => r.primary === i || r.partner === i).flatMap((r) => r.subnets));
    const config = {
      version: 1,
      site: { name: 'lab' },
      server: { name },
      status: { listen: '127.0.0.1', port: 9180 },
      log: { level: 'info' },
      dhcp: {
        leaseDir: join(dir, 'leases'),
        interfaces: [{ name: iface, address }],
        leaseTime: 600,
        subnets: subnets.filter((s) => servedIds.size === 0 || servedIds.has(s.id)).map((s) => (o.onLan?.includes(s.id) ? { ...s, interface: iface } : s)),
        ...o.dhcp,
      },
      ...(rels.length > 0 ? { failover: { listen: { address, port: 647 }, relationships: rels } } : {}),
    };
    const path = join(dir, 'site.json');
    writeFileSync(path, JSON.stringify(config, null, 2));
    servers.push(new FailoverServer(ns, name, address, dir, path));
  }
  const relay = await lab.namespace('relay');
  const up = await lab.attach(lan, relay, { address: `${RELAY_ADDRESS}/24` });
  const client = await lab.namespace('client');
  const down = await lab.link(relay, client, { a: '198.51.100.1/24' });
  const dhcrelay = relay.spawn('dhcrelay', ['-4', '-d', '--no-pid', '-id', down.a, '-iu', up.iface, ...servers.map((s) => s.address)]);
  await dhcrelay.waitForLine(/Sending on +Socket/, 10_000);
  const load = await lab.namespace('load');
  const { iface: loadIf } = await lab.attach(lan, load, { address: `${LOAD_ADDRESS}/24` });
  await load.addAddress(loadIf, `${LOAD_GIADDR_LARGE}/15`);
  for (const a of o.loadAddresses ?? []) await load.addAddress(loadIf, `${a}/32`);
  return { servers, relay, client, clientIf: down.b, load, loadIf, dhcrelay };
}

export interface Ack { address: string; mac: string; at: number; server: string }

export function parseAcks(text: string): Ack[] {
  return text.split('\n').filter(Boolean).map((l) => {
    const [address, mac, at, server] = l.split(' ') as [string, string, string, string];
    return { address, mac, at: Number(at), server };
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

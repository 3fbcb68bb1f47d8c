// dhcp4-ha: DHCPv4 DORA exchanges per second of a hot-standby failover pair at
// ≤ --max-drops % drops, with the dhcp4 bench's method (bench/dhcp4-rate.ts: fresh
// servers per trial, rate search, perfdhcp, medians): Outpost's pair against Outpost
// alone and against two kea-dhcp4 with the HA hook. Every server has an interface on
// the load tool's segment (a bridge) and perfdhcp relays to the broadcast address,
// so each server gets a copy of every request, as from a relay that forwards to both
// (docs/benchmarks.md, "dhcp4-ha").
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailableReason, type Netns } from '../test/lab/index.js';
import { onCleanup } from './cleanup.js';
import { standalone, type Dhcp4Deployment, type Dhcp4ServerSetup } from './dhcp4-server.js';
import { deploymentTrial, loadCpuList, measureRun, POOL, POOL_SIZE, ratePolicy, SUBNET, trialSettings, type Trial } from './dhcp4-rate.js';
import type { LoadInstance } from './load/perfdhcp.js';
import { onPath, PROGRAMS } from './machine.js';
import { outpostDhcp4 } from './outpost/dhcp4.js';
import { outpostHa } from './outpost/dhcp4-ha.js';
import { keaHa } from './peers/kea-ha.js';
import type { Benchmark, BenchmarkSession, BenchOptions } from './types.js';

export const OUTPOST_HA = 'outpost-ha';
export const OUTPOST_STANDALONE = 'outpost-standalone';
export const KEA_HA = 'kea-ha';

const PRIMARY = '198.18.0.1';
const STANDBY = '198.18.0.250';
/** Load instance i (0-based): 198.18.0.2, .3, ... (relay addresses, giaddr). */
const clientAddress = (i: number) => `198.18.0.${2 + i}`;
const PREFIX = 15;
/** perfdhcp's word for the limited broadcast 255.255.255.255 (it sets SO_BROADCAST for it). */
const BROADCAST = 'all';
/** Fresh pairs must start, connect, sync and reach their in-sync state within this. */
const READY_TIMEOUT_MS = 30_000;

const deployments: Record<string, Dhcp4Deployment> = {
  [OUTPOST_HA]: outpostHa,
  [OUTPOST_STANDALONE]: standalone(OUTPOST_STANDALONE, outpostDhcp4),
  [KEA_HA]: keaHa,
};

function deploymentOf(name: string): Dhcp4Deployment {
  const d = deployments[name];
  if (!d) throw new Error(`unknown dhcp4-ha contender ${name}`);
  return d;
}

export interface PairCpuPlan {
  primary: string | undefined;
  standby: string | undefined;
  load: string | undefined;
  description: string;
}

/**
 * One core per server as in dhcp4, the load tool on the rest. With 3 or more CPUs:
 * primary 0, standby 1, load 2…; with 2 the standby shares CPU 0 with the primary
 * (the load tool keeps CPU 1 to itself, as in dhcp4, where it is already close to
 * its limit): the pair's whole work then counts against one core, for Outpost and
 * Kea alike. A standalone server is the primary.
 */
export function planPairCpus(pin: boolean, n = os.cpus().length): PairCpuPlan {
  if (!pin || n < 2) {
    return { primary: undefined, standby: undefined, load: undefined, description: pin ? `not pinned (only ${n} CPU)` : 'not pinned (--no-pin)' };
  }
  if (n === 2) return { primary: '0', standby: '0', load: '1', description: 'primary and standby on CPU 0, load tool on CPU 1' };
  const load = n === 3 ? '2' : `2-${n - 1}`;
  return { primary: '0', standby: '1', load, description: `primary on CPU 0, standby on CPU 1, load tool on CPU ${load}` };
}

async function open(options: BenchOptions, _contenders: readonly string[]): Promise<BenchmarkSession> {
  const cpus = planPairCpus(options.pin);
  const { seconds, instances } = trialSettings(options, dhcp4Ha.defaultDuration);
  const lab = await Lab.create({ tag: 'bench' });
  const forgetLab = onCleanup('dhcp4-ha lab', () => lab.destroy());
  const servers: { ns: Netns; iface: string; address: string }[] = [];
  const load: LoadInstance[] = [];
  const loadCpus = loadCpuList(cpus.load);
  try {
    // One segment: a bridge in a switch namespace; both servers and every load instance on it.
    const sw = await lab.namespace('switch');
    const bridge = await lab.bridge(sw);
    for (const [name, address] of [['dhcp-primary', PRIMARY], ['dhcp-standby', STANDBY]] as const) {
      const ns = await lab.namespace(name);
      const { iface } = await lab.attach(bridge, ns, { address: `${address}/${PREFIX}` });
      servers.push({ ns, iface, address });
    }
    for (let i = 0; i < instances; i++) {
      const ns = await lab.namespace(`dhcp-client-${i + 1}`);
      await lab.attach(bridge, ns, { address: `${clientAddress(i)}/${PREFIX}` });
      load.push({ ns, clientAddress: clientAddress(i), cpus: loadCpus.length > 0 ? loadCpus[i % loadCpus.length] : undefined });
    }
  } catch (err) {
    await forgetLab();
    throw err;
  }
  const root = await lab.tempDir();

  /** One trial: fresh server(s) with empty lease files, `rate` DORA/s for `seconds`, stopped. */
  async function trial(contender: string, label: string, rate: number): Promise<Trial> {
    const dir = mkdtempSync(join(root, `${contender}-${label}-`));
    const setup = (i: 0 | 1, role: string): Dhcp4ServerSetup => {
      const workDir = join(dir, role);
      mkdirSync(workDir);
      return {
        ns: servers[i]!.ns, interface: servers[i]!.iface, serverAddress: servers[i]!.address, subnet: SUBNET, pool: POOL,
        validLifetime: 3600, renewTimer: 900, rebindTimer: 1800,
        leaseFile: join(workDir, 'leases4.csv'), workDir, cpus: i === 0 ? cpus.primary : cpus.standby,
      };
    };
    return deploymentTrial(deploymentOf(contender), { primary: setup(0, 'primary'), standby: setup(1, 'standby') },
      { load, serverAddress: BROADCAST, rate, seconds, maxDropPercent: options.maxDropPercent, readyTimeoutMs: READY_TIMEOUT_MS });
  }

  return {
    run: (contender, repetition) => measureRun(contender, repetition, options, seconds, (label, rate) => trial(contender, label, rate)),
    describe: () => ({
      topology: {
        segment: `198.18.0.0/${PREFIX}, a bridge (namespace switch)`,
        primary: `${PRIMARY} (namespace dhcp-primary; the standalone server too)`,
        standby: `${STANDBY} (namespace dhcp-standby; idle for the standalone server)`,
        clients: load.map((l, i) => `${l.clientAddress} (namespace dhcp-client-${i + 1})`),
      },
      loadInstances: load.map((l) => ({ clientAddress: l.clientAddress, cpus: l.cpus ?? null })),
      subnet: SUBNET,
      pool: { ...POOL, size: POOL_SIZE },
      cpus,
      perfdhcp: {
        mode: 'relayed broadcast (-l client address, server "all" = 255.255.255.255): every server on the segment gets each request, replies come unicast to the relay address',
        instances, trialSeconds: seconds, clients: 16_777_216, exitWaitUs: 500_000,
      },
      policy: ratePolicy(options, seconds),
    }),
    close: () => forgetLab(),
  };
}

export const dhcp4Ha: Benchmark = {
  name: 'dhcp4-ha',
  unit: 'exchanges/s',
  title: 'DHCPv4 DORA exchanges per second at ≤ max drops of a hot-standby failover pair, perfdhcp relaying by broadcast to both servers',
  peers: [OUTPOST_STANDALONE, KEA_HA],
  defaultPeer: 'all',
  outpostContender: OUTPOST_HA,
  results: [
    { name: 'dhcp4-ha-vs-standalone', peers: [OUTPOST_STANDALONE] },
    { name: 'dhcp4-ha', peers: [KEA_HA] },
  ],
  defaultDuration: 3,
  programs: (contenders) => [
    PROGRAMS.perfdhcp, PROGRAMS.ip, PROGRAMS.taskset, PROGRAMS.curl,
    ...(contenders.includes(KEA_HA) ? [PROGRAMS.keaDhcp4, PROGRAMS.keaCtrlAgent] : []),
  ],
  unavailable: async (contender) => {
    const lab = labUnavailableReason();
    if (lab !== null) return `dhcp4-ha needs the network lab: ${lab}`;
    if (!onPath('perfdhcp')) return 'perfdhcp not found (Debian package kea-admin)';
    if (!onPath('curl')) return 'curl not found (Debian package curl): the failover state is read from the status API';
    return deploymentOf(contender).unavailable();
  },
  open,
};

// dhcp4: DHCPv4 DORA exchanges per second at ≤ --max-drops % drops, measured by
// perfdhcp in a two-namespace lab (client ── veth ── server, 198.18.0.0/15).
// Each trial starts a fresh server with an empty lease file; without --rate a
// run searches for the highest offered rate the server sustains (see
// docs/benchmarks.md for why).
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailableReason, type Netns } from '../test/lab/index.js';
import { onCleanup } from './cleanup.js';
import { planCpus } from './cpus.js';
import { standalone, type Dhcp4Deployment, type Dhcp4ServerSetup } from './dhcp4-server.js';
import { deploymentTrial, loadCpuList, measureRun, POOL, POOL_SIZE, ratePolicy, SUBNET, trialSettings, type Trial } from './dhcp4-rate.js';
import type { LoadInstance } from './load/perfdhcp.js';
import { onPath, PROGRAMS } from './machine.js';
import { outpostDhcp4 } from './outpost/dhcp4.js';
import { kea } from './peers/kea.js';
import type { Benchmark, BenchmarkSession, BenchOptions } from './types.js';
import { OUTPOST } from './types.js';

const SERVER_CIDR = '198.18.0.1/15';
const CLIENT_CIDR = '198.18.0.2/15';
const SERVER = '198.18.0.1';
const CLIENT = '198.18.0.2';
/** Client i (0-based) of several load instances: 198.18.0.2, .3, ... */
const clientCidr = (i: number) => `198.18.0.${2 + i}/15`;
const READY_TIMEOUT_MS = 15_000;

const servers: Record<string, Dhcp4Deployment> = { [OUTPOST]: standalone(OUTPOST, outpostDhcp4), kea: standalone('kea', kea) };

function serverOf(name: string): Dhcp4Deployment {
  const s = servers[name];
  if (!s) throw new Error(`unknown dhcp4 contender ${name}`);
  return s;
}

async function open(options: BenchOptions, _contenders: readonly string[]): Promise<BenchmarkSession> {
  const cpus = planCpus(options.pin);
  const { seconds, instances } = trialSettings(options, dhcp4.defaultDuration);
  const lab = await Lab.create({ tag: 'bench' });
  // Lab has its own exit/signal teardown; this makes the harness' unwind await it too.
  const forgetLab = onCleanup('dhcp4 lab', () => lab.destroy());
  let serverNs: Netns;
  let serverIf: string;
  const load: LoadInstance[] = [];
  const loadCpus = loadCpuList(cpus.load);
  try {
    serverNs = await lab.namespace('dhcp-server');
    if (instances === 1) {
      // One load tool: a veth pair, client ── server.
      const clientNs = await lab.namespace('dhcp-client');
      serverIf = (await lab.link(serverNs, clientNs, { a: SERVER_CIDR, b: CLIENT_CIDR })).a;
      load.push({ ns: clientNs, clientAddress: CLIENT, cpus: cpus.load });
    } else {
      // Several: one namespace (one relay address) each, on a bridge in the server's namespace.
      const bridge = await lab.bridge(serverNs, { address: SERVER_CIDR });
      serverIf = bridge.name;
      for (let i = 0; i < instances; i++) {
        const ns = await lab.namespace(`dhcp-client-${i + 1}`);
        await lab.attach(bridge, ns, { address: clientCidr(i) });
        load.push({ ns, clientAddress: clientCidr(i).split('/')[0]!, cpus: loadCpus.length > 0 ? loadCpus[i % loadCpus.length] : undefined });
      }
    }
  } catch (err) {
    await forgetLab();
    throw err;
  }
  const root = await lab.tempDir();

  /** One trial: fresh server, empty lease file, `rate` DORA/s for `seconds`, server stopped. */
  async function trial(contender: string, label: string, rate: number): Promise<Trial> {
    const workDir = mkdtempSync(join(root, `${contender}-${label}-`));
    const setup: Dhcp4ServerSetup = {
      ns: serverNs, interface: serverIf, serverAddress: SERVER, subnet: SUBNET, pool: POOL,
      validLifetime: 3600, renewTimer: 900, rebindTimer: 1800,
      leaseFile: join(workDir, 'leases4.csv'), workDir, cpus: cpus.server,
    };
    return deploymentTrial(serverOf(contender), { primary: setup, standby: setup },
      { load, serverAddress: SERVER, rate, seconds, maxDropPercent: options.maxDropPercent, readyTimeoutMs: READY_TIMEOUT_MS });
  }

  return {
    run: (contender, repetition) => measureRun(contender, repetition, options, seconds, (label, rate) => trial(contender, label, rate)),
    describe: () => ({
      topology: instances === 1
        ? { server: `${SERVER_CIDR} (namespace dhcp-server)`, client: `${CLIENT_CIDR} (namespace dhcp-client)`, link: 'veth' }
        : { server: `${SERVER_CIDR} (namespace dhcp-server, on a bridge)`, clients: load.map((_, i) => `${clientCidr(i)} (namespace dhcp-client-${i + 1})`), link: 'veth to a bridge' },
      loadInstances: load.map((l) => ({ clientAddress: l.clientAddress, cpus: l.cpus ?? null })),
      subnet: SUBNET,
      pool: { ...POOL, size: POOL_SIZE },
      cpus,
      perfdhcp: { mode: 'relayed unicast (-l client address), single-threaded', instances, trialSeconds: seconds, clients: 16_777_216, exitWaitUs: 500_000 },
      policy: ratePolicy(options, seconds),
    }),
    close: () => forgetLab(),
  };
}

export const dhcp4: Benchmark = {
  name: 'dhcp4',
  unit: 'exchanges/s',
  title: 'DHCPv4 4-way exchanges (DORA) per second at ≤ max drops, perfdhcp relayed through a veth lab',
  peers: ['kea'],
  defaultPeer: 'kea',
  defaultDuration: 3,
  programs: () => [PROGRAMS.perfdhcp, PROGRAMS.keaDhcp4, PROGRAMS.ip, PROGRAMS.taskset],
  unavailable: async (contender) => {
    const lab = labUnavailableReason();
    if (lab !== null) return `dhcp4 needs the network lab: ${lab}`;
    if (!onPath('perfdhcp')) return 'perfdhcp not found (Debian package kea-admin)';
    return serverOf(contender).unavailable();
  },
  open,
};

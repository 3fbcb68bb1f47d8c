// Outpost's side of the dhcp4 bench: the real `outpost site run` with a config for
// the bench's subnet and pool, leases in the fsynced journal next to the bench's
// lease file (every ACK leaves only after its lease is on disk), logging at warn.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dhcp4Server, Dhcp4ServerSetup, RunningDhcp4Server } from '../dhcp4-server.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function outpostConfig(s: Dhcp4ServerSetup): unknown {
  return {
    version: 1,
    site: { name: 'bench' },
    server: { name: 'bench-1' },
    status: { listen: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    dhcp: {
      interfaces: [{ name: s.interface, address: s.serverAddress }],
      leaseDir: join(dirname(s.leaseFile), 'outpost-leases'),
      leaseTime: s.validLifetime,
      renewTime: s.renewTimer,
      rebindTime: s.rebindTimer,
      subnets: [{ id: 1, subnet: s.subnet, interface: s.interface, pools: [{ start: s.pool.first, end: s.pool.last }] }],
    },
  };
}

export const outpostDhcp4: Dhcp4Server & { start(s: Dhcp4ServerSetup, config?: unknown): Promise<RunningDhcp4Server> } = {
  name: 'outpost',
  async unavailable() {
    return undefined;
  },
  /** `config`: another site config than outpostConfig(s) (the dhcp4-ha bench's failover pair). */
  async start(s: Dhcp4ServerSetup, config: unknown = outpostConfig(s)): Promise<RunningDhcp4Server> {
    mkdirSync(s.workDir, { recursive: true });
    const conf = join(s.workDir, 'outpost-site.json');
    writeFileSync(conf, JSON.stringify(config, null, 2));
    // Diagnostics only: e.g. OUTPOST_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every server.
    const nodeFlags = (process.env.OUTPOST_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const argv = [process.execPath, ...nodeFlags, OUTPOST, 'site', 'run', '--config', conf];
    const [cmd, ...args] = s.cpus === undefined ? argv : ['taskset', '-c', s.cpus, ...argv];
    const proc = s.ns.spawn(cmd!, args);
    return {
      pid: proc.pid,
      exited: new Promise((resolve) => proc.onExit((st) => resolve(`exited (code ${st.code}, signal ${st.signal})`))),
      output: () => proc.output(),
      stop: async () => { await proc.stop(); },
    };
  },
};

// Kea DHCPv4 as the dhcp4 peer: memfile with persist=true (every lease written
// to the CSV file, as Outpost must), lease file cleanup (LFC) off, multi-threading
// off, plain UDP sockets (the bench's traffic is relayed unicast), logging to a
// file at WARN so per-packet INFO logging is not what gets measured.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dhcp4Server, Dhcp4ServerSetup, RunningDhcp4Server } from '../dhcp4-server.js';
import { onPath } from '../machine.js';

export function keaConfig(s: Dhcp4ServerSetup): unknown {
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [s.interface], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: true, name: s.leaseFile, 'lfc-interval': 0 },
      'multi-threading': { 'enable-multi-threading': false },
      'valid-lifetime': s.validLifetime,
      'renew-timer': s.renewTimer,
      'rebind-timer': s.rebindTimer,
      subnet4: [{ id: 1, subnet: s.subnet, pools: [{ pool: `${s.pool.first} - ${s.pool.last}` }] }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: join(s.workDir, 'kea-dhcp4.log') }], severity: 'WARN' }],
    },
  };
}

/**
 * Starts a Kea program (kea-dhcp4, kea-ctrl-agent) with its JSON config in the
 * instance's work dir, pinned when setup.cpus says so, pid and lock files there too.
 */
export function startKeaProgram(s: Dhcp4ServerSetup, program: string, configFile: string, config: unknown): RunningDhcp4Server {
  const conf = join(s.workDir, configFile);
  writeFileSync(conf, JSON.stringify(config, null, 2));
  const argv = [program, '-c', conf];
  const [cmd, ...args] = s.cpus === undefined ? argv : ['taskset', '-c', s.cpus, ...argv];
  // Pid and lock files default to /run/kea; keep them in the instance's dir.
  const proc = s.ns.spawn(cmd!, args, { env: { KEA_PIDFILE_DIR: s.workDir, KEA_LOCKFILE_DIR: s.workDir } });
  return {
    pid: proc.pid,
    exited: new Promise((resolve) => proc.onExit((st) => resolve(`exited (code ${st.code}, signal ${st.signal})`))),
    output: () => proc.output(),
    stop: async () => { await proc.stop(); },
  };
}

export const kea: Dhcp4Server = {
  name: 'kea',
  async unavailable() {
    return onPath('kea-dhcp4') ? undefined : 'kea-dhcp4 not found (Debian package kea-dhcp4-server)';
  },
  async start(s: Dhcp4ServerSetup): Promise<RunningDhcp4Server> {
    return startKeaProgram(s, 'kea-dhcp4', 'kea-dhcp4.json', keaConfig(s));
  },
};

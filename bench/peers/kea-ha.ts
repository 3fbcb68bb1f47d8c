// Two kea-dhcp4 with the HA hook in hot-standby for the dhcp4-ha bench, configured as
// Kea's manual (ARM, "Hot-Standby Configuration") shows for Kea without multi-threading:
// libdhcp_lease_cmds.so then libdhcp_ha.so, each server's HA channel over HTTP
// through its own kea-ctrl-agent (the HA hook's dedicated HTTP listener needs Kea's
// multi-threading, which the benches keep off: one core per server), lease updates
// and lease sync at their defaults (send-lease-updates, sync-leases: true; the
// primary sends each lease to the standby and answers the client when the standby
// has acknowledged it). Everything else as the dhcp4 bench's Kea (bench/peers/kea.ts:
// memfile persist=true, LFC off, WARN logging), except raw sockets: the dhcp4-ha load
// arrives as broadcast (both servers must see it) and Kea's UDP sockets, bound to the
// interface address, do not receive broadcasts. The ha-hooks logger logs at INFO so
// that its HA_STATE_TRANSITION lines show when both are in hot-standby.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dhcp4Deployment, Dhcp4ServerSetup, RunningDhcp4Server } from '../dhcp4-server.js';
import { onPath } from '../machine.js';
import { keaConfig, startKeaProgram } from './kea.js';

/** Debian's kea-common ships the hooks here (dpkg -L kea-common). */
export const KEA_HOOKS_DIR = '/usr/lib/x86_64-linux-gnu/kea/hooks';
const HA_HOOK = join(KEA_HOOKS_DIR, 'libdhcp_ha.so');
const LEASE_CMDS_HOOK = join(KEA_HOOKS_DIR, 'libdhcp_lease_cmds.so');
const CA_PORT = 8000;
/**
 * The ARM's hot-standby example has heartbeat-delay 10 s; 1 s here (Outpost's default
 * heartbeatInterval) so that a fresh pair gets through waiting → syncing → ready →
 * hot-standby in a couple of seconds per trial. Heartbeats are not on the lease path.
 */
const HEARTBEAT_DELAY_MS = 1_000;

const peerName = (role: 'primary' | 'standby') => `kea-${role}`;
const url = (s: Dhcp4ServerSetup) => `http://${s.serverAddress}:${CA_PORT}/`;
const controlSocket = (s: Dhcp4ServerSetup) => join(s.workDir, 'kea4-ctrl.sock');
const logFile = (s: Dhcp4ServerSetup) => join(s.workDir, 'kea-dhcp4.log');

export function keaHaConfig(s: Dhcp4ServerSetup, role: 'primary' | 'standby', primary: Dhcp4ServerSetup, standby: Dhcp4ServerSetup): unknown {
  const base = (keaConfig(s) as { Dhcp4: Record<string, unknown> }).Dhcp4;
  return {
    Dhcp4: {
      ...base,
      'interfaces-config': { interfaces: [s.interface], 'dhcp-socket-type': 'raw' },
      'control-socket': { 'socket-type': 'unix', 'socket-name': controlSocket(s) },
      'hooks-libraries': [
        { library: LEASE_CMDS_HOOK },
        {
          library: HA_HOOK,
          parameters: {
            'high-availability': [{
              'this-server-name': peerName(role),
              mode: 'hot-standby',
              'heartbeat-delay': HEARTBEAT_DELAY_MS,
              'max-response-delay': 10_000,
              'max-ack-delay': 5_000,
              'max-unacked-clients': 5,
              peers: [
                { name: peerName('primary'), url: url(primary), role: 'primary', 'auto-failover': true },
                { name: peerName('standby'), url: url(standby), role: 'standby', 'auto-failover': true },
              ],
            }],
          },
        },
      ],
      loggers: [
        { name: 'kea-dhcp4', output_options: [{ output: logFile(s) }], severity: 'WARN' },
        { name: 'kea-dhcp4.ha-hooks', output_options: [{ output: logFile(s) }], severity: 'INFO' },
      ],
    },
  };
}

export function keaCtrlAgentConfig(s: Dhcp4ServerSetup): unknown {
  return {
    'Control-agent': {
      'http-host': s.serverAddress,
      'http-port': CA_PORT,
      'control-sockets': { dhcp4: { 'socket-type': 'unix', 'socket-name': controlSocket(s) } },
      loggers: [{ name: 'kea-ctrl-agent', output_options: [{ output: join(s.workDir, 'kea-ctrl-agent.log') }], severity: 'WARN' }],
    },
  };
}

const log = (s: Dhcp4ServerSetup) => (existsSync(logFile(s)) ? readFileSync(logFile(s), 'utf8') : '');
/** The state of the last HA_STATE_TRANSITION in a server's log ("HOT-STANDBY", ...), if any. */
export function lastHaState(text: string): string | undefined {
  const all = [...text.matchAll(/HA_STATE_TRANSITION .*? to ([A-Z-]+) state/g)];
  return all.at(-1)?.[1];
}

export const keaHa: Dhcp4Deployment = {
  name: 'kea-ha',
  async unavailable() {
    if (!onPath('kea-dhcp4')) return 'kea-dhcp4 not found (Debian package kea-dhcp4-server)';
    if (!onPath('kea-ctrl-agent')) return 'kea-ctrl-agent not found (Debian package kea-ctrl-agent): the HA hook talks to its partner through it';
    for (const hook of [HA_HOOK, LEASE_CMDS_HOOK]) if (!existsSync(hook)) return `${hook} not found (Debian package kea-common)`;
    return undefined;
  },
  async start(primary, standby) {
    const procs: { s: Dhcp4ServerSetup; dhcp: RunningDhcp4Server; ca: RunningDhcp4Server }[] = [];
    try {
      for (const [role, s] of [['primary', primary], ['standby', standby]] as const) {
        const dhcp = startKeaProgram(s, 'kea-dhcp4', 'kea-dhcp4.json', keaHaConfig(s, role, primary, standby));
        let ca: RunningDhcp4Server;
        try {
          ca = startKeaProgram(s, 'kea-ctrl-agent', 'kea-ctrl-agent.json', keaCtrlAgentConfig(s));
        } catch (err) {
          await dhcp.stop();
          throw err;
        }
        procs.push({ s, dhcp, ca });
      }
    } catch (err) {
      await Promise.all(procs.flatMap((p) => [p.dhcp.stop(), p.ca.stop()]));
      throw err;
    }
    const [pr, sb] = procs as [typeof procs[0], typeof procs[0]];
    const output = () => [pr, sb].map((p, i) =>
      `--- ${i === 0 ? 'primary' : 'standby'} kea-dhcp4\n${p.dhcp.output().slice(-1500)}\n${log(p.s).slice(-2500)}\n--- its kea-ctrl-agent\n${p.ca.output().slice(-1000)}`).join('\n');
    return {
      cpuGroups: [[pr.dhcp.pid, pr.ca.pid], [sb.dhcp.pid, sb.ca.pid]],
      async ready(timeoutMs) {
        const t0 = Date.now();
        const deadline = t0 + timeoutMs;
        for (;;) {
          const states = [pr, sb].map((p) => lastHaState(log(p.s)));
          if (states.every((st) => st === 'HOT-STANDBY')) {
            await Promise.all([pr, sb].map((p) => p.s.ns.waitForPort(67, { proto: 'udp', timeoutMs: Math.max(1, deadline - Date.now()) })));
            return { bothHotStandbyMs: Date.now() - t0 };
          }
          if (Date.now() >= deadline) throw new Error(`kea-ha: HA states ${states.join(', ')} (primary, standby), not both HOT-STANDBY, after ${timeoutMs} ms\n${output()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      output,
      stop: async () => { await Promise.all([pr, sb].flatMap((p) => [p.ca.stop(), p.dhcp.stop()])); },
    };
  },
};

// Outpost's failover pair for the dhcp4-ha bench: two `outpost site run`, each the
// dhcp4 bench's config (bench/outpost/dhcp4.ts) plus a hot-standby relationship over
// the bench's subnet (docs/failover-protocol.md), defaults for every failover key
// (heartbeat 1 s, updateTimeout 2 s, standbyReserve 10 %), one pre-shared key file.
// The primary answers clients; every binding is fsynced by both before its ACK
// leaves. Ready = both report the relationship "normal" at GET /failover.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailoverServer } from '../../test/lab/support/failover-pair.js';
import type { Dhcp4Deployment, Dhcp4ServerSetup, RunningDhcp4Server } from '../dhcp4-server.js';
import { outpostConfig, outpostDhcp4 } from './dhcp4.js';

export const RELATIONSHIP = 'bench';
const FAILOVER_PORT = 647;
/** The status API's port inside each server's namespace (the lab's failover pair uses it too). */
const STATUS_PORT = 9180;
const serverName = (role: 'primary' | 'standby') => `bench-${role}`;

export function outpostHaConfig(s: Dhcp4ServerSetup, role: 'primary' | 'standby', partner: Dhcp4ServerSetup): unknown {
  const other = role === 'primary' ? 'standby' : 'primary';
  return {
    ...(outpostConfig(s) as Record<string, unknown>),
    server: { name: serverName(role) },
    status: { listen: '127.0.0.1', port: STATUS_PORT },
    failover: {
      listen: { address: s.serverAddress, port: FAILOVER_PORT },
      relationships: [{
        name: RELATIONSHIP,
        mode: 'hot-standby',
        role,
        partner: { name: serverName(other), address: partner.serverAddress, port: FAILOVER_PORT },
        keyFile: 'failover.key',
        subnets: [s.subnet],
      }],
    },
  };
}

export const outpostHa: Dhcp4Deployment = {
  name: 'outpost-ha',
  unavailable: () => outpostDhcp4.unavailable(),
  async start(primary, standby) {
    const key = randomBytes(32).toString('base64') + '\n';
    const started: { setup: Dhcp4ServerSetup; server: RunningDhcp4Server; status: FailoverServer }[] = [];
    try {
      for (const [role, s, partner] of [['standby', standby, primary], ['primary', primary, standby]] as const) {
        writeFileSync(join(s.workDir, 'failover.key'), key, { mode: 0o600 });
        const server = await outpostDhcp4.start(s, outpostHaConfig(s, role, partner));
        started.push({ setup: s, server, status: new FailoverServer(s.ns, serverName(role), s.serverAddress, s.workDir, '') });
      }
    } catch (err) {
      await Promise.all(started.map((x) => x.server.stop()));
      throw err;
    }
    // started: [standby, primary]; the primary serves, so it comes first in the CPU groups.
    const [sb, pr] = started as [typeof started[0], typeof started[0]];
    const output = () => `--- primary\n${pr.server.output().slice(-3000)}\n--- standby\n${sb.server.output().slice(-3000)}`;
    return {
      cpuGroups: [[pr.server.pid], [sb.server.pid]],
      async ready(timeoutMs) {
        const t0 = Date.now();
        try {
          await Promise.all([pr, sb].map(async (x) => {
            await x.setup.ns.waitForPort(STATUS_PORT, { timeoutMs });
            await x.status.waitForState(RELATIONSHIP, ['normal'], Math.max(1, timeoutMs - (Date.now() - t0)));
          }));
        } catch (err) {
          throw new Error(`outpost-ha: the pair did not reach normal: ${(err as Error).message}\n${output()}`);
        }
        return { bothNormalMs: Date.now() - t0 };
      },
      output,
      stop: async () => { await Promise.all([pr.server.stop(), sb.server.stop()]); },
    };
  },
};

// What a DHCPv4 server must offer to be measured by the dhcp4 bench. Kea and,
// from issue 3 on, Outpost implement it. The bench owns the network: it hands
// the server a lab namespace with one interface already addressed.
import type { Netns } from '../test/lab/index.js';

export interface Dhcp4ServerSetup {
  /** Lab namespace to run in (start programs with ns.spawn, so lab teardown stops them). */
  ns: Netns;
  /** Interface inside ns facing the clients; it carries serverAddress. */
  interface: string;
  serverAddress: string;
  /** The one subnet to serve, e.g. '198.18.0.0/15'. */
  subnet: string;
  /** Dynamic pool, inclusive. */
  pool: { first: string; last: string };
  validLifetime: number;
  renewTimer: number;
  rebindTimer: number;
  /** Leases must be persisted (written through) to this file, as Kea memfile with persist=true. */
  leaseFile: string;
  /** Empty directory owned by this instance: config, logs, lock/pid files. */
  workDir: string;
  /** CPU list to pin the server to (taskset syntax), or undefined for no pinning. */
  cpus: string | undefined;
}

export interface RunningDhcp4Server {
  /** Root pid of the server's process tree, for CPU accounting. */
  readonly pid: number;
  /** Resolves if the server exits; a reason string. */
  readonly exited: Promise<string>;
  /** What the server printed, shown when it fails. */
  output(): string;
  stop(): Promise<void>;
}

export interface Dhcp4Server {
  readonly name: string;
  /** Why it cannot run here (program missing, not implemented yet); undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /**
   * Starts the server. May resolve before it answers: the bench waits until
   * UDP port 67 is bound inside ns, and every trial checks that ACKs came back.
   * Log at warning level or quieter: per-lease logging would be measured too.
   */
  start(setup: Dhcp4ServerSetup): Promise<RunningDhcp4Server>;
}

/**
 * What the dhcp4-ha bench runs per trial: one server, or a failover pair (primary
 * and standby, each in its own namespace on the clients' segment), as one contender.
 */
export interface Dhcp4Deployment {
  readonly name: string;
  unavailable(): Promise<string | undefined>;
  /** Starts the server(s); `standby` is unused by a standalone contender. */
  start(primary: Dhcp4ServerSetup, standby: Dhcp4ServerSetup): Promise<RunningDhcp4Deployment>;
}

export interface RunningDhcp4Deployment {
  /** Process trees whose CPU is accounted, serving server first: each entry one server (its pids summed). */
  readonly cpuGroups: readonly (readonly number[])[];
  /**
   * Resolves when the deployment serves: port 67 bound, and for a pair both
   * partners in their in-sync hot-standby state; with what was waited for (JSON).
   */
  ready(timeoutMs: number): Promise<Record<string, unknown>>;
  output(): string;
  stop(): Promise<void>;
}

/** A single server of the dhcp4 bench as a deployment of one (the standby's setup is ignored). */
export function standalone(name: string, server: Dhcp4Server): Dhcp4Deployment {
  return {
    name,
    unavailable: () => server.unavailable(),
    async start(primary) {
      const s = await server.start(primary);
      return {
        cpuGroups: [[s.pid]],
        async ready(timeoutMs) {
          const t0 = Date.now();
          try {
            await primary.ns.waitForPort(67, { proto: 'udp', timeoutMs });
          } catch (err) {
            throw new Error(`${name}: ${(err as Error).message}\n--- server output\n${s.output().slice(-3000)}`);
          }
          return { port67Ms: Date.now() - t0 };
        },
        output: () => s.output(),
        stop: () => s.stop(),
      };
    },
  };
}

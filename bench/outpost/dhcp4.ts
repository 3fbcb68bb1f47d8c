// Outpost's side of the dhcp4 bench. Issue 3 (DHCPv4) replaces `unavailable`
// and `start`: write an Outpost config for setup.subnet/pool/lifetimes with
// leases persisted to setup.leaseFile, then launch the server inside the lab
// namespace with setup.ns.spawn(...) (pinned with `taskset -c setup.cpus` when
// set), bound to setup.interface, single-threaded, logging at warning level.
import type { Dhcp4Server, Dhcp4ServerSetup, RunningDhcp4Server } from '../dhcp4-server.js';

export const outpostDhcp4: Dhcp4Server = {
  name: 'outpost',
  async unavailable() {
    return 'outpost dhcp4 server not available yet; use --peer-only';
  },
  async start(_setup: Dhcp4ServerSetup): Promise<RunningDhcp4Server> {
    throw new Error('outpost dhcp4 server not available yet; use --peer-only');
  },
};

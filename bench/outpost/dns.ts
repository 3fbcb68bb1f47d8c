// Outpost's side of the dns-udp bench. Issue 5 (DNS) replaces `unavailable`
// and `start`: launch the Outpost DNS server (e.g. `node dist/src/cli/main.js
// ...` via startBackground) serving setup.zoneFile on setup.address:setup.port,
// single-threaded like the peers, logging at warning level into setup.workDir.
import type { DnsServer, DnsServerSetup, RunningDnsServer } from '../dns-server.js';

export const outpostDns: DnsServer = {
  name: 'outpost',
  async unavailable() {
    return 'outpost DNS server not available yet; use --peer-only';
  },
  async start(_setup: DnsServerSetup): Promise<RunningDnsServer> {
    throw new Error('outpost DNS server not available yet; use --peer-only');
  },
};

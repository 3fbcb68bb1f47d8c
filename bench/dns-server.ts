// What an authoritative DNS server must offer to be measured by the dns-udp
// bench. Peers (knot, nsd, bind) and, from issue 5 on, Outpost implement it.

export interface DnsServerSetup {
  /** Zone apex, absolute, e.g. 'voice.example.'. */
  origin: string;
  /** RFC 1035 master file: absolute owner names, explicit TTL and class on every line. */
  zoneFile: string;
  /** Loopback address and free UDP/TCP port to answer on. */
  address: string;
  port: number;
  /** Empty directory owned by this instance: config, rundir, logs. Removed afterwards. */
  workDir: string;
  /** CPU list to pin the server to (taskset syntax), or undefined for no pinning. */
  cpus: string | undefined;
}

export interface RunningDnsServer {
  /** Root pid of the server's process tree, for CPU accounting. */
  readonly pid: number;
  /** Where the server's own output went, shown when it fails. */
  readonly logFile: string;
  /** Resolves if the server exits on its own; a reason string. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface DnsServer {
  readonly name: string;
  /** Why it cannot run here (program missing, not implemented yet); undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /**
   * Starts serving the zone. May resolve before the server answers: the bench
   * itself waits until a known name resolves before it sends load.
   */
  start(setup: DnsServerSetup): Promise<RunningDnsServer>;
}

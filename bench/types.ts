// The contract between the generic harness and one benchmark (dhcp4, dns-udp).
import type { ProgramRef } from './machine.js';

export const OUTPOST = 'outpost';

export interface BenchOptions {
  /** Runs per contender; contenders alternate within each repetition. */
  repetitions: number;
  /** Seconds per measurement (per trial for a rate search); undefined → the bench's default. */
  duration: number | undefined;
  /** Offered load per second; undefined → the bench's own policy (dhcp4: search). */
  rate: number | undefined;
  /** Load-tool clients (dnsperf -c); undefined → the bench's default. */
  clients: number | undefined;
  /** dhcp4: perfdhcp instances, each from its own client namespace, the rate split between them; undefined → 1. */
  loadInstances?: number | undefined;
  /** Highest drop/loss percentage a run may have and still count. */
  maxDropPercent: number;
  /** Pin server and load tool to separate CPUs (when there are at least two). */
  pin: boolean;
  peerOnly: boolean;
  /** A peer name, or 'all'. */
  peer: string;
  jsonOut: string | undefined;
  /** manager-scale: the fraction of the full dataset to load (1 = 100k subnets, 1M addresses); undefined → 1. */
  scale?: number | undefined;
}

/** One measurement of one contender. */
export interface RunOutcome {
  /** The figure, in the bench's unit. Always measured, never estimated. */
  value: number;
  /** Short human summary printed next to the figure (drops, CPU share...). */
  note: string;
  /** Everything else worth keeping in the JSON. */
  details: Record<string, unknown>;
  /** Set when the run is a real measurement but outside the bench's validity bounds (e.g. drops). */
  warning?: string;
}

export interface BenchmarkSession {
  run(contender: string, repetition: number): Promise<RunOutcome>;
  /** Bench-specific facts for the JSON: resolved settings, fixture hashes. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface Benchmark {
  readonly name: string;
  readonly unit: string;
  /** One line: what the figure is and which tool produces it. */
  readonly title: string;
  readonly peers: readonly string[];
  /** A peer name, or 'all'. */
  readonly defaultPeer: string;
  /** The contender whose figure is `outpost=` in RESULT lines; default OUTPOST ('outpost'). */
  readonly outpostContender?: string;
  /**
   * The RESULT lines, each Outpost against some peers; the last is the bench's main one
   * (the last line printed). A line whose peers did not run (--peer) is left out.
   * Default: one line named after the bench, against every peer that ran.
   */
  readonly results?: readonly { name: string; peers: readonly string[]; /** The Outpost contender of this line; default outpostContender. */ outpost?: string }[];
  readonly defaultDuration: number;
  /** Programs whose versions go into the result for these contenders. */
  programs(contenders: readonly string[]): ProgramRef[];
  /** Why a contender cannot run on this machine; undefined when it can. */
  unavailable(contender: string): Promise<string | undefined>;
  open(options: BenchOptions, contenders: readonly string[]): Promise<BenchmarkSession>;
}

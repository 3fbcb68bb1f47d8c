// What the DHCPv4 benches (dhcp4, dhcp4-ha) share: the subnet and pool, one load
// trial (perfdhcp against servers already running, their CPU share, pass or fail),
// and a run: one fixed-rate trial, or the search for the highest rate that passes
// (docs/benchmarks.md, "Why a rate search"). A bench says only how a trial's
// servers start, become ready and stop.
import { withCpuShares } from './cpu.js';
import type { Netns } from '../test/lab/index.js';
import type { Dhcp4Deployment, Dhcp4ServerSetup } from './dhcp4-server.js';
import { runSplitTrial, type LoadInstance, type TrialResult } from './load/perfdhcp.js';
import type { BenchOptions, RunOutcome } from './types.js';

export const SUBNET = '198.18.0.0/15';
export const POOL = { first: '198.18.1.0', last: '198.19.255.254' };
export const POOL_SIZE = 2 * 65_536 - 256 - 1;
/** A trial may hand out at most this share of the pool: allocation slows as a pool fills. */
export const POOL_SHARE = 0.6;
export const SEARCH_START = 1_000;
const SEARCH_MIN = 50;
/** Stop bisecting when the bracket is this narrow, relative to its low end. */
export const SEARCH_PRECISION = 0.05;
/** perfdhcp must have sent this share of the offered DISCOVERs, or it was the bottleneck. */
const MIN_OFFERED_SHARE = 0.95;
export const MAX_LOAD_INSTANCES = 8;

/** Highest rate a trial of `seconds` may offer without using more than POOL_SHARE of the pool. */
export const maxRate = (seconds: number) => Math.floor((POOL_SHARE * POOL_SIZE) / seconds);

export interface Trial extends TrialResult {
  /** Share of one core used by the serving process tree (the primary's, for a pair). */
  serverCpuShare: number | undefined;
  /** For a pair: the partner's share of one core (Outpost's standby, Kea's standby with its control agent). */
  partnerCpuShare?: number | undefined;
  passed: boolean;
  reason: string;
  /**
   * UDP errors counted during the trial (/proc/net/snmp deltas) per namespace, where
   * any: RcvbufErrors in a client namespace = replies lost in perfdhcp's receive
   * buffer; in a server namespace = requests lost in the server's.
   */
  udpErrors?: Record<string, Record<string, number>>;
}

const UDP_ERROR_COUNTERS = ['InErrors', 'RcvbufErrors', 'SndbufErrors', 'NoPorts'];

async function udpCounters(ns: Netns): Promise<Record<string, number>> {
  const r = await ns.run('cat', ['/proc/net/snmp'], { timeoutMs: 5_000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp: '));
  const names = lines[0]?.split(/\s+/).slice(1) ?? [];
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

/** Runs `work` and returns the UDP error counters that grew meanwhile, per namespace (logical name). */
async function withUdpErrors<T>(namespaces: readonly Netns[], work: () => Promise<T>): Promise<{ result: T; udpErrors: Record<string, Record<string, number>> }> {
  const before = await Promise.all(namespaces.map(udpCounters));
  const result = await work();
  const after = await Promise.all(namespaces.map(udpCounters));
  const udpErrors: Record<string, Record<string, number>> = {};
  namespaces.forEach((ns, i) => {
    for (const c of UDP_ERROR_COUNTERS) {
      const d = (after[i]![c] ?? 0) - (before[i]![c] ?? 0);
      if (d > 0) (udpErrors[ns.logical] ??= {})[c] = d;
    }
  });
  return { result, udpErrors };
}

/** Trial seconds (perfdhcp -p takes whole seconds) and the checks on --rate and --load-instances. */
export function trialSettings(options: BenchOptions, defaultDuration: number): { seconds: number; instances: number } {
  const seconds = Math.max(1, Math.round(options.duration ?? defaultDuration));
  if (options.rate !== undefined && options.rate > maxRate(seconds)) {
    throw new Error(`--rate ${options.rate} × ${seconds} s would use more than ${POOL_SHARE * 100} % of the ${POOL_SIZE}-address pool; lower --rate or --duration`);
  }
  const instances = options.loadInstances ?? 1;
  if (!(Number.isInteger(instances) && instances >= 1 && instances <= MAX_LOAD_INSTANCES)) throw new Error(`--load-instances must be 1..${MAX_LOAD_INSTANCES}`);
  if (options.rate !== undefined && options.rate < instances) throw new Error(`--rate ${options.rate} is less than one exchange per second for each of the ${instances} load instances`);
  return { seconds, instances };
}

/**
 * Offers `rate` DORA/s for `seconds` to servers that are up and ready, measures the
 * CPU share of each pid's process tree meanwhile, and judges the trial.
 * `serverAddress` is perfdhcp's destination ('all': broadcast).
 */
export async function loadTrial(o: {
  contender: string;
  load: readonly LoadInstance[];
  serverAddress: string;
  rate: number;
  seconds: number;
  maxDropPercent: number;
  /** Process trees to account, one group per server: the serving one first; for a pair its partner second. */
  cpuGroups: readonly (readonly number[])[];
  output: () => string;
  /** Server namespaces whose UDP error counters go into the trial, besides the load's. */
  serverNamespaces: readonly Netns[];
}): Promise<Trial> {
  const namespaces = [...new Set([...o.load.map((l) => l.ns), ...o.serverNamespaces])];
  const { result: { result, cpuShares }, udpErrors } = await withUdpErrors(namespaces, () =>
    withCpuShares(o.cpuGroups, () => runSplitTrial(o.load, { serverAddress: o.serverAddress, rate: o.rate, seconds: o.seconds })));
  if (result.request.received === 0) {
    throw new Error(`${o.contender}: no DHCPACK at all at ${o.rate}/s; server output:\n${o.output().slice(-3000)}`);
  }
  let passed = result.dropPercent <= o.maxDropPercent;
  let reason = `${result.dropPercent.toFixed(2)} % drops`;
  if (result.offeredShare < MIN_OFFERED_SHARE) {
    passed = false;
    reason = `perfdhcp sent only ${(100 * result.offeredShare).toFixed(0)} % of the offered rate (load tool limit)`;
  }
  const trial: Trial = { ...result, serverCpuShare: cpuShares[0], passed, reason, udpErrors };
  if (o.cpuGroups.length > 1) trial.partnerCpuShare = cpuShares[1];
  return trial;
}

/**
 * One trial of a deployment: start it fresh (empty lease files), wait until it
 * serves, load it (loadTrial), stop it whatever happened.
 */
export async function deploymentTrial(
  d: Dhcp4Deployment,
  setups: { primary: Dhcp4ServerSetup; standby: Dhcp4ServerSetup },
  o: { load: readonly LoadInstance[]; serverAddress: string; rate: number; seconds: number; maxDropPercent: number; readyTimeoutMs: number },
): Promise<Trial & { ready: Record<string, unknown> }> {
  const running = await d.start(setups.primary, setups.standby);
  try {
    const ready = await running.ready(o.readyTimeoutMs);
    const serverNamespaces = [...new Set([setups.primary.ns, setups.standby.ns])];
    const t = await loadTrial({ ...o, contender: d.name, cpuGroups: running.cpuGroups, output: () => running.output(), serverNamespaces });
    return { ...t, ready };
  } finally {
    await running.stop();
  }
}

const pct = (share: number | undefined) => (share === undefined ? '?' : String(Math.round(share * 100)));

export const describeTrial = (t: Trial) =>
  `${Math.round(t.exchangesPerSecond)}/s at ${t.rate}/s offered, ${t.dropPercent.toFixed(2)} % drops, server CPU ${pct(t.serverCpuShare)} %` +
  (t.partnerCpuShare === undefined ? '' : `, partner CPU ${pct(t.partnerCpuShare)} %`);

/**
 * One run of one contender: a single trial at --rate, or (default) the search: double
 * from SEARCH_START until a trial fails, then bisect the bracket; the figure is the
 * ACK rate of the highest passing trial. `trial` starts fresh servers, loads them
 * (loadTrial) and stops them.
 */
export async function measureRun(
  contender: string,
  repetition: number,
  options: BenchOptions,
  seconds: number,
  trial: (label: string, rate: number) => Promise<Trial>,
): Promise<RunOutcome> {
  if (options.rate !== undefined) {
    const t = await trial(`r${repetition}`, options.rate);
    const outcome: RunOutcome = { value: t.exchangesPerSecond, note: describeTrial(t), details: { mode: 'fixed-rate', trial: t } };
    if (!t.passed) outcome.warning = `${t.reason}, above --max-drops ${options.maxDropPercent} %: not a sustainable rate`;
    return outcome;
  }
  const trials: Trial[] = [];
  // A failing rate gets a second chance: on a shared machine one scheduling
  // hiccup overflows the socket buffer and fails a trial the server would
  // otherwise sustain; real overload fails both. Both trials stay in the JSON.
  const attempt = async (rate: number) => {
    const once = async () => {
      const t = await trial(`r${repetition}-t${trials.length + 1}`, rate);
      trials.push(t);
      return t;
    };
    const first = await once();
    return first.passed ? first : once();
  };
  const ceiling = maxRate(seconds);
  let best: Trial | undefined;
  let failedAt: number | undefined;
  let rate = Math.min(SEARCH_START, ceiling);
  for (;;) {
    const t = await attempt(rate);
    if (t.passed) {
      best = t;
      if (rate >= ceiling) break;
      rate = Math.min(rate * 2, ceiling);
    } else {
      failedAt = rate;
      if (best !== undefined) break;
      if (rate <= SEARCH_MIN) throw new Error(`${contender}: over ${options.maxDropPercent} % drops even at ${rate}/s (${t.reason})`);
      rate = Math.max(SEARCH_MIN, Math.floor(rate / 2));
    }
  }
  while (failedAt !== undefined && (failedAt - best.rate) / best.rate > SEARCH_PRECISION) {
    const mid = Math.round((best.rate + failedAt) / 2);
    const t = await attempt(mid);
    if (t.passed) best = t;
    else failedAt = mid;
  }
  const outcome: RunOutcome = {
    value: best.exchangesPerSecond,
    note: `${describeTrial(best)}; failed at ${failedAt ?? 'none'}/s; ${trials.length} trials`,
    details: { mode: 'search', passedRate: best.rate, failedRate: failedAt ?? null, best, trials },
  };
  if (failedAt === undefined) outcome.warning = `still passing at the pool-size ceiling of ${ceiling}/s: the figure is a lower bound`;
  return outcome;
}

/** The rate policy, for the JSON's setup. */
export function ratePolicy(options: BenchOptions, seconds: number): Record<string, unknown> {
  return options.rate !== undefined
    ? { mode: 'fixed-rate', rate: options.rate }
    : { mode: 'search', start: SEARCH_START, precision: SEARCH_PRECISION, maxDropPercent: options.maxDropPercent, ceiling: maxRate(seconds), failedTrialRetries: 1 };
}

/** The CPUs of a taskset list ("1", "1-3", "1,3"), one string each; [] when not pinned. */
export function loadCpuList(list: string | undefined): string[] {
  if (list === undefined) return [];
  const out: string[] = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let c = a; c <= (b ?? a); c++) out.push(String(c));
  }
  return out;
}

// perfdhcp: the dhcp4 load tool. One trial offers a fixed rate of DORA
// exchanges for a whole number of seconds, as a relay agent (giaddr = the
// client address, unicast to the server's port 67), and counts the ACKs.
import type { Netns } from '../../test/lab/index.js';

export interface TrialOptions {
  ns: Netns;
  clientAddress: string;
  serverAddress: string;
  rate: number;
  /** perfdhcp -p takes whole seconds only. */
  seconds: number;
  cpus: string | undefined;
  /** perfdhcp -b mac=<base>: the base of this instance's client MACs (several instances: disjoint ranges). */
  baseMac?: string;
}

export interface ExchangeStats { sent: number; received: number; drops: number; orphans: number }

export interface TrialResult {
  rate: number;
  seconds: number;
  discover: ExchangeStats;
  request: ExchangeStats;
  /** Completed DORA exchanges (ACKs received) per second of the trial. */
  exchangesPerSecond: number;
  /** 1 - ACKs / DISCOVERs sent, in percent: every exchange that did not complete. */
  dropPercent: number;
  /** DISCOVERs sent / (rate × seconds): below ~0.95 perfdhcp itself could not keep up. */
  offeredShare: number;
  command: string[];
}

// Many distinct clients (MACs numbered up from the base, 2^24 before they wrap): each exchange is a new
// lease, the work a server does when phones boot, not a renewal of one client.
const CLIENTS = 16_777_216;
// Wait 0.5 s after the last DISCOVER for replies still in flight.
const EXIT_WAIT_US = 500_000;

export function perfdhcpArgs(o: Omit<TrialOptions, 'ns' | 'cpus'>): string[] {
  return [
    '-4', '-g', 'single', // one thread: perfdhcp has one core to itself, threads would only contend
    '-l', o.clientAddress, // local address → relayed mode, giaddr = this address
    '-r', String(o.rate), '-p', String(o.seconds),
    '-R', String(CLIENTS), '-W', String(EXIT_WAIT_US),
    // perfdhcp numbers its clients up from the base MAC (00:0c:01:02:03:04 by default; seen with tcpdump): a distinct
    // base per instance, 2^24 apart, keeps several instances' clients apart.
    ...(o.baseMac !== undefined ? ['-b', `mac=${o.baseMac}`] : []),
    o.serverAddress,
  ];
}

/** The base MAC of instance i (0-based) of several: 02:00:<i+1>:00:00:00, locally administered. */
export function instanceBaseMac(i: number): string {
  return `02:00:${(i + 1).toString(16).padStart(2, '0')}:00:00:00`;
}

function section(text: string, name: string): ExchangeStats {
  const start = text.indexOf(`***Statistics for: ${name}***`);
  if (start < 0) throw new Error(`perfdhcp output has no ${name} statistics`);
  const next = text.indexOf('***Statistics for:', start + 1);
  const body = text.slice(start, next < 0 ? undefined : next);
  const get = (label: string) => {
    const m = new RegExp(`^${label}: (\\d+)`, 'm').exec(body);
    if (!m?.[1]) throw new Error(`perfdhcp ${name} statistics have no "${label}"`);
    return Number(m[1]);
  };
  return { sent: get('sent packets'), received: get('received packets'), drops: get('drops'), orphans: get('orphans') };
}

export function parsePerfdhcp(text: string, rate: number, seconds: number): Omit<TrialResult, 'command'> {
  const discover = section(text, 'DISCOVER-OFFER');
  const request = section(text, 'REQUEST-ACK');
  const acks = request.received;
  return {
    rate,
    seconds,
    discover,
    request,
    exchangesPerSecond: acks / seconds,
    dropPercent: discover.sent > 0 ? (100 * (discover.sent - acks)) / discover.sent : 100,
    offeredShare: discover.sent / (rate * seconds),
  };
}

export interface LoadInstance {
  ns: Netns;
  clientAddress: string;
  cpus: string | undefined;
}

/**
 * One trial with several perfdhcp instances at once, each from its own namespace and
 * address (its own relay), the rate split between them (the first ones get the
 * remainder). Their counters are summed: exchanges/s, drops and offered share are those
 * of the whole load. One instance is exactly runTrial.
 */
export async function runSplitTrial(instances: readonly LoadInstance[], o: { serverAddress: string; rate: number; seconds: number }): Promise<TrialResult & { instances?: TrialResult[] }> {
  const first = instances[0];
  if (first === undefined) throw new Error('runSplitTrial: no load instance');
  if (instances.length === 1) return runTrial({ ...first, serverAddress: o.serverAddress, rate: o.rate, seconds: o.seconds });
  const n = instances.length;
  const share = (i: number) => Math.floor(o.rate / n) + (i < o.rate % n ? 1 : 0);
  const parts = await Promise.all(instances.map((inst, i) =>
    runTrial({ ...inst, serverAddress: o.serverAddress, rate: share(i), seconds: o.seconds, baseMac: instanceBaseMac(i) })));
  const sum = (pick: (t: TrialResult) => ExchangeStats): ExchangeStats => ({
    sent: parts.reduce((a, t) => a + pick(t).sent, 0),
    received: parts.reduce((a, t) => a + pick(t).received, 0),
    drops: parts.reduce((a, t) => a + pick(t).drops, 0),
    orphans: parts.reduce((a, t) => a + pick(t).orphans, 0),
  });
  const discover = sum((t) => t.discover);
  const request = sum((t) => t.request);
  const acks = request.received;
  return {
    rate: o.rate,
    seconds: o.seconds,
    discover,
    request,
    exchangesPerSecond: acks / o.seconds,
    dropPercent: discover.sent > 0 ? (100 * (discover.sent - acks)) / discover.sent : 100,
    offeredShare: discover.sent / (o.rate * o.seconds),
    command: parts.flatMap((t, i) => [...(i > 0 ? ['&'] : []), ...t.command]),
    instances: parts,
  };
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const argv = ['perfdhcp', ...perfdhcpArgs(o)];
  const [cmd, ...args] = o.cpus === undefined ? argv : ['taskset', '-c', o.cpus, ...argv];
  // Bounded: -p inside perfdhcp, plus a hard kill 30 s later.
  const r = await o.ns.run(cmd!, args, { timeoutMs: (o.seconds + 30) * 1000 });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.timedOut) throw new Error(`perfdhcp did not finish within ${o.seconds + 30} s`);
  // 0: all exchanges completed; 3: some did not (drops) — both are measurements.
  if (r.code !== 0 && r.code !== 3) {
    throw new Error(`perfdhcp failed (exit ${r.code ?? r.signal}):\n${out.trim().split('\n').slice(-10).join('\n')}`);
  }
  return { ...parsePerfdhcp(out, o.rate, o.seconds), command: argv };
}

// dnsperf: the dns-udp load tool. Runs for a fixed time (-l), loops over the
// query file, and reports completed queries per second.
import { runBounded } from '../process.js';

export interface DnsperfOptions {
  address: string;
  port: number;
  queryFile: string;
  seconds: number;
  clients: number;
  threads: number;
  /** dnsperf -Q: cap on queries per second; undefined → as fast as answers come back. */
  maxQps: number | undefined;
  cpus: string | undefined;
  /** dnsperf -m: udp (default) or tcp (each client one connection, queries pipelined on it). */
  transport?: 'udp' | 'tcp';
}

export interface DnsperfResult {
  qps: number;
  sent: number;
  completed: number;
  lost: number;
  lostPercent: number;
  runSeconds: number;
  avgLatencySeconds: number | undefined;
  /** Response codes by name, e.g. { NOERROR: 9500, NXDOMAIN: 500 }. */
  rcodes: Record<string, number>;
  command: string[];
}

export function dnsperfArgs(o: DnsperfOptions): string[] {
  const args = [
    '-s', o.address, '-p', String(o.port), '-d', o.queryFile,
    '-l', String(o.seconds), '-c', String(o.clients), '-T', String(o.threads),
    // A query still unanswered after 1 s is lost (default 5 s would stall the tail).
    '-t', '1',
  ];
  if (o.maxQps !== undefined) args.push('-Q', String(o.maxQps));
  if (o.transport === 'tcp') args.push('-m', 'tcp');
  return args;
}

function num(text: string, re: RegExp, what: string): number {
  const m = re.exec(text);
  if (!m?.[1]) throw new Error(`dnsperf output has no ${what}`);
  return Number(m[1]);
}

export function parseDnsperf(text: string): Omit<DnsperfResult, 'command'> {
  const rcodes: Record<string, number> = {};
  const codes = /Response codes:\s*(.*)/.exec(text)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]!] = Number(m[2]);
  const latency = /Average Latency \(s\):\s*([\d.]+)/.exec(text)?.[1];
  return {
    qps: num(text, /Queries per second:\s*([\d.]+)/, '"Queries per second"'),
    sent: num(text, /Queries sent:\s*(\d+)/, '"Queries sent"'),
    completed: num(text, /Queries completed:\s*(\d+)/, '"Queries completed"'),
    lost: num(text, /Queries lost:\s*(\d+)/, '"Queries lost"'),
    lostPercent: num(text, /Queries lost:\s*\d+ \(([\d.]+)%\)/, 'loss percentage'),
    runSeconds: num(text, /Run time \(s\):\s*([\d.]+)/, '"Run time"'),
    avgLatencySeconds: latency === undefined ? undefined : Number(latency),
    rcodes,
  };
}

export async function runDnsperf(o: DnsperfOptions): Promise<DnsperfResult> {
  const args = dnsperfArgs(o);
  // Bounded twice: -l inside dnsperf, and a hard kill if it overstays by 30 s.
  const r = await runBounded('dnsperf', args, { timeoutMs: (o.seconds + 30) * 1000, cpus: o.cpus });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.timedOut) throw new Error(`dnsperf did not finish within ${o.seconds + 30} s`);
  if (r.code !== 0) throw new Error(`dnsperf failed (exit ${r.code ?? r.signal}):\n${out.trim().split('\n').slice(-10).join('\n')}`);
  return { ...parseDnsperf(out), command: ['dnsperf', ...args] };
}

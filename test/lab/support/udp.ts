// Helpers for lab self-tests: reachability and latency between namespaces, measured
// with two small node programs (the machine has no ping).
import { fileURLToPath } from 'node:url';
import type { LabProcess } from '../process.js';
import type { Netns } from '../netns.js';

export const ECHO_PORT = 7007;

const program = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

export async function startEcho(ns: Netns, address = '0.0.0.0'): Promise<LabProcess> {
  const echo = ns.spawn(process.execPath, [program('udp-echo'), address, String(ECHO_PORT)]);
  await echo.waitForLine(/^udp-echo ready$/, 10_000);
  return echo;
}

export interface ProbeResult {
  sent: number;
  received: number;
  rttsMs: number[];
}

/** Sends `count` datagrams from ns to address's echo server; waits at most waitMs after the last. */
export async function probe(ns: Netns, address: string, o: { count?: number; intervalMs?: number; waitMs?: number } = {}): Promise<ProbeResult> {
  const args = [program('udp-probe'), address, String(ECHO_PORT), String(o.count ?? 10), String(o.intervalMs ?? 20), String(o.waitMs ?? 500)];
  const r = await ns.run(process.execPath, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`udp-probe failed (${r.code}/${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// CPU time used by a process tree, read from /proc. A server that sits near
// 100 % of its core during a run was the bottleneck, which tells whether the
// figure measures the server or the load tool.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat { ppid: number; ticks: number }

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces or parens: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After comm: state(0) ppid(1) ... utime(11) stime(12)
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** utime+stime, in seconds, of pid and all its live descendants (all threads included). */
export function treeCpuSeconds(pid: number): number {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) stats.set(Number(name), s);
  }
  const inTree = new Set<number>([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, s] of stats) {
      if (!inTree.has(p) && inTree.has(s.ppid)) { inTree.add(p); grew = true; }
    }
  }
  let ticks = 0;
  for (const p of inTree) ticks += stats.get(p)?.ticks ?? 0;
  return ticks / clockTicks();
}

/** Measures the share of one core a process tree used while `work` ran. */
export async function withCpuShare<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpuShare: number | undefined }> {
  if (pid === undefined) return { result: await work(), cpuShare: undefined };
  const { result, cpuShares } = await withCpuShares([[pid]], work);
  return { result, cpuShare: cpuShares[0] };
}

/**
 * The same for several groups at once (a failover pair: one group per server, a
 * group's process trees summed, e.g. kea-dhcp4 and its control agent): one share each.
 */
export async function withCpuShares<T>(groups: readonly (readonly number[])[], work: () => Promise<T>): Promise<{ result: T; cpuShares: (number | undefined)[] }> {
  const cpu = () => groups.map((g) => g.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0));
  const c0 = cpu();
  const t0 = process.hrtime.bigint();
  const result = await work();
  const c1 = cpu();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { result, cpuShares: groups.map((_, i) => (seconds > 0 ? (c1[i]! - c0[i]!) / seconds : undefined)) };
}

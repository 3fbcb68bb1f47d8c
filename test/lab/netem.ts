// Delay, jitter and loss on an interface's egress. Uses the kernel's `tc netem` when the
// kernel has it; some kernels (this project's CI among them) are built without sch_netem,
// and there a userspace shaper (shaper.py) stands in for it with the same semantics.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LabCommandError } from './command.js';
import { interfaceName } from './names.js';
import type { Netns } from './netns.js';
import type { LabProcess } from './process.js';

export interface NetemOptions {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
}

export type NetemState = { readonly kind: 'kernel' } | { readonly kind: 'userspace'; readonly tap: string; readonly shaper: LabProcess };

/** Lower than any partition filter's priority, so a partition wins over the shaper's catch-all. */
export const SHAPER_FILTER_PRIO = 49152;
const SHAPER_READY_MS = 10_000;

let kernelNetem: boolean | undefined;

/** Which mechanism netem() uses here; known after the first netem() call, undefined before. */
export function netemMechanism(): 'kernel' | 'userspace' | undefined {
  return kernelNetem === undefined ? undefined : kernelNetem ? 'kernel' : 'userspace';
}

/** shaper.py sits in the source tree: test/lab/ seen from both test/lab/*.ts and dist/test/lab/*.js. */
function shaperScript(): string {
  for (const rel of ['./shaper.py', '../../../test/lab/shaper.py']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('lab: shaper.py not found next to netem.ts or in the source tree');
}

function validate(o: NetemOptions): Required<NetemOptions> {
  const v = { delayMs: o.delayMs ?? 0, jitterMs: o.jitterMs ?? 0, lossPercent: o.lossPercent ?? 0 };
  const bad = (x: number, max: number): boolean => !Number.isFinite(x) || x < 0 || x > max;
  if (bad(v.delayMs, 60_000) || bad(v.jitterMs, 60_000) || bad(v.lossPercent, 100) || v.jitterMs > v.delayMs) {
    throw new Error(`netem: bad options ${JSON.stringify(o)} (0 <= jitter <= delay <= 60000 ms, 0 <= loss <= 100 %)`);
  }
  return v;
}

export async function ensureClsact(ns: Netns, ifname: string): Promise<void> {
  if (ns.clsact.has(ifname)) return;
  await ns.exec('tc', ['qdisc', 'add', 'dev', ifname, 'clsact']);
  ns.clsact.add(ifname);
}

export async function applyNetem(ns: Netns, ifname: string, o: NetemOptions): Promise<void> {
  const v = validate(o);
  await removeNetem(ns, ifname);
  if (kernelNetem !== false) {
    const args = ['qdisc', 'replace', 'dev', ifname, 'root', 'netem', 'delay', `${v.delayMs}ms`, `${v.jitterMs}ms`, 'loss', `${v.lossPercent}%`];
    try {
      await ns.exec('tc', args);
      kernelNetem = true;
      ns.netemState.set(ifname, { kind: 'kernel' });
      return;
    } catch (err) {
      if (!(err instanceof LabCommandError && /qdisc kind is unknown/i.test(err.stderr))) throw err;
      kernelNetem = false;
    }
  }
  await startShaper(ns, ifname, v);
}

async function startShaper(ns: Netns, ifname: string, v: Required<NetemOptions>): Promise<void> {
  const tap = interfaceName(ns.ctx.run, 't', ns.ctx.nextSerial());
  const args = [shaperScript(), tap, ifname, String(v.delayMs), String(v.jitterMs), String(v.lossPercent)];
  const shaper = ns.spawn('python3', args);
  try {
    await shaper.waitForLine(/^shaper ready$/, SHAPER_READY_MS);
    await ns.setLink(tap, true);
    await ensureClsact(ns, ifname);
    const redirect = ['action', 'mirred', 'egress', 'redirect', 'dev', tap];
    await ns.exec('tc', ['filter', 'add', 'dev', ifname, 'egress', 'prio', String(SHAPER_FILTER_PRIO), 'protocol', 'all', 'u32', 'match', 'u32', '0', '0', ...redirect]);
  } catch (err) {
    await shaper.stop(1_000);
    throw err;
  }
  ns.netemState.set(ifname, { kind: 'userspace', tap, shaper });
}

export async function removeNetem(ns: Netns, ifname: string): Promise<void> {
  const state = ns.netemState.get(ifname);
  if (state === undefined) return;
  ns.netemState.delete(ifname);
  if (state.kind === 'kernel') {
    await ns.exec('tc', ['qdisc', 'del', 'dev', ifname, 'root']);
    return;
  }
  // Filter first: with the shaper gone, redirected frames would be lost.
  await ns.exec('tc', ['filter', 'del', 'dev', ifname, 'egress', 'prio', String(SHAPER_FILTER_PRIO)]);
  await state.shaper.stop(2_000); // its TAP vanishes with it
}

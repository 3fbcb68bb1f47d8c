// Partitions between two namespaces: IPv4 packets from one to any address of the other
// silently vanish (no ICMP error, no link-down event), as on a real network split.
// Works across direct links, bridges and routers alike because it matches on the peer's
// addresses, at the egress of each side's own interfaces; third parties are unaffected.
//
// Dropping uses a tc egress filter that redirects into a "sink" veth pair: the kernel
// this project's CI runs on has no gact (tc "drop") action, but does have mirred.
import { addressOf } from './addresses.js';
import { interfaceName } from './names.js';
import { ensureClsact, SHAPER_FILTER_PRIO } from './netem.js';
import type { Netns } from './netns.js';

export interface Partition {
  readonly prio: number;
  readonly filters: ReadonlyArray<{ readonly ns: Netns; readonly ifname: string }>;
}

const sinks = new WeakMap<Netns, string>();

/** A veth pair whose ends are both up: frames sent into it are discarded by the peer end. */
async function sinkOf(ns: Netns): Promise<string> {
  const existing = sinks.get(ns);
  if (existing !== undefined) return existing;
  const serial = ns.ctx.nextSerial();
  const sink = interfaceName(ns.ctx.run, 's', serial, 'a');
  const peer = interfaceName(ns.ctx.run, 's', serial, 'b');
  await ns.ip('link', 'add', 'name', sink, 'type', 'veth', 'peer', 'name', peer);
  await ns.setLink(sink, true);
  await ns.setLink(peer, true);
  sinks.set(ns, sink);
  return sink;
}

function ipv4Targets(ns: Netns): string[] {
  return ns
    .addresses()
    .map(addressOf)
    .filter((a) => a.includes('.') && !a.startsWith('127.'));
}

async function dropTowards(from: Netns, to: Netns, prio: number): Promise<Array<{ ns: Netns; ifname: string }>> {
  const targets = ipv4Targets(to);
  if (targets.length === 0) throw new Error(`partition: ${to.logical} has no lab address to cut off`);
  const sink = await sinkOf(from);
  const installed: Array<{ ns: Netns; ifname: string }> = [];
  for (const ifname of from.ownInterfaces) {
    await ensureClsact(from, ifname);
    for (const target of targets) {
      const match = ['u32', 'match', 'ip', 'dst', `${target}/32`];
      await from.exec('tc', ['filter', 'add', 'dev', ifname, 'egress', 'prio', String(prio), 'protocol', 'ip', ...match, 'action', 'mirred', 'egress', 'redirect', 'dev', sink]);
    }
    installed.push({ ns: from, ifname });
  }
  return installed;
}

/** Installs the drop filters both ways under one filter priority, so heal can remove exactly them. */
export async function installPartition(a: Netns, b: Netns, prio: number): Promise<Partition> {
  if (prio < 1 || prio >= SHAPER_FILTER_PRIO) throw new Error(`partition: filter priority ${prio} out of range`);
  const filters = [...(await dropTowards(a, b, prio)), ...(await dropTowards(b, a, prio))];
  return { prio, filters };
}

export async function removePartition(p: Partition): Promise<void> {
  for (const { ns, ifname } of p.filters) {
    await ns.exec('tc', ['filter', 'del', 'dev', ifname, 'egress', 'prio', String(p.prio), 'protocol', 'ip']);
  }
}

// 802.1Q subinterfaces: the kernel's VLAN devices (`ip link add ... type vlan`) when the
// kernel has them; some kernels (this project's CI among them) are built without
// CONFIG_VLAN_8021Q, and there a userspace stand-in (vlan.py, a TAP device per VLAN that
// tags onto and untags from the parent) takes their place with the same behaviour seen
// from a socket: own ifindex, own addresses, own broadcast domain, tagged frames on the
// parent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertLabAddress } from './addresses.js';
import { LabCommandError } from './command.js';
import type { Netns } from './netns.js';

export interface VlanOptions {
  /** Interface name (default `<parent>.<vlanId>`; at most 15 characters). */
  name?: string;
  /** CIDR to configure on the subinterface. */
  address?: string;
  /** Use the stand-in even when the kernel has 802.1Q (default false). */
  forceUserspace?: boolean;
}

export interface LabVlan {
  readonly ns: Netns;
  readonly name: string;
  readonly parent: string;
  readonly vlanId: number;
  readonly mechanism: 'kernel' | 'userspace';
}

const READY_MS = 10_000;
let kernelVlan: boolean | undefined;

/** Which mechanism vlan() uses here; known after the first vlan() call, undefined before. */
export function vlanMechanism(): 'kernel' | 'userspace' | undefined {
  return kernelVlan === undefined ? undefined : kernelVlan ? 'kernel' : 'userspace';
}

/** vlan.py sits in the source tree: test/lab/ seen from both test/lab/*.ts and dist/test/lab/*.js. */
function standinScript(): string {
  for (const rel of ['./vlan.py', '../../../test/lab/vlan.py']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('lab: vlan.py not found next to vlan.ts or in the source tree');
}

export async function addVlan(ns: Netns, parent: string, vlanId: number, o: VlanOptions = {}): Promise<LabVlan> {
  if (!Number.isInteger(vlanId) || vlanId < 1 || vlanId > 4094) throw new Error(`vlan: VLAN id ${vlanId} is not 1..4094`);
  if (o.address !== undefined) {
    assertLabAddress(o.address);
    if (!o.address.includes('/')) throw new Error(`vlan: the address needs a prefix length: "${o.address}"`);
  }
  const name = o.name ?? `${parent}.${vlanId}`;
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new Error(`vlan: bad interface name "${name}" (at most 15 characters)`);
  let mechanism: 'kernel' | 'userspace' | undefined;
  if (kernelVlan !== false && o.forceUserspace !== true) {
    try {
      await ns.ip('link', 'add', 'link', parent, 'name', name, 'type', 'vlan', 'id', String(vlanId));
      kernelVlan = true;
      mechanism = 'kernel';
    } catch (err) {
      if (!(err instanceof LabCommandError) || !/Unknown device type|not supported|Operation not supported/i.test(err.stderr)) throw err;
      kernelVlan = false;
    }
  }
  if (mechanism === undefined) {
    const standin = ns.spawn('python3', [standinScript(), parent, String(vlanId), name]);
    try {
      await standin.waitForLine(/^vlan ready$/, READY_MS);
    } catch (err) {
      await standin.stop(1_000);
      throw err;
    }
    mechanism = 'userspace';
  }
  ns.ownInterfaces.add(name);
  await ns.setLink(name, true);
  if (o.address !== undefined) await ns.addAddress(name, o.address);
  return { ns, name, parent, vlanId, mechanism };
}

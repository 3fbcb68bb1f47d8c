// A lab run: the namespaces, links, bridges, partitions, processes and temp dirs one
// test builds, all named after one run id and all removed by destroy() — or, if the
// process ends first, by the exit and signal handlers of cleanup.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertLabAddress } from './addresses.js';
import { labUnavailableReason } from './availability.js';
import { registerLab, unregisterLab, type SyncDestroyable } from './cleanup.js';
import { command, commandSync } from './command.js';
import { assertLogicalName, interfaceName, namespaceName, newRunId, tempDirPrefix, type RunId } from './names.js';
import { Netns, type LabContext } from './netns.js';
import { installPartition, removePartition, type Partition } from './partition.js';
import type { LabProcess } from './process.js';
import { deleteNamespace, sweepDeadLabs } from './sweep.js';
import { addVlan, type LabVlan, type VlanOptions } from './vlan.js';

export interface LabOptions {
  /** Short label in namespace and temp dir names, to tell which test a leftover came from. */
  tag?: string;
  /** Sweep leftovers of dead runs first (default true). */
  sweep?: boolean;
}

export interface LinkOptions {
  /** CIDR for the end inside a, e.g. "192.0.2.1/24". */
  a?: string;
  /** CIDR for the end inside b. */
  b?: string;
}

export interface LabBridge {
  readonly ns: Netns;
  readonly name: string;
}

const PROCESS_STOP_MS = 3_000;

export class Lab implements LabContext, SyncDestroyable {
  private readonly byLogical = new Map<string, Netns>();
  private readonly processes = new Set<LabProcess>();
  private readonly tempDirs: string[] = [];
  private readonly partitions = new Map<string, Partition>();
  private serial = 0;
  private nextPartitionPrio = 1;
  private destroyed: Promise<void> | null = null;

  private constructor(
    readonly run: RunId,
    readonly tag: string,
  ) {}

  static async create(opts: LabOptions = {}): Promise<Lab> {
    const reason = labUnavailableReason();
    if (reason !== null) throw new Error(`lab unavailable: ${reason}`);
    const tag = opts.tag ?? '';
    if (tag !== '') assertLogicalName(tag);
    if (opts.sweep ?? true) await sweepDeadLabs();
    const lab = new Lab(newRunId(), tag);
    registerLab(lab);
    return lab;
  }

  /** "<pid base36>-<random>": part of every name this run creates. */
  get runId(): string {
    return this.run.id;
  }

  nextSerial(): number {
    return this.serial++;
  }

  track(proc: LabProcess): void {
    this.processes.add(proc);
    proc.onExit(() => this.processes.delete(proc));
  }

  /** Namespaces created so far. */
  namespaces(): Netns[] {
    return [...this.byLogical.values()];
  }

  /** Creates a namespace; `name` is logical ("server"), the real one is unique to this run. */
  async namespace(name: string): Promise<Netns> {
    this.assertLive();
    if (this.byLogical.has(name)) throw new Error(`lab namespace "${name}" exists already`);
    const real = namespaceName(this.run, this.tag === '' ? name : `${this.tag}-${name}`);
    await command('ip', ['netns', 'add', real]);
    const ns = new Netns(this, real, name);
    this.byLogical.set(name, ns); // registered before anything else can fail, so teardown finds it
    await ns.setLink('lo', true);
    // Interfaces created later get no IPv6 link-local address: the lab uses no address outside its ranges.
    await ns.sysctl('net.ipv6.conf.default.disable_ipv6', '1');
    return ns;
  }

  /** A veth pair between a and b, both ends up, optionally addressed; returns the ends' names. */
  async link(a: Netns, b: Netns, opts: LinkOptions = {}): Promise<{ a: string; b: string }> {
    this.assertLive();
    if (opts.a !== undefined) assertLabAddress(opts.a);
    if (opts.b !== undefined) assertLabAddress(opts.b);
    const serial = this.nextSerial();
    const ends = { a: interfaceName(this.run, 'v', serial, 'a'), b: interfaceName(this.run, 'v', serial, 'b') };
    // Created directly inside the namespaces: nothing ever exists in the host namespace.
    await command('ip', ['link', 'add', 'name', ends.a, 'netns', a.name, 'type', 'veth', 'peer', 'name', ends.b, 'netns', b.name]);
    a.ownInterfaces.add(ends.a);
    b.ownInterfaces.add(ends.b);
    await a.setLink(ends.a, true);
    await b.setLink(ends.b, true);
    if (opts.a !== undefined) await a.addAddress(ends.a, opts.a);
    if (opts.b !== undefined) await b.addAddress(ends.b, opts.b);
    return ends;
  }

  /** A bridge inside ns (a switch); optionally gives ns itself an address on it. */
  async bridge(ns: Netns, opts: { address?: string } = {}): Promise<LabBridge> {
    this.assertLive();
    if (opts.address !== undefined) assertLabAddress(opts.address);
    const name = interfaceName(this.run, 'b', this.nextSerial());
    await ns.ip('link', 'add', 'name', name, 'type', 'bridge');
    ns.ownInterfaces.add(name);
    await ns.setLink(name, true);
    if (opts.address !== undefined) await ns.addAddress(name, opts.address);
    return { ns, name };
  }

  /** Plugs member into the bridge with a veth pair; returns the bridge port and member's interface. */
  async attach(bridge: LabBridge, member: Netns, opts: { address?: string } = {}): Promise<{ port: string; iface: string }> {
    if (member === bridge.ns) throw new Error('attach: the member must be another namespace than the bridge');
    const ends = await this.link(bridge.ns, member, opts.address === undefined ? {} : { b: opts.address });
    bridge.ns.ownInterfaces.delete(ends.a);
    bridge.ns.bridgePorts.add(ends.a);
    await bridge.ns.ip('link', 'set', 'dev', ends.a, 'master', bridge.name);
    return { port: ends.a, iface: ends.b };
  }

  /**
   * An 802.1Q subinterface of parent (an interface in ns), named `<parent>.<vlanId>`
   * unless opts.name says otherwise: the kernel's VLAN device, or on kernels without
   * 802.1Q a userspace stand-in (vlan.py); `mechanism` in the result says which.
   */
  async vlan(ns: Netns, parent: string, vlanId: number, opts: VlanOptions = {}): Promise<LabVlan> {
    this.assertLive();
    return addVlan(ns, parent, vlanId, opts);
  }

  /**
   * Cuts IPv4 traffic between a and b both ways (packets silently dropped), whatever the path.
   * Matches the addresses each side has at this moment.
   */
  async partition(a: Netns, b: Netns): Promise<void> {
    this.assertLive();
    const key = partitionKey(a, b);
    if (this.partitions.has(key)) throw new Error(`${a.logical} and ${b.logical} are partitioned already`);
    this.partitions.set(key, await installPartition(a, b, this.nextPartitionPrio++));
  }

  /** Undoes partition(a, b). */
  async heal(a: Netns, b: Netns): Promise<void> {
    const key = partitionKey(a, b);
    const p = this.partitions.get(key);
    if (p === undefined) throw new Error(`${a.logical} and ${b.logical} are not partitioned`);
    this.partitions.delete(key);
    await removePartition(p);
  }

  /** A fresh directory under the system temp dir, removed on destroy. */
  async tempDir(): Promise<string> {
    this.assertLive();
    const dir = mkdtempSync(join(tmpdir(), `${tempDirPrefix(this.run)}${this.tag === '' ? '' : `${this.tag}-`}`));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Stops processes (SIGTERM, then SIGKILL), deletes namespaces and temp dirs. Idempotent; throws if something stayed. */
  destroy(): Promise<void> {
    this.destroyed ??= this.teardown();
    return this.destroyed;
  }

  /** The same, synchronously and without grace, for exit and signal handlers. */
  destroySync(): void {
    if (this.destroyed !== null) return;
    this.destroyed = Promise.resolve();
    for (const proc of this.processes) proc.killSync();
    for (const ns of this.byLogical.values()) {
      const pids = commandSync('ip', ['netns', 'pids', ns.name]).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) killQuietly(Number(pid));
      commandSync('ip', ['netns', 'delete', ns.name]);
    }
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
    unregisterLab(this);
  }

  private async teardown(): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all([...this.processes].map((p) => p.stop(PROCESS_STOP_MS)));
    for (const ns of this.byLogical.values()) {
      await deleteNamespace(ns.name).catch((err: unknown) => failures.push(err));
    }
    for (const dir of this.tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        failures.push(err);
      }
    }
    unregisterLab(this);
    if (failures.length > 0) throw new AggregateError(failures, `lab ${this.runId}: teardown incomplete`);
  }

  private assertLive(): void {
    if (this.destroyed !== null) throw new Error(`lab ${this.runId} is destroyed`);
  }
}

function partitionKey(a: Netns, b: Netns): string {
  return [a.name, b.name].sort().join(' ');
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs fn with a fresh lab and destroys it afterwards, whether fn succeeded or threw. */
export async function withLab<T>(opts: LabOptions, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create(opts);
  let result: T;
  try {
    result = await fn(lab);
  } catch (err) {
    // Report fn's failure, not a teardown failure it may have caused.
    await lab.destroy().catch((teardown: unknown) => console.error(teardown));
    throw err;
  }
  await lab.destroy();
  return result;
}

// One network namespace of a lab: addresses, routes, link state, impairment and
// programs running inside it. Created by Lab.namespace; removed by Lab.destroy.
import { addressOf, assertLabAddress } from './addresses.js';
import { command } from './command.js';
import { applyNetem, removeNetem, type NetemOptions, type NetemState } from './netem.js';
import { LabProcess, LabTimeoutError, runCaptured, type RunOptions, type RunResult, type SpawnOptions } from './process.js';
import type { RunId } from './names.js';

/** What a namespace needs from the lab that owns it. */
export interface LabContext {
  readonly run: RunId;
  nextSerial(): number;
  /** Registers a process so that lab teardown (and Ctrl-C) kills it. */
  track(proc: LabProcess): void;
}

export interface WaitForPortOptions {
  proto?: 'tcp' | 'udp';
  timeoutMs?: number;
}

const PORT_POLL_MS = 50;

export class Netns {
  /** Interfaces this lab created here, except bridge ports (those carry others' traffic). */
  readonly ownInterfaces = new Set<string>();
  readonly bridgePorts = new Set<string>();
  /** Interfaces with a clsact qdisc already added (partition and userspace netem both filter there). */
  readonly clsact = new Set<string>();
  readonly netemState = new Map<string, NetemState>();
  private readonly addressList: string[] = [];

  constructor(
    readonly ctx: LabContext,
    /** Real namespace name, e.g. "op-2kx9-a0z3-server". */
    readonly name: string,
    /** The name the test gave it, e.g. "server". */
    readonly logical: string,
  ) {}

  /** Addresses (CIDR) configured through the lab, in order. */
  addresses(): readonly string[] {
    return this.addressList;
  }

  /** First configured address without its prefix; throws if there is none. */
  address(): string {
    const first = this.addressList[0];
    if (first === undefined) throw new Error(`namespace ${this.logical} has no address yet`);
    return addressOf(first);
  }

  /** `ip -n <ns> ...`: fails loudly. */
  ip(...args: string[]): Promise<string> {
    return command('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace that must succeed; returns stdout. */
  async exec(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
    return command('ip', ['netns', 'exec', this.name, cmd, ...args], timeoutMs);
  }

  async addAddress(ifname: string, cidr: string): Promise<void> {
    assertLabAddress(cidr);
    if (!cidr.includes('/')) throw new Error(`addAddress needs a prefix length: "${cidr}"`);
    await this.ip('addr', 'add', cidr, 'dev', ifname);
    this.addressList.push(cidr);
  }

  /**
   * Adds a route to a lab destination (never "default": it would cover real networks).
   * `type` makes it a route that sends nothing: `prohibit` (sending fails with EACCES),
   * `unreachable` (EHOSTUNREACH) or `blackhole` (silently discarded). Packet sockets
   * (a DHCP client's broadcasts) do not consult routes and still go out.
   */
  async addRoute(destination: string, o: { via?: string; dev?: string; type?: 'prohibit' | 'unreachable' | 'blackhole' }): Promise<void> {
    assertLabAddress(destination);
    if (o.via !== undefined) assertLabAddress(o.via);
    if (o.type !== undefined && (o.via !== undefined || o.dev !== undefined)) throw new Error(`addRoute: a ${o.type} route takes no via or dev`);
    const args = ['route', 'add', ...(o.type === undefined ? [] : [o.type]), destination];
    if (o.via !== undefined) args.push('via', o.via);
    if (o.dev !== undefined) args.push('dev', o.dev);
    await this.ip(...args);
  }

  /** Removes a route addRoute added (same destination and type). */
  async deleteRoute(destination: string, o: { type?: 'prohibit' | 'unreachable' | 'blackhole' } = {}): Promise<void> {
    assertLabAddress(destination);
    await this.ip('route', 'del', ...(o.type === undefined ? [] : [o.type]), destination);
  }

  async setLink(ifname: string, up: boolean): Promise<void> {
    await this.ip('link', 'set', 'dev', ifname, up ? 'up' : 'down');
  }

  /** Writes /proc/sys/<key with dots as slashes> inside the namespace, e.g. ("net.ipv4.ip_forward", "1"). */
  async sysctl(key: string, value: string): Promise<void> {
    if (!/^[a-z0-9_.-]+$/i.test(key)) throw new Error(`bad sysctl key "${key}"`);
    await this.exec('sh', ['-c', 'printf "%s\\n" "$1" > "$2"', 'sh', value, `/proc/sys/${key.replaceAll('.', '/')}`]);
  }

  /** Egress delay/jitter/loss on ifname; replaces earlier settings. Kernel netem, or a userspace stand-in. */
  async netem(ifname: string, o: NetemOptions): Promise<void> {
    await applyNetem(this, ifname, o);
  }

  /** Removes what netem() set; no-op when nothing was set. */
  async clearNetem(ifname: string): Promise<void> {
    await removeNetem(this, ifname);
  }

  /** Runs a program inside the namespace to completion (default timeout 30 s), output captured. */
  run(cmd: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
    return runCaptured(['ip', 'netns', 'exec', this.name, cmd, ...args], o);
  }

  /** Starts a long-running program inside the namespace; the lab kills it on teardown. */
  spawn(cmd: string, args: string[], o: SpawnOptions = {}): LabProcess {
    const proc = new LabProcess(['ip', 'netns', 'exec', this.name, cmd, ...args], o);
    this.ctx.track(proc);
    return proc;
  }

  /** Resolves once something listens on port inside the namespace (per `ss`); default TCP, 10 s. */
  async waitForPort(port: number, o: WaitForPortOptions = {}): Promise<void> {
    const proto = o.proto ?? 'tcp';
    const timeoutMs = o.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const args = ['-H', '-l', '-n', proto === 'tcp' ? '-t' : '-u', 'sport', '=', `:${port}`];
    let last = '';
    for (;;) {
      last = await this.exec('ss', args, 5_000);
      if (last.trim() !== '') return;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, PORT_POLL_MS));
    }
    const listening = await this.exec('ss', ['-H', '-l', '-n', '-t', '-u'], 5_000).catch(String);
    throw new LabTimeoutError(`${this.logical}: nothing listening on ${proto}/${port} within ${timeoutMs} ms`, listening);
  }

  /** Pids of every process inside the namespace, ours or not (e.g. a program that daemonised). */
  async pids(): Promise<number[]> {
    const out = await command('ip', ['netns', 'pids', this.name]);
    return out.split(/\s+/).filter(Boolean).map(Number);
  }
}

// The DHCPv4 service of the site daemon: datagrams from the native socket are
// decoded, handed to the engine, and its replies sent out of the interface the
// request came in on (or to the relay). Bad input is counted and logged at a
// bounded rate; nothing a client sends can throw out of the receive path.
import { networkInterfaces } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../core/clock.js';
import { Dhcp4Engine, type Arrival, type LeaseTransition, type Outcome } from '../protocol/dhcp/engine.js';
import { DhcpCounters } from '../protocol/dhcp/counters.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import type { DhcpModel } from '../protocol/dhcp/model.js';
import { decode, ipv4FromString, ipv4ToString, isWireDecodeError } from '../wire/dhcp4/index.js';
import { codes } from '../core/codes.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { Udp4Socket, interfaceIndex, type Udp4Datagram } from '../runtime/udp4-socket.js';
import { Icmp4Pinger } from '../runtime/icmp4-pinger.js';
import type { AddressProbe } from '../protocol/dhcp/conflict-probe.js';
import { BROADCAST } from '../protocol/dhcp/reply.js';
import type { SiteService } from './service.js';
import { warmUpDhcp4, type WarmUpOptions } from './dhcp-warmup.js';
import type { FailoverService } from './failover-service.js';
import { ReplicatedLeaseStore } from '../protocol/failover/replicated-store.js';
import { FailoverPolicy } from '../protocol/failover/policy.js';
import { MemoryLeaseStore } from '../protocol/dhcp/memory-lease-store.js';
import { openWarmPair } from './failover-warmup.js';
import type { DdnsService } from './ddns-service.js';

/**
 * The warm-up's time budget under failover: each synthetic exchange costs both sides of
 * a pair here, and at the default 600 ms a pair sharing one core warmed ~500 exchanges,
 * too few (docs/benchmarks.md, dhcp4-ha). The socket opens later, but a restarting
 * failover server's partner serves meanwhile.
 */
const FAILOVER_WARM_UP_MS = 2000;

/** The warm-up's failover policy without a warm partner: no relationship, so it serves plainly and replicates nothing. */
const WARM_POLICY = new FailoverPolicy([]);

export interface DhcpServiceOptions {
  readonly model: DhcpModel;
  /** Opens (recovers) the lease store; the engine reads every lease from it at start. */
  readonly openStore: () => Promise<LeaseStore>;
  readonly port: number;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
  /** How often expired leases are reclaimed (ms). */
  readonly reclaimIntervalMs?: number;
  /** A throwaway store of the same class as openStore's, for the JIT warm-up (dhcp-warmup.ts); default in memory. */
  readonly warmUpStore?: WarmUpOptions['store'];
  /** DHCP failover: its relationships are bound to the opened store and decide whom the engine answers. */
  readonly failover?: FailoverService;
  /** DHCP → DNS registration: opened after the store (its queue is in the locked lease directory). */
  readonly ddns?: DdnsService;
}

export class DhcpService implements SiteService {
  readonly name = 'dhcp';
  private engine?: Dhcp4Engine;
  private store?: LeaseStore;
  private socket?: Udp4Socket;
  private pinger?: Icmp4Pinger;
  private readonly ifaceByIndex = new Map<number, string>();
  private addressesByIface = new Map<string, number[]>();
  private reclaimTimer?: TimerHandle;
  private readonly dropLog: RateLimitedLog;
  private readonly sendLog: RateLimitedLog;
  private readonly conflictLog: RateLimitedLog;
  /** True while the JIT warm-up drives its throwaway engine (its transitions are not logged). */
  private warming = false;
  // The engine's callbacks, one function each, shared with the warm-up's engine (dhcp-warmup.ts).
  private readonly serverAddresses = (arrival: Arrival): readonly number[] =>
    this.addressesByIface.get(arrival.interface) ?? [...this.addressesByIface.values()].flat();
  /** A debug event: the fields object is built only when debug lines are written (one per lease otherwise). */
  private readonly onTransition = (t: LeaseTransition): void => {
    if (!this.warming && this.opts.log.isLevelEnabled(codes.DHCP_LEASE_TRANSITION.level)) {
      logEvent(this.opts.log, 'DHCP_LEASE_TRANSITION', { address: ipv4ToString(t.address), clientKey: t.clientKey, from: t.from, to: t.to, event: t.event, cause: t.cause });
    }
  };

  /** Warm failover pairs the warm-up replicated through (failover-warmup.ts). */
  private warmPairs = 0;

  constructor(private readonly opts: DhcpServiceOptions) {
    this.dropLog = new RateLimitedLog(opts.log, 'DHCP_DROPPED', opts.clock);
    this.sendLog = new RateLimitedLog(opts.log, 'DHCP_SEND_FAILED', opts.clock);
    this.conflictLog = new RateLimitedLog(opts.log, 'DHCP_PING_CONFLICT', opts.clock);
    this.registerMetrics(opts.registry);
  }

  /** The lease store, once started (for the /leases route). */
  get leases(): LeaseStore | undefined {
    return this.store;
  }

  async start(): Promise<void> {
    const store = await this.opts.openStore();
    this.store = store;
    await this.opts.ddns?.start();
    const probe = this.openProbe();
    // Under failover every binding change goes through the relationship (replicated before the ACK).
    const policy = this.opts.failover?.enabled ? this.opts.failover.bind(store) : undefined;
    this.engine = new Dhcp4Engine({
      model: this.opts.model, store: policy ? new ReplicatedLeaseStore(store, policy) : store, clock: this.opts.clock,
      serverAddresses: this.serverAddresses, onTransition: this.onTransition,
      ...(this.opts.ddns ? { afterCommit: this.opts.ddns.afterCommit } : {}),
      ...(probe ? { probe } : {}), ...(policy ? { policy } : {}),
    });
    if (policy) policy.onExternal = (lease) => this.engine?.noteExternal(lease);
    for (const name of this.opts.model.interfaces.keys()) this.ifaceByIndex.set(interfaceIndex(name), name);
    this.refreshAddresses();
    // Before the socket opens: a cold engine would queue the first burst of requests (dhcp-warmup.ts).
    this.warming = true;
    const warm = await warmUpDhcp4(this.opts.model, this.opts.clock, {
      ...(this.opts.warmUpStore ? { store: this.opts.warmUpStore } : {}),
      deps: { serverAddresses: this.serverAddresses, onTransition: this.onTransition },
      ...(policy ? { failover: { open: (s: LeaseStore) => this.warmReplication(s, policy) }, budgetMs: FAILOVER_WARM_UP_MS } : {}),
    }).finally(() => { this.warming = false; });
    const socket = Udp4Socket.open({ port: this.opts.port, broadcast: true, reuseAddr: true, recvBufferBytes: 4 << 20, sendBufferBytes: 4 << 20 });
    socket.onMessage((d) => this.receive(d));
    // Replies are queued and leave in batches (one sendmmsg): a received batch's OFFERs
    // together, the ACKs one group commit released together.
    socket.onSendError((f) => this.sendLog.event({ to: ipv4ToString(f.to), port: f.port, type: replyType(f.data), error: f.error }));
    this.socket = socket;
    this.scheduleReclaim();
    logEvent(this.opts.log, 'DHCP_LISTENING', { port: socket.localPort, interfaces: [...this.ifaceByIndex.values()], leases: store.size, warmUp: { exchanges: warm.exchanges, ms: Math.round(warm.ms), store: warm.store, ...(policy ? { pairs: this.warmPairs } : {}) } });
  }

  /**
   * The warm-up engine's store under failover: replicated to a throwaway partner shaped
   * after one of the server's relationships (failover-warmup.ts), or, with none (only
   * split-scope) or a pair that did not start, wrapped alike and replicating nothing.
   */
  private async warmReplication(store: LeaseStore, policy: FailoverPolicy): Promise<{ store: LeaseStore; policy: FailoverPolicy; dispose: () => Promise<void> }> {
    const subnetIds = this.opts.model.subnets.map((s) => s.id);
    const shape = subnetIds.map((id) => policy.relationshipOf(id)).find((r) => r !== undefined)?.model;
    const partnerStore = this.opts.warmUpStore ?? (() => Promise.resolve({ store: new MemoryLeaseStore(), dispose: () => Promise.resolve() }));
    const pair = shape ? await openWarmPair(shape, subnetIds, store, partnerStore, this.opts.clock).catch(() => undefined) : undefined;
    this.warmPairs += pair ? 1 : 0;
    return pair ?? { store: new ReplicatedLeaseStore(store, WARM_POLICY), policy: WARM_POLICY, dispose: () => Promise.resolve() };
  }

  async stop(): Promise<void> {
    this.reclaimTimer?.cancel();
    this.socket?.close();
    this.socket = undefined;
    this.pinger?.close();
    this.pinger = undefined;
    await this.opts.ddns?.stop();
    await this.store?.close();
  }

  /**
   * Ping before offer, when configured. Without an ICMP socket (no CAP_NET_RAW and no
   * ping_group_range) the server still serves: every probe answers 'unknown', which is
   * logged once here and counted in outpost_dhcp4_ping_checks_total{result="unknown"}.
   */
  private openProbe(): AddressProbe | undefined {
    const timeoutMs = this.opts.model.pingTimeoutMs;
    if (timeoutMs === undefined) return undefined;
    try {
      this.pinger = Icmp4Pinger.open(this.opts.clock);
    } catch (error) {
      logEvent(this.opts.log, 'DHCP_PING_UNAVAILABLE', { err: (error as Error).message });
      return () => Promise.resolve('unknown');
    }
    const pinger = this.pinger;
    return async (address) => {
      const result = await pinger.ping(address, timeoutMs);
      if (result === 'answered') this.conflictLog.event({ address: ipv4ToString(address) });
      return result === 'answered' ? 'in-use' : result === 'silent' ? 'free' : 'unknown';
    };
  }

  private receive(d: Udp4Datagram): void {
    const engine = this.engine;
    if (!engine) return;
    let msg;
    try {
      msg = decode(d.data);
    } catch (error) {
      const reason = isWireDecodeError(error) ? error.reason : 'unexpected';
      const c = engine.counters;
      c.decodeErrors.set(reason, (c.decodeErrors.get(reason) ?? 0) + 1);
      c.drop('decode-error');
      this.dropLog.event({ reason: `decode:${reason}`, from: ipv4ToString(d.from), err: (error as Error).message });
      return;
    }
    const iface = this.ifaceByIndex.get(d.ifindex) ?? '';
    const arrival: Arrival = { interface: iface, localAddress: d.to, broadcast: this.isBroadcast(d.to, iface) };
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = engine.handle(msg, arrival);
    } catch (error) {
      this.dropLog.event({ reason: 'engine-error', from: ipv4ToString(d.from), err: (error as Error).message });
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((o) => this.deliver(o, d, arrival), (error: Error) => this.dropLog.event({ reason: 'engine-error', err: error.message }));
    } else {
      this.deliver(outcome, d, arrival);
    }
  }

  private deliver(o: Outcome, d: Udp4Datagram, arrival: Arrival): void {
    if (o.kind === 'drop') {
      this.dropLog.event({ reason: o.reason, from: ipv4ToString(d.from), interface: arrival.interface });
      return;
    }
    if (o.kind !== 'reply' || !this.socket) return;
    const dest = o.destination;
    // A client without an address yet cannot answer ARP: reach it by broadcast on
    // its link (what Kea does with UDP sockets) until we can write ARP entries.
    const to = dest.hwUnicast ? BROADCAST : dest.to;
    const port = dest.port;
    const onLink = to === BROADCAST || dest.port !== this.opts.model.port;
    this.socket.queue(o.data, to, port, onLink && d.ifindex > 0 ? { ifindex: d.ifindex } : undefined);
  }

  private isBroadcast(to: number, iface: string): boolean {
    if (to === BROADCAST) return true;
    const subnets = this.opts.model.interfaces.get(iface)?.subnets ?? [];
    return subnets.some((s) => s.broadcast === to);
  }

  private refreshAddresses(): void {
    const all = networkInterfaces();
    this.addressesByIface = new Map(Object.entries(all).map(([name, list]) => [
      name, (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => ipv4FromString(a.address)),
    ]));
  }

  private scheduleReclaim(): void {
    this.reclaimTimer = this.opts.clock.setTimer(this.opts.reclaimIntervalMs ?? 10_000, () => {
      this.refreshAddresses();
      (this.engine?.reclaim() ?? Promise.resolve(0)).then(
        (n) => { if (n > 0) logEvent(this.opts.log, 'DHCP_RECLAIMED', { count: n }); },
        (error: Error) => this.dropLog.event({ reason: 'reclaim-failed', err: error.message }),
      ).finally(() => { if (this.socket) this.scheduleReclaim(); });
    });
  }

  private registerMetrics(registry: Registry): void {
    const service = this;
    const empty = new DhcpCounters();
    const counters = () => service.engine?.counters ?? empty;
    const fill = (metric: Counter<string>, map: ReadonlyMap<string, number>, label: string) => {
      metric.reset();
      for (const [k, v] of map) metric.inc({ [label]: k }, v);
    };
    new Counter({ name: 'outpost_dhcp4_received_total', help: 'DHCPv4 requests received, by message type.', labelNames: ['type'], registers: [registry],
      collect() { fill(this, counters().received, 'type'); } });
    new Counter({ name: 'outpost_dhcp4_sent_total', help: 'DHCPv4 replies sent, by message type.', labelNames: ['type'], registers: [registry],
      collect() { fill(this, counters().sent, 'type'); } });
    new Counter({ name: 'outpost_dhcp4_dropped_total', help: 'DHCPv4 datagrams dropped, by reason.', labelNames: ['reason'], registers: [registry],
      collect() { fill(this, counters().dropped, 'reason'); } });
    new Counter({ name: 'outpost_dhcp4_decode_errors_total', help: 'Undecodable DHCPv4 datagrams, by codec reason.', labelNames: ['reason'], registers: [registry],
      collect() { fill(this, counters().decodeErrors, 'reason'); } });
    new Counter({ name: 'outpost_dhcp4_ping_checks_total', help: 'Pings before offer, by result: free (no echo reply in time), in-use (answered: address quarantined, another offered), unknown (could not ping: offered anyway).', labelNames: ['result'], registers: [registry],
      collect() { fill(this, counters().pingChecks, 'result'); } });
    new Gauge({ name: 'outpost_dhcp4_pings_in_progress', help: 'Pings before offer waiting for an echo reply.', registers: [registry],
      collect() { this.set(service.pinger?.inProgress ?? 0); } });
    new Counter({ name: 'outpost_dhcp4_declines_total', help: 'Addresses declined by clients (conflicts).', registers: [registry],
      collect() { this.reset(); this.inc(counters().declines); } });
    const model = this.opts.model;
    new Gauge({ name: 'outpost_dhcp4_leases', help: 'Lease records held in the store (every state).', registers: [registry],
      collect() { this.set(service.store?.size ?? 0); } });
    new Gauge({ name: 'outpost_dhcp4_pool_addresses', help: 'Addresses in each pool, and how many are taken (bound, offered, quarantined or excluded).', labelNames: ['subnet', 'pool', 'kind'], registers: [registry],
      collect() {
        this.reset();
        for (const s of model.subnets) {
          for (const bits of service.engine?.pools(s.id) ?? []) {
            const pool = `${ipv4ToString(bits.pool.first)}-${ipv4ToString(bits.pool.last)}`;
            this.set({ subnet: String(s.id), pool, kind: 'total' }, bits.capacity);
            this.set({ subnet: String(s.id), pool, kind: 'taken' }, bits.taken);
          }
        }
      } });
  }
}

/** The DHCP message type of an encoded reply: option 53 comes first after the magic cookie (buildReply), else undefined. */
function replyType(data: Buffer): number | undefined {
  return data.length > 242 && data[240] === 53 && data[241] === 1 ? data[242] : undefined;
}

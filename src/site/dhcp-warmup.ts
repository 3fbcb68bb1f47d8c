// JIT warm-up of the DHCPv4 request path, run once before the socket opens.
//
// A freshly started Node process runs the decode → engine → encode path in V8's
// interpreter for its first few thousand requests; measured in the lab (docs/benchmarks.md,
// dhcp4), a cold server at 4,000 DORA/s is busy 100 % for its first ~0.5 s, queues
// ~400 requests (1 MB in the socket's receive queue, 50–100 ms of delay) and then answers
// the backlog in a burst the relay's socket cannot absorb, while the same server warm
// answers 4,000/s at ~40 % CPU with no drops. A restart during a storm (every phone
// of a site rebooting after a power cut) is exactly when that matters.
//
// So the service first drives synthetic DORA exchanges through a throwaway engine over
// the real model: same code, separate state (its own allocator, offers, counters and
// leases; nothing is logged or sent). Its lease store is a throwaway of the same class
// as the real one when the caller gives a factory (the site daemon: a lease journal in a
// temporary directory, removed afterwards), and its dependencies have the real ones'
// shape: V8 optimizes the hot path for the objects it saw, and a warm-up over other
// classes (an in-memory store) left code that was thrown away ("wrong map"
// deoptimizations) at the first real requests, so the first ~300 ms of a real storm ran
// slow again and were answered in bursts. Without a factory (tests, or a factory that
// fails) the store is in memory.
import type { Clock } from '../core/clock.js';
import { Dhcp4Engine, type Arrival, type EngineDeps, type Outcome } from '../protocol/dhcp/engine.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import { MemoryLeaseStore } from '../protocol/dhcp/memory-lease-store.js';
import type { DhcpModel } from '../protocol/dhcp/model.js';
import { BOOTREQUEST, MessageType, Opt, decode, encode, ipv4, type Dhcp4Message } from '../wire/dhcp4/index.js';

export interface WarmUpResult {
  readonly exchanges: number;
  readonly ms: number;
  /** 'throwaway' when the factory's store served the warm-up, 'memory' otherwise. */
  readonly store?: 'throwaway' | 'memory';
}

export interface WarmUpOptions {
  exchanges?: number;
  budgetMs?: number;
  /** Opens a throwaway store of the real store's class (one per engine); dispose() closes it and removes its files. */
  store?: () => Promise<{ store: LeaseStore; dispose: () => Promise<void> }>;
  /**
   * The real engine's serverAddresses and onTransition (the caller keeps the latter silent
   * while warming up): the same functions, so V8's call feedback matches real traffic. When
   * serverAddresses knows no address of the warm-up's interface, a synthetic one is used.
   */
  deps?: Pick<EngineDeps, 'serverAddresses' | 'onTransition'>;
  /**
   * Under failover: wraps each warm engine's store as the real one is wrapped (a
   * ReplicatedLeaseStore with a FailoverPolicy, so V8 optimizes those classes), with a
   * warm partner to replicate to when the caller has one (failover-warmup.ts).
   */
  failover?: { open: (store: LeaseStore) => Promise<{ store: LeaseStore; policy: NonNullable<EngineDeps['policy']>; dispose: () => Promise<void> }> };
}

/** Rounds of synthetic exchanges awaiting their ACKs at once. */
const WINDOW = 8;

/** The warm engine's onTransition when the caller gives none: present, as in the real engine's dependencies, and silent. */
const quiet: NonNullable<EngineDeps['onTransition']> = () => undefined;

/**
 * Extra options of the synthetic requests, in turn: what clients commonly send (perfdhcp
 * and most phones send a client identifier, some a host name and a larger message size),
 * so the branches real requests take have type feedback before they arrive.
 */
function variant(i: number, mac: Buffer): [number, Buffer][] {
  const id = Buffer.concat([Buffer.of(1), mac]);
  switch (i & 3) {
    case 0: return [];
    case 1: return [[Opt.CLIENT_ID, id]];
    case 2: return [[Opt.CLIENT_ID, id], [Opt.HOST_NAME, Buffer.from(`warm-${mac.toString('hex')}`)]];
    default: return [[Opt.MAX_MESSAGE_SIZE, Buffer.of(0x05, 0xdc)], [Opt.CLIENT_ID, id]];
  }
}

/** A server id for the synthetic engine (TEST-NET-2, never on the wire). */
const WARM_SERVER = 0xc6336401; // 198.51.100.1

function request(type: number, xid: number, mac: Buffer, giaddr: number, extra: [number, Buffer][]): Buffer {
  const options = new Map<number, Buffer>([[Opt.MESSAGE_TYPE, Buffer.from([type])], ...extra,
    [Opt.PARAMETER_REQUEST_LIST, Buffer.from([1, 3, 6, 15, 28, 42, 51, 54, 58, 59])]]);
  const chaddr = Buffer.alloc(16);
  mac.copy(chaddr);
  const msg: Dhcp4Message = {
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 1, xid, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr,
    chaddr, sname: Buffer.alloc(64), file: Buffer.alloc(128), options,
  };
  return encode(msg);
}

/**
 * Runs up to `exchanges` synthetic relayed DORA exchanges (stopping after `budgetMs`)
 * through a throwaway engine. Never throws: a model it cannot exercise (no pools) just
 * warms nothing.
 */
export async function warmUpDhcp4(model: DhcpModel, clock: Clock, opts: WarmUpOptions = {}): Promise<WarmUpResult> {
  const started = performance.now();
  const limit = opts.exchanges ?? 6000;
  const budget = opts.budgetMs ?? 600;
  const subnet = model.subnets.find((s) => s.pools.length > 0);
  if (!subnet || limit <= 0) return { exchanges: 0, ms: 0 };
  const giaddr = subnet.pools[0]!.first;
  const disposals: (() => Promise<void>)[] = [];
  let kind: 'throwaway' | 'memory' = opts.store ? 'throwaway' : 'memory';
  const openStore = async (): Promise<LeaseStore> => {
    if (kind === 'throwaway') {
      try {
        const t = await opts.store!();
        disposals.push(t.dispose);
        return t.store;
      } catch {
        kind = 'memory';
      }
    }
    return new MemoryLeaseStore();
  };
  // The same keys in the same order as the service's engine (src/site/dhcp-service.ts).
  const iface = subnet.interface ?? '';
  const probe: Arrival = { interface: iface, localAddress: 0, broadcast: false };
  const real = opts.deps?.serverAddresses(probe)[0];
  const serverAddresses = real !== undefined ? opts.deps!.serverAddresses : () => [WARM_SERVER];
  const onTransition = opts.deps?.onTransition ?? quiet;
  const fresh = async () => {
    const store = await openStore();
    const replicated = opts.failover ? await opts.failover.open(store) : undefined;
    if (replicated) disposals.push(replicated.dispose);
    return new Dhcp4Engine({ model, store: replicated?.store ?? store, clock, serverAddresses, onTransition, ...(replicated ? { policy: replicated.policy } : {}) });
  };
  let engine: Dhcp4Engine;
  try {
    engine = await fresh();
  } catch {
    return { exchanges: 0, ms: performance.now() - started, store: kind };
  }
  let served = 0; // by this engine: a small pool runs dry, then a fresh engine starts over
  const arrival: Arrival = { interface: iface, localAddress: real ?? WARM_SERVER, broadcast: false };
  const mac = Buffer.from([0x02, 0, 0, 0, 0, 0]);
  let done = 0;
  let stuck = false;
  // Rounds of 64 exchanges, up to WINDOW of them awaiting their ACKs at once: under
  // failover an ACK waits for two journal commits and the partner's UPDATE-ACK, and
  // waiting for each round in turn left the warm-up idle most of its budget.
  const window: Promise<unknown>[] = [];
  try {
    while (!stuck && done < limit && performance.now() - started < budget) {
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < 64 && done < limit; i++, done++) {
        mac.writeUInt32BE(done + 1, 2);
        const discover = decode(request(MessageType.DISCOVER, done, mac, giaddr, variant(done, mac)));
        let offer = engine.handle(discover, arrival);
        if (!(offer instanceof Promise) && offer.kind !== 'reply' && served > 0) {
          await Promise.all([...window.splice(0), ...acks.splice(0)]);
          [engine, served] = [await fresh(), 0];
          offer = engine.handle(discover, arrival);
        }
        if (offer instanceof Promise || offer.kind !== 'reply') {
          stuck = true;
          break;
        }
        served++;
        const o = decode(offer.data);
        const serverId = o.options.get(Opt.SERVER_ID);
        const req = request(MessageType.REQUEST, done, mac, giaddr, [[Opt.REQUESTED_ADDRESS, ipv4.encode(o.yiaddr)], ...(serverId ? [[Opt.SERVER_ID, serverId] as [number, Buffer]] : []), ...variant(done, mac)]);
        const ack = engine.handle(decode(req), arrival);
        acks.push(Promise.resolve(ack).then((a: Outcome) => (a.kind === 'reply' ? decode(a.data) : undefined)));
      }
      // Handled here: a round that fails (a refused replication) ends the warm-up, never the process.
      window.push(Promise.all(acks).catch(() => { stuck = true; }));
      if (window.length >= WINDOW) await window.shift();
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(window);
  } catch {
    // A model the synthetic client cannot get through is still served normally.
  } finally {
    // Last opened first: a warm pair stops before its store closes.
    for (const dispose of disposals.reverse()) await dispose().catch(() => undefined);
  }
  return { exchanges: done, ms: performance.now() - started, store: kind };
}

// Two failover partners in one process: real DHCP engines, in-memory lease stores,
// relationships joined by an in-memory link, fake time. The guarantees of
// docs/failover-protocol.md are checked from the clients' side: what each client was
// ACKed, never two live holders of one address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { Dhcp4Engine, type Outcome } from '../../src/protocol/dhcp/engine.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import { FailoverPolicy } from '../../src/protocol/failover/policy.js';
import { FailoverRelationship, type ProbeResult } from '../../src/protocol/failover/relationship.js';
import { ReplicatedLeaseStore } from '../../src/protocol/failover/replicated-store.js';
import type { RelationshipModel } from '../../src/protocol/failover/model.js';
import type { PeerLink, PeerMessage } from '../../src/protocol/failover/peer-messages.js';
import type { FailoverMode, FailoverRole } from '../../src/protocol/failover/states.js';
import { ipv4ToString, u32 } from '../../src/wire/dhcp4/index.js';
import { MessageType, Opt, decode, ip, model, request, broadcastOn, subnet, type RequestSpec } from '../support/dhcp4-fixture.js';
import { seededRandom } from '../support/random.js';

const LEASE_S = 600;
const dhcpModel = (pool: string) => model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: [pool], leaseTime: LEASE_S })] });

function relModel(mode: FailoverMode, role: FailoverRole, over: Partial<RelationshipModel> = {}): RelationshipModel {
  return {
    name: 'branch-07', mode, role, partnerName: role === 'primary' ? 'b' : 'a', subnetIds: [1], split: 50, standbyReserve: 10,
    mcltMs: 300_000, heartbeatMs: 1000, missedHeartbeats: 2, updateTimeoutMs: 2000, pageSize: 7, startupWaitMs: 5000, maxClockSkewMs: 5000,
    confirm: { refused: true, unansweredClients: 10, ackDelaySeconds: 10 }, failback: { automatic: true, delayMs: 0 },
    ...over,
  };
}

class Server {
  store: MemoryLeaseStore;
  rel!: FailoverRelationship;
  engine!: Dhcp4Engine;
  probeResult: ProbeResult = 'open';
  readonly transitions: string[] = [];

  constructor(readonly name: string, readonly address: string, readonly clock: FakeClock, readonly rm: RelationshipModel, readonly pool: string) {
    this.store = new MemoryLeaseStore();
    this.boot();
  }

  /** (Re)starts the server process over its durable store. */
  boot(): void {
    this.rel = new FailoverRelationship({
      model: this.rm, clock: this.clock, store: this.store,
      onTransition: (t) => this.transitions.push(`${t.from}->${t.to}`),
      probe: () => Promise.resolve(this.probeResult),
    });
    const policy = new FailoverPolicy([this.rel]);
    this.engine = new Dhcp4Engine({ model: dhcpModel(this.pool), store: new ReplicatedLeaseStore(this.store, policy), clock: this.clock, serverAddresses: () => [ip(this.address)], policy });
    policy.onExternal = (lease) => this.engine.noteExternal(lease);
    this.rel.start();
  }

  kill(): void {
    this.rel.stop();
  }

  handle(spec: RequestSpec, secs = 0): Outcome | Promise<Outcome> {
    return this.engine.handle({ ...request(spec), secs }, broadcastOn());
  }
}

/** A connection between two servers; messages are delivered asynchronously, in order. */
class Wire {
  private open = true;
  constructor(private readonly a: Server, private readonly b: Server) {
    const link = (from: Server, to: Server): PeerLink => ({
      send: (m: PeerMessage) => { if (this.open) setImmediate(() => { if (this.open) to.rel.receive(m); }); },
      close: (reason) => this.cut(reason),
    });
    a.rel.attach(link(a, b));
    b.rel.attach(link(b, a));
  }

  /** The partner's host vanishes: frames stop both ways, no connection event (no FIN, no RST). */
  silence(): void {
    this.open = false;
  }

  cut(reason = 'cut'): void {
    if (!this.open) return;
    this.open = false;
    this.a.rel.detach(reason);
    this.b.rel.detach(reason);
  }
}

const settle = async (rounds = 50) => { for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r)); };

interface Holding { address: string; expiresAt: number }

/** The clients' side of the world: what each was ACKed, by whom. */
class Clients {
  readonly held = new Map<string, Holding>();
  readonly byServer = new Map<string, number>();
  constructor(private readonly clock: FakeClock) {}

  private async answer(servers: Server[], spec: RequestSpec): Promise<{ server: Server; type: number; yiaddr: string; lease: number }[]> {
    const outs = await Promise.all(servers.map((s) => s.handle(spec)));
    const replies = [];
    for (const [i, o] of outs.entries()) {
      if (o.kind !== 'reply') continue;
      const msg = decode(o.data);
      const lt = msg.options.get(Opt.LEASE_TIME);
      replies.push({ server: servers[i]!, type: msg.options.get(Opt.MESSAGE_TYPE)![0]!, yiaddr: ipv4ToString(msg.yiaddr), lease: lt ? u32.decode(lt) : 0 });
    }
    return replies;
  }

  private record(mac: string, server: Server, yiaddr: string, lease: number): void {
    this.held.set(mac, { address: yiaddr, expiresAt: this.clock.now() + lease * 1000 });
    this.byServer.set(server.name, (this.byServer.get(server.name) ?? 0) + 1);
    this.assertNoDuplicates();
  }

  /** DISCOVER to every server it can reach, REQUEST the first offer (or the chosen one). Returns the address, or undefined. */
  async join(mac: string, servers: Server[], pick = 0): Promise<string | undefined> {
    const offers = (await this.answer(servers, { type: MessageType.DISCOVER, mac })).filter((r) => r.type === MessageType.OFFER);
    if (offers.length === 0) return undefined;
    const chosen = offers[Math.min(pick, offers.length - 1)]!;
    const acks = await this.answer(servers, { type: MessageType.REQUEST, mac, requested: chosen.yiaddr, serverId: chosen.server.address });
    const ack = acks.find((r) => r.type === MessageType.ACK);
    if (!ack) return undefined;
    this.record(mac, ack.server, ack.yiaddr, ack.lease);
    return ack.yiaddr;
  }

  /** REBINDING: broadcast with ciaddr to every server it can reach. */
  async rebind(mac: string, servers: Server[]): Promise<string | undefined> {
    const h = this.held.get(mac);
    if (!h || h.expiresAt <= this.clock.now()) return undefined;
    const replies = await this.answer(servers, { type: MessageType.REQUEST, mac, ciaddr: h.address });
    const ack = replies.find((r) => r.type === MessageType.ACK);
    if (ack) this.record(mac, ack.server, ack.yiaddr, ack.lease);
    if (replies.some((r) => r.type === MessageType.NAK)) this.held.delete(mac);
    return ack?.yiaddr;
  }

  async release(mac: string, servers: Server[]): Promise<void> {
    const h = this.held.get(mac);
    if (!h) return;
    this.held.delete(mac); // the client stops using it at once
    await Promise.all(servers.map((s) => s.handle({ type: MessageType.RELEASE, mac, ciaddr: h.address, serverId: s.address })));
  }

  assertNoDuplicates(): void {
    const now = this.clock.now();
    const owner = new Map<string, string>();
    for (const [mac, h] of this.held) {
      if (h.expiresAt <= now) continue;
      const other = owner.get(h.address);
      assert.equal(other, undefined, `address ${h.address} held by ${other} and ${mac} at once`);
      owner.set(h.address, mac);
    }
  }
}

const mac = (n: number) => `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;

function bindings(s: Server): Map<number, Lease> {
  return new Map([...s.store.all()].map((l) => [l.address, l]));
}

function assertSameBindings(a: Server, b: Server): void {
  const strip = (l: Lease) => ({ address: l.address, state: l.state, clientKey: l.clientKey, startedAt: l.startedAt, expiresAt: l.expiresAt });
  const x = [...bindings(a).values()].map(strip).sort((p, q) => p.address - q.address);
  const y = [...bindings(b).values()].map(strip).sort((p, q) => p.address - q.address);
  assert.deepEqual(x, y, 'both partners hold the same bindings');
}

async function pair(mode: FailoverMode, over: Partial<RelationshipModel> = {}, pool = '192.0.2.100-192.0.2.199') {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 8));
  const a = new Server('a', '192.0.2.1', clock, relModel(mode, 'primary', over), pool);
  const b = new Server('b', '192.0.2.2', clock, relModel(mode, mode === 'hot-standby' ? 'standby' : 'secondary', over), pool);
  let wire = new Wire(a, b);
  await settle();
  const reconnect = async () => { wire = new Wire(a, b); await settle(); };
  return { clock, a, b, wire: () => wire, reconnect, clients: new Clients(clock) };
}

test('hot-standby: both reach normal; the primary answers, the standby holds every ACKed binding before the ACK', async () => {
  const { a, b, clients } = await pair('hot-standby');
  assert.deepEqual([a.rel.state, b.rel.state], ['normal', 'normal']);
  for (let i = 1; i <= 20; i++) assert.ok(await clients.join(mac(i), [a, b]));
  assert.deepEqual([...clients.byServer], [['a', 20]]);
  for (const [m, h] of clients.held) {
    const onStandby = b.store.get(ip(h.address));
    assert.equal(onStandby?.state, 'bound', `${m}'s binding is on the standby`);
    assert.equal(onStandby?.expiresAt, h.expiresAt);
  }
  assert.equal(a.rel.status().unsynced, 0);
  assert.equal(b.engine.counters.dropped.get('failover-not-ours'), 40);
});

test('hot-standby: the primary dies, the standby takes over at once (refused port), renews the same addresses, fails back after the primary resyncs', async () => {
  const { clock, a, b, wire, reconnect, clients } = await pair('hot-standby');
  for (let i = 1; i <= 30; i++) await clients.join(mac(i), [a, b]);
  const before = new Map(clients.held);
  a.kill(); // its connection closes: the standby probes its port at once and is refused
  b.probeResult = 'refused';
  await settle();
  assert.equal(b.rel.state, 'interrupted', 'the probe made as the connection closed found the port still open');
  clock.advance(1000); // the next heartbeat tick probes again
  await settle();
  assert.equal(b.rel.state, 'partner-down');
  clock.advance(LEASE_S * 500); // T2 passes: clients rebind by broadcast
  for (const [m, h] of before) assert.equal(await clients.rebind(m, [b]), h.address, `${m} keeps its address`);
  assert.equal(await clients.join(mac(100), [b]), '192.0.2.190', 'a new client gets an address of the standby\'s reserve');
  // The primary comes back over its own store, resyncs from the standby, and fails back.
  a.boot();
  await reconnect();
  assert.deepEqual([a.rel.state, b.rel.state], ['ready', 'partner-down'], 'resynced; the standby serves until the failback delay is over');
  clock.advance(0);
  await settle();
  assert.deepEqual([a.rel.state, b.rel.state], ['normal', 'normal']);
  assert.ok(a.transitions.includes('recovering->ready') && a.transitions.includes('ready->normal'), a.transitions.join(' '));
  assert.equal(a.store.get(ip('192.0.2.190'))?.state, 'bound', 'the standby\'s new binding reached the primary');
  assertSameBindings(a, b);
  for (const [m, h] of before) assert.equal(await clients.rebind(m, [a, b]), h.address);
  assert.equal(clients.byServer.get('a'), 60);
});

test('a primary that lost its disk pulls every binding back and allocates past them at once (the engine learns of records taken from the partner)', async () => {
  const { a, b, wire, reconnect, clients } = await pair('hot-standby');
  for (let i = 1; i <= 80; i++) assert.ok(await clients.join(mac(i), [a, b]));
  a.kill();
  wire().cut();
  a.store = new MemoryLeaseStore(); // a new disk
  a.boot();
  await reconnect();
  assert.equal(a.store.size, 80);
  const got = await clients.join(mac(81), [a, b]);
  assert.equal(got, '192.0.2.180', JSON.stringify({ states: [a.rel.state, b.rel.state], a: [...a.engine.counters.dropped], b: [...b.engine.counters.dropped] }));
});

test('the primary\'s host vanishes (no FIN, port probe times out): the standby suspects after the missed heartbeats and takes over once enough clients retried unanswered', async () => {
  const { clock, a, b, wire } = await pair('hot-standby', { confirm: { refused: true, unansweredClients: 3, ackDelaySeconds: 10 } });
  b.probeResult = 'timeout';
  a.probeResult = 'timeout';
  wire().silence();
  clock.advance(1000);
  await settle();
  assert.equal(b.rel.state, 'normal', 'one interval of silence is not yet suspicion');
  clock.advance(2000);
  await settle();
  assert.deepEqual([a.rel.state, b.rel.state], ['interrupted', 'interrupted']);
  const discover = (n: number, secs: number) => b.handle({ type: MessageType.DISCOVER, mac: mac(n) }, secs);
  for (const n of [1, 2, 3]) assert.equal((await discover(n, 0)).kind, 'drop', 'a client that just started is not evidence');
  await discover(1, 12);
  await discover(1, 14); // the same client again counts once
  await discover(2, 11);
  assert.equal(b.rel.state, 'interrupted');
  await discover(3, 10);
  assert.equal(b.rel.state, 'partner-down');
  assert.equal((await discover(3, 16)).kind, 'reply', 'the standby answers');
  assert.equal(a.rel.state, 'interrupted', 'the primary, which still answers its clients, stays interrupted');
});

test('a binding the standby cannot take in time withholds the client\'s ACK; contact is then considered lost', async () => {
  const { clock, a, b, clients } = await pair('hot-standby', { updateTimeoutMs: 2000 });
  b.rel.receive = () => {}; // the standby goes deaf (its process hangs)
  const joined = clients.join(mac(1), [a, b]);
  await settle();
  clock.advance(2001);
  assert.equal(await joined, undefined);
  assert.equal(a.engine.counters.dropped.get('failover-partner-timeout'), 1);
  assert.equal(a.rel.state, 'interrupted');
  assert.equal(await clients.join(mac(1), [a]), '192.0.2.100', 'out of contact the primary serves, its own addresses');
});

test('load-balancing: each client is answered by exactly one server, split about 50/50', async () => {
  const { a, b, clients } = await pair('load-balancing');
  for (let i = 1; i <= 80; i++) assert.ok(await clients.join(mac(i), [a, b]), `client ${i}`);
  const na = clients.byServer.get('a') ?? 0;
  const nb = clients.byServer.get('b') ?? 0;
  assert.equal(na + nb, 80);
  assert.ok(na >= 24 && nb >= 24, `split ${na}/${nb}`);
  assertSameBindings(a, b);
});

test('load-balancing: one dies, the other serves all its clients and new ones', async () => {
  const { clock, a, b, wire, clients } = await pair('load-balancing');
  for (let i = 1; i <= 40; i++) await clients.join(mac(i), [a, b]);
  a.probeResult = 'refused';
  b.kill();
  await settle();
  assert.equal(a.rel.state, 'partner-down');
  clock.advance(LEASE_S * 500);
  for (const [m, h] of new Map(clients.held)) assert.equal(await clients.rebind(m, [a]), h.address);
  for (let i = 41; i <= 50; i++) assert.ok(await clients.join(mac(i), [a]));
});

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
  test(`partition, both partners serving (seed ${seed}): clients on both sides, renewals, releases, expiries; never one address live at two clients, and the union after healing has none`, async () => {
    const rnd = seededRandom(seed);
    // Hot-standby with no confirmation: both take over on the cut, the worst case.
    // Small pools, so freed addresses come round again soon; a short and a long MCLT.
    const mcltMs = seed % 4 < 2 ? 60_000 : 300_000;
    const { clock, a, b, wire, reconnect, clients } = await pair(seed % 2 ? 'hot-standby' : 'load-balancing', { mcltMs, confirm: { refused: false, unansweredClients: 0, ackDelaySeconds: 10 } }, '192.0.2.100-192.0.2.149');
    let next = 1;
    for (; next <= 20; next++) await clients.join(mac(next), [a, b]);
    wire().cut('link between the servers cut');
    await settle();
    assert.deepEqual([a.rel.state, b.rel.state], ['partner-down', 'partner-down']);
    for (let step = 0; step < 1500; step++) {
      const r = rnd();
      const macs = [...clients.held.keys()];
      const anyMac = macs[Math.floor(rnd() * macs.length)];
      const side = rnd() < 0.5 ? [a] : [b];
      if (r < 0.25) await clients.join(mac(next++), rnd() < 0.8 ? side : [a, b], Math.floor(rnd() * 2));
      else if (r < 0.6 && anyMac) await clients.rebind(anyMac, rnd() < 0.8 ? side : [a, b]);
      else if (r < 0.65 && anyMac) await clients.release(anyMac, side);
      else if (r < 0.72 && anyMac) await clients.join(anyMac, side); // a client restarting (INIT)
      else if (r < 0.87) clock.advance(Math.floor(rnd() * 90_000));
      else { await a.engine.reclaim(); await b.engine.reclaim(); }
      clients.assertNoDuplicates();
    }
    await reconnect();
    clock.advance(0);
    await settle();
    assert.deepEqual([a.rel.state, b.rel.state], ['normal', 'normal'], 'healed: both back to normal');
    assertSameBindings(a, b);
    const now = clock.now();
    const holder = new Map<number, string>();
    for (const l of bindings(a).values()) {
      if (l.state !== 'bound' || l.expiresAt <= now) continue;
      assert.equal(holder.get(l.address), undefined);
      holder.set(l.address, l.clientKey);
    }
    // Every client still holding an ACKed address finds it bound to itself in the merged set.
    for (const [m, h] of clients.held) {
      if (h.expiresAt <= now) continue;
      const l = a.store.get(ip(h.address));
      assert.equal(l?.clientKey, `hw:1:${m.replaceAll(':', '')}`, `${m} holds ${h.address} until ${h.expiresAt - now} ms from now; the merged record says ${JSON.stringify(l)}`);
    }
  });
}

test('a burst of large bindings is sent in as many UPDATEs as the 4 MiB body needs, none over it', async () => {
  const { FailoverRelationship: Rel } = await import('../../src/protocol/failover/relationship.js');
  const { encodeMessage, MAX_BODY_BYTES } = await import('../../src/wire/failover/index.js');
  const clock = new FakeClock(Date.UTC(2026, 10, 30));
  const store = new MemoryLeaseStore();
  const r = new Rel({ model: relModel('hot-standby', 'primary'), clock, store });
  const sent: PeerMessage[] = [];
  r.attach({ send: (m) => sent.push(m), close: () => {} });
  const leases: Lease[] = [];
  for (let i = 0; i < 1000; i++) {
    const lease: Lease = { address: ip('192.0.2.0') + i, subnetId: 1, clientKey: `${i}:${'☎'.repeat(1000)}`, hwAddress: '02', state: 'bound', startedAt: clock.now(), expiresAt: clock.now() + 1000, hostname: '☎'.repeat(1024) };
    await store.commit(lease);
    leases.push(store.get(lease.address)!);
  }
  // All in one tick, as one group commit releases them: one flush.
  const pending = leases.map((l) => r.replicate(l).catch(() => {}));
  await settle(2);
  const updates = sent.filter((m) => m.kind === 'update');
  assert.equal(updates.reduce((n, m) => n + (m.kind === 'update' ? m.leases.length : 0), 0), 1000);
  assert.ok(updates.length >= 2, `${updates.length} UPDATEs`);
  for (const m of updates) assert.ok(encodeMessage(m).body.length <= MAX_BODY_BYTES);
  r.stop();
  await Promise.all(pending);
});

// The engine under a failover serving policy (src/protocol/dhcp/serving-policy.ts):
// a scripted policy stands for a relationship, so each rule is tested on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { Dhcp4Engine, type Outcome } from '../../src/protocol/dhcp/engine.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import { ReplicationRefused, type ServingPolicy } from '../../src/protocol/dhcp/serving-policy.js';
import type { LeaseStore } from '../../src/protocol/dhcp/lease-store.js';
import { ipv4ToString, u32 } from '../../src/wire/dhcp4/index.js';
import { MessageType, Opt, decode, ip, model, request, broadcastOn, subnet, type RequestSpec } from '../support/dhcp4-fixture.js';

const SERVER = '192.0.2.1';
const LEASE_S = 3600;

interface Script {
  answers: boolean;
  owned?: { first: string; last: string } | 'none';
  fenced: Set<string>;
  limit: Map<string, number>;
}

function setup(script: Partial<Script> = {}, store: LeaseStore = new MemoryLeaseStore()) {
  const clock = new FakeClock(Date.UTC(2026, 10, 30));
  const s: Script = { answers: true, fenced: new Set(), limit: new Map(), ...script };
  const policy: ServingPolicy = {
    answers: () => s.answers,
    ownedRange: (_subnet, pool) => (s.owned === 'none' ? undefined : s.owned ? { first: ip(s.owned.first), last: ip(s.owned.last) } : pool),
    mayReuse: (_subnet, address) => !s.fenced.has(ipv4ToString(address)),
    expiryLimit: (_subnet, address) => s.limit.get(ipv4ToString(address)) ?? Infinity,
  };
  const m = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.109'], leaseTime: LEASE_S })] });
  const engine = new Dhcp4Engine({ model: m, store, clock, serverAddresses: () => [ip(SERVER)], policy });
  const send = (spec: RequestSpec) => engine.handle(request(spec), broadcastOn());
  return { clock, engine, store, send, script: s };
}

async function reply(o: Outcome | Promise<Outcome>): Promise<{ type: number; yiaddr: string; leaseTime?: number; t1?: number; t2?: number }> {
  const out = await o;
  assert.equal(out.kind, 'reply', JSON.stringify(out));
  if (out.kind !== 'reply') throw new Error('unreachable');
  const msg = decode(out.data);
  const time = (code: number) => { const v = msg.options.get(code); return v ? u32.decode(v) : undefined; };
  return { type: msg.options.get(Opt.MESSAGE_TYPE)![0]!, yiaddr: ipv4ToString(msg.yiaddr), leaseTime: time(Opt.LEASE_TIME), t1: time(Opt.RENEWAL_TIME), t2: time(Opt.REBINDING_TIME) };
}

async function dropped(o: Outcome | Promise<Outcome>): Promise<string> {
  const out = await o;
  assert.equal(out.kind, 'drop', JSON.stringify(out));
  return out.kind === 'drop' ? out.reason : '';
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

async function bind(send: (s: RequestSpec) => Outcome | Promise<Outcome>, mac: string): Promise<string> {
  const offer = await reply(send({ type: MessageType.DISCOVER, mac }));
  const ack = await reply(send({ type: MessageType.REQUEST, mac, requested: offer.yiaddr, serverId: SERVER }));
  assert.equal(ack.type, MessageType.ACK);
  return ack.yiaddr;
}

test('a client the policy does not give us is not answered, and counted', async () => {
  const { send, engine } = setup({ answers: false });
  assert.equal(await dropped(send({ type: MessageType.DISCOVER, mac: A })), 'failover-not-ours');
  assert.equal(engine.counters.dropped.get('failover-not-ours'), 1);
});

test('free addresses come only from the owned share of the pool', async () => {
  const { send } = setup({ owned: { first: '192.0.2.108', last: '192.0.2.109' } });
  assert.equal(await bind(send, A), '192.0.2.108');
  assert.equal(await bind(send, B), '192.0.2.109');
  assert.equal(await dropped(send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:0c' })), 'pool-exhausted');
});

test('a server that owns none of the pool allocates nothing, but renews a binding it holds (taken over from its partner)', async () => {
  const store = new MemoryLeaseStore();
  const now = Date.UTC(2026, 10, 30);
  await store.commit({ address: ip('192.0.2.100'), subnetId: 1, clientKey: `hw:1:${A.replaceAll(':', '')}`, hwAddress: A.replaceAll(':', ''), state: 'bound', startedAt: now - 1000, expiresAt: now + 600_000 });
  const { send } = setup({ owned: 'none' }, store);
  assert.equal(await dropped(send({ type: MessageType.DISCOVER, mac: B })), 'pool-exhausted');
  const renewal = await reply(send({ type: MessageType.REQUEST, mac: A, requested: '192.0.2.100' }));
  assert.deepEqual([renewal.type, renewal.yiaddr], [MessageType.ACK, '192.0.2.100']);
});

test('a fenced address is skipped by allocation and not given back even to its last client', async () => {
  const { send, clock, script } = setup();
  const first = await bind(send, A);
  assert.equal(first, '192.0.2.100');
  await reply(send({ type: MessageType.DISCOVER, mac: A })); // re-offer of its binding is fine
  // The binding ends (release), and its end is not yet known to the partner: fenced.
  const released = send({ type: MessageType.RELEASE, mac: A, ciaddr: '192.0.2.100', serverId: SERVER });
  assert.equal((await released).kind, 'silent');
  script.fenced.add('192.0.2.100');
  clock.advance(1000);
  const again = await reply(send({ type: MessageType.DISCOVER, mac: A }));
  assert.notEqual(again.yiaddr, '192.0.2.100');
  assert.equal((await reply(send({ type: MessageType.REQUEST, mac: B, requested: '192.0.2.100' }))).type, MessageType.NAK);
  script.fenced.clear();
  assert.equal((await reply(send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:0c', requested: '192.0.2.100' }))).yiaddr, '192.0.2.100');
});

test('an extension limit shortens the lease and scales T1/T2; too short a limit is refused', async () => {
  const { send, clock, script } = setup();
  const address = await bind(send, A);
  script.limit.set(address, clock.now() + 600_000);
  const renewal = await reply(send({ type: MessageType.REQUEST, mac: A, ciaddr: address }));
  assert.deepEqual([renewal.leaseTime, renewal.t1, renewal.t2], [600, 300, 525]);
  script.limit.set(address, clock.now() + 5_000);
  assert.equal(await dropped(send({ type: MessageType.REQUEST, mac: A, ciaddr: address })), 'failover-extension-limit');
});

test('a binding the partner refuses gets no ACK, and the reason is counted', async () => {
  const inner = new MemoryLeaseStore();
  const refusing: LeaseStore = Object.assign(Object.create(inner) as LeaseStore, {
    commit: async () => { throw new ReplicationRefused('partner-timeout', 'no UPDATE-ACK within 2000 ms'); },
  });
  const { send, engine } = setup({}, refusing);
  const offer = await reply(send({ type: MessageType.DISCOVER, mac: A }));
  assert.equal(await dropped(send({ type: MessageType.REQUEST, mac: A, requested: offer.yiaddr, serverId: SERVER })), 'failover-partner-timeout');
  assert.equal(engine.counters.dropped.get('failover-partner-timeout'), 1);
});

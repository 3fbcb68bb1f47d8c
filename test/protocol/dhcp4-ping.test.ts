// Ping before offer in the engine: an injected probe stands for the pinger, each
// probe a promise the test settles, so the order of events is the test's to choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { Dhcp4Engine, type Outcome } from '../../src/protocol/dhcp/engine.js';
import { PING_CONFLICT_CLIENT, type ProbeResult } from '../../src/protocol/dhcp/conflict-probe.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import type { DhcpModel } from '../../src/protocol/dhcp/model.js';
import { ipv4ToString } from '../../src/wire/dhcp4/index.js';
import { MessageType, Opt, decode, ip, layer, model, request, broadcastOn, subnet, type RequestSpec } from '../support/dhcp4-fixture.js';

const SERVER = '192.0.2.1';
const PROBATION_S = 600;

interface Probe { address: string; settle: (r: ProbeResult) => void }

function setup(m: DhcpModel = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.109'] })], declineProbation: PROBATION_S })) {
  const clock = new FakeClock(Date.UTC(2026, 10, 22));
  const store = new MemoryLeaseStore();
  const probes: Probe[] = [];
  const engine = new Dhcp4Engine({
    model: m, store, clock, serverAddresses: () => [ip(SERVER)],
    probe: (address) => new Promise((settle) => probes.push({ address: ipv4ToString(address), settle })),
  });
  const send = (spec: RequestSpec) => engine.handle(request(spec), broadcastOn());
  return { clock, engine, store, probes, send };
}

const settled = () => new Promise((r) => setImmediate(r));

async function offered(o: Outcome | Promise<Outcome>): Promise<string> {
  const out = await o;
  assert.equal(out.kind, 'reply', JSON.stringify(out));
  if (out.kind !== 'reply') throw new Error('unreachable');
  const msg = decode(out.data);
  assert.equal(msg.options.get(Opt.MESSAGE_TYPE)![0], MessageType.OFFER);
  return ipv4ToString(msg.yiaddr);
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

test('a fresh address is offered only after the probe finds it free', async () => {
  const { probes, send, engine } = setup();
  const pending = send({ type: MessageType.DISCOVER, mac: A });
  assert.ok(pending instanceof Promise, 'the offer waits for the probe');
  await settled();
  assert.deepEqual(probes.map((p) => p.address), ['192.0.2.100']);
  probes[0]!.settle('free');
  assert.equal(await offered(pending), '192.0.2.100');
  assert.deepEqual([...engine.counters.pingChecks], [['free', 1]]);
});

test('an address that answers is quarantined durably and the next one is probed and offered', async () => {
  const { probes, send, engine, store, clock } = setup();
  const pending = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  probes[0]!.settle('in-use');
  await settled();
  assert.deepEqual(probes.map((p) => p.address), ['192.0.2.100', '192.0.2.101']);
  probes[1]!.settle('free');
  assert.equal(await offered(pending), '192.0.2.101');
  const conflict = store.get(ip('192.0.2.100'));
  assert.deepEqual([conflict?.state, conflict?.clientKey, conflict?.expiresAt], ['declined', PING_CONFLICT_CLIENT, clock.now() + PROBATION_S * 1000]);
  assert.deepEqual(Object.fromEntries(engine.counters.pingChecks), { 'in-use': 1, free: 1 });
  // Nobody gets the quarantined address, not even by asking for it.
  const other = send({ type: MessageType.DISCOVER, mac: B, requested: '192.0.2.100' });
  await settled();
  assert.equal(probes[2]!.address, '192.0.2.102');
  probes[2]!.settle('free');
  assert.equal(await offered(other), '192.0.2.102');
  // After the probation it is reclaimed and can be offered again.
  clock.advance(PROBATION_S * 1000);
  assert.equal(await engine.reclaim(), 1);
  assert.equal(store.get(ip('192.0.2.100'))?.state, 'expired');
});

test('a probe in progress blocks no one: other clients are probed and offered meanwhile, a retransmission is dropped', async () => {
  const { probes, send, engine } = setup();
  const a = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  const b = send({ type: MessageType.DISCOVER, mac: B });
  await settled();
  assert.deepEqual(probes.map((p) => p.address), ['192.0.2.100', '192.0.2.101'], 'B is not given the address held for A');
  assert.deepEqual(await send({ type: MessageType.DISCOVER, mac: A }), { kind: 'drop', reason: 'ping-in-progress' });
  probes[1]!.settle('free');
  assert.equal(await offered(b), '192.0.2.101', 'B is answered while A still waits');
  probes[0]!.settle('free');
  assert.equal(await offered(a), '192.0.2.100');
  assert.equal(engine.counters.dropped.get('ping-in-progress'), 1);
  // Once offered, A's retransmission gets the same offer at once, without a second probe.
  assert.equal(await offered(send({ type: MessageType.DISCOVER, mac: A })), '192.0.2.100');
  assert.equal(probes.length, 2);
});

test('addresses the client already holds or has reserved are not probed', async () => {
  const m = model({
    subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.109'], reservations: [{ address: ip('192.0.2.50'), hwAddress: '02000000000b', options: layer() }] })],
  });
  const { probes, send } = setup(m);
  assert.equal(await offered(send({ type: MessageType.DISCOVER, mac: B })), '192.0.2.50', 'reserved: no probe');
  const first = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  probes[0]!.settle('free');
  assert.equal(await offered(first), '192.0.2.100');
  const ack = decode(((await send({ type: MessageType.REQUEST, mac: A, requested: '192.0.2.100', serverId: SERVER })) as { data: Buffer }).data);
  assert.equal(ack.options.get(Opt.MESSAGE_TYPE)![0], MessageType.ACK);
  await send({ type: MessageType.RELEASE, mac: A, ciaddr: '192.0.2.100', serverId: SERVER });
  assert.equal(await offered(send({ type: MessageType.DISCOVER, mac: A })), '192.0.2.100', 'its previous address: no probe');
  assert.equal(probes.length, 1);
  // An address a client asks for but never held is new to it: probed.
  const asked = send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:0c', requested: '192.0.2.105' });
  await settled();
  assert.equal(probes[1]?.address, '192.0.2.105');
  probes[1]!.settle('free');
  assert.equal(await offered(asked), '192.0.2.105');
});

test('three addresses in use: the DISCOVER is dropped (ping-conflicts) and all three are quarantined', async () => {
  const { probes, send, engine, store } = setup();
  const pending = send({ type: MessageType.DISCOVER, mac: A });
  for (let i = 0; i < 3; i++) {
    await settled();
    probes[i]!.settle('in-use');
  }
  assert.deepEqual(await pending, { kind: 'drop', reason: 'ping-conflicts' });
  assert.deepEqual(probes.map((p) => p.address), ['192.0.2.100', '192.0.2.101', '192.0.2.102']);
  assert.deepEqual(['192.0.2.100', '192.0.2.101', '192.0.2.102'].map((a) => store.get(ip(a))?.state), ['declined', 'declined', 'declined']);
  assert.equal(engine.counters.pingChecks.get('in-use'), 3);
  // The client's next try starts over (no probe is left in progress).
  const again = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  probes[3]!.settle('free');
  assert.equal(await offered(again), '192.0.2.103');
});

test('a client that takes another server\'s offer during the probe is not offered; the address goes back to the pool', async () => {
  const { probes, send } = setup();
  const pending = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  assert.deepEqual(await send({ type: MessageType.REQUEST, mac: A, requested: '198.51.100.7', serverId: '198.51.100.1' }), { kind: 'drop', reason: 'for-other-server' });
  probes[0]!.settle('free');
  assert.deepEqual(await pending, { kind: 'drop', reason: 'offer-withdrawn' });
  const b = send({ type: MessageType.DISCOVER, mac: B, requested: '192.0.2.100' });
  await settled();
  assert.equal(probes[1]?.address, '192.0.2.100');
  probes[1]!.settle('free');
  assert.equal(await offered(b), '192.0.2.100');
});

test('a probe that cannot be sent (unknown) still offers the address, counted', async () => {
  const { probes, send, engine } = setup();
  const pending = send({ type: MessageType.DISCOVER, mac: A });
  await settled();
  probes[0]!.settle('unknown');
  assert.equal(await offered(pending), '192.0.2.100');
  assert.deepEqual([...engine.counters.pingChecks], [['unknown', 1]]);
});

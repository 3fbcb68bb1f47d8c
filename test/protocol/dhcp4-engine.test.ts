// The DHCPv4 engine in-process: RFC 2131 §4.3 decisions, fake clock, in-memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { Dhcp4Engine, type Arrival, type Outcome } from '../../src/protocol/dhcp/engine.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import type { LeaseStore } from '../../src/protocol/dhcp/lease-store.js';
import type { DhcpModel } from '../../src/protocol/dhcp/model.js';
import { FLAG_BROADCAST, ipv4ToString, type Dhcp4Message } from '../../src/wire/dhcp4/index.js';
import { MessageType, Opt, addr, broadcastOn, decode, ip, layer, model, request, subnet, unicastTo, type RequestSpec } from '../support/dhcp4-fixture.js';

const SERVER = '192.0.2.1';
const RELAYED_SERVER = '203.0.113.1';

function setup(m: DhcpModel, store: LeaseStore = new MemoryLeaseStore()) {
  const clock = new FakeClock(Date.UTC(2026, 10, 22));
  const engine = new Dhcp4Engine({ model: m, store, clock, serverAddresses: () => [ip(SERVER), ip(RELAYED_SERVER)] });
  const send = async (spec: RequestSpec, arrival: Arrival = broadcastOn()) => engine.handle(request(spec), arrival);
  return { clock, engine, store, send };
}

function reply(o: Outcome): Dhcp4Message & { type: number } {
  assert.equal(o.kind, 'reply', `expected a reply, got ${JSON.stringify(o)}`);
  if (o.kind !== 'reply') throw new Error('unreachable');
  const msg = decode(o.data);
  return Object.assign(msg, { type: msg.options.get(Opt.MESSAGE_TYPE)![0]! });
}

const yi = (m: Dhcp4Message) => ipv4ToString(m.yiaddr);
const u32opt = (m: Dhcp4Message, code: number) => m.options.get(code)?.readUInt32BE(0);

const basic = () => model({
  subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.199'], options: layer([[Opt.ROUTERS, addr('192.0.2.1')], [Opt.DOMAIN_NAME_SERVERS, addr('192.0.2.53', '198.51.100.53')]]) })],
});

async function dora(send: ReturnType<typeof setup>['send'], mac: string, extra: Partial<RequestSpec> = {}) {
  const offer = reply(await send({ type: MessageType.DISCOVER, mac, ...extra }));
  const ack = reply(await send({ type: MessageType.REQUEST, mac, requested: yi(offer), serverId: SERVER, ...extra }));
  return { offer, ack };
}

test('DISCOVER → OFFER → REQUEST (selecting) → ACK, with the lease durable before the ACK', async () => {
  const { send, store } = setup(basic());
  const offer = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01', prl: [1, 3, 6, 15] }));
  assert.equal(offer.type, MessageType.OFFER);
  assert.equal(yi(offer), '192.0.2.100');
  assert.equal(ipv4ToString(u32opt(offer, Opt.SERVER_ID)!), SERVER);
  assert.equal(u32opt(offer, Opt.LEASE_TIME), 3600);
  assert.equal(u32opt(offer, Opt.RENEWAL_TIME), 1800);
  assert.equal(u32opt(offer, Opt.REBINDING_TIME), 3150);
  assert.equal(ipv4ToString(u32opt(offer, Opt.SUBNET_MASK)!), '255.255.255.0');
  assert.deepEqual(offer.options.get(Opt.ROUTERS), addr('192.0.2.1'));
  assert.deepEqual(offer.options.get(Opt.DOMAIN_NAME_SERVERS), addr('192.0.2.53', '198.51.100.53'));
  assert.equal(store.get(ip('192.0.2.100')), undefined, 'an offer is not a lease');
  const pending = send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: '192.0.2.100', serverId: SERVER });
  const ack = reply(await pending);
  assert.equal(ack.type, MessageType.ACK);
  assert.equal(yi(ack), '192.0.2.100');
  const lease = store.get(ip('192.0.2.100'));
  assert.equal(lease?.state, 'bound');
  assert.equal(lease?.hwAddress, '020000000001');
});

test('options the client did not ask for are not sent; always-send ones are', async () => {
  const m = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.110'], options: layer([[Opt.ROUTERS, addr('192.0.2.1')], [Opt.NTP_SERVERS, addr('192.0.2.123')], [Opt.TFTP_SERVER_ADDRESS, addr('192.0.2.69')]], [Opt.TFTP_SERVER_ADDRESS]) })] });
  const { send } = setup(m);
  const offer = reply(await send({ type: MessageType.DISCOVER, prl: [3] }));
  assert.ok(offer.options.has(Opt.ROUTERS));
  assert.ok(!offer.options.has(Opt.NTP_SERVERS));
  assert.ok(offer.options.has(Opt.TFTP_SERVER_ADDRESS));
  const all = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:09' }));
  assert.ok(all.options.has(Opt.NTP_SERVERS), 'a client without option 55 gets every configured option');
});

test('reply destinations follow RFC 2131 §4.1', async () => {
  const { send } = setup(basic());
  const viaHw = await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' });
  assert.ok(viaHw.kind === 'reply');
  assert.deepEqual([ipv4ToString(viaHw.destination.to), viaHw.destination.port], ['192.0.2.100', 68]);
  assert.equal(viaHw.destination.hwUnicast?.toString('hex'), '020000000001');
  const bcast = await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02', broadcast: true });
  assert.ok(bcast.kind === 'reply');
  assert.deepEqual([ipv4ToString(bcast.destination.to), bcast.destination.port, bcast.destination.hwUnicast], ['255.255.255.255', 68, undefined]);
});

test('a client is known by option 61 when present, else by its hardware address', async () => {
  const { send } = setup(basic());
  const a = await dora(send, '02:00:00:00:00:01', { clientId: Buffer.from('01aa', 'hex') });
  const b = await dora(send, '02:00:00:00:00:01', { clientId: Buffer.from('01bb', 'hex') });
  assert.notEqual(yi(a.ack), yi(b.ack));
  assert.deepEqual(a.ack.options.get(Opt.CLIENT_ID), Buffer.from('01aa', 'hex'), 'option 61 echoed (RFC 6842)');
});

test('a returning client gets its previous address, after a release too', async () => {
  const { send } = setup(basic());
  await dora(send, '02:00:00:00:00:01');
  const second = await dora(send, '02:00:00:00:00:02');
  assert.equal(yi(second.ack), '192.0.2.101');
  assert.equal((await send({ type: MessageType.RELEASE, mac: '02:00:00:00:00:02', ciaddr: '192.0.2.101', serverId: SERVER })).kind, 'silent');
  await dora(send, '02:00:00:00:00:03');
  const again = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }));
  assert.equal(yi(again), '192.0.2.101');
});

test('a REQUEST naming another server withdraws our offer and frees the address', async () => {
  const { send, engine } = setup(model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.100'] })] }));
  const offer = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }));
  const other = await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: yi(offer), serverId: '198.51.100.99' });
  assert.deepEqual(other, { kind: 'drop', reason: 'for-other-server' });
  assert.equal(engine.offers.size, 0);
  const next = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }));
  assert.equal(yi(next), yi(offer));
});

test('INIT-REBOOT: ACK for the client\'s own address, NAK on the wrong subnet or for another client\'s address', async () => {
  const { send } = setup(basic());
  const { ack } = await dora(send, '02:00:00:00:00:01');
  const reboot = reply(await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: yi(ack) }));
  assert.equal(reboot.type, MessageType.ACK);
  assert.equal(yi(reboot), yi(ack));
  const wrongNet = reply(await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: '198.51.100.10' }));
  assert.equal(wrongNet.type, MessageType.NAK);
  assert.equal(wrongNet.yiaddr, 0);
  assert.ok(wrongNet.options.get(Opt.MESSAGE)?.toString().includes('not on this network'));
  const stolen = reply(await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:99', requested: yi(ack) }));
  assert.equal(stolen.type, MessageType.NAK);
});

test('a server that is not authoritative stays silent where an authoritative one NAKs', async () => {
  const m = { ...basic(), authoritative: false };
  const { send } = setup(m);
  const o = await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: '198.51.100.10' });
  assert.equal(o.kind, 'drop');
});

test('RENEWING (unicast) extends the lease and replies to ciaddr; REBINDING (broadcast) of an unknown lease on a foreign net is NAKed', async () => {
  const { send, clock, store } = setup(basic());
  const { ack } = await dora(send, '02:00:00:00:00:01');
  const before = store.get(ack.yiaddr)!.expiresAt;
  clock.advance(1_800_000);
  const renew = await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', ciaddr: yi(ack) }, unicastTo(SERVER));
  const r = reply(renew);
  assert.equal(r.type, MessageType.ACK);
  assert.equal(yi(r), yi(ack));
  assert.equal(ipv4ToString(r.ciaddr), yi(ack));
  assert.ok(renew.kind === 'reply' && ipv4ToString(renew.destination.to) === yi(ack) && renew.destination.port === 68);
  assert.equal(store.get(ack.yiaddr)!.expiresAt, before + 1_800_000);
  const rebind = reply(await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', ciaddr: yi(ack) }));
  assert.equal(rebind.type, MessageType.ACK);
});

test('DECLINE quarantines the address for the probation time, then it comes back', async () => {
  const m = { ...basic(), declineProbation: 600 };
  const { send, clock, engine, store } = setup(m);
  const { ack } = await dora(send, '02:00:00:00:00:01');
  assert.equal((await send({ type: MessageType.DECLINE, mac: '02:00:00:00:00:01', requested: yi(ack), serverId: SERVER })).kind, 'silent');
  assert.equal(store.get(ack.yiaddr)?.state, 'declined');
  assert.equal(engine.counters.declines, 1);
  const other = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02', requested: yi(ack) }));
  assert.notEqual(yi(other), yi(ack));
  const same = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }));
  assert.notEqual(yi(same), yi(ack), 'not even the decliner gets it back during probation');
  clock.advance(601_000);
  assert.equal(await engine.reclaim(), 1);
  assert.equal(store.get(ack.yiaddr)?.state, 'expired');
  const back = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:03', requested: yi(ack) }));
  assert.equal(yi(back), yi(ack));
});

test('leases expire and are reclaimed; the address is then free for others', async () => {
  const m = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.100'], leaseTime: 60 })] });
  const { send, clock, engine, store } = setup(m);
  await dora(send, '02:00:00:00:00:01');
  assert.deepEqual(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }), { kind: 'drop', reason: 'pool-exhausted' });
  clock.advance(61_000);
  assert.equal(await engine.reclaim(), 1);
  assert.equal(store.get(ip('192.0.2.100'))?.state, 'expired');
  assert.equal(yi(reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }))), '192.0.2.100');
});

test('an offer is held for the offer time, then the address is free again', async () => {
  const m = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.100'] })], offerHoldMs: 10_000 });
  const { send, clock } = setup(m);
  reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }));
  assert.deepEqual(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }), { kind: 'drop', reason: 'pool-exhausted' });
  clock.advance(10_001);
  assert.equal(yi(reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }))), '192.0.2.100');
});

test('INFORM gets options but no address and no lease time, sent to ciaddr', async () => {
  const { send } = setup(basic());
  const o = await send({ type: MessageType.INFORM, ciaddr: '192.0.2.42', prl: [3, 6] }, unicastTo(SERVER));
  const r = reply(o);
  assert.equal(r.type, MessageType.ACK);
  assert.equal(r.yiaddr, 0);
  assert.ok(!r.options.has(Opt.LEASE_TIME));
  assert.ok(r.options.has(Opt.ROUTERS));
  assert.ok(o.kind === 'reply' && ipv4ToString(o.destination.to) === '192.0.2.42');
});

test('relayed requests: subnet by giaddr, reply to giaddr:67, option 82 echoed; link selection overrides giaddr', async () => {
  const m = model({
    subnets: [
      subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.199'] }),
      subnet({ id: 2, cidr: '198.51.100.0/24', pools: ['198.51.100.100-198.51.100.199'] }),
      subnet({ id: 3, cidr: '203.0.113.0/24', pools: ['203.0.113.100-203.0.113.199'] }),
    ],
    interfaces: { eth0: [1] },
  });
  const { send } = setup(m);
  const option82 = Buffer.from([1, 4, 0x65, 0x74, 0x68, 0x31, 2, 2, 0xab, 0xcd]);
  const o = await send({ type: MessageType.DISCOVER, giaddr: '198.51.100.1', relayAgent: option82 }, unicastTo(RELAYED_SERVER));
  const r = reply(o);
  assert.equal(yi(r), '198.51.100.100');
  assert.ok(o.kind === 'reply' && ipv4ToString(o.destination.to) === '198.51.100.1' && o.destination.port === 67);
  assert.deepEqual(r.options.get(Opt.RELAY_AGENT_INFO), option82);
  assert.equal(ipv4ToString(u32opt(r, Opt.SERVER_ID)!), RELAYED_SERVER);
  const linkSel = Buffer.concat([option82, Buffer.from([5, 4]), addr('203.0.113.0')]);
  const viaLink = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:07', giaddr: '198.51.100.1', relayAgent: linkSel }, unicastTo(RELAYED_SERVER)));
  assert.equal(yi(viaLink), '203.0.113.100');
  const nak = await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:08', giaddr: '198.51.100.1', requested: '192.0.2.150' }, unicastTo(RELAYED_SERVER));
  const n = reply(nak);
  assert.equal(n.type, MessageType.NAK);
  assert.ok((n.flags & FLAG_BROADCAST) !== 0, 'a NAK through a relay asks it to broadcast');
  assert.ok(nak.kind === 'reply' && ipv4ToString(nak.destination.to) === '198.51.100.1');
});

test('the interface a broadcast arrives on selects the subnet', async () => {
  const m = model({
    subnets: [subnet({ id: 10, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.199'] }), subnet({ id: 20, cidr: '198.51.100.0/24', pools: ['198.51.100.100-198.51.100.199'] })],
    interfaces: { 'eth0.10': [10], 'eth0.20': [20] },
  });
  const { send } = setup(m);
  assert.equal(yi(reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }, broadcastOn('eth0.10')))), '192.0.2.100');
  assert.equal(yi(reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }, broadcastOn('eth0.20')))), '198.51.100.100');
  assert.deepEqual(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:03' }, broadcastOn('eth1')), { kind: 'drop', reason: 'no-subnet' });
});

test('classes: Aruba gets 43 and its option 60 echoed, Avaya gets 242, a class-only pool is closed to others, a client in no class gets none of it', async () => {
  const avaya = Buffer.from('MCIPADD=192.0.2.10,MCPORT=1719,TFTPSRVR=192.0.2.69,L2Q=1,L2QVLAN=20');
  const m = model({
    subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.101', { range: '192.0.2.200-192.0.2.209', onlyClasses: ['phones'] }] })],
    classes: [
      { name: 'aruba-ap', matches: (c) => c.vendorClass === 'ArubaAP', options: layer([[Opt.VENDOR_SPECIFIC, addr('192.0.2.20')], [Opt.VENDOR_CLASS_ID, Buffer.from('ArubaAP')]], [Opt.VENDOR_SPECIFIC, Opt.VENDOR_CLASS_ID]) },
      { name: 'phones', matches: (c) => c.vendorClass?.startsWith('ccp.avaya.com') ?? false, options: layer([[242, avaya]], [242]) },
    ],
  });
  const { send } = setup(m);
  const pc = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:03', vendorClass: 'MSFT 5.0' }));
  assert.equal(yi(pc), '192.0.2.100');
  assert.ok(!pc.options.has(Opt.VENDOR_SPECIFIC) && !pc.options.has(242) && !pc.options.has(Opt.VENDOR_CLASS_ID));
  const ap = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01', vendorClass: 'ArubaAP', prl: [1, 3] }));
  assert.equal(yi(ap), '192.0.2.101', 'pools are tried in configuration order, as in Kea');
  assert.deepEqual(ap.options.get(Opt.VENDOR_SPECIFIC), addr('192.0.2.20'));
  assert.equal(ap.options.get(Opt.VENDOR_CLASS_ID)?.toString(), 'ArubaAP');
  const phone = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02', vendorClass: 'ccp.avaya.com/J179', prl: [1, 3] }));
  assert.equal(yi(phone), '192.0.2.200', 'the open pool is full; the phones pool is open to a phone');
  assert.deepEqual(phone.options.get(242), avaya, 'sent without being asked: the class made it always-send');
  const pc2 = await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:04' });
  assert.deepEqual(pc2, { kind: 'drop', reason: 'pool-exhausted' }, 'the phones pool is closed to a PC');
});

test('a reservation by MAC gets its address, which no other client is given', async () => {
  const m = model({
    subnets: [subnet({
      id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.101'],
      reservations: [{ address: ip('192.0.2.100'), hwAddress: '02000000aaaa', hostname: 'pbx', options: layer() }],
    })],
  });
  const { send } = setup(m);
  assert.equal(yi(reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }))), '192.0.2.101');
  assert.deepEqual(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }), { kind: 'drop', reason: 'pool-exhausted' });
  const { ack } = await dora(send, '02:00:00:00:aa:aa');
  assert.equal(yi(ack), '192.0.2.100');
});

test('two clients asking for one free address in the same tick: one ACK, one NAK', async () => {
  const { send } = setup(basic());
  const [a, b] = await Promise.all([
    send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: '192.0.2.150' }),
    send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:02', requested: '192.0.2.150' }),
  ]);
  assert.deepEqual([reply(a).type, reply(b).type].sort(), [MessageType.ACK, MessageType.NAK]);
});

test('when the store cannot make a lease durable, no ACK is sent', async () => {
  const store = new MemoryLeaseStore();
  const failing: LeaseStore = Object.assign(Object.create(store) as LeaseStore, { commit: () => Promise.reject(new Error('disk full')) });
  const { send, engine } = setup(basic(), failing);
  const offer = reply(await send({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }));
  const o = await send({ type: MessageType.REQUEST, mac: '02:00:00:00:00:01', requested: yi(offer), serverId: SERVER });
  assert.deepEqual(o, { kind: 'drop', reason: 'store-failed' });
  assert.equal(engine.counters.dropped.get('store-failed'), 1);
});

test('non-requests and packets without a message type are dropped with a reason', async () => {
  const { engine } = setup(basic());
  const offer = request({ type: MessageType.DISCOVER });
  offer.op = 2;
  assert.deepEqual(await engine.handle(offer, broadcastOn()), { kind: 'drop', reason: 'not-a-request' });
  const bootp = request({ type: MessageType.DISCOVER });
  bootp.options.delete(Opt.MESSAGE_TYPE);
  assert.deepEqual(await engine.handle(bootp, broadcastOn()), { kind: 'drop', reason: 'no-message-type' });
  assert.equal(engine.counters.dropped.get('not-a-request'), 1);
});

test('a restarted engine knows every bound lease from the store and never offers it again', async () => {
  const first = setup(basic());
  const { ack } = await dora(first.send, '02:00:00:00:00:01');
  const again = new Dhcp4Engine({ model: basic(), store: first.store, clock: first.clock, serverAddresses: () => [ip(SERVER)] });
  const o = reply(await again.handle(request({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:02' }), broadcastOn()));
  assert.notEqual(yi(o), yi(ack));
  const mine = reply(await again.handle(request({ type: MessageType.DISCOVER, mac: '02:00:00:00:00:01' }), broadcastOn()));
  assert.equal(yi(mine), yi(ack));
});

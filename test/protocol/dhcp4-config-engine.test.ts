// From a real site config to the engine's answers: the single-site example compiled
// and served in-process, so config semantics (classes, templates, inheritance,
// exclusions, reservations) are checked end to end without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { compileDhcp } from '../../src/protocol/dhcp/compile.js';
import { Dhcp4Engine } from '../../src/protocol/dhcp/engine.js';
import { ReplyOptionsCache } from '../../src/protocol/dhcp/options-resolve.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { ipv4ToString, type Dhcp4Message } from '../../src/wire/dhcp4/index.js';
import { repoRoot } from '../support/paths.js';
import { MessageType, Opt, broadcastOn, decode, ip, request, type RequestSpec } from '../support/dhcp4-fixture.js';

function engineFor(example: string) {
  const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', example), 'utf8'));
  assert.ok(r.ok && r.loaded.config.dhcp);
  const model = compileDhcp(r.loaded.config.dhcp);
  const engine = new Dhcp4Engine({ model, store: new MemoryLeaseStore(), clock: new FakeClock(), serverAddresses: () => [] });
  return async (spec: RequestSpec, iface: string): Promise<Dhcp4Message> => {
    const o = await engine.handle(request(spec), broadcastOn(iface));
    assert.equal(o.kind, 'reply', JSON.stringify(o));
    return decode((o as { data: Buffer }).data);
  };
}

test('single-site example: an Avaya phone on the voice VLAN gets its 242 string, router, resolvers and search list', async () => {
  const send = engineFor('single-site.jsonc');
  const offer = await send({ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:a1', vendorClass: 'ccp.avaya.com', prl: [1, 3, 6, 15, 119, 242] }, 'eth0.20');
  assert.equal(ipv4ToString(offer.yiaddr), '198.51.100.50');
  assert.equal(ipv4ToString(offer.options.get(Opt.SERVER_ID)!.readUInt32BE(0)), '198.51.100.2', 'server id: the interface address from the config');
  assert.equal(offer.options.get(242)?.toString(), 'MCIPADD=203.0.113.70,203.0.113.71,MCPORT=1719,HTTPSRVR=198.51.100.2,HTTPDIR=avaya/96xx,L2Q=1,L2QVLAN=20');
  assert.equal(ipv4ToString(offer.options.get(Opt.ROUTERS)!.readUInt32BE(0)), '198.51.100.1');
  assert.equal(offer.options.get(Opt.DOMAIN_NAME)?.toString(), 'example.com');
  assert.ok(offer.options.has(Opt.DOMAIN_SEARCH));
});

test('single-site example: the voice subnet is closed to a PC, the data subnet gives it neither 242 nor 43', async () => {
  const send = engineFor('single-site.jsonc');
  const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', 'single-site.jsonc'), 'utf8'));
  assert.ok(r.ok);
  const engine = new Dhcp4Engine({ model: compileDhcp(r.loaded.config.dhcp!), store: new MemoryLeaseStore(), clock: new FakeClock(), serverAddresses: () => [] });
  assert.deepEqual(await engine.handle(request({ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:b1', vendorClass: 'MSFT 5.0' }), broadcastOn('eth0.20')), { kind: 'drop', reason: 'pool-exhausted' });
  const pc = await send({ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:b2', vendorClass: 'MSFT 5.0' }, 'eth0.10');
  assert.equal(ipv4ToString(pc.yiaddr), '192.0.2.100');
  assert.ok(!pc.options.has(242) && !pc.options.has(Opt.VENDOR_SPECIFIC) && !pc.options.has(Opt.VENDOR_CLASS_ID));
});

test('single-site example: an Aruba AP gets option 43 (controller) and option 60 ArubaAP without asking', async () => {
  const send = engineFor('single-site.jsonc');
  const ap = await send({ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:c1', vendorClass: 'ArubaAP', prl: [1, 3] }, 'eth0.30');
  assert.equal(ipv4ToString(ap.yiaddr), '203.0.113.10');
  assert.equal(ap.options.get(Opt.VENDOR_SPECIFIC)?.toString(), '203.0.113.72');
  assert.equal(ap.options.get(Opt.VENDOR_CLASS_ID)?.toString(), 'ArubaAP');
});

test('single-site example: the reserved printer gets its address and host name; exclusions are skipped', async () => {
  const send = engineFor('single-site.jsonc');
  const printer = await send({ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:10' }, 'eth0.10');
  assert.equal(ipv4ToString(printer.yiaddr), '192.0.2.20');
  assert.equal(printer.options.get(Opt.HOST_NAME)?.toString(), 'reception-printer');
  const given: string[] = [];
  for (let i = 0; i < 110; i++) {
    const o = await send({ type: MessageType.DISCOVER, mac: `00:00:5e:00:54:${i.toString(16).padStart(2, '0')}` }, 'eth0.10');
    given.push(ipv4ToString(o.yiaddr));
  }
  assert.ok(!given.some((a) => ip(a) >= ip('192.0.2.200') && ip(a) <= ip('192.0.2.209')), 'no excluded address');
  assert.equal(given.at(-1), '192.0.2.219');
});

test('reply options come from a cache keyed by subnet, pool, classes, reservation and option 55: the same bytes as a cold engine', async () => {
  const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', 'single-site.jsonc'), 'utf8'));
  assert.ok(r.ok && r.loaded.config.dhcp);
  const model = compileDhcp(r.loaded.config.dhcp);
  const make = () => new Dhcp4Engine({ model, store: new MemoryLeaseStore(), clock: new FakeClock(), serverAddresses: () => [] });
  const warm = make();
  const clients: [RequestSpec, string][] = [];
  const prls: (number[] | undefined)[] = [[1, 3, 6, 15, 119, 242], [242, 6, 3, 1], [1, 3], [6], undefined, [43, 60, 1]];
  const vendors = ['ccp.avaya.com', 'MSFT 5.0', 'ArubaAP', undefined];
  const ifaces = ['eth0.10', 'eth0.20', 'eth0.30'];
  let n = 0;
  for (let round = 0; round < 3; round++) {
    for (const prl of prls) for (const vendorClass of vendors) for (const iface of ifaces) {
      n++;
      const mac = `00:00:5e:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
      clients.push([{ type: MessageType.DISCOVER, mac, ...(vendorClass ? { vendorClass } : {}), ...(prl ? { prl } : {}) }, iface]);
    }
  }
  clients.push([{ type: MessageType.DISCOVER, mac: '00:00:5e:00:53:d1', prl: [1, 3, 12] }, 'eth0.10']); // the reserved printer
  let compared = 0;
  for (const [spec, iface] of clients) {
    const a = await warm.handle(request(spec), broadcastOn(iface));
    const b = await make().handle(request(spec), broadcastOn(iface));
    assert.equal(a.kind, b.kind, JSON.stringify(spec));
    if (a.kind !== 'reply' || b.kind !== 'reply') continue;
    const [da, db] = [decode(a.data), decode(b.data)];
    assert.deepEqual([...da.options], [...db.options], `${JSON.stringify(spec)} on ${iface}: same options, same order`);
    compared++;
  }
  assert.ok(compared > 100, `${compared} replies compared`);
});

test('the reply options cache is bounded and tells keys apart', () => {
  const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', 'single-site.jsonc'), 'utf8'));
  assert.ok(r.ok && r.loaded.config.dhcp);
  const model = compileDhcp(r.loaded.config.dhcp);
  const cache = new ReplyOptionsCache(model, 8);
  const subnet = model.subnets[0]!;
  const lead = () => [];
  const a = cache.get(subnet, undefined, [], undefined, Buffer.from([1, 3]), lead);
  assert.equal(cache.get(subnet, undefined, [], undefined, Buffer.from([1, 3]), lead), a, 'the same key: the same list');
  assert.notEqual(cache.get(subnet, undefined, [], undefined, Buffer.from([3, 1]), lead), a, 'option 55 order is part of the key');
  assert.notEqual(cache.get(subnet, undefined, [], undefined, undefined, lead), a, 'no option 55 differs from any');
  assert.notEqual(cache.get(subnet, subnet.pools[0], [], undefined, Buffer.from([1, 3]), lead), a, 'the pool is part of the key');
  for (let i = 0; i < 100; i++) cache.get(subnet, undefined, [], undefined, Buffer.from([i]), lead);
  assert.ok(cache.size <= 8, `bounded: ${cache.size} lists`);
});

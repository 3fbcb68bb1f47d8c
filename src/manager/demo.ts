// The demo dataset of `outpost manager run --demo` (npm start): the headquarters of
// examples/single-site.jsonc and three branches, their subnets, DHCP pools,
// exclusions and a few reservations and static assignments — documentation and
// benchmark address space only (RFC 5737, RFC 2544, RFC 3849). Made through the same
// operations as any write, so it is audited like one.
import { SYSTEM } from './audit.js';
import type { Manager } from './manager.js';

export async function seedDemo(m: Manager): Promise<void> {
  const space = await m.spaces.create(SYSTEM, 'corporate', 'The company network');
  const hq = await m.sites.create(SYSTEM, { name: 'headquarters', description: 'Head office: PBX, data centre', survivability: 'survivable' });
  const data = await m.subnets.create(SYSTEM, { spaceId: space.id, prefix: '192.0.2.0/24', siteId: hq.id, description: 'data VLAN 10' });
  const voice = await m.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.51.100.0/24', siteId: hq.id, description: 'voice VLAN 20' });
  const wifi = await m.subnets.create(SYSTEM, { spaceId: space.id, prefix: '203.0.113.0/26', siteId: hq.id, description: 'Wi-Fi infrastructure VLAN 30' });
  await m.ranges.create(SYSTEM, data.id, { kind: 'pool', start: '192.0.2.100', end: '192.0.2.199', description: 'PCs' });
  await m.ranges.create(SYSTEM, data.id, { kind: 'exclusion', start: '192.0.2.1', end: '192.0.2.9', description: 'routers and switches' });
  await m.ranges.create(SYSTEM, voice.id, { kind: 'pool', start: '198.51.100.50', end: '198.51.100.250', description: 'phones' });
  await m.ranges.create(SYSTEM, wifi.id, { kind: 'pool', start: '203.0.113.20', end: '203.0.113.60', description: 'access points' });
  await m.addresses.create(SYSTEM, space.id, '198.51.100.10', { kind: 'static', hostname: 'pbx', dnsName: 'pbx.voice.example.com', description: 'Avaya Communication Manager' });
  await m.addresses.create(SYSTEM, space.id, '198.51.100.11', { kind: 'static', hostname: 'ses', dnsName: 'ses.voice.example.com', description: 'SIP Enablement Services' });
  await m.addresses.create(SYSTEM, space.id, '198.51.100.60', { kind: 'reservation', mac: '00:1b:4f:12:34:56', hostname: 'reception-phone', description: 'Avaya 9611G at reception' });
  await m.addresses.nextFree(SYSTEM, data.id, { kind: 'static', hostname: 'printer-1', description: 'first floor printer' });
  // Branches: each a /24 of the benchmark range, cut into data, voice and Wi-Fi subnets by next-free.
  const branches = await m.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/16', description: 'branch offices' });
  for (const n of [1, 2, 3]) {
    const site = await m.sites.create(SYSTEM, { name: `branch-0${n}`, survivability: n === 3 ? 'dependent' : 'survivable', wanNotes: n === 3 ? 'LTE backup only' : 'MPLS 20 Mbit/s' });
    const block = await m.subnets.nextFree(SYSTEM, branches.id, 24, { siteId: site.id, description: `branch-0${n}` });
    for (const [length, what] of [[25, 'data'], [26, 'voice'], [27, 'Wi-Fi']] as const) {
      const net = await m.subnets.nextFree(SYSTEM, block.id, length, { siteId: site.id, description: what });
      await m.addresses.nextFree(SYSTEM, net.id, { kind: 'static', hostname: `gw-${what.toLowerCase().replace('-', '')}-0${n}`, description: 'gateway' });
    }
  }
  await m.subnets.create(SYSTEM, { spaceId: space.id, prefix: '2001:db8:100::/48', siteId: hq.id, description: 'IPv6 allocation' });
}

// Semantic checks of the `dhcp` section (dhcp-validate.ts): every class of error,
// with its exact path and reason, and the valid configurations next to each rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveTimers, validateDhcp } from '../../src/config/dhcp-validate.js';
import { baseDhcp, loadDhcp, problemsAfter, problemsOf } from './dhcp-config-support.js';

test('the base section is valid, and validateDhcp on it finds nothing', () => {
  assert.deepEqual(validateDhcp(loadDhcp(baseDhcp())), []);
});

test('an enabled server needs subnets and interfaces; a disabled one does not', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets = []; d.interfaces = []; }), [
    '$.dhcp.subnets: an enabled DHCP server needs at least one subnet',
    '$.dhcp.interfaces: an enabled DHCP server needs at least one interface to listen on',
  ]);
  loadDhcp({ enabled: false });
});

test('subnets: CIDR must be network-aligned and /8 to /30', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = '192.0.2.5/24'; }), [
    '$.dhcp.subnets[0].subnet: 192.0.2.5/24 is not a network address: did you mean 192.0.2.0/24?',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = '192.0.2.0/31'; d.subnets[0].pools = []; }), [
    "$.dhcp.subnets[0].subnet: /31 is not served: a subnet's prefix must be /8 to /30",
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = '192.0.0.0/7'; d.subnets[0].pools = []; }), [
    "$.dhcp.subnets[0].subnet: /7 is not served: a subnet's prefix must be /8 to /30",
  ]);
  const d = baseDhcp();
  d.subnets[0].subnet = '192.0.2.0/30';
  d.subnets[0].pools = [{ start: '192.0.2.2', end: '192.0.2.2' }];
  d.subnets[0].options.routers = ['192.0.2.1'];
  d.interfaces[0].address = '203.0.113.2';
  loadDhcp(d);
});

test('subnets: ids unique, networks not overlapping (reported at the later one)', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets.push({ id: 1, subnet: '198.51.100.0/24' }); }), [
    '$.dhcp.subnets[1].id: 1 is already the id of $.dhcp.subnets[0] (192.0.2.0/24)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets.push({ id: 2, subnet: '192.0.2.128/25' }); }), [
    '$.dhcp.subnets[1].subnet: 192.0.2.128/25 overlaps $.dhcp.subnets[0] (192.0.2.0/24)',
  ]);
  // A wide subnet listed after narrow ones overlaps each of them.
  assert.deepEqual(problemsAfter((d) => {
    d.subnets = [
      { id: 1, subnet: '198.51.100.0/26' },
      { id: 2, subnet: '198.51.100.128/26' },
      { id: 3, subnet: '198.51.100.0/24' },
      { id: 4, subnet: '203.0.113.0/24' },
    ];
  }), [
    '$.dhcp.subnets[2].subnet: 198.51.100.0/24 overlaps $.dhcp.subnets[0] (198.51.100.0/26)',
    '$.dhcp.subnets[2].subnet: 198.51.100.0/24 overlaps $.dhcp.subnets[1] (198.51.100.128/26)',
  ]);
  // Adjacent subnets do not overlap.
  const d = baseDhcp();
  d.subnets.push({ id: 2, subnet: '198.51.100.0/25' }, { id: 3, subnet: '198.51.100.128/25' });
  loadDhcp(d);
});

test('pools: inside the subnet, start ≤ end, clear of network, broadcast and each other', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools.push({ start: '192.0.2.250', end: '192.0.3.5' }); }), [
    '$.dhcp.subnets[0].pools[1]: 192.0.2.250–192.0.3.5 is not inside subnet 192.0.2.0/24',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0] = { start: '192.0.2.199', end: '192.0.2.100' }; }), [
    '$.dhcp.subnets[0].pools[0].end: 192.0.2.100 comes before start 192.0.2.199',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools.push({ start: '192.0.2.150', end: '192.0.2.220' }); }), [
    '$.dhcp.subnets[0].pools[1]: 192.0.2.150–192.0.2.220 overlaps $.dhcp.subnets[0].pools[0] (192.0.2.100–192.0.2.199)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].start = '192.0.2.0'; }), [
    '$.dhcp.subnets[0].pools[0].start: the pool includes 192.0.2.0, the network address of 192.0.2.0/24: start at 192.0.2.1 or later',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].end = '192.0.2.255'; }), [
    '$.dhcp.subnets[0].pools[0].end: the pool includes 192.0.2.255, the broadcast address of 192.0.2.0/24: end at 192.0.2.254 or earlier',
  ]);
  // Several pools side by side, one address each at the edges.
  const d = baseDhcp();
  d.subnets[0].pools = [{ start: '192.0.2.3', end: '192.0.2.3' }, { start: '192.0.2.4', end: '192.0.2.254' }];
  loadDhcp(d);
});

test("pools: clear of the subnet's routers and the server's own addresses unless excluded", () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].start = '192.0.2.1'; }), [
    '$.dhcp.subnets[0].pools[0]: the pool includes the router 192.0.2.1 ($.dhcp.subnets[0].options.routers): exclude it or shrink the pool',
    "$.dhcp.subnets[0].pools[0]: the pool includes 192.0.2.2, the server's own address ($.dhcp.interfaces[0]): exclude it or shrink the pool",
  ]);
  assert.deepEqual(problemsAfter((d) => { d.serverIdentifier = '192.0.2.150'; }), [
    "$.dhcp.subnets[0].pools[0]: the pool includes 192.0.2.150, the server's own address ($.dhcp.serverIdentifier): exclude it or shrink the pool",
  ]);
  // Routers inherited from the global level count too.
  assert.deepEqual(problemsAfter((d) => { d.options = { routers: ['192.0.2.120'] }; delete d.subnets[0].options; }), [
    '$.dhcp.subnets[0].pools[0]: the pool includes the router 192.0.2.120 ($.dhcp.options.routers): exclude it or shrink the pool',
  ]);
  const d = baseDhcp();
  d.subnets[0].pools[0].start = '192.0.2.1';
  d.subnets[0].exclusions = [{ start: '192.0.2.1', end: '192.0.2.2' }];
  loadDhcp(d);
});

test('routers must be inside the subnets that get them, wherever they are set', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].options.routers = ['198.51.100.1']; }), [
    '$.dhcp.subnets[0].options.routers: 198.51.100.1 is not inside subnet 192.0.2.0/24 ($.dhcp.subnets[0]): clients could not reach it',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.options = { routers: ['192.0.2.1'] }; delete d.subnets[0].options; d.subnets.push({ id: 2, subnet: '198.51.100.0/24' }); }), [
    '$.dhcp.options.routers: 192.0.2.1 is not inside subnet 198.51.100.0/24 ($.dhcp.subnets[1], which inherits it): clients could not reach it',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].options = { routers: ['203.0.113.1'] }; }), [
    '$.dhcp.subnets[0].pools[0].options.routers: 203.0.113.1 is not inside subnet 192.0.2.0/24 ($.dhcp.subnets[0]): clients could not reach it',
  ]);
  // A shared network's routers reach its subnets; a subnet's own routers win.
  assert.deepEqual(problemsAfter((d) => {
    d.sharedNetworks = [{ name: 'lan', options: { routers: ['192.0.2.1'] } }];
    d.subnets[0].sharedNetwork = 'lan';
    d.subnets.push({ id: 2, subnet: '198.51.100.0/24', interface: 'eth0.10', sharedNetwork: 'lan' });
  }), [
    '$.dhcp.sharedNetworks[0].options.routers: 192.0.2.1 is not inside subnet 198.51.100.0/24 ($.dhcp.subnets[1], which inherits it): clients could not reach it',
  ]);
});

test('exclusions: inside the subnet, start ≤ end; end defaults to start', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].exclusions = [{ start: '198.51.100.1' }, { start: '192.0.2.9', end: '192.0.2.8' }]; }), [
    '$.dhcp.subnets[0].exclusions[0]: 198.51.100.1 is not inside subnet 192.0.2.0/24',
    '$.dhcp.subnets[0].exclusions[1].end: 192.0.2.8 comes before start 192.0.2.9',
  ]);
  const d = baseDhcp();
  d.subnets[0].exclusions = [{ start: '192.0.2.150' }, { start: '192.0.2.160', end: '192.0.2.169' }];
  assert.equal(loadDhcp(d).subnets[0]!.exclusions[0]!.end, undefined);
});

test('reservations: exactly one identifier', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].reservations = [{ address: '192.0.2.10' }, { hwAddress: '00:00:5e:00:53:01', clientId: '01:02', address: '192.0.2.11' }]; }), [
    '$.dhcp.subnets[0].reservations[0]: needs an identifier: one of hwAddress, clientId, circuitId, circuitIdHex, remoteId, remoteIdHex',
    '$.dhcp.subnets[0].reservations[1]: has 2 identifiers (hwAddress, clientId): give exactly one',
  ]);
});

test('reservations: identifiers unique in the subnet, whatever their spelling', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.subnets[0].reservations = [
      { hwAddress: '00:00:5e:00:53:01', address: '192.0.2.10' },
      { hwAddress: '00-00-5E-00-53-01', address: '192.0.2.11' },
      { circuitId: 'AB', address: '192.0.2.12' },
      { circuitIdHex: '41:42' },
      { clientId: '01:00:00:5e:00:53:01' },
      { clientId: '0100005E005301' },
      { remoteId: 'sw1' },
      { remoteIdHex: '737731' },
    ];
  }), [
    '$.dhcp.subnets[0].reservations[1].hwAddress: 00-00-5E-00-53-01 is already reserved by $.dhcp.subnets[0].reservations[0]',
    '$.dhcp.subnets[0].reservations[3].circuitIdHex: 41:42 is already reserved by $.dhcp.subnets[0].reservations[2]',
    '$.dhcp.subnets[0].reservations[5].clientId: 0100005E005301 is already reserved by $.dhcp.subnets[0].reservations[4]',
    '$.dhcp.subnets[0].reservations[7].remoteIdHex: 737731 is already reserved by $.dhcp.subnets[0].reservations[6]',
  ]);
  // The same MAC in two subnets is two reservations (as in Kea: per subnet).
  const d = baseDhcp();
  d.subnets.push({ id: 2, subnet: '198.51.100.0/24', reservations: [{ hwAddress: '00:00:5e:00:53:01' }] });
  d.subnets[0].reservations = [{ hwAddress: '00:00:5e:00:53:01' }];
  // …and a MAC and a client id with the same bytes are different identifiers.
  d.subnets[0].reservations.push({ clientId: '00:00:5e:00:53:01' });
  loadDhcp(d);
});

test('reservations: addresses inside the subnet, unique, not network, broadcast, router or server', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.subnets[0].reservations = [
      { hwAddress: '00:00:5e:00:53:01', address: '198.51.100.10' },
      { hwAddress: '00:00:5e:00:53:02', address: '192.0.2.0' },
      { hwAddress: '00:00:5e:00:53:03', address: '192.0.2.255' },
      { hwAddress: '00:00:5e:00:53:04', address: '192.0.2.1' },
      { hwAddress: '00:00:5e:00:53:05', address: '192.0.2.2' },
      { hwAddress: '00:00:5e:00:53:06', address: '192.0.2.20' },
      { hwAddress: '00:00:5e:00:53:07', address: '192.0.2.20' },
    ];
  }), [
    '$.dhcp.subnets[0].reservations[0].address: 198.51.100.10 is not inside subnet 192.0.2.0/24',
    '$.dhcp.subnets[0].reservations[1].address: 192.0.2.0 is the network address of 192.0.2.0/24',
    '$.dhcp.subnets[0].reservations[2].address: 192.0.2.255 is the broadcast address of 192.0.2.0/24',
    '$.dhcp.subnets[0].reservations[3].address: 192.0.2.1 is the router ($.dhcp.subnets[0].options.routers)',
    "$.dhcp.subnets[0].reservations[4].address: 192.0.2.2 is the server's own address ($.dhcp.interfaces[0])",
    '$.dhcp.subnets[0].reservations[6].address: 192.0.2.20 is already reserved by $.dhcp.subnets[0].reservations[5]',
  ]);
  // A reserved address may lie inside a pool or an exclusion (the engine never gives it to another client).
  const d = baseDhcp();
  d.subnets[0].exclusions = [{ start: '192.0.2.150', end: '192.0.2.159' }];
  d.subnets[0].reservations = [{ hwAddress: '00:00:5e:00:53:01', address: '192.0.2.120' }, { hwAddress: '00:00:5e:00:53:02', address: '192.0.2.155' }];
  loadDhcp(d);
});

test('reservations: host names unique in the subnet, case-insensitively', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.subnets[0].reservations = [{ hwAddress: '00:00:5e:00:53:01', hostname: 'Printer-1' }, { hwAddress: '00:00:5e:00:53:02', hostname: 'printer-1.' }];
  }), ['$.dhcp.subnets[0].reservations[1].hostname: printer-1. is already the host name of $.dhcp.subnets[0].reservations[0]']);
});

test('interfaces named once, addresses once; subnets name listed interfaces', () => {
  assert.deepEqual(problemsAfter((d) => { d.interfaces.push({ name: 'eth0.10', address: '192.0.2.2' }); d.subnets[0].interface = 'eth1'; }), [
    '$.dhcp.interfaces[1].name: eth0.10 is already listed at $.dhcp.interfaces[0]: name each interface once',
    '$.dhcp.interfaces[1].address: 192.0.2.2 is already the address of $.dhcp.interfaces[0]',
    '$.dhcp.subnets[0].interface: eth1 is not one of dhcp.interfaces: add it there',
  ]);
});

test('classes: names unique, every reference exists, lists without repeats', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.classes = [{ name: 'phone' }, { name: 'phone' }];
    d.subnets[0].classes = ['nope'];
    d.subnets[0].pools[0].classes = ['phone', 'phone'];
    d.subnets[0].reservations = [{ hwAddress: '00:00:5e:00:53:01', classes: ['ghost'] }];
  }), [
    '$.dhcp.classes[1].name: phone is already the name of $.dhcp.classes[0]',
    '$.dhcp.subnets[0].classes[0]: no client class is named nope (dhcp.classes)',
    '$.dhcp.subnets[0].pools[0].classes[1]: phone is listed twice',
    '$.dhcp.subnets[0].reservations[0].classes[0]: no client class is named ghost (dhcp.classes)',
  ]);
});

test('class match: one of equals/prefix(/hex/hexPrefix) per entry, aligned giaddr networks, no empty match', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.classes = [
      { name: 'a', match: {} },
      { name: 'b', match: { vendorClass: [{ equals: 'x', prefix: 'y' }], userClass: [{}], circuitId: [{}], remoteId: [{ hex: '01', prefix: 'x' }], giaddr: ['198.51.100.1/24', '198.51.100.1'] } },
    ];
  }), [
    '$.dhcp.classes[0].match: has no criterion and matches no client: leave match out for a class given by reservations only',
    '$.dhcp.classes[1].match.vendorClass[0]: give exactly one of equals, prefix',
    '$.dhcp.classes[1].match.userClass[0]: give exactly one of equals, prefix',
    '$.dhcp.classes[1].match.circuitId[0]: give exactly one of equals, prefix, hex, hexPrefix',
    '$.dhcp.classes[1].match.remoteId[0]: give exactly one of equals, prefix, hex, hexPrefix',
    '$.dhcp.classes[1].match.giaddr[0]: 198.51.100.1/24 is not a network address: did you mean 198.51.100.0/24?',
  ]);
});

test('shared networks: names unique, references exist, their subnets on one link', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.sharedNetworks = [{ name: 'lan' }, { name: 'lan' }];
    d.subnets[0].sharedNetwork = 'lan';
    d.subnets.push({ id: 2, subnet: '198.51.100.0/24', sharedNetwork: 'lan' }, { id: 3, subnet: '203.0.113.0/24', sharedNetwork: 'wan' });
  }), [
    '$.dhcp.sharedNetworks[1].name: lan is already the name of $.dhcp.sharedNetworks[0]',
    '$.dhcp.subnets[1].interface: must be eth0.10, as in $.dhcp.subnets[0]: the subnets of shared network lan share one link',
    '$.dhcp.subnets[2].sharedNetwork: no shared network is named wan (dhcp.sharedNetworks)',
  ]);
  const d = baseDhcp();
  d.sharedNetworks = [{ name: 'lan' }];
  d.subnets[0].sharedNetwork = 'lan';
  d.subnets.push({ id: 2, subnet: '198.51.100.0/24', interface: 'eth0.10', sharedNetwork: 'lan' });
  loadDhcp(d);
});

test('relay addresses: each selects one subnet, or the subnets of one shared network', () => {
  assert.deepEqual(problemsAfter((d) => {
    d.subnets[0].relayAddresses = ['203.0.113.1', '203.0.113.1'];
    d.subnets.push({ id: 2, subnet: '198.51.100.0/24', relayAddresses: ['203.0.113.1'] });
  }), [
    '$.dhcp.subnets[0].relayAddresses[1]: 203.0.113.1 is listed twice',
    '$.dhcp.subnets[1].relayAddresses[0]: 203.0.113.1 already selects $.dhcp.subnets[0]: a relay address selects one subnet, or the subnets of one shared network',
  ]);
  const d = baseDhcp();
  d.sharedNetworks = [{ name: 'voice' }];
  d.subnets = [
    { id: 1, subnet: '198.51.100.0/25', sharedNetwork: 'voice', relayAddresses: ['203.0.113.1'] },
    { id: 2, subnet: '198.51.100.128/25', sharedNetwork: 'voice', relayAddresses: ['203.0.113.1'] },
  ];
  loadDhcp(d);
});

test('timers: T1 < T2 < lease time globally, with defaults 50% and 87.5%', () => {
  assert.deepEqual(problemsAfter((d) => { d.renewTime = 50000; d.rebindTime = 40000; }), [
    '$.dhcp.renewTime: must be less than the rebind time T2 (40000 s)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.leaseTime = 3600; d.rebindTime = 3600; }), [
    '$.dhcp.rebindTime: must be less than the lease time (3600 s)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.leaseTime = 3600; d.renewTime = 3600; }), [
    '$.dhcp.renewTime: must be less than the lease time (3600 s)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.renewTime = 80000; }), [
    '$.dhcp.renewTime: must be less than the rebind time T2 (75600 s by default, 87.5% of the lease time)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.rebindTime = 40000; }), [
    '$.dhcp.rebindTime: must be more than the renew time T1 (43200 s by default, 50% of the lease time)',
  ]);
  loadDhcp({ ...baseDhcp(), leaseTime: 600, renewTime: 300, rebindTime: 525 });
});

test('timers: per subnet, each value inheriting on its own; the most specific key is blamed', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].renewTime = 80000; }), [
    '$.dhcp.subnets[0].renewTime: must be less than the rebind time T2 (75600 s by default, 87.5% of the lease time)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.renewTime = 3000; d.subnets[0].leaseTime = 600; }), [
    '$.dhcp.subnets[0].leaseTime: must be more than the renew time T1 (3000 s, inherited from dhcp.renewTime)',
  ]);
  // A global mistake is reported once, at the global key, not again per subnet.
  assert.deepEqual(problemsAfter((d) => { d.renewTime = 80000; }).length, 1);
  const d = baseDhcp();
  d.renewTime = 3000;
  d.subnets[0].leaseTime = 600;
  d.subnets[0].renewTime = 200;
  loadDhcp(d);
});

test('effectiveTimers: what the engine sends as 51, 58, 59', () => {
  assert.deepEqual(effectiveTimers({ leaseTime: 86400 }), { leaseTime: 86400, renewTime: 43200, rebindTime: 75600 });
  assert.deepEqual(effectiveTimers({ leaseTime: 86400, renewTime: 3600 }, { leaseTime: 7200 }), { leaseTime: 7200, renewTime: 3600, rebindTime: 6300 });
  assert.deepEqual(effectiveTimers({ leaseTime: 86400 }, { leaseTime: 601, renewTime: 100, rebindTime: 500 }), { leaseTime: 601, renewTime: 100, rebindTime: 500 });
  assert.deepEqual(effectiveTimers({ leaseTime: 11 }), { leaseTime: 11, renewTime: 5, rebindTime: 9 });
});

test('ping before offer: its timeout must fit in the offer hold time', () => {
  assert.deepEqual(problemsAfter((d) => { d.pingBeforeOffer = { enabled: true, timeoutMs: 5000 }; d.offerHoldTime = 5; }), [
    '$.dhcp.pingBeforeOffer.timeoutMs: must be shorter than the offer hold time (offerHoldTime: 5 s)',
  ]);
  // Not checked while ping is off.
  loadDhcp({ ...baseDhcp(), pingBeforeOffer: { enabled: false, timeoutMs: 5000 }, offerHoldTime: 5 });
});

test('semantic problems are all reported at once, across the section', () => {
  const d = baseDhcp();
  d.subnets[0].subnet = '192.0.2.1/24';
  d.subnets.push({ id: 1, subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.9', end: '198.51.100.8' }] });
  d.classes = [{ name: 'x' }, { name: 'x' }];
  d.renewTime = 90000;
  const paths = problemsOf(d).map((p) => p.split(': ')[0]);
  assert.deepEqual(paths, [
    '$.dhcp.renewTime',
    '$.dhcp.classes[1].name',
    '$.dhcp.subnets[0].subnet',
    '$.dhcp.subnets[1].id',
    '$.dhcp.subnets[1].pools[0].end',
  ]);
});

test('semantic checks run only on a schema-valid config (no crash on half-typed input)', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = 7; d.subnets[0].pools = 'all'; }), [
    '$.dhcp.subnets[0].subnet: must be string, not number 7',
    '$.dhcp.subnets[0].pools: must be array, not the string "all"',
  ]);
});

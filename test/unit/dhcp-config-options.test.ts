// Option values in the site config (dhcp-options.ts): typed keys, the template
// catalogue (avaya, ciscoTftp, aruba, resolvers) and custom options render to the
// bytes the DHCPv4 codec sends; each template's validation names the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_OPTION_LENGTH,
  OPTION_TEMPLATES,
  SERVER_SET_OPTIONS,
  TYPED_OPTION_KEYS,
  avayaString,
  catalogueKind,
  mergeOptionSets,
  renderDhcpOptionTables,
  renderOptions,
  type OptionSet,
} from '../../src/config/dhcp-options.js';
import type { DhcpOptionValues } from '../../src/config/dhcp-schema.js';
import { DHCP4_OPTIONS, decodeOption, optionName } from '../../src/wire/dhcp4/index.js';
import { baseDhcp, loadDhcp, optionProblems, problemsAfter, problemsOf, type Editable } from './dhcp-config-support.js';

/** The options of subnet 0 (routers 192.0.2.1, unless `options` says otherwise) after loading the base section with `options` added there. */
function rendered(options: Record<string, unknown>): OptionSet {
  const d = baseDhcp();
  d.subnets[0].options = { routers: ['192.0.2.1'], ...options };
  const { tables, problems } = renderDhcpOptionTables(loadDhcp(d));
  assert.deepEqual(problems, []);
  return tables.subnets[0]!.subnet;
}

function hex(set: OptionSet): Record<number, string> {
  return Object.fromEntries([...set].map(([code, o]) => [code, o.data.toString('hex')]));
}

function ascii(set: OptionSet, code: number): string | undefined {
  return set.get(code)?.data.toString('latin1');
}

// --- typed keys ------------------------------------------------------------

test('typed keys render through the DHCPv4 codec', () => {
  const set = rendered({
    routers: ['192.0.2.1', '192.0.2.3'],
    domainNameServers: ['192.0.2.2'],
    domainName: 'example.com.',
    domainSearch: ['example.com', 'voice.example.com'],
    ntpServers: ['203.0.113.123'],
    timeOffset: -3600,
    interfaceMtu: 1500,
    tftpServerName: 'tftp.example.com',
    bootFileName: 'pxelinux.0',
    tftpServerAddress: ['203.0.113.30'],
    classlessStaticRoutes: [{ destination: '0.0.0.0/0', router: '192.0.2.1' }, { destination: '198.51.100.0/24', router: '192.0.2.3' }],
    wpadUrl: 'http://proxy.example.com/wpad.dat',
  });
  assert.deepEqual(hex(set), {
    3: 'c0000201c0000203',
    6: 'c0000202',
    15: Buffer.from('example.com').toString('hex'), // the trailing dot is not sent
    119: '076578616d706c6503636f6d0005766f696365c000', // the second name points at the first
    42: 'cb00717b',
    2: 'fffff1f0',
    26: '05dc',
    66: Buffer.from('tftp.example.com').toString('hex'),
    67: Buffer.from('pxelinux.0').toString('hex'),
    150: 'cb00711e',
    121: '00c0000201' + '18c63364c0000203',
    252: Buffer.from('http://proxy.example.com/wpad.dat').toString('hex'),
  });
  // The codec reads back what the config says.
  assert.deepEqual(decodeOption(119, set.get(119)!.data), ['example.com', 'voice.example.com']);
  assert.deepEqual(decodeOption(121, set.get(121)!.data), [
    { destination: 0, prefixLength: 0, router: 0xc0000201 },
    { destination: 0xc6336400, prefixLength: 24, router: 0xc0000203 },
  ]);
  for (const [code, o] of set) {
    assert.equal(o.name, optionName(code));
    assert.match(o.source, /^\$\.dhcp\.subnets\[0\]\.options\.[a-zA-Z]+$/);
  }
});

test('typed keys: repeats in lists and misaligned routes are errors naming the entry', () => {
  assert.deepEqual(optionProblems({ routers: ['192.0.2.1', '192.0.2.1'] }), ['$.dhcp.subnets[0].options.routers[1]: 192.0.2.1 is listed twice']);
  assert.deepEqual(optionProblems({ domainSearch: ['example.com', 'EXAMPLE.com.'] }), ['$.dhcp.subnets[0].options.domainSearch[1]: EXAMPLE.com. is listed twice']);
  assert.deepEqual(optionProblems({ classlessStaticRoutes: [{ destination: '198.51.100.5/24', router: '192.0.2.1' }, { destination: '0.0.0.0/0', router: '192.0.2.1' }, { destination: '0.0.0.0/0', router: '192.0.2.3' }] }), [
    '$.dhcp.subnets[0].options.classlessStaticRoutes[0].destination: 198.51.100.5/24 is not a network address: did you mean 198.51.100.0/24?',
    '$.dhcp.subnets[0].options.classlessStaticRoutes[2].destination: 0.0.0.0/0 is routed twice',
  ]);
});

test('each option is set once per level: keys, templates and custom entries that render the same code', () => {
  assert.deepEqual(optionProblems({ resolvers: { servers: ['192.0.2.2'] }, domainNameServers: ['192.0.2.3'] }), [
    '$.dhcp.subnets[0].options.resolvers.servers: option 6 (domain-name-servers) is already set at this level by $.dhcp.subnets[0].options.domainNameServers: set it once',
  ]);
  assert.deepEqual(optionProblems({ ciscoTftp: { servers: ['203.0.113.30'] }, tftpServerAddress: ['203.0.113.31'], tftpServerName: 'tftp.example.com' }), [
    '$.dhcp.subnets[0].options.ciscoTftp.servers: option 150 (tftp-server-address) is already set at this level by $.dhcp.subnets[0].options.tftpServerAddress: set it once',
    '$.dhcp.subnets[0].options.ciscoTftp.servers: option 66 (tftp-server-name) is already set at this level by $.dhcp.subnets[0].options.tftpServerName: set it once',
  ]);
  assert.deepEqual(optionProblems({ custom: [{ code: 3, value: ['192.0.2.1'] }] }), [
    '$.dhcp.subnets[0].options.custom[0]: option 3 (routers) is already set at this level by $.dhcp.subnets[0].options.routers: set it once',
  ]);
  // The same option at two levels is inheritance, not a conflict.
  const d = baseDhcp();
  d.options = { routers: ['192.0.2.1'] };
  loadDhcp(d);
});

// --- avaya -----------------------------------------------------------------

test('avaya: renders MCIPADD=…,MCPORT=…,TFTPSRVR=…,HTTPSRVR=…,L2Q=…,L2QVLAN=… in a fixed order into 242', () => {
  const set = rendered({
    avaya: {
      l2qVlan: 20,
      l2q: 'on',
      mcIpAdd: ['203.0.113.10', 'cm2.example.com'],
      mcPort: 1719,
      tftpSrvr: ['198.51.100.2'],
      httpSrvr: ['198.51.100.2', '198.51.100.3'],
      httpDir: 'avaya/96xx',
      tlsSrvr: ['files.example.com'],
      l2qAud: 6,
      l2qSig: 6,
      vlanTest: 60,
      extra: [{ name: 'SIPDOMAIN', value: 'example.com' }, { name: 'PHY2VLAN', value: '10' }],
    },
  });
  assert.deepEqual([...set.keys()], [3, 242]);
  assert.equal(ascii(set, 242),
    'MCIPADD=203.0.113.10,cm2.example.com,MCPORT=1719,TFTPSRVR=198.51.100.2,HTTPSRVR=198.51.100.2,198.51.100.3,HTTPDIR=avaya/96xx,' +
    'TLSSRVR=files.example.com,L2Q=1,L2QVLAN=20,L2QAUD=6,L2QSIG=6,VLANTEST=60,SIPDOMAIN=example.com,PHY2VLAN=10');
  assert.equal(set.get(242)!.name, 'avaya-242');
  assert.equal(set.get(242)!.source, '$.dhcp.subnets[0].options.avaya');
});

test('avaya: the seed\'s string, l2q words, and codes 176, 242 or both', () => {
  assert.equal(avayaString({ mcIpAdd: ['203.0.113.10'], mcPort: 1719, tftpSrvr: ['203.0.113.20'], l2q: 'on', l2qVlan: 20 } as never),
    'MCIPADD=203.0.113.10,MCPORT=1719,TFTPSRVR=203.0.113.20,L2Q=1,L2QVLAN=20');
  assert.equal(avayaString({ l2q: 'auto' } as never), 'L2Q=0');
  assert.equal(avayaString({ l2q: 'off' } as never), 'L2Q=2');
  assert.deepEqual([...rendered({ avaya: { codes: [176], l2q: 'on' } }).keys()], [3, 176]);
  const both = rendered({ avaya: { codes: [242, 176], l2q: 'on', l2qVlan: 20 } });
  assert.equal(ascii(both, 242), 'L2Q=1,L2QVLAN=20');
  assert.equal(ascii(both, 176), 'L2Q=1,L2QVLAN=20');
});

test('avaya: at most 255 bytes as one option — 255 accepted, 256 refused', () => {
  // "L2Q=1,X=" (8) + 200 + ",Y=" (3) + n bytes.
  const avaya = (n: number) => ({ l2q: 'on', extra: [{ name: 'X', value: 'a'.repeat(200) }, { name: 'Y', value: 'b'.repeat(n) }] });
  assert.equal(rendered({ avaya: avaya(44) }).get(242)!.data.length, MAX_OPTION_LENGTH);
  assert.deepEqual(optionProblems({ avaya: avaya(45) }), [
    `$.dhcp.subnets[0].options.avaya: renders to 256 bytes (L2Q=1,X=${'a'.repeat(32)}…); one DHCP option holds at most 255: shorten the server lists or names`,
  ]);
  const long = Array.from({ length: 12 }, (_, i) => `callserver-${i}.voice.example.com`);
  assert.match(optionProblems({ avaya: { mcIpAdd: long.slice(0, 8), httpSrvr: long.slice(8) } })[0] ?? '', /^\$\.dhcp\.subnets\[0\]\.options\.avaya: renders to 390 bytes \(MCIPADD=/);
});

test('avaya: semantic errors name the field', () => {
  assert.deepEqual(optionProblems({ avaya: {} }), [
    '$.dhcp.subnets[0].options.avaya: sets no parameter: give at least one of mcIpAdd, tftpSrvr, httpSrvr, tlsSrvr, l2q, l2qVlan, …',
  ]);
  assert.deepEqual(optionProblems({ avaya: { codes: [242, 242], l2q: 'on' } }), ['$.dhcp.subnets[0].options.avaya.codes[1]: 242 is listed twice']);
  assert.deepEqual(optionProblems({ avaya: { mcIpAdd: ['203.0.113.5', 'cm.example.com', 'CM.example.com.'] } }), [
    '$.dhcp.subnets[0].options.avaya.mcIpAdd[2]: CM.example.com. is listed twice',
  ]);
  assert.deepEqual(optionProblems({ avaya: { httpSrvr: ['198.51.100.2', '198.51.100.2'] } }), ['$.dhcp.subnets[0].options.avaya.httpSrvr[1]: 198.51.100.2 is listed twice']);
  assert.deepEqual(optionProblems({ avaya: { l2q: 'on', extra: [{ name: 'L2QVLAN', value: '20' }, { name: 'SIPDOMAIN', value: 'a' }, { name: 'SIPDOMAIN', value: 'b' }] } }), [
    '$.dhcp.subnets[0].options.avaya.extra[0].name: L2QVLAN has its own field: use avaya.l2qVlan',
    '$.dhcp.subnets[0].options.avaya.extra[2].name: SIPDOMAIN is given twice',
  ]);
  assert.deepEqual(optionProblems({ avaya: { l2q: 'off', l2qVlan: 20 } }), [
    '$.dhcp.subnets[0].options.avaya.l2qVlan: is set while l2q is "off": the phone would not tag; set l2q to "on" or "auto", or leave l2qVlan out',
  ]);
  // VLAN 0 with tagging off says "no VLAN": fine.
  assert.equal(ascii(rendered({ avaya: { l2q: 'off', l2qVlan: 0 } }), 242), 'L2Q=2,L2QVLAN=0');
});

// --- ciscoTftp -------------------------------------------------------------

test('ciscoTftp: servers in 150, the first (or serverName) in 66, or no 66', () => {
  const set = rendered({ ciscoTftp: { servers: ['203.0.113.30', '203.0.113.31'] } });
  assert.deepEqual(hex(set), { 3: 'c0000201', 150: 'cb00711ecb00711f', 66: Buffer.from('203.0.113.30').toString('hex') });
  assert.equal(ascii(rendered({ ciscoTftp: { servers: ['203.0.113.30'], serverName: 'tftp.example.com' } }), 66), 'tftp.example.com');
  assert.equal(rendered({ ciscoTftp: { servers: ['203.0.113.30'], option66: false } }).has(66), false);
  assert.deepEqual(optionProblems({ ciscoTftp: { servers: ['203.0.113.30', '203.0.113.30'] } }), ['$.dhcp.subnets[0].options.ciscoTftp.servers[1]: 203.0.113.30 is listed twice']);
  assert.deepEqual(optionProblems({ ciscoTftp: { servers: ['203.0.113.30'], option66: false, serverName: 'tftp.example.com' } }), [
    '$.dhcp.subnets[0].options.ciscoTftp.serverName: is sent in option 66, which option66: false turns off',
  ]);
});

// --- aruba -----------------------------------------------------------------

function arubaClass(match: unknown, aruba: unknown = { controller: '203.0.113.20' }): Editable {
  const d = baseDhcp();
  d.classes = [{ name: 'aruba-ap', ...(match === undefined ? {} : { match }), options: { aruba } }];
  return d;
}

test('aruba: the controller as text in 43, the vendor class echoed in 60', () => {
  const { tables } = renderDhcpOptionTables(loadDhcp(arubaClass({ vendorClass: [{ equals: 'ArubaAP' }] })));
  const set = tables.classes.get('aruba-ap')!;
  assert.deepEqual([...set.keys()], [43, 60]);
  assert.equal(ascii(set, 43), '203.0.113.20');
  assert.equal(ascii(set, 60), 'ArubaAP');
  const named = renderDhcpOptionTables(loadDhcp(arubaClass({ vendorClass: [{ prefix: 'Aruba' }] }, { controller: 'aruba-master.example.com', vendorClass: 'ArubaInstantAP' }))).tables.classes.get('aruba-ap')!;
  assert.equal(ascii(named, 43), 'aruba-master.example.com');
  assert.equal(ascii(named, 60), 'ArubaInstantAP');
});

test('aruba: only in a class that matches the APs\' vendor class, or in a reservation', () => {
  const advice = "option 43 means something else to every vendor: put the aruba template in a client class that matches the APs' vendor class (match.vendorClass), or in a reservation";
  assert.deepEqual(optionProblems({ aruba: { controller: '203.0.113.20' } }), [`$.dhcp.subnets[0].options.aruba: ${advice}`]);
  assert.deepEqual(problemsAfter((d) => { d.options = { aruba: { controller: '203.0.113.20' } }; }), [`$.dhcp.options.aruba: ${advice}`]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].options = { aruba: { controller: '203.0.113.20' } }; }), [`$.dhcp.subnets[0].pools[0].options.aruba: ${advice}`]);
  assert.deepEqual(problemsAfter((d) => { d.sharedNetworks = [{ name: 'lan', options: { aruba: { controller: '203.0.113.20' } } }]; }), [`$.dhcp.sharedNetworks[0].options.aruba: ${advice}`]);
  assert.deepEqual(problemsOf(arubaClass(undefined)), [
    '$.dhcp.classes[0].options.aruba: class aruba-ap must match the APs\' vendor class: add match.vendorClass [{"equals": "ArubaAP"}]',
  ]);
  assert.deepEqual(problemsOf(arubaClass({ macOui: ['00:0b:86'] })), [
    '$.dhcp.classes[0].options.aruba: class aruba-ap must match the APs\' vendor class: add match.vendorClass [{"equals": "ArubaAP"}]',
  ]);
  assert.deepEqual(problemsOf(arubaClass({ vendorClass: [{ equals: 'Aruba' }, { prefix: 'ArubaAPX' }] })), [
    '$.dhcp.classes[0].options.aruba.vendorClass: "ArubaAP" is not matched by class aruba-ap\'s match.vendorClass, so it would be echoed to devices that did not send it',
  ]);
  loadDhcp(arubaClass({ vendorClass: [{ equals: 'ArubaAP' }], macOui: ['00:0b:86'] }));
  const d = baseDhcp();
  d.subnets[0].reservations = [{ hwAddress: '00:0b:86:00:00:01', address: '192.0.2.10', options: { aruba: { controller: '203.0.113.20' } } }];
  loadDhcp(d);
});

// --- resolvers -------------------------------------------------------------

test('resolvers: servers in 6, domain in 15, search in 119', () => {
  const set = rendered({ resolvers: { servers: ['192.0.2.2', '203.0.113.53'], domain: 'example.com', search: ['voice.example.com', 'example.com'] } });
  assert.deepEqual([...set.keys()], [3, 6, 15, 119]);
  assert.equal(set.get(6)!.data.toString('hex'), 'c0000202cb007135');
  assert.equal(ascii(set, 15), 'example.com');
  assert.deepEqual(decodeOption(119, set.get(119)!.data), ['voice.example.com', 'example.com']);
  assert.equal(set.get(119)!.source, '$.dhcp.subnets[0].options.resolvers.search');
  assert.deepEqual([...rendered({ resolvers: { domain: 'example.com' } }).keys()], [3, 15]);
});

test('resolvers: errors name the field', () => {
  assert.deepEqual(optionProblems({ resolvers: {} }), ['$.dhcp.subnets[0].options.resolvers: sets nothing: give servers, domain or search']);
  assert.deepEqual(optionProblems({ resolvers: { servers: ['192.0.2.2', '192.0.2.2'] } }), ['$.dhcp.subnets[0].options.resolvers.servers[1]: 192.0.2.2 is listed twice']);
  assert.deepEqual(optionProblems({ resolvers: { search: ['example.com', 'example.com.'] } }), ['$.dhcp.subnets[0].options.resolvers.search[1]: example.com. is listed twice']);
  const search = Array.from({ length: 16 }, (_, i) => `site-${i}.region-${i}.example${i}.com`);
  assert.deepEqual(optionProblems({ resolvers: { search } }), [
    '$.dhcp.subnets[0].options.resolvers.search: option 119 (domain-search) renders to 453 bytes; one DHCP option holds at most 255',
  ]);
});

// --- custom ----------------------------------------------------------------

test('custom: codes the catalogue does not know take an explicit type, each encoded', () => {
  const set = rendered({
    custom: [
      { code: 224, type: 'text', value: 'hello' },
      { code: 225, type: 'hex', value: '01:02:0a' },
      { code: 226, type: 'boolean', value: true },
      { code: 227, type: 'uint8', value: 255 },
      { code: 228, type: 'uint16', value: 1719 },
      { code: 229, type: 'uint32', value: 4294967295 },
      { code: 230, type: 'int32', value: -1 },
      { code: 231, type: 'ipv4', value: '203.0.113.1' },
      { code: 232, type: 'ipv4-list', value: ['203.0.113.1', '203.0.113.2'] },
      { code: 233, type: 'domain-list', value: ['example.com', 'a.example.com'] },
    ],
  });
  assert.deepEqual(hex(set), {
    3: 'c0000201',
    224: '68656c6c6f',
    225: '01020a',
    226: '01',
    227: 'ff',
    228: '06b7',
    229: 'ffffffff',
    230: 'ffffffff',
    231: 'cb007101',
    232: 'cb007101cb007102',
    233: '076578616d706c6503636f6d000161c000',
  });
  assert.equal(set.get(224)!.name, 'option-224');
  assert.equal(set.get(224)!.source, '$.dhcp.subnets[0].options.custom[0]');
});

test('custom: catalogued options by name or code take the catalogue\'s type', () => {
  const set = rendered({
    custom: [
      { name: 'wpad-url', value: 'http://proxy.example.com/wpad.dat' },
      { code: 43, value: '01:04:cb:00:71:14' },
      { name: 'tftp-server-address', value: ['203.0.113.30'] },
      { code: 26, type: 'uint16', value: 1400 },
    ],
  });
  assert.deepEqual(hex(set), {
    3: 'c0000201',
    252: Buffer.from('http://proxy.example.com/wpad.dat').toString('hex'),
    43: '0104cb007114',
    150: 'cb00711e',
    26: '0578',
  });
});

test('custom: every error names the entry and the reason', () => {
  const at = '$.dhcp.subnets[0].options.custom';
  assert.deepEqual(optionProblems({ custom: [{ code: 3, name: 'routers', value: ['192.0.2.1'] }, { value: 1 }] }), [
    `${at}[0]: give the option's code or its name, not both`,
    `${at}[1]: give the option's code or its name`,
  ]);
  assert.deepEqual(optionProblems({ custom: [{ name: 'no-such-option', value: 'x' }] }), [`${at}[0].name: "no-such-option" is not in the option catalogue: give its code and type instead`]);
  assert.deepEqual(optionProblems({ custom: [{ code: 224, value: 'x' }] }), [
    `${at}[0]: option 224 is not in the option catalogue: give its type (one of text, hex, boolean, uint8, uint16, uint32, int32, ipv4, ipv4-list, domain-list)`,
  ]);
  assert.deepEqual(optionProblems({ custom: [{ name: 'wpad-url', type: 'hex', value: 'x' }] }), [`${at}[0].type: option 252 (wpad-url) is of type text: leave type out`]);
  assert.deepEqual(optionProblems({
    custom: [
      { code: 224, type: 'uint8', value: 300 },
      { code: 225, type: 'uint16', value: 1.5 },
      { code: 226, type: 'int32', value: 2147483648 },
      { code: 227, type: 'boolean', value: 'yes' },
      { code: 228, type: 'text', value: 'caf\u00e9' },
      { code: 229, type: 'text', value: 7 },
      { code: 230, type: 'hex', value: '0x01' },
      { code: 231, type: 'ipv4', value: '203.0.113' },
      { code: 150, value: ['203.0.113.1', 'x'] },
      { code: 232, type: 'ipv4-list', value: ['203.0.113.1', '203.0.113.1'] },
      { code: 233, type: 'domain-list', value: ['a..b'] },
      { code: 234, type: 'ipv4-list', value: [] },
      { code: 121, value: [] },
    ],
  }), [
    `${at}[0].value: must be an integer 0–255 (uint8), not number 300`,
    `${at}[1].value: must be an integer 0–65535 (uint16), not number 1.5`,
    `${at}[2].value: must be an integer -2147483648–2147483647 (int32), not number 2147483648`,
    `${at}[3].value: must be true or false, not the string "yes"`,
    `${at}[4].value: must be printable ASCII text (use type "hex" for other bytes)`,
    `${at}[5].value: must be a non-empty string, not number 7`,
    `${at}[6].value: must be hex bytes such as 01:02:0a or 01020a, not the string "0x01"`,
    `${at}[7].value: must be an IPv4 address, not the string "203.0.113"`,
    `${at}[8].value[1]: must be an IPv4 address, not the string "x"`,
    `${at}[9].value[1]: 203.0.113.1 is listed twice`,
    `${at}[10].value[0]: "a..b" is not a valid domain name`,
    `${at}[11].value: must be a non-empty array of IPv4 addresses, not an empty array`,
    `${at}[12].value: use the classlessStaticRoutes key for option 121`,
  ]);
  assert.deepEqual(optionProblems({ custom: [{ code: 224, type: 'hex', value: 'ff'.repeat(256) }] }), [`${at}[0]: option 224 renders to 256 bytes; one DHCP option holds at most 255`]);
  assert.equal(rendered({ custom: [{ code: 224, type: 'hex', value: 'ff'.repeat(255) }] }).get(224)!.data.length, 255);
});

test('custom: options the server sets itself are refused with what to use instead', () => {
  const cases: [number, string][] = [
    [1, 'option 1 (subnet-mask) cannot be configured: it comes from the subnet prefix (dhcp.subnets[].subnet)'],
    [12, 'option 12 (host-name) cannot be configured: it is set per client by dhcp.subnets[].reservations[].hostname'],
    [51, 'option 51 (dhcp-lease-time) cannot be configured: it comes from dhcp.leaseTime or dhcp.subnets[].leaseTime'],
    [54, 'option 54 (dhcp-server-identifier) cannot be configured: it comes from dhcp.serverIdentifier or the interface address'],
    [58, 'option 58 (dhcp-renewal-time) cannot be configured: it comes from dhcp.renewTime or dhcp.subnets[].renewTime'],
    [59, 'option 59 (dhcp-rebinding-time) cannot be configured: it comes from dhcp.rebindTime or dhcp.subnets[].rebindTime'],
    [82, 'option 82 (dhcp-agent-options) cannot be configured: it is added by relays and echoed by the server'],
  ];
  for (const [code, reason] of cases) {
    assert.deepEqual(optionProblems({ custom: [{ code, value: 1 }] }), [`$.dhcp.subnets[0].options.custom[0].code: ${reason}`]);
  }
  assert.deepEqual(optionProblems({ custom: [{ name: 'dhcp-message-type', value: 1 }] }), [
    '$.dhcp.subnets[0].options.custom[0].name: option 53 (dhcp-message-type) cannot be configured: it is the message type, set by the server',
  ]);
});

// --- alwaysSend --------------------------------------------------------------

test('alwaysSend marks options of its level; the aruba template is always sent', () => {
  const set = rendered({ ciscoTftp: { servers: ['203.0.113.30'] }, alwaysSend: [150] });
  assert.deepEqual([...set].map(([c, o]) => [c, o.alwaysSend]), [[3, false], [150, true], [66, false]]);
  const { tables } = renderDhcpOptionTables(loadDhcp(arubaClass({ vendorClass: [{ equals: 'ArubaAP' }] })));
  assert.deepEqual([...tables.classes.get('aruba-ap')!].map(([c, o]) => [c, o.alwaysSend]), [[43, true], [60, true]]);
  assert.deepEqual(optionProblems({ alwaysSend: [3, 3, 42] }), [
    '$.dhcp.subnets[0].options.alwaysSend[1]: 3 is listed twice',
    '$.dhcp.subnets[0].options.alwaysSend[2]: option 42 (ntp-servers) is not set at this level: alwaysSend names options of its own level',
  ]);
  assert.deepEqual(optionProblems({ alwaysSend: [0] }), ['$.dhcp.subnets[0].options.alwaysSend[0]: must be >= 1, not number 0']);
});

// --- levels ------------------------------------------------------------------

test('mergeOptionSets: later levels replace earlier ones per code (global → … → reservation)', () => {
  const at = (level: string) => ['dhcp', level, 'options'];
  const global = renderOptions({ routers: ['192.0.2.1'], ntpServers: ['192.0.2.2'] }, at('g')).set;
  const subnet = renderOptions({ routers: ['192.0.2.3'] }, at('s')).set;
  const cls = renderOptions({ avaya: { codes: [242], l2q: 'on' } } as DhcpOptionValues, at('c')).set;
  const reservation = renderOptions({ ntpServers: ['192.0.2.4'] }, at('r')).set;
  const merged = mergeOptionSets(global, undefined, subnet, cls, reservation);
  assert.deepEqual([...merged.keys()], [3, 242, 42]);
  assert.equal(merged.get(3)!.source, '$.dhcp.s.options.routers');
  assert.equal(merged.get(42)!.data.toString('hex'), 'c0000204');
  assert.equal(mergeOptionSets().size, 0);
});

test('renderDhcpOptionTables: every level rendered once, indexed like the config', () => {
  const d = baseDhcp();
  d.options = { ntpServers: ['192.0.2.2'] };
  d.sharedNetworks = [{ name: 'lan', options: { interfaceMtu: 1400 } }];
  d.classes = [{ name: 'phone', match: { vendorClass: [{ equals: 'ccp.avaya.com' }] }, options: { avaya: { l2q: 'on', l2qVlan: 20 } } }, { name: 'none' }];
  d.subnets[0].sharedNetwork = 'lan';
  d.subnets[0].pools.push({ start: '192.0.2.200', end: '192.0.2.209', options: { bootFileName: 'x.bin' } });
  d.subnets[0].reservations = [{ hwAddress: '00:00:5e:00:53:01' }, { hwAddress: '00:00:5e:00:53:02', options: { interfaceMtu: 1500 } }];
  const { tables, problems } = renderDhcpOptionTables(loadDhcp(d));
  assert.deepEqual(problems, []);
  assert.deepEqual([...tables.global.keys()], [42]);
  assert.deepEqual([...tables.sharedNetworks.get('lan')!.keys()], [26]);
  assert.deepEqual([...tables.classes.keys()], ['phone', 'none']);
  assert.equal(tables.classes.get('none')!.size, 0);
  const s = tables.subnets[0]!;
  assert.deepEqual([[...s.subnet.keys()], s.pools.map((p) => [...p.keys()]), s.reservations.map((r) => [...r.keys()])], [[3], [[], [67]], [[], [26]]]);
  // A phone in pool 1 with reservation 1: what the engine would send.
  const merged = mergeOptionSets(tables.global, tables.sharedNetworks.get('lan'), s.subnet, s.pools[1], tables.classes.get('phone'), s.reservations[1]);
  assert.deepEqual(Object.fromEntries([...merged].map(([c, o]) => [c, o.source])), {
    42: '$.dhcp.options.ntpServers',
    26: '$.dhcp.subnets[0].reservations[1].options.interfaceMtu',
    3: '$.dhcp.subnets[0].options.routers',
    67: '$.dhcp.subnets[0].pools[1].options.bootFileName',
    242: '$.dhcp.classes[0].options.avaya',
  });
});

// --- catalogue consistency ----------------------------------------------------

test('the config\'s option keys and templates agree with the wire catalogue', () => {
  for (const [key, code] of Object.entries(TYPED_OPTION_KEYS)) {
    assert.ok(DHCP4_OPTIONS.has(code), `${key}: option ${code} is in the wire catalogue`);
    assert.ok(!SERVER_SET_OPTIONS.has(code), `${key}: option ${code} is configurable`);
  }
  for (const t of OPTION_TEMPLATES) for (const code of t.codes) assert.ok(DHCP4_OPTIONS.has(code), `${t.key}: option ${code} is in the wire catalogue`);
  for (const code of SERVER_SET_OPTIONS.keys()) assert.ok(DHCP4_OPTIONS.has(code), `server-set option ${code} is in the wire catalogue`);
  assert.deepEqual(OPTION_TEMPLATES.map((t) => t.key), ['avaya', 'ciscoTftp', 'aruba', 'resolvers']);
  assert.deepEqual([catalogueKind(3), catalogueKind(15), catalogueKind(26), catalogueKind(43), catalogueKind(119), catalogueKind(121), catalogueKind(2), catalogueKind(200)],
    ['ipv4-list', 'text', 'uint16', 'hex', 'domain-list', 'routes', 'int32', undefined]);
  // Every catalogued option is either typed for the config or set by the server.
  for (const code of DHCP4_OPTIONS.keys()) assert.ok(catalogueKind(code) !== undefined || SERVER_SET_OPTIONS.has(code), `option ${code}`);
});

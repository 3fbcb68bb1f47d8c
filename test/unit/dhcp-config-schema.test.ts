// The `dhcp` section's schema: defaults, structure, and the errors the schema itself
// reports (unknown keys, types, ranges, patterns), each with its path and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSiteConfig, siteConfigJsonSchema } from '../../src/config/site-config.js';
import { DhcpSchema, type DhcpConfig } from '../../src/config/dhcp-schema.js';
import { baseDhcp, loadDhcp, optionProblems, problemsAfter, problemsOf, siteText } from './dhcp-config-support.js';

test('a config without a dhcp section has no DHCP service and stays valid', () => {
  const r = parseSiteConfig(JSON.stringify({ version: 1, site: { name: 'a' }, server: { name: 'b' } }));
  assert.ok(r.ok);
  assert.equal(r.loaded.config.dhcp, undefined);
});

test('a dhcp section is completed with the defaults next to each key', () => {
  const d = loadDhcp(baseDhcp());
  const { subnets, interfaces, ...rest } = d;
  assert.deepEqual(rest, {
    enabled: true,
    port: 67,
    authoritative: true,
    matchClientId: true,
    leaseTime: 86400,
    declineProbationTime: 86400,
    offerHoldTime: 30,
    pingBeforeOffer: { enabled: false, timeoutMs: 500 },
    leaseDir: '/var/lib/outpost/dhcp4',
    classes: [],
    sharedNetworks: [],
    ddns: { enabled: false, clientFlags: 'honour', keys: [], timeoutMs: 2000, maxAttempts: 30, maxAgeSeconds: 86400 },
  });
  assert.deepEqual(interfaces, [{ name: 'eth0.10', address: '192.0.2.2' }]);
  assert.deepEqual(subnets[0], {
    id: 1,
    subnet: '192.0.2.0/24',
    interface: 'eth0.10',
    pools: [{ start: '192.0.2.100', end: '192.0.2.199' }],
    exclusions: [],
    reservations: [],
    options: { routers: ['192.0.2.1'] },
  });
  // T1 and T2 stay unset: their defaults are fractions of the lease time (dhcp-validate.ts effectiveTimers).
  assert.equal(d.renewTime, undefined);
  assert.equal(d.rebindTime, undefined);
  assert.equal(d.serverIdentifier, undefined);
});

test('an empty disabled section is valid and filled with defaults', () => {
  const d = loadDhcp({ enabled: false });
  assert.equal(d.enabled, false);
  assert.deepEqual([d.interfaces, d.subnets, d.classes, d.sharedNetworks], [[], [], [], []]);
});

test('defaults inside templates: avaya codes [242], ciscoTftp option66 true, aruba vendorClass ArubaAP', () => {
  const d = baseDhcp();
  d.subnets[0].options.avaya = { l2q: 'on', l2qVlan: 20 };
  d.subnets[0].options.ciscoTftp = { servers: ['203.0.113.30'] };
  d.classes = [{ name: 'aruba-ap', match: { vendorClass: [{ equals: 'ArubaAP' }] }, options: { aruba: { controller: '203.0.113.20' } } }];
  const loaded = loadDhcp(d);
  assert.deepEqual(loaded.subnets[0]!.options!.avaya!.codes, [242]);
  assert.equal(loaded.subnets[0]!.options!.ciscoTftp!.option66, true);
  assert.equal(loaded.classes[0]!.options!.aruba!.vendorClass, 'ArubaAP');
});

test('the loaded dhcp section is frozen all the way down', () => {
  const r = parseSiteConfig(siteText(baseDhcp()));
  assert.ok(r.ok);
  const pool = r.loaded.config.dhcp!.subnets[0]!.pools[0]!;
  assert.ok(Object.isFrozen(pool));
  assert.throws(() => { (pool as { start: string }).start = '192.0.2.1'; }, TypeError);
});

test('the DhcpConfig type names the fields the engine reads', () => {
  const d: DhcpConfig = loadDhcp(baseDhcp());
  const firstPool: { start: string; end: string } = d.subnets[0]!.pools[0]!;
  const port: number = d.port;
  const ping: { enabled: boolean; timeoutMs: number } = d.pingBeforeOffer;
  assert.deepEqual([firstPool.start, port, ping.timeoutMs], ['192.0.2.100', 67, 500]);
});

test('every schema node of the dhcp section is documented and closed to unknown keys', () => {
  const root = siteConfigJsonSchema() as { $defs: Record<string, unknown>; properties: { dhcp: unknown } };
  const walk = (node: unknown, path: string): string[] => {
    if (node === null || typeof node !== 'object') return [];
    const n = node as Record<string, unknown>;
    const out: string[] = [];
    if (n.type === 'object' && n.additionalProperties !== false) out.push(`${path}: objects must set additionalProperties false`);
    if ((n.type !== undefined || n.$ref !== undefined) && typeof n.description !== 'string' && !/\[\]$/.test(path)) out.push(`${path}: no description`);
    for (const [k, v] of Object.entries((n.properties as Record<string, unknown>) ?? {})) out.push(...walk(v, `${path}.${k}`));
    if (n.items) out.push(...walk(n.items, `${path}[]`));
    for (const [i, v] of ((n.anyOf as unknown[]) ?? []).entries()) if ((v as { type?: string }).type === 'object') out.push(...walk(v, `${path}|${i}`));
    return out;
  };
  assert.deepEqual([...walk(root.properties.dhcp, 'dhcp'), ...walk(root.$defs.dhcpOptions, 'options')], []);
  assert.equal(DhcpSchema.additionalProperties, false);
});

test('option objects at every level share one definition ($defs.dhcpOptions)', () => {
  const text = JSON.stringify(siteConfigJsonSchema());
  assert.equal(text.match(/"\$ref":"#\/\$defs\/dhcpOptions"/g)?.length, 6); // global, shared network, subnet, pool, class, reservation
});

test('unknown keys are errors at their own path, at every depth', () => {
  assert.deepEqual(problemsAfter((d) => { d.leasetime = 1; }).map((p) => p.split(':')[0]), ['$.dhcp.leasetime']);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pool = []; }), [
    '$.dhcp.subnets[0].pool: unknown key (allowed here: id, subnet, description, interface, relayAddresses, sharedNetwork, classes, leaseTime, renewTime, rebindTime, pools, exclusions, reservations, options, ddns)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].range = 'x'; }), [
    '$.dhcp.subnets[0].pools[0].range: unknown key (allowed here: start, end, classes, options, description)',
  ]);
  assert.deepEqual(optionProblems({ 'domain-name-servers': ['192.0.2.2'] }), [
    '$.dhcp.subnets[0].options["domain-name-servers"]: unknown key (allowed here: routers, domainNameServers, domainName, domainSearch, ntpServers, timeOffset, interfaceMtu, tftpServerName, bootFileName, tftpServerAddress, classlessStaticRoutes, wpadUrl, avaya, ciscoTftp, aruba, resolvers, custom, alwaysSend)',
  ]);
  assert.deepEqual(optionProblems({ avaya: { l2qvlan: 20 } }), [
    '$.dhcp.subnets[0].options.avaya.l2qvlan: unknown key (allowed here: codes, mcIpAdd, mcPort, tftpSrvr, httpSrvr, httpDir, tlsSrvr, l2q, l2qVlan, l2qAud, l2qSig, vlanTest, extra)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.pingBeforeOffer = { timeout: 5 }; }), [
    '$.dhcp.pingBeforeOffer.timeout: unknown key (allowed here: enabled, timeoutMs)',
  ]);
});

test('section-level values: types and ranges name path and reason', () => {
  assert.deepEqual(problemsAfter((d) => { d.port = 0; }), ['$.dhcp.port: must be >= 1, not number 0']);
  assert.deepEqual(problemsAfter((d) => { d.port = 65535; }), ['$.dhcp.port: must be <= 65534, not number 65535']);
  assert.deepEqual(problemsAfter((d) => { d.enabled = 'yes'; }), ['$.dhcp.enabled: must be boolean, not the string "yes"']);
  assert.deepEqual(problemsAfter((d) => { d.leaseTime = 5; }), ['$.dhcp.leaseTime: must be >= 10, not number 5']);
  assert.deepEqual(problemsAfter((d) => { d.offerHoldTime = 0; }), ['$.dhcp.offerHoldTime: must be >= 1, not number 0']);
  assert.deepEqual(problemsAfter((d) => { d.pingBeforeOffer = { timeoutMs: 5 }; }), ['$.dhcp.pingBeforeOffer.timeoutMs: must be >= 10, not number 5']);
  assert.deepEqual(problemsAfter((d) => { d.serverIdentifier = '2001:db8::1'; }), [
    '$.dhcp.serverIdentifier: the string "2001:db8::1" is not allowed here (Server identifier (option 54) for every reply (default: the address of the interface the request came in on).)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.leaseDir = ''; }), ['$.dhcp.leaseDir: the string "" is not allowed here (Directory of the lease files; relative paths are resolved against the config file\'s directory.)']);
});

test('interface names: VLAN subinterfaces allowed, Linux limits enforced', () => {
  const d = baseDhcp();
  d.interfaces = [{ name: 'eth0.10' }, { name: 'enp3s0f1.4094' }, { name: 'br-voice_1' }];
  loadDhcp(d);
  const hint = '(An interface name of at most 15 characters, e.g. eth0 or the VLAN subinterface eth0.10.)';
  assert.deepEqual(problemsAfter((x) => { x.interfaces = [{ name: 'eth0/1' }, { name: 'a-very-long-interface' }, { name: '..' }, { name: 'eth0 ' }]; x.subnets[0].interface = undefined; }), [
    `$.dhcp.interfaces[0].name: the string "eth0/1" is not allowed here ${hint}`,
    `$.dhcp.interfaces[1].name: the string "a-very-long-interface" is not allowed here ${hint}`,
    `$.dhcp.interfaces[2].name: the string ".." is not allowed here ${hint}`,
    `$.dhcp.interfaces[3].name: the string "eth0 " is not allowed here ${hint}`,
  ]);
});

test('subnets: id range, CIDR syntax, addresses of pools', () => {
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].id = 0; }), ['$.dhcp.subnets[0].id: must be >= 1, not number 0']);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = '192.0.2.0'; }), [
    '$.dhcp.subnets[0].subnet: the string "192.0.2.0" is not allowed here (The network in CIDR form, aligned, /8 to /30, e.g. 192.0.2.0/24.)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].subnet = '192.0.2.0/33'; }).length, 1);
  assert.deepEqual(problemsAfter((d) => { delete d.subnets[0].id; }), ['$.dhcp.subnets[0]: missing required key "id"']);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].end = '192.0.2.256'; }), [
    '$.dhcp.subnets[0].pools[0].end: the string "192.0.2.256" is not allowed here (Last address of the pool, inclusive.)',
  ]);
  assert.deepEqual(problemsAfter((d) => { d.subnets[0].pools[0].start = '192.0.2.010'; }), [
    '$.dhcp.subnets[0].pools[0].start: the string "192.0.2.010" is not allowed here (First address of the pool.)',
  ]);
});

test('reservation identifiers: MAC, hex and text forms are checked by syntax', () => {
  const d = baseDhcp();
  d.subnets[0].reservations = [
    { hwAddress: '00:00:5e:00:53:01' },
    { hwAddress: '00-00-5E-00-53-02' },
    { hwAddress: '00005e005303' },
    { clientId: '01:00:00:5e:00:53:04' },
    { clientId: '0100005e005305' },
    { circuitId: 'Gi1/0/24' },
    { circuitIdHex: '00:04:00:0a:01:05' },
    { remoteId: 'switch-07' },
    { remoteIdHex: 'c0000201' },
  ];
  loadDhcp(d);
  assert.deepEqual(problemsAfter((x) => { x.subnets[0].reservations = [{ hwAddress: '00:00:5e-00:53:01' }, { hwAddress: '00:00:5e:00:53' }, { clientId: '1' }, { circuitIdHex: 'zz' }]; }), [
    '$.dhcp.subnets[0].reservations[0].hwAddress: the string "00:00:5e-00:53:01" is not allowed here (The client\'s MAC address, e.g. 00:1b:4f:12:34:56, with ":", "-" or no separator.)',
    '$.dhcp.subnets[0].reservations[1].hwAddress: the string "00:00:5e:00:53" is not allowed here (The client\'s MAC address, e.g. 00:1b:4f:12:34:56, with ":", "-" or no separator.)',
    '$.dhcp.subnets[0].reservations[2].clientId: the string "1" is not allowed here (The client identifier (option 61) as hex bytes, e.g. 01:00:1b:4f:12:34:56.)',
    '$.dhcp.subnets[0].reservations[3].circuitIdHex: the string "zz" is not allowed here (The relay agent circuit-id (option 82, sub-option 1) as hex bytes.)',
  ]);
});

test('classes: names are DNS labels, match criteria typed', () => {
  const d = baseDhcp();
  d.classes = [{
    name: 'avaya-phone',
    match: {
      vendorClass: [{ equals: 'ccp.avaya.com' }, { prefix: 'ccp.' }],
      macOui: ['00:1b:4f', '00-04-0D', '24d921'],
      userClass: [{ equals: 'phones' }],
      circuitId: [{ prefix: 'Gi1/0/' }, { hexPrefix: '00:04' }],
      remoteId: [{ equals: 'switch-07' }, { hex: 'c0000201' }],
      giaddr: ['198.51.100.1', '203.0.113.0/24'],
    },
  }];
  loadDhcp(d);
  assert.deepEqual(problemsAfter((x) => { x.classes = [{ name: 'Phones', match: { macOui: ['00:1b'], giaddr: ['198.51.100.0/33'], vendorClass: [{ exact: 'x' }] } }]; }), [
    '$.dhcp.classes[0].name: the string "Phones" is not allowed here (The class name (a DNS label), referenced by pools, subnets and reservations.)',
    '$.dhcp.classes[0].match.vendorClass[0].exact: unknown key (allowed here: equals, prefix)',
    '$.dhcp.classes[0].match.macOui[0]: the string "00:1b" is not allowed here (The first three bytes of a MAC address, e.g. 00:1b:4f.)',
    '$.dhcp.classes[0].match.giaddr[0]: the string "198.51.100.0/33" is not allowed here (A relay address or a network in CIDR form, e.g. 198.51.100.1 or 198.51.100.0/24.)',
  ]);
});

test('typed option keys: types, ranges and syntax per option', () => {
  assert.deepEqual(optionProblems({ routers: '192.0.2.1' }), ['$.dhcp.subnets[0].options.routers: must be array, not the string "192.0.2.1"']);
  assert.deepEqual(optionProblems({ routers: [] }), ['$.dhcp.subnets[0].options.routers: must NOT have fewer than 1 items, not an empty array']);
  assert.deepEqual(optionProblems({ ntpServers: ['ntp.example.com'] }), [
    '$.dhcp.subnets[0].options.ntpServers[0]: the string "ntp.example.com" is not allowed here (An IPv4 address, e.g. 192.0.2.1.)',
  ]);
  assert.deepEqual(optionProblems({ interfaceMtu: 40 }), ['$.dhcp.subnets[0].options.interfaceMtu: must be >= 68, not number 40']);
  assert.deepEqual(optionProblems({ timeOffset: 100000 }), ['$.dhcp.subnets[0].options.timeOffset: must be <= 86400, not number 100000']);
  assert.deepEqual(optionProblems({ domainName: 'bad_name' }), [
    '$.dhcp.subnets[0].options.domainName: the string "bad_name" is not allowed here (Option 15: the domain name; or use the resolvers template.)',
  ]);
  assert.deepEqual(optionProblems({ wpadUrl: 'ftp://proxy.example.com/wpad.dat' }), [
    '$.dhcp.subnets[0].options.wpadUrl: the string "ftp://proxy.example.com/wpad.dat" is not allowed here (Option 252: URL of the web proxy auto-discovery file.)',
  ]);
  assert.deepEqual(optionProblems({ bootFileName: 'caf\u00e9.bin' }).length, 1);
  assert.deepEqual(optionProblems({ classlessStaticRoutes: [{ destination: '198.51.100.0/24' }] }), [
    '$.dhcp.subnets[0].options.classlessStaticRoutes[0]: missing required key "router"',
  ]);
});

test('avaya template: each field is typed and ranged, named in the error', () => {
  assert.deepEqual(optionProblems({ avaya: { l2qVlan: 5000 } }), ['$.dhcp.subnets[0].options.avaya.l2qVlan: must be <= 4094, not number 5000']);
  assert.deepEqual(optionProblems({ avaya: { l2qVlan: -1 } }), ['$.dhcp.subnets[0].options.avaya.l2qVlan: must be >= 0, not number -1']);
  assert.deepEqual(optionProblems({ avaya: { l2q: 1 } }), ['$.dhcp.subnets[0].options.avaya.l2q: must be one of "auto", "on", "off", not number 1']);
  assert.deepEqual(optionProblems({ avaya: { mcPort: 70000 } }), ['$.dhcp.subnets[0].options.avaya.mcPort: must be <= 65535, not number 70000']);
  assert.deepEqual(optionProblems({ avaya: { l2qAud: 8 } }), ['$.dhcp.subnets[0].options.avaya.l2qAud: must be <= 7, not number 8']);
  assert.deepEqual(optionProblems({ avaya: { vlanTest: 1000 } }), ['$.dhcp.subnets[0].options.avaya.vlanTest: must be <= 999, not number 1000']);
  assert.deepEqual(optionProblems({ avaya: { codes: [66] } }), ['$.dhcp.subnets[0].options.avaya.codes[0]: must be one of 242, 176, not number 66']);
  const host = '(An IPv4 address or a host name, e.g. 192.0.2.10 or cm1.example.com.)';
  assert.deepEqual(optionProblems({ avaya: { mcIpAdd: ['300.1.2.3', 'cm-1.example.com', '-bad.example.com', 'cm_2'] } }), [
    `$.dhcp.subnets[0].options.avaya.mcIpAdd[0]: the string "300.1.2.3" is not allowed here ${host}`,
    `$.dhcp.subnets[0].options.avaya.mcIpAdd[2]: the string "-bad.example.com" is not allowed here ${host}`,
    `$.dhcp.subnets[0].options.avaya.mcIpAdd[3]: the string "cm_2" is not allowed here ${host}`,
  ]);
  assert.deepEqual(optionProblems({ avaya: { httpDir: 'a dir' } }), [
    '$.dhcp.subnets[0].options.avaya.httpDir: the string "a dir" is not allowed here (HTTPDIR: path on the HTTP servers, e.g. avaya/96xx.)',
  ]);
  assert.deepEqual(optionProblems({ avaya: { extra: [{ name: 'sipdomain', value: 'a b' }, { name: 'X', value: 'a=b' }] } }), [
    '$.dhcp.subnets[0].options.avaya.extra[0].name: the string "sipdomain" is not allowed here (An Avaya parameter name in capitals, e.g. SIPDOMAIN.)',
    '$.dhcp.subnets[0].options.avaya.extra[0].value: the string "a b" is not allowed here (Its value: printable ASCII, no "=" and no spaces.)',
    '$.dhcp.subnets[0].options.avaya.extra[1].value: the string "a=b" is not allowed here (Its value: printable ASCII, no "=" and no spaces.)',
  ]);
});

test('ciscoTftp, aruba and resolvers templates: fields typed, required ones required', () => {
  assert.deepEqual(optionProblems({ ciscoTftp: {} }), ['$.dhcp.subnets[0].options.ciscoTftp: missing required key "servers"']);
  assert.deepEqual(optionProblems({ ciscoTftp: { servers: ['tftp.example.com'] } }), [
    '$.dhcp.subnets[0].options.ciscoTftp.servers[0]: the string "tftp.example.com" is not allowed here (An IPv4 address, e.g. 192.0.2.1.)',
  ]);
  assert.deepEqual(optionProblems({ ciscoTftp: { servers: ['203.0.113.30'], option66: 'yes' } }), [
    '$.dhcp.subnets[0].options.ciscoTftp.option66: must be boolean, not the string "yes"',
  ]);
  const d = baseDhcp();
  d.classes = [{ name: 'ap', match: { vendorClass: [{ equals: 'ArubaAP' }] }, options: { aruba: {} } }];
  assert.deepEqual(problemsOf(d), ['$.dhcp.classes[0].options.aruba: missing required key "controller"']);
  d.classes[0].options.aruba = { controller: '203.0.113.20', vendorClass: '' };
  assert.deepEqual(problemsOf(d), ['$.dhcp.classes[0].options.aruba.vendorClass: must NOT have fewer than 1 characters, not the string ""']);
  assert.deepEqual(optionProblems({ resolvers: { servers: ['192.0.2.2'], search: ['example..com'] } }), [
    '$.dhcp.subnets[0].options.resolvers.search[0]: the string "example..com" is not allowed here (A domain name, e.g. voice.example.com.)',
  ]);
  assert.deepEqual(optionProblems({ resolvers: { domain: 'a'.repeat(64) + '.example.com' } }).length, 1);
});

test('custom options: shape checked by the schema', () => {
  assert.deepEqual(optionProblems({ custom: [{ code: 0, value: 1 }] }), ['$.dhcp.subnets[0].options.custom[0].code: must be >= 1, not number 0']);
  assert.deepEqual(optionProblems({ custom: [{ code: 255, value: 1 }] }), ['$.dhcp.subnets[0].options.custom[0].code: must be <= 254, not number 255']);
  assert.deepEqual(optionProblems({ custom: [{ code: 224, type: 'string', value: 'x' }] }), [
    '$.dhcp.subnets[0].options.custom[0].type: must be one of "text", "hex", "boolean", "uint8", "uint16", "uint32", "int32", "ipv4", "ipv4-list", "domain-list", not the string "string"',
  ]);
  assert.deepEqual(optionProblems({ custom: [{ code: 224, type: 'text' }] }), ['$.dhcp.subnets[0].options.custom[0]: missing required key "value"']);
});

test('every error is reported at once, schema errors across the section', () => {
  const paths = problemsAfter((d) => {
    d.port = 'x';
    d.subnets[0].pools[0].start = 'x';
    d.subnets[0].options.avaya = { l2qVlan: 9999 };
    d.interfaces[0].bogus = 1;
  }).map((p) => p.split(': ')[0]);
  assert.deepEqual(paths.sort(), ['$.dhcp.interfaces[0].bogus', '$.dhcp.port', '$.dhcp.subnets[0].options.avaya.l2qVlan', '$.dhcp.subnets[0].pools[0].start']);
});

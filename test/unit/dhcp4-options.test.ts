// The option catalogue and the typed codecs of each option type: round trips,
// worked examples from the RFCs, and the helpers the server's hot path uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DHCP4_OPTIONS,
  FqdnFlag,
  WireDecodeError,
  WireEncodeError,
  circuitId,
  classlessRoutes,
  clientFqdn,
  decodeOption,
  domainSearch,
  encodeOption,
  ipv4FromString,
  ipv4Mask,
  ipv4ToString,
  linkSelection,
  optionByName,
  optionDef,
  optionName,
  relayAgentInfo,
  relayAgentSubOption,
  remoteId,
  rfc4361Parts,
  serverIdOverride,
  userClass,
  userClassesLenient,
  vendorSubOption,
  vendorSubOptions,
  type Dhcp4OptionTypes,
  type KnownOptionCode,
} from '../../src/wire/dhcp4/index.js';
import { nameFromText, nameToText, readName, NameWriter } from '../../src/wire/dns-name.js';
import { WireReader } from '../../src/wire/reader.js';
import { WireWriter } from '../../src/wire/writer.js';

const ip = ipv4FromString;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const reason = (r: string) => (e: unknown) => e instanceof WireDecodeError && e.reason === r;

const REQUIRED = [1, 3, 6, 12, 15, 28, 42, 43, 50, 51, 52, 53, 54, 55, 57, 58, 59, 60, 61, 66, 67, 77, 81, 82, 118, 119, 121, 150, 176, 242, 252];

test('the catalogue covers every option issue 3 names, with unique names', () => {
  for (const c of REQUIRED) assert.ok(optionDef(c), `option ${c} missing`);
  const names = [...DHCP4_OPTIONS.values()].map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
  for (const d of DHCP4_OPTIONS.values()) assert.equal(optionByName(d.name)?.code, d.code);
  assert.equal(optionName(82), 'dhcp-agent-options');
  assert.equal(optionName(224), 'option-224');
  assert.deepEqual(decodeOption(224, hex('0102')), hex('0102'), 'unknown codes decode to their bytes');
});

const SAMPLES: { [C in KnownOptionCode]: Dhcp4OptionTypes[C] } = {
  1: ip('255.255.255.0'),
  2: -18000,
  3: [ip('192.0.2.1'), ip('192.0.2.2')],
  6: [ip('192.0.2.53')],
  12: 'phone-lobby',
  15: 'voice.example.com',
  26: 1500,
  28: ip('192.0.2.255'),
  42: [ip('198.51.100.123')],
  43: hex('f104c0000205'),
  50: ip('192.0.2.100'),
  51: 86400,
  52: 3,
  53: 5,
  54: ip('192.0.2.1'),
  55: [1, 3, 6, 15, 66, 150],
  56: 'address in use',
  57: 1500,
  58: 43200,
  59: 75600,
  60: 'Cisco Systems, Inc. IP Phone CP-8841',
  61: { type: 1, id: hex('001122334455') },
  66: 'tftp.example.com',
  67: 'SEP001122334455.cnf.xml',
  77: [Buffer.from('voice'), Buffer.from('lobby')],
  81: { flags: FqdnFlag.S | FqdnFlag.E, rcode1: 0, rcode2: 0, name: 'phone-1.voice.example.com.' },
  82: [{ code: 1, data: Buffer.from('eth0/1') }, { code: 5, data: hex('c6336400') }],
  118: ip('198.51.100.0'),
  119: ['voice.example.com', 'example.com'],
  121: [{ destination: ip('198.51.100.0'), prefixLength: 24, router: ip('192.0.2.1') }],
  150: [ip('192.0.2.69'), ip('198.51.100.69')],
  176: 'MCIPADD=192.0.2.10,MCPORT=1719,TFTPSRVR=192.0.2.69',
  242: 'MCIPADD=192.0.2.10,HTTPSRVR=192.0.2.80',
  252: 'http://192.0.2.80/wpad.dat',
};

test('every catalogued option: typed value → bytes → the same value, within its length rule', () => {
  for (const [k, v] of Object.entries(SAMPLES)) {
    const code = Number(k) as KnownOptionCode;
    const def = optionDef(code)!;
    const data = encodeOption(code, v as never);
    assert.equal(def.codec.encodingLength(v), data.length, `${code} encodingLength`);
    assert.ok(data.length >= def.length.min && data.length <= def.length.max && data.length % def.length.multiple === 0, `${code} length rule`);
    assert.deepEqual(decodeOption(code, data), v, `option ${code} (${def.name})`);
  }
});

test('fixed-size options refuse other lengths with bad-option-length', () => {
  for (const [code, data] of [[53, hex('0101')], [50, hex('c00002')], [3, hex('c000020101')], [51, hex('')], [57, hex('05')], [61, hex('01')], [81, hex('0500')]] as const) {
    assert.throws(() => decodeOption(code, data), reason('bad-option-length'), String(code));
  }
});

test('encoders refuse values out of range with WireEncodeError', () => {
  const bad: [KnownOptionCode, unknown][] = [
    [53, 256], [57, -1], [51, 2 ** 32], [1, 1.5], [3, []], [3, [2 ** 32]], [2, 2 ** 31], [55, [300]],
    [61, { type: 1, id: Buffer.alloc(0) }], [77, []], [77, [Buffer.alloc(0)]], [121, []],
    [121, [{ destination: 0, prefixLength: 33, router: 0 }]], [119, []], [119, ['a..b']], [81, { flags: 4, rcode1: 0, rcode2: 0, name: `${'a'.repeat(64)}.example.com.` }],
    [82, [{ code: 1, data: Buffer.alloc(256) }]],
  ];
  for (const [code, v] of bad) assert.throws(() => encodeOption(code, v as never), WireEncodeError, `${code} ${JSON.stringify(v)}`);
});

test('text options drop the trailing NULs some clients send; UTF-8 is kept', () => {
  assert.equal(decodeOption(12, Buffer.from('MSFT-PC\0')), 'MSFT-PC');
  assert.equal(decodeOption(12, Buffer.from('José-PC')), 'José-PC');
  assert.equal(decodeOption(12, Buffer.alloc(0)), '');
});

test('RFC 3397 §3: the worked example is encoded with its compression pointer, and decoded', () => {
  const wire = Buffer.concat([hex('03'), Buffer.from('eng'), hex('05'), Buffer.from('apple'), hex('03'), Buffer.from('com'), hex('00 09'), Buffer.from('marketing'), hex('c004')]);
  assert.deepEqual(domainSearch.encode(['eng.apple.com', 'marketing.apple.com.']), wire);
  assert.equal(domainSearch.encodingLength(['eng.apple.com', 'marketing.apple.com']), wire.length);
  assert.deepEqual(domainSearch.decode(wire), ['eng.apple.com', 'marketing.apple.com']);
});

test('domain search: repeated names become one pointer; long lists survive RFC 3396 splitting', () => {
  const names = Array.from({ length: 40 }, (_, i) => `site-${i}.voice.example.com`);
  const wire = domainSearch.encode(names);
  assert.ok(wire.length > 255, 'longer than one option instance');
  assert.ok(wire.length < names.join('.').length, 'compressed');
  assert.deepEqual(domainSearch.decode(wire), names);
  assert.deepEqual(domainSearch.encode(['example.com', 'example.com']), hex('076578616d706c6503636f6d00 c000'));
  assert.deepEqual(domainSearch.encode(['.']), hex('00'));
  assert.deepEqual(domainSearch.decode(hex('00')), ['.']);
});

test('domain search decompression is loop-safe: only strictly backward pointers', () => {
  assert.throws(() => domainSearch.decode(hex('c000')), reason('bad-pointer'), 'self');
  assert.throws(() => domainSearch.decode(hex('0161 c002 00')), reason('bad-pointer'), 'forward');
  assert.throws(() => domainSearch.decode(hex('0161 00 0162 c006 c004')), reason('bad-pointer'), 'pointer back into a later pointer');
  assert.throws(() => domainSearch.decode(hex('00 c003 c001')), reason('bad-pointer'), 'two pointers at each other');
  assert.deepEqual(domainSearch.decode(hex('0161 00 c000 c003')), ['a', 'a', 'a'], 'a pointer to a pointer further back is fine');
  // A legitimate chain: c → b → a.
  assert.deepEqual(domainSearch.decode(hex('0161 00 0162 c000 0163 c003')), ['a', 'b.a', 'c.b.a']);
  assert.throws(() => domainSearch.decode(hex('4161')), reason('bad-label'));
  assert.throws(() => domainSearch.decode(hex('8161')), reason('bad-label'));
  assert.throws(() => domainSearch.decode(hex('0361 62')), reason('suboption-overrun'));
  assert.throws(() => domainSearch.decode(hex('0161')), reason('suboption-overrun'), 'no root label');
  assert.throws(() => domainSearch.decode(hex('c0')), reason('suboption-overrun'));
  const long = Buffer.concat([...Array.from({ length: 5 }, () => Buffer.concat([hex('3f'), Buffer.alloc(63, 0x61)])), hex('00')]);
  assert.throws(() => domainSearch.decode(long), reason('name-too-long'));
});

test('RFC 3442: routes carry only their significant destination octets', () => {
  const routes = [
    { destination: 0, prefixLength: 0, router: ip('192.0.2.1') },
    { destination: ip('198.18.0.0'), prefixLength: 15, router: ip('192.0.2.1') },
    { destination: ip('198.51.100.0'), prefixLength: 24, router: ip('192.0.2.254') },
    { destination: ip('203.0.113.128'), prefixLength: 25, router: 0 },
    { destination: ip('192.0.2.5'), prefixLength: 32, router: ip('192.0.2.1') },
  ];
  const wire = hex('00 c0000201  0f c612 c0000201  18 c63364 c00002fe  19 cb007180 00000000  20 c0000205 c0000201');
  assert.deepEqual(classlessRoutes.encode(routes), wire);
  assert.deepEqual(classlessRoutes.decode(wire), routes);
  assert.throws(() => classlessRoutes.decode(hex('21 c0000205 00 c0000201')), reason('bad-option-value'));
  assert.throws(() => classlessRoutes.decode(hex('18 c63364 c00002')), reason('suboption-overrun'));
  assert.throws(() => classlessRoutes.decode(hex('')), reason('bad-option-length'));
});

test('RFC 4702 client FQDN: wire form absolute, partial and empty; ASCII form', () => {
  const abs = hex('05 0000 07 70686f6e652d31 07 6578616d706c65 03 636f6d 00');
  assert.deepEqual(clientFqdn.decode(abs), { flags: 5, rcode1: 0, rcode2: 0, name: 'phone-1.example.com.' });
  assert.deepEqual(clientFqdn.encode(clientFqdn.decode(abs)), abs);
  const partial = hex('05 0000 07 70686f6e652d31');
  assert.deepEqual(clientFqdn.decode(partial).name, 'phone-1');
  assert.deepEqual(clientFqdn.encode(clientFqdn.decode(partial)), partial);
  assert.deepEqual(clientFqdn.decode(hex('0d 0000')), { flags: 0x0d, rcode1: 0, rcode2: 0, name: '' });
  assert.deepEqual(clientFqdn.decode(Buffer.concat([hex('01 ffff'), Buffer.from('host.example.com')])), { flags: 1, rcode1: 255, rcode2: 255, name: 'host.example.com' });
  assert.deepEqual(clientFqdn.encode({ flags: 1, rcode1: 0, rcode2: 0, name: 'host' }), hex('01 0000 686f7374'));
  assert.throws(() => clientFqdn.decode(hex('05 0000 c000')), reason('bad-label'), 'no compression in option 81');
  assert.throws(() => clientFqdn.decode(hex('05 0000 0161 00 ff')), reason('bad-option-value'), 'bytes after the root label');
  assert.throws(() => clientFqdn.decode(hex('05 0000 0561')), reason('suboption-overrun'));
});

test('RFC 3046 / 3527 relay agent information: sub-options in order, hot-path lookups', () => {
  const data = hex('0106 657468302f31  0208 737769746368 2d61  0504 c6336400  0b04 c0000201  9703 010203');
  const subs = relayAgentInfo.decode(data);
  assert.deepEqual(subs.map((s) => s.code), [1, 2, 5, 11, 151]);
  assert.deepEqual(relayAgentInfo.encode(subs), data);
  assert.equal(circuitId(data)!.toString(), 'eth0/1');
  assert.equal(remoteId(data)!.toString(), 'switch-a');
  assert.equal(linkSelection(data), ip('198.51.100.0'));
  assert.equal(serverIdOverride(data), ip('192.0.2.1'));
  assert.deepEqual(relayAgentSubOption(data, 151), hex('010203'));
  assert.equal(relayAgentSubOption(data, 9), undefined);
  assert.equal(linkSelection(hex('0101 61')), undefined);
  assert.throws(() => relayAgentInfo.decode(hex('0105 6162')), reason('suboption-overrun'));
  assert.throws(() => relayAgentInfo.decode(hex('0101 61 02')), reason('suboption-overrun'), 'code without length');
  assert.throws(() => relayAgentInfo.decode(hex('0503 c63364')), reason('bad-option-length'));
  assert.throws(() => linkSelection(hex('0503 c63364')), reason('bad-option-length'));
  assert.throws(() => circuitId(hex('0209 61')), reason('suboption-overrun'), 'a broken sub-option before the one looked for');
});

test('option 43: encapsulated sub-options with pad and end; raw text for vendors that use it', () => {
  const data = hex('00 f108 c0000205c0000206 00 0203 616263 ff 0199');
  assert.deepEqual(vendorSubOptions.decode(data).map((s) => [s.code, s.data.toString('hex')]), [[241, 'c0000205c0000206'], [2, '616263']]);
  assert.deepEqual(vendorSubOption(data, 2), Buffer.from('abc'));
  assert.equal(vendorSubOption(data, 1), undefined, 'nothing after END');
  assert.deepEqual(vendorSubOptions.encode([{ code: 241, data: hex('c0000205') }]), hex('f104c0000205'));
  assert.throws(() => vendorSubOptions.encode([{ code: 255, data: hex('00') }]), WireEncodeError);
  assert.throws(() => vendorSubOptions.decode(hex('f108 c0000205')), reason('suboption-overrun'));
  assert.equal(decodeOption(43, Buffer.from('192.0.2.5')).toString(), '192.0.2.5', 'typed 43 is the bytes');
});

test('RFC 3004 user class, and the bare strings Windows and iPXE send', () => {
  assert.deepEqual(userClass.decode(hex('03 616263 01 64')).map(String), ['abc', 'd']);
  assert.throws(() => userClass.decode(hex('03 6162')), reason('suboption-overrun'));
  assert.throws(() => userClass.decode(hex('00 61')), reason('bad-option-value'));
  assert.throws(() => userClass.decode(hex('01')), reason('bad-option-length'));
  assert.deepEqual(userClassesLenient(Buffer.from('iPXE')).map(String), ['iPXE']);
  assert.deepEqual(userClassesLenient(hex('03 616263')).map(String), ['abc']);
});

test('client identifier: type and id; RFC 4361 IAID and DUID', () => {
  const v = decodeOption(61, hex('ff 0a0b0c0d 0001 0001 32952ab8 eaa66798f802'));
  assert.equal(v.type, 255);
  assert.deepEqual(rfc4361Parts(v), { iaid: 0x0a0b0c0d, duid: hex('0001000132952ab8eaa66798f802') });
  assert.equal(rfc4361Parts(decodeOption(61, hex('01 001122334455'))), undefined);
});

test('IPv4 helpers: dotted quads ↔ unsigned 32-bit numbers, masks', () => {
  assert.equal(ip('192.0.2.1'), 0xc0000201);
  assert.equal(ip('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4ToString(0xc6336401), '198.51.100.1');
  assert.equal(ipv4ToString(0), '0.0.0.0');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', ' 1.2.3.4']) assert.throws(() => ip(bad), WireEncodeError, bad);
  assert.equal(ipv4Mask(24), 0xffffff00);
  assert.equal(ipv4Mask(0), 0);
  assert.equal(ipv4Mask(32), 0xffffffff);
});

test('DNS names: presentation text escapes survive wire and back', () => {
  const n = nameFromText('a\\.b.c\\\\d.\\032x\\255.example.');
  assert.deepEqual(n.labels.map((l) => l.toString('latin1')), ['a.b', 'c\\d', ' x\xff', 'example']);
  assert.equal(nameToText(n), 'a\\.b.c\\\\d.\\032x\\255.example.');
  const w = new NameWriter(false);
  w.write(n);
  const r = readName(w.toBuffer(), 0, w.length, { base: 0, compression: false, allowPartial: false, overrun: 'suboption-overrun' });
  assert.equal(nameToText(r), nameToText(n));
  assert.equal(nameToText(nameFromText('.')), '.');
  assert.equal(nameToText(nameFromText('')), '');
  for (const bad of ['a..b', '.a', `${'x'.repeat(64)}.com`, `${'abcdefghi.'.repeat(26)}`, 'a\\256', 'a\\']) assert.throws(() => nameFromText(bad), WireEncodeError, bad);
});

test('the generic reader never reads past its end; the writer never writes past its end', () => {
  const r = new WireReader(hex('01 0203 04050607 0809'), 0, 9, 'truncated');
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u32(), 0x04050607);
  assert.equal(r.remaining, 2);
  assert.throws(() => r.u32('field'), (e: unknown) => e instanceof WireDecodeError && e.reason === 'truncated' && e.offset === 7);
  assert.deepEqual(r.bytes(1), hex('08'));
  assert.throws(() => r.bytes(2), WireDecodeError, 'the 10th byte is outside the reader');
  assert.throws(() => r.skip(2), WireDecodeError);
  assert.throws(() => new WireReader(hex('00'), 0, 2), RangeError);
  const w = new WireWriter(Buffer.alloc(9), 1, 8);
  w.u8(0xaa);
  w.u16(0xbbcc);
  w.u32(0xddeeff00);
  assert.throws(() => w.u8(1), (e: unknown) => e instanceof WireEncodeError && e.reason === 'no-space');
  assert.throws(() => w.bytes(hex('01')), WireEncodeError);
});

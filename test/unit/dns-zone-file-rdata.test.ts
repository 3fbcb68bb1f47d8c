// RDATA presentation per type: reading (relative names, escapes, limits), writing,
// RFC 3597 generic form for any type, the native forms kept as opaque bytes, and
// every field error with its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ZoneTextError, rdataFromString, rdataToText, typeFromText, typeToText,
} from '../../src/protocol/dns/zone-file/index.js';
import { RRType, decodeRdata, encodeRdata, type RData } from '../../src/wire/dns/index.js';

const ORIGIN = 'example.com.';
const read = (type: number, text: string): RData => rdataFromString(type, text, ORIGIN);
const b = (s: string) => Buffer.from(s, 'latin1');

test('every type of the record shapes (TSIG aside) reads from its presentation form', () => {
  const cases: [number, string, RData][] = [
    [RRType.A, '192.0.2.1', { address: '192.0.2.1' }],
    [RRType.AAAA, '2001:DB8:0:0:1:0:0:1', { address: '2001:db8::1:0:0:1' }],
    [RRType.NS, 'ns1', { host: 'ns1.example.com.' }],
    [RRType.CNAME, 'www.example.net.', { target: 'www.example.net.' }],
    [RRType.DNAME, '@', { target: 'example.com.' }],
    [RRType.PTR, 'host\\.name', { host: 'host\\.name.example.com.' }],
    [RRType.SOA, 'ns1 hostmaster ( 2024010101 2h 30M 2w1d 300 )', { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2024010101, refresh: 7200, retry: 1800, expire: 1296000, minimum: 300 }],
    [RRType.HINFO, '"x86 64" Linux', { cpu: b('x86 64'), os: b('Linux') }],
    [RRType.MX, '10 mail', { preference: 10, exchange: 'mail.example.com.' }],
    [RRType.TXT, '"a b" c "\\"q\\"" \\065\\255 "\\\\"', { strings: [b('a b'), b('c'), b('"q"'), b('A\xff'), b('\\')] }],
    [RRType.SRV, '10 60 5060 sip', { priority: 10, weight: 60, port: 5060, target: 'sip.example.com.' }],
    [RRType.NAPTR, '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .', { order: 100, preference: 10, flags: b('u'), services: b('E2U+sip'), regexp: b('!^.*$!sip:info@example.com!'), replacement: '.' }],
    [RRType.CAA, '0 issue "ca.example.net; account=230123"', { flags: 0, tag: 'issue', value: b('ca.example.net; account=230123') }],
    [RRType.CAA, '128 tbs Unknown', { flags: 128, tag: 'tbs', value: b('Unknown') }],
  ];
  for (const [type, text, data] of cases) assert.deepEqual(read(type, text), data, `${typeToText(type)} ${text}`);
});

test('written forms read back equal; names absolute, or relative to an origin', () => {
  const cases: [number, string, string, string][] = [
    [RRType.MX, '10 mail', '10 mail.example.com.', '10 mail'],
    [RRType.NS, 'ns.example.net.', 'ns.example.net.', 'ns.example.net.'],
    [RRType.CNAME, '@', 'example.com.', '@'],
    [RRType.SOA, 'ns1 host\\.master 1 2 3 4 5', 'ns1.example.com. host\\.master.example.com. 1 2 3 4 5', 'ns1 host\\.master 1 2 3 4 5'],
    [RRType.TXT, 'a "b c" "\\"" "\\\\" "\\009\\127\\200;"', '"a" "b c" "\\"" "\\\\" "\\009\\127\\200;"', '"a" "b c" "\\"" "\\\\" "\\009\\127\\200;"'],
    [RRType.NAPTR, '1 2 "" "" "" .', '1 2 "" "" "" .', '1 2 "" "" "" .'],
    [RRType.SRV, '0 0 0 .', '0 0 0 .', '0 0 0 .'],
  ];
  for (const [type, text, absolute, relative] of cases) {
    const data = read(type, text);
    assert.equal(rdataToText(type, data), absolute);
    assert.equal(rdataToText(type, data, ORIGIN), relative);
    assert.deepEqual(read(type, absolute), data);
    assert.deepEqual(read(type, relative), data);
  }
});

test('names with ( ) ; " in them are escaped when written, and read back', () => {
  const data = read(RRType.CNAME, 'a\\(b\\)c\\;d\\"e');
  assert.deepEqual(data, { target: 'a(b)c;d"e.example.com.' });
  assert.equal(rdataToText(RRType.CNAME, data, ORIGIN), 'a\\(b\\)c\\;d\\"e');
  assert.deepEqual(read(RRType.CNAME, rdataToText(RRType.CNAME, data)), data);
  assert.equal(rdataToText(RRType.CNAME, { target: '@.example.com.' }, ORIGIN), '\\@');
  assert.deepEqual(read(RRType.CNAME, '\\@'), { target: '@.example.com.' });
});

test('AAAA is read in any RFC 4291 form and kept as the codec writes it (RFC 5952, IPv4-mapped in mixed notation)', () => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::', '::'], ['::1', '::1'], ['1::', '1::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::FFFF:C000:201', '::ffff:192.0.2.1'],
    ['2001:db8::192.0.2.33', '2001:db8::c000:221'],
  ];
  for (const [text, canonical] of cases) {
    const data = read(RRType.AAAA, text);
    assert.deepEqual(data, { address: canonical }, text);
    assert.deepEqual(data, decodeRdata(RRType.AAAA, encodeRdata(RRType.AAAA, data)), `${text}: the codec's text`);
    assert.equal(rdataToText(RRType.AAAA, data), canonical);
  }
  for (const bad of ['2001:db8:::1', '2001:db8::1::2', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', '192.0.2.1', '::ffff:192.0.2.01', '::1.2.3.4:1']) {
    assert.throws(() => read(RRType.AAAA, bad), (err: unknown) => err instanceof ZoneTextError && err.reason === `AAAA address "${bad}" is not an IPv6 address`, bad);
  }
});

test('RFC 3597 generic form: any type, TYPE<n> mnemonics, known types decoded into their fields', () => {
  assert.deepEqual(read(65534, '\\# 4 0a000001'), { opaque: Buffer.from('0a000001', 'hex') });
  assert.deepEqual(read(65280, '\\# 0'), { opaque: Buffer.alloc(0) });
  assert.deepEqual(read(65534, '\\# 4 0A00 ( 00 01 )'), { opaque: Buffer.from('0a000001', 'hex') });
  assert.deepEqual(read(RRType.A, '\\# 4 C0000201'), { address: '192.0.2.1' });
  assert.deepEqual(read(RRType.AAAA, '\\# 16 20010db8000000000000000000000001'), { address: '2001:db8::1' });
  assert.deepEqual(read(RRType.MX, '\\# 8 000a046d61696c00'), { preference: 10, exchange: 'mail.' });
  assert.deepEqual(read(RRType.TXT, '\\# 6 0161 00 026263'), { strings: [b('a'), b(''), b('bc')] });
  assert.deepEqual(read(RRType.CAA, '\\# 9 0005 6973737565 6361'), { flags: 0, tag: 'issue', value: b('ca') });
  assert.equal(rdataToText(65534, { opaque: Buffer.from('0a000001', 'hex') }), '\\# 4 0a000001');
  assert.equal(rdataToText(65280, { opaque: Buffer.alloc(0) }), '\\# 0');
  assert.equal(typeFromText('TYPE65534'), 65534);
  assert.equal(typeFromText('type1'), 1);
  assert.equal(typeFromText('mx'), RRType.MX);
  assert.equal(typeToText(65534), 'TYPE65534');
  assert.equal(typeFromText('TYPE65536'), undefined);
  assert.equal(typeFromText('FOO'), undefined);
});

test('DS, DNSKEY, SSHFP and TLSA read natively into their RDATA bytes and are written natively', () => {
  const cases: [number, string, string, string][] = [
    [RRType.DS, '60485 5 1 ( 2BB183AF5F22588179A5 3B0A98631FAD1A292118 )', 'ec4505012bb183af5f22588179a53b0a98631fad1a292118', '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118'],
    [RRType.SSHFP, '4 2 c2cb8af2', '0402c2cb8af2', '4 2 C2CB8AF2'],
    [RRType.TLSA, '3 1 1 0d6fce3a', '0301010d6fce3a', '3 1 1 0D6FCE3A'],
  ];
  const ds = read(RRType.DS, cases[0]![1]);
  assert.deepEqual(ds, { opaque: Buffer.from(cases[0]![2], 'hex') });
  assert.equal(rdataToText(RRType.DS, ds), cases[0]![3]);
  const key = read(RRType.DNSKEY, '256 3 8 ( AwEAAc3R Zm9v )');
  assert.deepEqual(key, { opaque: Buffer.concat([Buffer.from('01000308', 'hex'), Buffer.from('AwEAAc3RZm9v', 'base64')]) });
  assert.equal(rdataToText(RRType.DNSKEY, key), '256 3 8 AwEAAc3RZm9v');
  for (const [type, text, hex, written] of cases.slice(1)) {
    const data = read(type, text);
    assert.deepEqual(data, { opaque: Buffer.from(hex, 'hex') });
    assert.equal(rdataToText(type, data), written);
  }
  // Bytes without the type's layout are written in generic form, which reads back the same.
  assert.equal(rdataToText(RRType.DS, { opaque: Buffer.from('0102', 'hex') }), '\\# 2 0102');
  assert.deepEqual(read(RRType.DS, '\\# 2 0102'), { opaque: Buffer.from('0102', 'hex') });
});

test('types without a native form here are read in generic form only, with a hint', () => {
  assert.throws(() => read(RRType.RRSIG, 'A 13 3 3600 20240101000000 20230101000000 12345 example.com. abc='), (err: unknown) =>
    err instanceof ZoneTextError && err.kind === 'bad-rdata' && /RRSIG data is read in RFC 3597 generic form only here: RRSIG \\# <length> <hex>/.test(err.reason));
  assert.deepEqual(read(RRType.RRSIG, '\\# 1 00'), { opaque: Buffer.of(0) });
  assert.throws(() => read(RRType.TSIG, '\\# 0'), (err: unknown) => err instanceof ZoneTextError && err.kind === 'bad-type');
  assert.throws(() => read(RRType.OPT, '\\# 0'), (err: unknown) => err instanceof ZoneTextError && err.kind === 'bad-type');
});

test('every field error names the type, the field and why', () => {
  const long = 'x'.repeat(256);
  const cases: [number, string, RegExp][] = [
    [RRType.A, '192.0.2.256', /A address "192.0.2.256" is not an IPv4 address/],
    [RRType.A, '192.0.2.01', /is not an IPv4 address/],
    [RRType.A, '"192.0.2.1"', /A address cannot be a quoted string/],
    [RRType.A, '', /A address is missing/],
    [RRType.A, '192.0.2.1 192.0.2.2', /A has more fields than it takes: "192.0.2.2" left over/],
    [RRType.AAAA, '2001:db8::g', /AAAA address "2001:db8::g" is not an IPv6 address/],
    [RRType.MX, '70000 mail', /MX preference 70000 is above 65535/],
    [RRType.MX, 'ten mail', /MX preference "ten" is not a number/],
    [RRType.MX, '-1 mail', /MX preference "-1" is not a number/],
    [RRType.MX, '10', /MX exchange is missing/],
    [RRType.MX, '10 "mail"', /MX exchange cannot be a quoted string/],
    [RRType.SRV, '1 2 65536 sip', /SRV port 65536 is above 65535/],
    [RRType.SOA, 'ns1 hm 4294967296 1 2 3 4', /SOA serial 4294967296 is above 4294967295/],
    [RRType.SOA, 'ns1 hm 1 1x 2 3 4', /SOA refresh: "1x" is not a TTL/],
    [RRType.SOA, 'ns1 hm 1 2 3 4', /SOA minimum is missing/],
    [RRType.NS, 'a..b', /bad name "a\.\.b\.example\.com\.": empty label/],
    [RRType.NS, `${'a'.repeat(64)}.example.net.`, /label of 64 bytes/],
    [RRType.NS, `${'abcdefgh.'.repeat(29)}`, /bytes in wire form \(at most 255\)/],
    [RRType.NS, 'a\\256b', /escape \\256 is above 255/],
    [RRType.TXT, long, /TXT string of 256 bytes is longer than 255; split it into several quoted strings/],
    [RRType.TXT, `"${long}"`, /TXT string of 256 bytes is longer than 255/],
    [RRType.TXT, '"a\\300"', /escape \\300 is above 255/],
    [RRType.TXT, '', /TXT string is missing/],
    [RRType.HINFO, 'x86', /HINFO OS is missing/],
    [RRType.NAPTR, '1 2 "u" "E2U" "" "x"', /NAPTR replacement cannot be a quoted string/],
    [RRType.CAA, '256 issue "x"', /CAA flags 256 is above 255/],
    [RRType.CAA, '0 is-sue "x"', /CAA tag "is-sue" is not 1 to 15 letters and digits \(RFC 8659 §4.1\)/],
    [RRType.CAA, '0 issue', /CAA value is missing/],
    [RRType.DS, '1 2 3 abc', /DS digest is not an even number of hex digits/],
    [RRType.DNSKEY, '256 3 8 not*base64', /DNSKEY public key is not base64/],
    [65534, '\\# 4 0a00', /TYPE65534 RFC 3597 data is 2 bytes, its length says 4/],
    [65534, '\\# x 00', /RFC 3597 length "x" is not a number in 0..65535/],
    [65534, '\\# 70000', /RFC 3597 length "70000" is not a number/],
    [65534, '\\# 1 0g', /RFC 3597 data is not an even number of hex digits/],
    [65534, '1 2 3', /TYPE65534 data is read in RFC 3597 generic form only/],
    [RRType.A, '\\# 3 c00002', /^A RFC 3597 data does not fit the type: at byte 0: IPv4 address: needs 4 bytes, 3 left$/],
    [RRType.A, '\\# 5 c000020100', /^A RFC 3597 data does not fit the type: 1 byte left over$/],
    [RRType.AAAA, '\\# 0', /^AAAA RFC 3597 data does not fit the type: at byte 0: IPv6 address: needs 16 bytes, 0 left$/],
    [RRType.MX, '\\# 3 000a05', /^MX RFC 3597 data does not fit the type: at byte 2: label of 5 bytes runs past the end of its data$/],
    [RRType.MX, '\\# 1 00', /^MX RFC 3597 data does not fit the type: at byte 0: preference: needs 2 bytes, 1 left$/],
    [RRType.MX, '\\# 4 000a0000', /^MX RFC 3597 data does not fit the type: 1 byte left over$/],
    [RRType.MX, '\\# 6 000a00000000', /^MX RFC 3597 data does not fit the type: 3 bytes left over$/],
    [RRType.MX, '\\# 4 000ac000', /^MX RFC 3597 data does not fit the type: at byte 2: compression pointer in a name that must not be compressed$/],
    [RRType.TXT, '\\# 2 0561', /^TXT RFC 3597 data does not fit the type: at byte 1: character string: needs 5 bytes, 1 left$/],
    [RRType.CAA, '\\# 4 00022d2d', /^CAA RFC 3597 data does not fit the type: at byte 1: CAA tag must be one or more ASCII letters and digits$/],
    [RRType.CAA, `\\# 19 0010${Buffer.from('abcdefghijklmnop').toString('hex')}00`, /^CAA RFC 3597 data does not fit the type: the CAA tag is not 1 to 15 letters and digits \(RFC 8659 §4\.1\)$/],
  ];
  for (const [type, text, reason] of cases) {
    assert.throws(() => read(type, text), (err: unknown) => {
      assert.ok(err instanceof ZoneTextError, `${typeToText(type)} ${text}: ${String(err)}`);
      assert.match(err.reason, reason, `${typeToText(type)} ${text}`);
      return true;
    });
  }
});

test('errors point at the token: line and column', () => {
  try {
    rdataFromString(RRType.SRV, '( 1 2\n  70000 sip )', ORIGIN);
    assert.fail('no error');
  } catch (err) {
    assert.ok(err instanceof ZoneTextError);
    assert.deepEqual([err.line, err.column], [2, 3]);
  }
});

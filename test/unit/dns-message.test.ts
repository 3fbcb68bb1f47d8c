// DNS messages both ways: every record type in every section with and without
// compression, the header bit by bit, the 12-bit rcode, EDNS and TSIG placement,
// compression rules (case-preserving pointers; RFC 3597 §4 types only), UPDATE's empty
// RDATA, the per-record helpers and the encoder's refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_MESSAGE_BYTES, RRClass, RRType, WireEncodeError, decodeHeader, decodeMessage, decodeRdata, dnsMessage, encodeInto, encodeMessage,
  encodeRdata, encodingLength, ipv6Bytes, ipv6Text, isKnownType, rdataEqual, type DnsMessage, type RData, type ResourceRecord,
} from '../../src/wire/dns/index.js';
import { everyType, hex, message, rr } from '../support/dns-fixture.js';

const Q = { name: 'example.com.', type: RRType.ANY, class: RRClass.IN };
const TSIG_RR = rr('tsig-key.example.', RRType.TSIG, {
  algorithm: 'hmac-sha256.', timeSigned: 0x0001_6789_abcd, fudge: 300, mac: Buffer.alloc(32, 0x5a), originalId: 0x2b1c, error: 0, other: Buffer.alloc(0),
}, 0, RRClass.ANY);

function roundTrip(m: DnsMessage, compress = true): DnsMessage {
  const wire = encodeMessage(m, { compress });
  assert.equal(encodingLength(m, { compress }), wire.length, 'encodingLength agrees with encode');
  const back = decodeMessage(wire);
  assert.deepEqual(back, m);
  return back;
}

test('every record type round-trips in every section, with and without compression', () => {
  const all = everyType();
  for (const compress of [true, false]) {
    roundTrip(message({ questions: [Q], answers: all }), compress);
    roundTrip(message({ questions: [Q], authorities: all }), compress);
    roundTrip(message({ questions: [Q], additionals: [...all, TSIG_RR] }), compress);
    roundTrip(message({ questions: [Q, { name: 'example.net.', type: 1, class: 1 }], answers: all, authorities: all, additionals: all }), compress);
  }
  assert.ok(encodeMessage(message({ questions: [Q], answers: all })).length < encodeMessage(message({ questions: [Q], answers: all }), { compress: false }).length);
});

test('a query as dig sends it, byte for byte', () => {
  const m = message({ id: 0xb4a7, flags: { rd: true, ad: true }, questions: [{ name: 'example.com.', type: RRType.SOA, class: RRClass.IN }] });
  assert.equal(encodeMessage(m).toString('hex'), 'b4a701200001000000000000076578616d706c6503636f6d0000060001');
  assert.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('each header flag, the opcode and the rcode sit at their RFC 1035 / RFC 2535 bits', () => {
  const bits: [keyof DnsMessage['flags'], number, number][] = [['qr', 2, 0x80], ['aa', 2, 0x04], ['tc', 2, 0x02], ['rd', 2, 0x01], ['ra', 3, 0x80], ['z', 3, 0x40], ['ad', 3, 0x20], ['cd', 3, 0x10]];
  for (const [flag, byte, mask] of bits) {
    const w = encodeMessage(message({ flags: { [flag]: true } }));
    assert.equal(w[byte], mask, flag);
    assert.equal(w[byte === 2 ? 3 : 2], 0, flag);
    assert.equal(decodeMessage(w).flags[flag], true);
  }
  const w = encodeMessage(message({ flags: { opcode: 5 }, rcode: 10 }));
  assert.equal(w[2], 5 << 3);
  assert.equal(w[3], 10);
  assert.deepEqual(decodeHeader(w), { id: 0x2b1c, flags: decodeMessage(w).flags, rcode: 10, qdcount: 0, ancount: 0, nscount: 0, arcount: 0 });
});

test('a 12-bit rcode is split between the header and the OPT record (RFC 6891 §6.1.3)', () => {
  const edns = { udpSize: 1232, version: 0, do: false, z: 0, options: [] };
  const m = message({ flags: { qr: true }, rcode: 23, edns });
  const w = encodeMessage(m);
  assert.equal(w[3]! & 0x0f, 23 & 0x0f);
  assert.equal(w[w.length - 11 + 5], 23 >> 4, 'extended rcode is the OPT TTL\'s first byte');
  assert.deepEqual(decodeMessage(w), m);
  assert.throws(() => encodeMessage(message({ rcode: 16 })), /bad-value: rcode: 16 .*need edns/);
  assert.throws(() => encodeMessage(message({ rcode: 4096, edns })), /bad-value: rcode/);
});

test('EDNS: payload size, version, DO, Z and options in order, the OPT record before a TSIG record', () => {
  const edns = { udpSize: 4096, version: 1, do: true, z: 0x1234, options: [{ code: 65001, data: hex('0102') }, { code: 3, data: Buffer.alloc(0) }, { code: 65001, data: hex('03') }] };
  const m = message({ questions: [Q], additionals: [rr('host.example.com.', 1, { address: '192.0.2.1' }), TSIG_RR], edns });
  const w = encodeMessage(m);
  assert.deepEqual(decodeMessage(w), m);
  const opt = w.indexOf(hex('00 0029 1000'));
  const tsig = w.indexOf(hex('08747369672d6b6579076578616d706c6500 00fa'));
  assert.ok(opt > 0 && tsig > opt, 'OPT written before TSIG');
  assert.equal(w.readUInt16BE(10), 3, 'ARCOUNT counts the OPT record');
  assert.throws(() => encodeMessage(message({ additionals: [TSIG_RR, rr('a.example.', 1, { address: '192.0.2.1' })] })), /bad-value: additionals\[0\]\.type: a TSIG record must be the last/);
  assert.throws(() => encodeMessage(message({ answers: [TSIG_RR] })), /answers\[0\]\.type: a TSIG/);
  assert.throws(() => encodeMessage(message({ additionals: [rr('.', RRType.OPT, { opaque: Buffer.alloc(0) })] })), /additionals\[0\]\.type: an OPT record is written from the message's edns/);
});

test('compression: pointers count from the message start and reproduce the exact bytes, case included', () => {
  const m = message({
    questions: [{ name: 'WWW.Example.COM.', type: 1, class: 1 }],
    answers: [
      rr('www.example.com.', 5, { target: 'Host.Example.COM.' }),
      rr('Host.Example.COM.', 1, { address: '192.0.2.80' }),
      rr('example.com.', 15, { preference: 10, exchange: 'mail.example.com.' }),
    ],
  });
  const w = encodeMessage(m);
  assert.deepEqual(decodeMessage(w), m);
  // Question at 12: 03 WWW 07 Example 03 COM 00. The first answer's owner differs in case in every label: written whole at 33.
  assert.equal(w.subarray(33, 50).toString('hex'), '03777777076578616d706c6503636f6d00');
  const host = w.indexOf(Buffer.from('Host', 'latin1'));
  assert.equal(w.subarray(host + 4, host + 6).toString('hex'), 'c010', 'Host + pointer to "Example.COM." of the question (offset 16)');
  const mx = w.indexOf(Buffer.from('mail', 'latin1'));
  assert.equal(w.readUInt16BE(mx + 4), 0xc000 | 37, '"example.com." of the first answer');
});

test('RDATA names are compressed in NS, CNAME, SOA, PTR, MX only; SRV, NAPTR, DNAME and TSIG names are written whole', () => {
  const target = '076578616d706c6503636f6d00';
  const cases: [number, RData, string][] = [
    [2, { host: 'example.com.' }, 'c00c'],
    [5, { target: 'example.com.' }, 'c00c'],
    [12, { host: 'example.com.' }, 'c00c'],
    [15, { preference: 1, exchange: 'example.com.' }, '0001c00c'],
    [6, { mname: 'example.com.', rname: 'example.com.', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }, 'c00cc00c0000000100000002000000030000000400000005'],
    [33, { priority: 1, weight: 2, port: 3, target: 'example.com.' }, `000100020003${target}`],
    [35, { order: 1, preference: 2, flags: Buffer.alloc(0), services: Buffer.alloc(0), regexp: Buffer.alloc(0), replacement: 'example.com.' }, `00010002000000${target}`],
    [39, { target: 'example.com.' }, target],
  ];
  for (const [type, data, rdata] of cases) {
    const w = encodeMessage(message({ questions: [{ name: 'example.com.', type, class: 1 }], answers: [rr('example.com.', type, data)] }));
    assert.equal(w.subarray(w.length - rdata.length / 2).toString('hex'), rdata, `type ${type}`);
  }
  const w = encodeMessage(message({ questions: [{ name: 'hmac-sha256.', type: 1, class: 1 }], additionals: [TSIG_RR] }));
  assert.ok(w.includes(hex('0b686d61632d73686132353600 00016789abcd')), 'TSIG algorithm written whole before its time');
});

test('a name written whole (SRV target) is still a pointer target for later names, as knotd does', () => {
  const m = message({
    answers: [rr('_sip._udp.example.com.', 33, { priority: 1, weight: 2, port: 5060, target: 'pbx.example.com.' })],
    additionals: [rr('pbx.example.com.', 1, { address: '192.0.2.5' })],
  });
  const w = encodeMessage(m);
  const srvTarget = w.indexOf(Buffer.from('\x03pbx', 'latin1'));
  assert.equal(w.readUInt16BE(srvTarget + 17), 0xc000 | srvTarget, 'the A owner points at the SRV target');
  assert.deepEqual(decodeMessage(w), m);
});

test('names written after offset 0x3fff are not pointer targets; a large message round-trips', () => {
  const answers: ResourceRecord[] = [];
  for (let i = 0; i < 1200; i++) answers.push(rr(`h${i}.zone${i % 7}.example.com.`, 16, { strings: [Buffer.from(`record ${i}`)] }));
  for (let i = 0; i < 1200; i += 3) answers.push(rr(`h${i}.zone${i % 7}.example.com.`, 1, { address: '192.0.2.1' }));
  const m = message({ answers });
  roundTrip(m);
  assert.ok(encodeMessage(m).length > 0x4000 * 2);
});

test('UPDATE (RFC 2136): empty RDATA of a known type in class ANY or NONE is OpaqueData with no bytes', () => {
  const m = message({
    flags: { opcode: 5 },
    questions: [{ name: 'example.com.', type: RRType.SOA, class: RRClass.IN }],
    answers: [rr('host.example.com.', 1, { opaque: Buffer.alloc(0) }, 0, RRClass.ANY), rr('new.example.com.', 28, { opaque: Buffer.alloc(0) }, 0, RRClass.NONE)],
    authorities: [rr('host.example.com.', 255, { opaque: Buffer.alloc(0) }, 0, RRClass.ANY), rr('host.example.com.', 1, { address: '192.0.2.9' }, 0, RRClass.NONE)],
  });
  roundTrip(m);
  assert.throws(() => encodeMessage(message({ answers: [rr('a.example.', 1, { opaque: Buffer.alloc(0) })] })), /answers\[0\]\.data\.opaque: empty RDATA of type 1 is only allowed in class ANY or NONE/);
});

test('a known type given as opaque bytes (RFC 3597 generic form) is checked and decodes into its fields', () => {
  const w = encodeMessage(message({ answers: [rr('a.example.', 1, { opaque: hex('c0000201') })] }));
  assert.deepEqual(decodeMessage(w).answers[0]!.data, { address: '192.0.2.1' });
  assert.throws(() => encodeMessage(message({ answers: [rr('a.example.', 1, { opaque: hex('c00002') })] })), /bad-value: answers\[0\]\.data\.opaque: is not valid RDATA of type 1/);
  assert.throws(() => encodeMessage(message({ answers: [rr('a.example.', 99, { address: '192.0.2.1' } as RData)] })), /answers\[0\]\.data: type 99 takes \{ opaque: Buffer \}/);
});

test('encode refuses bad values with a path naming the field', () => {
  const bad: [Parameters<typeof message>[0], RegExp][] = [
    [{ answers: [rr('a.example.', 15, { preference: 1, exchange: 'mail..example.' })] }, /^bad-name: answers\[0\]\.data\.exchange: "mail\.\.example\.": empty label/],
    [{ answers: [rr('a.example.', 2, { host: 'ns1.example' })] }, /^bad-name: answers\[0\]\.data\.host: "ns1\.example" is not absolute/],
    [{ questions: [{ name: `${'a'.repeat(64)}.example.`, type: 1, class: 1 }] }, /^bad-name: questions\[0\]\.name: .*label of 64 bytes/],
    [{ authorities: [rr('a.example.', 1, { address: '192.0.2.1' }, -1)] }, /^bad-value: authorities\[0\]\.ttl: -1 is not an integer in 0\.\.4294967295/],
    [{ answers: [rr('a.example.', 1, { address: '192.0.2.01' })] }, /^bad-value: answers\[0\]\.data\.address: "192\.0\.2\.01" is not a dotted quad/],
    [{ answers: [rr('a.example.', 28, { address: '2001:db8::1::2' })] }, /^bad-value: answers\[0\]\.data\.address: "2001:db8::1::2" is not an IPv6 address/],
    [{ answers: [rr('a.example.', 16, { strings: [Buffer.alloc(256)] })] }, /^too-long: answers\[0\]\.data\.strings\[0\]: 256 bytes/],
    [{ answers: [rr('a.example.', 16, { strings: [] })] }, /^bad-value: answers\[0\]\.data\.strings: must be an array of one or more Buffers/],
    [{ additionals: [rr('a.example.', 257, { flags: 0, tag: 'is-sue', value: Buffer.alloc(0) })] }, /^bad-value: additionals\[0\]\.data\.tag: "is-sue" is not 1–255 ASCII letters and digits/],
    [{ answers: [rr('a.example.', 33, { priority: 1, weight: 2, port: 65536, target: 'b.example.' })] }, /^bad-value: answers\[0\]\.data\.port: 65536/],
    [{ id: 65536 }, /^bad-value: id: 65536/],
    [{ edns: { udpSize: 1232, version: 0, do: false, z: 0x8000, options: [] } }, /^bad-value: edns\.z: 32768/],
    [{ edns: { udpSize: 1232, version: 0, do: false, z: 0, options: [{ code: 10, data: Buffer.alloc(12) }] } }, /^bad-value: edns\.options\[0\]\.data: COOKIE of 12 bytes/],
  ];
  for (const [init, re] of bad) {
    assert.throws(() => encodeMessage(message(init)), (err: unknown) => err instanceof WireEncodeError && re.test(err.message), String(re));
  }
  const big = message({ answers: Array.from({ length: 300 }, (_, i) => rr(`n${i}.example.`, 16, { strings: [Buffer.alloc(255)] })) });
  assert.throws(() => encodeMessage(big), /too-large: message over 65535 bytes/);
  assert.throws(() => encodeInto(message({ questions: [Q] }), Buffer.alloc(20)), /no-space/);
  assert.throws(() => encodeMessage(message({ flags: { opcode: 16 } })), /bad-value: flags\.opcode/);
});

test('encodeInto writes at an offset (e.g. after a TCP length prefix) with pointers counted from there', () => {
  const m = message({ questions: [Q], answers: everyType() });
  const buf = Buffer.alloc(4096, 0xee);
  const n = encodeInto(m, buf, 2);
  assert.equal(n, encodingLength(m));
  assert.deepEqual(decodeMessage(buf.subarray(2, 2 + n)), m);
  assert.ok(buf.subarray(2, 2 + n).equals(encodeMessage(m)));
  assert.equal(buf[0], 0xee);
});

test('dnsMessage has the one codec shape', () => {
  const m = message({ questions: [Q], answers: everyType() });
  assert.equal(dnsMessage.encodingLength(m), dnsMessage.encode(m).length);
  assert.deepEqual(dnsMessage.decode(dnsMessage.encode(m)), m);
  assert.equal(MAX_MESSAGE_BYTES, 65535);
});

test('encodeRdata / decodeRdata: uncompressed RDATA of every type, and views into the input', () => {
  for (const r of [...everyType(), TSIG_RR]) {
    const bytes = encodeRdata(r.type, r.data); // decodeRdata refuses pointers: this also proves there are none
    const framed = Buffer.concat([hex('ffff'), bytes, hex('ff')]);
    const back = decodeRdata(r.type, framed, 2, 2 + bytes.length);
    assert.deepEqual(back, r.data, `type ${r.type}`);
  }
  const src = hex('03616263');
  const view = decodeRdata(16, src) as { strings: Buffer[] };
  src[1] = 0x7a;
  assert.equal(view.strings[0]!.toString(), 'zbc', 'a view, not a copy');
  assert.equal(encodeRdata(15, { preference: 10, exchange: 'Mail.Example.' }).toString('hex'), '000a044d61696c074578616d706c6500');
  assert.throws(() => decodeRdata(2, hex('c000')), /bad-label/);
  assert.equal(isKnownType(257), true);
  assert.equal(isKnownType(46), false);
});

test('rdataEqual: names case-insensitively (RFC 4034 §6.2), AAAA by value, opaque by decoded fields, the rest byte for byte', () => {
  assert.ok(rdataEqual(15, { preference: 10, exchange: 'MAIL.example.com.' }, { preference: 10, exchange: 'mail.EXAMPLE.com.' }));
  assert.ok(!rdataEqual(15, { preference: 10, exchange: 'mail.example.com.' }, { preference: 20, exchange: 'mail.example.com.' }));
  assert.ok(rdataEqual(28, { address: '2001:DB8:0:0::1' }, { address: '2001:db8::1' }));
  assert.ok(rdataEqual(1, { opaque: hex('c0000201') }, { address: '192.0.2.1' }));
  assert.ok(!rdataEqual(1, { opaque: hex('c0000202') }, { address: '192.0.2.1' }));
  assert.ok(rdataEqual(16, { strings: [Buffer.from('a'), Buffer.from('b')] }, { strings: [Buffer.from('a'), Buffer.from('b')] }));
  assert.ok(!rdataEqual(16, { strings: [Buffer.from('ab')] }, { strings: [Buffer.from('a'), Buffer.from('b')] }));
  assert.ok(!rdataEqual(16, { strings: [Buffer.from('A')] }, { strings: [Buffer.from('a')] }), 'TXT is case-sensitive');
  assert.ok(rdataEqual(46, { opaque: hex('0102') }, { opaque: hex('0102') }));
  assert.ok(!rdataEqual(46, { opaque: hex('0102') }, { opaque: hex('0103') }));
  const soa = { mname: 'ns1.example.com.', rname: 'h.example.com.', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 };
  assert.ok(rdataEqual(6, soa, { ...soa, mname: 'NS1.example.com.' }));
  assert.ok(!rdataEqual(6, soa, { ...soa, serial: 2 }));
  for (const r of everyType()) assert.ok(rdataEqual(r.type, r.data, decodeRdata(r.type, encodeRdata(r.type, r.data))), `type ${r.type}`);
});

test('A text must be a canonical dotted quad', () => {
  for (const ok of ['192.0.2.0', '192.0.2.1', '192.0.2.255', '198.51.100.10', '203.0.113.99']) {
    assert.deepEqual(decodeMessage(encodeMessage(message({ answers: [rr('a.example.', 1, { address: ok })] }))).answers[0]!.data, { address: ok });
  }
  for (const bad of ['', '192.0.2', '192.0.2.1.5', '192.0.2.256', '192.0.2.01', '192.00.2.1', ' 192.0.2.1', '192..0.2', '192.0.2.', '.192.0.2', '192.0.2.1 ', '192.0.2.1000', 'a.b.c.d', '１92.0.2.1']) {
    assert.throws(() => encodeMessage(message({ answers: [rr('a.example.', 1, { address: bad })] })), /bad-value: answers\[0\]\.data\.address: .* is not a dotted quad/, JSON.stringify(bad));
  }
});

test('AAAA text is RFC 5952 canonical whatever was sent', () => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::1', '::1'],
    ['2001:db8::', '2001:db8::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['2001:db8:1:2:3:4:192.0.2.1', '2001:db8:1:2:3:4:c000:201'],
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'],
  ];
  for (const [input, canonical] of cases) assert.equal(ipv6Text(ipv6Bytes(input), 0), canonical, input);
  for (const bad of ['', ':', '2001:db8:1:2:3:4:5', '2001:db8:1:2:3:4:5:6:7', '2001:db8::1::', '2001:db8::g', '2001:db8:12345::', '2001:db8::192.0.2.256', '2001:db8::1%eth0', '2001:db8:1:2:3:4:5::6', '2001:db8:::1']) {
    assert.throws(() => ipv6Bytes(bad), WireEncodeError, bad);
  }
});

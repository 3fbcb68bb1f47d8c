// Codec round trips over packets captured from real clients and from Kea
// (test/fixtures/dhcp4/, written by test/lab/tools/capture-dhcp4.ts): each decodes
// with every catalogued option checked, re-encodes to the same bytes, and carries
// the values its client was configured to send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  MessageType,
  circuitId,
  clientIdentifierBytes,
  decode,
  decodeOption,
  encode,
  encodingLength,
  hardwareAddressText,
  ipv4FromString,
  ipv4ToString,
  linkSelection,
  messageType,
  messageTypeName,
  remoteId,
  rfc4361Parts,
  vendorSubOptions,
  type Dhcp4Message,
} from '../../src/wire/dhcp4/index.js';
import { repoRoot } from '../support/paths.js';

const dir = join(repoRoot, 'test', 'fixtures', 'dhcp4');

interface Fixture {
  readonly name: string;
  readonly header: string[];
  readonly bytes: Buffer;
}

function fixtures(): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((name) => {
      const lines = readFileSync(join(dir, name), 'utf8').split('\n');
      const hex = lines.filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, '');
      return { name, header: lines.filter((l) => l.startsWith('#')), bytes: Buffer.from(hex, 'hex') };
    });
}

const all = fixtures();
const load = (name: string): Dhcp4Message => decode(all.find((f) => f.name === name)!.bytes, { validate: true });
const ip = ipv4FromString;

test('captures from dhclient, dhcpcd, udhcpc, perfdhcp and Kea are stored with their origin', () => {
  assert.ok(all.length >= 20, `${all.length} fixtures`);
  for (const program of ['dhclient', 'dhcpcd', 'udhcpc', 'perfdhcp']) {
    assert.ok(all.some((f) => f.name.startsWith(`${program}-`) && !f.name.includes('-kea-')), `no request from ${program}`);
    assert.ok(all.some((f) => f.name.startsWith(`${program}-`) && f.name.includes('-kea-')), `no Kea reply to ${program}`);
  }
  for (const f of all) {
    assert.match(f.header[0] ?? '', /^# DHCP[A-Z]+ sent by \S+ \(\S+ [^)]+\)/, `${f.name}: first line names the message and the program with its version`);
    assert.match(f.header.join('\n'), /captured \d{4}-\d\d-\d\d .*\n# with tcpdump/, `${f.name}: says when and how it was captured`);
  }
  const types = new Set(all.map((f) => messageTypeName(messageType(decode(f.bytes)) ?? 0)));
  for (const t of ['DISCOVER', 'OFFER', 'REQUEST', 'ACK', 'NAK', 'RELEASE']) assert.ok(types.has(t as never), `no ${t} captured`);
});

for (const f of all) {
  test(`round trip: ${f.name}`, () => {
    const m = decode(f.bytes, { validate: true });
    const type = messageTypeName(messageType(m) ?? 0)!.toLowerCase();
    assert.ok(f.name.endsWith(`-${type}.hex`), `message type ${type} matches the file name`);
    assert.equal(m.op, f.name.includes('-kea-') ? 2 : 1);
    assert.equal(m.htype, 1);
    assert.equal(m.hlen, 6);
    assert.equal(m.overload, 0);
    // Same bytes back: Kea sends more than 576 bytes and does not pad a NAK, perfdhcp sends less than 300.
    const o = { maxLength: Math.max(576, f.bytes.length), minLength: Math.min(300, f.bytes.length) };
    const again = encode(m, o);
    assert.equal(again.toString('hex'), f.bytes.toString('hex'));
    assert.equal(encodingLength(m, o), f.bytes.length);
  });
}

test('dhclient: host name, FQDN in wire form, client id from the hardware address, parameter list', () => {
  const m = load('dhclient-01-discover.hex');
  assert.equal(decodeOption(12, m.options.get(12)!), 'outpost-lab');
  assert.deepEqual(decodeOption(81, m.options.get(81)!), { flags: 0x05, rcode1: 0, rcode2: 0, name: 'outpost-lab.example.com.' });
  assert.equal(decodeOption(60, m.options.get(60)!), 'outpost-lab-dhclient');
  const cid = decodeOption(61, m.options.get(61)!);
  assert.equal(cid.type, 1);
  assert.equal(cid.id.toString('hex').match(/../g)!.join(':'), hardwareAddressText(m));
  assert.deepEqual(decodeOption(55, m.options.get(55)!), [1, 28, 3, 15, 6, 119, 12, 42, 121, 66, 67, 150, 176, 242, 252, 43]);
  const rel = load('dhclient-17-release.hex');
  assert.equal(messageType(rel), MessageType.RELEASE);
  assert.equal(ipv4ToString(rel.ciaddr), '192.0.2.100');
  const nak = load('dhclient-12-kea-nak.hex');
  assert.equal(messageType(nak), MessageType.NAK);
  assert.equal(nak.yiaddr, 0);
});

test('dhcpcd: RFC 4361 client id, RFC 3004 user classes, a zero-length unknown option kept', () => {
  const m = load('dhcpcd-01-discover.hex');
  const cid = decodeOption(61, clientIdentifierBytes(m)!);
  assert.equal(cid.type, 255);
  const parts = rfc4361Parts(cid)!;
  assert.ok(parts.duid.length >= 10, 'a DUID follows the IAID');
  assert.deepEqual(decodeOption(77, m.options.get(77)!).map(String), ['outpost-voice', 'outpost-lab']);
  assert.deepEqual(m.options.get(80), Buffer.alloc(0), 'rapid commit (80): unknown to the catalogue, zero-length, kept');
  assert.deepEqual([...m.options.get(145)!], [1], 'forcerenew nonce capable (145) kept');
  assert.equal(decodeOption(57, m.options.get(57)!), 1472);
  assert.deepEqual(decodeOption(81, m.options.get(81)!), { flags: 0x05, rcode1: 0, rcode2: 0, name: 'outpost-lab' }, 'a partial name in wire form');
});

test('udhcpc: FQDN in ASCII form, its vendor class', () => {
  const m = load('udhcpc-01-discover.hex');
  assert.deepEqual(decodeOption(81, m.options.get(81)!), { flags: 0x01, rcode1: 0, rcode2: 0, name: 'outpost-lab.example.com' });
  assert.match(decodeOption(60, m.options.get(60)!), /^udhcp 1\./);
  assert.equal(decodeOption(57, m.options.get(57)!), 576);
});

test('perfdhcp as a relay: giaddr and option 82 with circuit-id, remote-id and link-selection', () => {
  const m = load('perfdhcp-03-request.hex');
  assert.equal(ipv4ToString(m.giaddr), '192.0.2.2');
  const ri = m.options.get(82)!;
  assert.equal(circuitId(ri)!.toString(), 'ge-0/0/1.20');
  assert.equal(remoteId(ri)!.toString(), 'switch-a');
  assert.equal(linkSelection(ri), ip('192.0.2.0'));
  assert.deepEqual(decodeOption(82, ri).map((s) => s.code), [1, 2, 5]);
  const offer = load('perfdhcp-02-kea-offer.hex');
  assert.deepEqual(offer.options.get(82), load('perfdhcp-01-discover.hex').options.get(82), 'Kea echoes option 82');
  assert.equal([...offer.options.keys()].at(-1), 82, 'last, as RFC 3046 asks');
});

test('Kea OFFER: every voice-site option the capture configured', () => {
  const m = load('dhclient-02-kea-offer.hex');
  const opt = <C extends Parameters<typeof decodeOption>[0]>(c: C) => decodeOption(c, m.options.get(c)!);
  assert.equal(messageType(m), MessageType.OFFER);
  assert.ok(m.yiaddr >= ip('192.0.2.100') && m.yiaddr <= ip('192.0.2.199'));
  assert.equal(opt(1), ip('255.255.255.0'));
  assert.deepEqual(opt(3), [ip('192.0.2.1')]);
  assert.deepEqual(opt(6), [ip('192.0.2.1'), ip('198.51.100.53')]);
  assert.equal(opt(15), 'example.com');
  assert.deepEqual(opt(42), [ip('192.0.2.1')]);
  assert.equal(opt(51), 3600);
  assert.equal(opt(54), ip('192.0.2.1'));
  assert.equal(opt(58), 900);
  assert.equal(opt(59), 1800);
  assert.equal(opt(66), '192.0.2.1');
  assert.equal(opt(67), 'SIPDefault.cnf');
  assert.deepEqual(opt(119), ['voice.example.com', 'example.com']);
  assert.deepEqual(opt(121), [
    { destination: ip('198.51.100.0'), prefixLength: 24, router: ip('192.0.2.1') },
    { destination: ip('203.0.113.0'), prefixLength: 25, router: ip('192.0.2.254') },
  ]);
  assert.deepEqual(opt(150), [ip('192.0.2.1'), ip('198.51.100.69')]);
  assert.equal(opt(176), 'MCIPADD=192.0.2.10,MCPORT=1719,TFTPSRVR=192.0.2.1,L2Q=1,L2QVLAN=20');
  assert.equal(opt(242), 'MCIPADD=192.0.2.10,MCPORT=1719,HTTPSRVR=192.0.2.1');
  assert.equal(opt(252), 'http://192.0.2.1/wpad.dat');
  const vendor = vendorSubOptions.decode(m.options.get(43)!);
  assert.deepEqual(vendor.map((s) => [s.code, s.data.toString('hex')]), [[241, 'c0000205c0000206']]);
  assert.deepEqual(opt(81), { flags: 0x05, rcode1: 0, rcode2: 0, name: 'outpost-lab.example.com.' });
});

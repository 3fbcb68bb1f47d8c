// Codec round trips over messages captured from real programs (test/fixtures/dns/,
// written by test/lab/tools/capture-dns.ts): dig and kdig queries, knotd and named
// answers. Each decodes, re-encodes to an equal message (queries and most answers to
// the same bytes), and carries what its program was asked to send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EdnsOption, Rcode, RRType, decodeMessage, encodeMessage, ednsOption, hasType, readCookie, readExpire, readNsid, type DnsMessage,
} from '../../src/wire/dns/index.js';
import { dnsFixtures } from '../support/dns-fixture.js';

const all = dnsFixtures();
const load = (name: string): DnsMessage => {
  const f = all.find((x) => x.name === name);
  assert.ok(f, `fixture ${name}`);
  return decodeMessage(f.bytes);
};

test('captures from dig, kdig, knotd and named are stored with their origin', () => {
  assert.ok(all.length >= 40, `${all.length} fixtures`);
  for (const p of ['dig', 'kdig']) assert.ok(all.some((f) => f.name.startsWith(`${p}-`) && f.name.endsWith('-query.hex')), `no query from ${p}`);
  for (const s of ['knot', 'named']) assert.ok(all.some((f) => f.name.includes(`-${s}-response`)), `no response from ${s}`);
  for (const f of all) {
    assert.match(f.header[0] ?? '', /^# DNS (query|response) sent by (dig|kdig|knotd|named) \(\S+ [^)]+\), /, `${f.name}: sender and version`);
    assert.match(f.header[1] ?? '', /^# (UDP|TCP) on 127\.0\.0\.1, \d+ bytes .*captured \d{4}-\d\d-\d\d/, `${f.name}: transport, size, date`);
    assert.match(f.header[2] ?? '', /^# command: (dig|kdig) @127\.0\.0\.1 -p PORT /, `${f.name}: command`);
    assert.equal(Number(/, (\d+) bytes/.exec(f.header[1]!)![1]), f.bytes.length, `${f.name}: size in the header`);
  }
});

test('every capture decodes and re-encodes to an equal message; queries and all but the transfers to the same bytes', () => {
  for (const f of all) {
    const m = decodeMessage(f.bytes);
    const again = encodeMessage(m);
    assert.deepEqual(decodeMessage(again), m, f.name);
    if (/axfr|ixfr/.test(f.name) && f.name.includes('response')) {
      // knotd does not point NS and PTR names into SOA RDATA; this codec does.
      assert.ok(again.length < f.bytes.length, `${f.name}: ${again.length} vs ${f.bytes.length}`);
    } else {
      assert.equal(again.toString('hex'), f.bytes.toString('hex'), f.name);
    }
  }
});

test('dig\'s default query: RD and AD, EDNS 1232 with an 8-byte client cookie', () => {
  const q = load('dig-01-a-query.hex');
  assert.deepEqual(q.questions, [{ name: 'www.example.com.', type: RRType.A, class: 1 }]);
  assert.ok(q.flags.rd && q.flags.ad && !q.flags.qr);
  assert.equal(q.edns?.udpSize, 1232);
  assert.equal(readCookie(q.edns)?.client.length, 8);
  assert.equal(readCookie(q.edns)?.server, undefined);
});

test('knotd\'s mod-cookies: BADCOOKIE (extended rcode 23) with a server cookie, then the answer to the retry', () => {
  const bad = load('dig-01-a-knot-response.hex');
  assert.equal(bad.rcode, Rcode.BADCOOKIE);
  const cookie = readCookie(bad.edns)!;
  assert.equal(cookie.server?.length, 16);
  const retry = load('dig-01-a-query-2.hex');
  assert.deepEqual(readCookie(retry.edns), cookie, 'dig echoes the server cookie');
  const answer = load('dig-01-a-knot-response-2.hex');
  assert.equal(answer.rcode, Rcode.NOERROR);
  assert.deepEqual(answer.answers.map((r) => [r.name, r.type, r.data]), [
    ['www.example.com.', RRType.CNAME, { target: 'host.example.com.' }],
    ['host.example.com.', RRType.A, { address: '192.0.2.80' }],
  ]);
});

test('DNSSEC: the DO bit and RRSIG records (opaque)', () => {
  assert.equal(load('dig-02-dnssec-soa-query.hex').edns?.do, true);
  const r = load('dig-02-dnssec-soa-knot-response-2.hex');
  assert.ok(r.edns?.do);
  assert.deepEqual(r.answers.map((x) => x.type), [RRType.SOA, RRType.RRSIG]);
  assert.ok('opaque' in r.answers[1]!.data);
});

test('NSID: empty in the query, the server\'s id in the answer (knotd and named)', () => {
  assert.deepEqual(readNsid(load('dig-03-nsid-ns-query.hex').edns), Buffer.alloc(0));
  assert.equal(readNsid(load('dig-03-nsid-ns-knot-response-2.hex').edns)?.toString(), 'outpost-capture-knot');
  assert.equal(readNsid(load('dig-22-named-caa-named-response.hex').edns)?.toString(), 'outpost-capture-named');
  const ns = load('dig-03-nsid-ns-knot-response-2.hex');
  assert.deepEqual(ns.answers.map((r) => r.data), [{ host: 'ns1.example.com.' }, { host: 'ns2.example.net.' }]);
  assert.deepEqual(ns.additionals.map((r) => r.data), [{ address: '192.0.2.53' }, { address: '2001:db8::53' }]);
});

test('EXPIRE: empty in the queries, the SOA expire in knotd\'s answers (UDP and TCP)', () => {
  for (const q of ['dig-04-expire-soa-query.hex', 'kdig-13-expire-tcp-query.hex']) assert.deepEqual(ednsOption(load(q).edns, EdnsOption.EXPIRE), Buffer.alloc(0));
  assert.equal(readExpire(load('dig-04-expire-soa-knot-response-2.hex').edns), 1209600);
  assert.equal(readExpire(load('kdig-13-expire-tcp-knot-response.hex').edns), 1209600);
});

test('answers with compressed RDATA names: MX, SOA in an NXDOMAIN (knotd and named)', () => {
  for (const f of ['dig-05-tcp-norec-mx-knot-response.hex', 'dig-19-named-mx-named-response.hex']) {
    const m = load(f);
    const mx = m.answers.map((r) => r.data as { preference: number }).sort((a, b) => a.preference - b.preference);
    assert.deepEqual(mx, [{ preference: 10, exchange: 'mail.example.com.' }, { preference: 20, exchange: 'mail.example.net.' }], f);
  }
  assert.ok(!load('dig-05-tcp-norec-mx-query.hex').flags.rd);
  for (const f of ['dig-07-nxdomain-knot-response-2.hex', 'dig-20-named-nxdomain-named-response.hex']) {
    const m = load(f);
    assert.equal(m.rcode, Rcode.NXDOMAIN, f);
    assert.equal(m.answers.length, 0);
    const soa = m.authorities[0]!;
    assert.ok(hasType(soa, RRType.SOA));
    assert.equal(soa.data.mname, 'ns1.example.com.');
    assert.equal(soa.data.rname, 'hostmaster.example.com.');
    assert.equal(soa.data.expire, 1209600);
  }
});

test('TC answers: knotd sends the question alone, named the TXT records that fit in 512 bytes', () => {
  const knot = load('dig-08-noedns-tc-knot-response.hex');
  assert.ok(knot.flags.tc && knot.edns === undefined && knot.answers.length === 0);
  const named = load('dig-21-named-noedns-tc-named-response.hex');
  assert.ok(named.flags.tc);
  assert.equal(named.answers.length, 12);
  assert.ok(all.find((f) => f.name === 'dig-21-named-noedns-tc-named-response.hex')!.bytes.length <= 512);
});

test('SRV, NAPTR, CAA, DNAME, HINFO, PTR in the transferred zone', () => {
  const axfr = load('dig-10-axfr-knot-response.hex');
  const of = (type: number) => axfr.answers.filter((r) => r.type === type).map((r) => r.data);
  assert.deepEqual(of(RRType.SRV), [{ priority: 10, weight: 60, port: 5060, target: 'pbx.example.com.' }]);
  assert.deepEqual(of(RRType.NAPTR), [{ order: 100, preference: 10, flags: Buffer.from('S'), services: Buffer.from('SIP+D2U'), regexp: Buffer.alloc(0), replacement: '_sip._udp.example.com.' }]);
  assert.deepEqual(of(RRType.CAA), [{ flags: 0, tag: 'issue', value: Buffer.from('ca.example.net') }]);
  assert.deepEqual(of(RRType.DNAME), [{ target: 'voice.example.net.' }]);
  assert.deepEqual(of(RRType.HINFO), [{ cpu: Buffer.from('x86-64'), os: Buffer.from('Debian') }]);
  assert.deepEqual(of(RRType.PTR), [{ host: 'host.example.com.' }]);
  assert.equal(of(RRType.TXT).length, 41);
  assert.equal(axfr.answers[0]!.type, RRType.SOA);
  assert.equal(axfr.answers[axfr.answers.length - 1]!.type, RRType.SOA);
  for (const t of [RRType.DNSKEY, RRType.RRSIG, RRType.NSEC]) assert.ok(of(t).length > 0, `type ${t}`);
  assert.deepEqual(load('kdig-16-srv-knot-response.hex').additionals.map((r) => r.name), ['pbx.example.com.']);
  assert.deepEqual(load('dig-09-naptr-knot-response-2.hex').answers.map((r) => r.type), [RRType.NAPTR]);
});

test('TSIG: last in the additional section, after the OPT record, in dig\'s query and knotd\'s answers', () => {
  for (const f of ['dig-11-tsig-soa-query.hex', 'dig-11-tsig-soa-knot-response-2.hex', 'kdig-15-tsig-axfr-query.hex', 'kdig-15-tsig-axfr-knot-response.hex']) {
    const m = load(f);
    const tsig = m.additionals[m.additionals.length - 1]!;
    assert.ok(hasType(tsig, RRType.TSIG), f);
    assert.equal(tsig.name, 'tsig-key.example.');
    assert.equal(tsig.class, 255);
    assert.equal(tsig.data.algorithm, 'hmac-sha256.');
    assert.equal(tsig.data.fudge, 300);
    assert.equal(tsig.data.error, 0);
    assert.equal(tsig.data.mac.length, 32);
  }
  assert.ok(load('dig-11-tsig-soa-query.hex').edns !== undefined, 'dig sends OPT and TSIG');
});

test('IXFR: the query carries the old SOA in the authority section; the answer is new SOA, old SOA, deletions, new SOA, additions, new SOA', () => {
  const q = load('dig-17-ixfr-query.hex');
  assert.equal(q.questions[0]!.type, RRType.IXFR);
  const old = q.authorities[0]!;
  assert.ok(hasType(old, RRType.SOA));
  const r = load('dig-17-ixfr-knot-response.hex');
  const soas = r.answers.filter((x) => x.type === RRType.SOA).map((x) => (x.data as { serial: number }).serial);
  assert.equal(soas[1], old.data.serial);
  assert.ok(soas[0]! > old.data.serial);
  assert.equal(soas[soas.length - 1], soas[0]);
  assert.ok(r.answers.some((x) => x.name === 'new.example.com.' && x.type === RRType.A));
});

test('kdig: EDNS 4096, PADDING and CLIENT_SUBNET kept as raw options', () => {
  const q = load('kdig-14-dnssec-padding-subnet-query.hex');
  assert.equal(q.edns?.udpSize, 4096);
  assert.deepEqual(q.edns?.options.map((o) => o.code), [EdnsOption.CLIENT_SUBNET, EdnsOption.PADDING]);
  assert.deepEqual(ednsOption(q.edns, EdnsOption.CLIENT_SUBNET), Buffer.from('00011800c00002', 'hex'));
  assert.deepEqual(ednsOption(q.edns, EdnsOption.PADDING), Buffer.alloc(128), '+padding=128: 128 zero bytes');
  assert.deepEqual(load('kdig-14-dnssec-padding-subnet-knot-response.hex').answers.map((r) => r.type), [RRType.AAAA, RRType.RRSIG]);
});

// Authoritative lookup (src/protocol/dns/lookup.ts) over one zone: every outcome of
// RFC 1034 §4.3.2 with the RFC 4592 wildcard, RFC 6672 DNAME, RFC 2308 negative and
// RFC 8482 ANY rules, checked section by section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Zone } from '../../src/protocol/dns/zone.js';
import { lookup, MAX_CHAIN, type LookupResult } from '../../src/protocol/dns/lookup.js';
import { Rcode, RRClass, RRType, type RData, type ResourceRecord } from '../../src/wire/dns/types.js';

const ORIGIN = 'example.com.';
const rr = (name: string, type: number, data: RData, ttl = 3600): ResourceRecord => ({ name, type, class: RRClass.IN, ttl, data });
const SOA = rr(ORIGIN, RRType.SOA, { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2026113001, refresh: 3600, retry: 600, expire: 1209600, minimum: 300 });

const RECORDS: ResourceRecord[] = [
  SOA,
  rr(ORIGIN, RRType.NS, { host: 'ns1.example.com.' }),
  rr(ORIGIN, RRType.NS, { host: 'ns2.example.net.' }),
  rr(ORIGIN, RRType.MX, { preference: 10, exchange: 'mail.example.com.' }),
  rr('ns1.example.com.', RRType.A, { address: '192.0.2.53' }),
  rr('www.example.com.', RRType.A, { address: '192.0.2.80' }),
  rr('www.example.com.', RRType.A, { address: '192.0.2.81' }, 600),
  rr('www.example.com.', RRType.AAAA, { address: '2001:db8::80' }),
  rr('Mail.Example.com.', RRType.A, { address: '192.0.2.25' }),
  rr('alias.example.com.', RRType.CNAME, { target: 'www.example.com.' }),
  rr('chain.example.com.', RRType.CNAME, { target: 'alias.example.com.' }),
  rr('outside.example.com.', RRType.CNAME, { target: 'www.example.org.' }),
  rr('dangling.example.com.', RRType.CNAME, { target: 'nothing.example.com.' }),
  rr('loop1.example.com.', RRType.CNAME, { target: 'loop2.example.com.' }),
  rr('loop2.example.com.', RRType.CNAME, { target: 'loop1.example.com.' }),
  rr('a.b.c.example.com.', RRType.TXT, { strings: [Buffer.from('deep')] }),
  rr('*.wild.example.com.', RRType.A, { address: '192.0.2.99' }),
  rr('*.wild.example.com.', RRType.TXT, { strings: [Buffer.from('wild')] }),
  rr('exists.wild.example.com.', RRType.AAAA, { address: '2001:db8::1' }),
  rr('*.cwild.example.com.', RRType.CNAME, { target: 'www.example.com.' }),
  rr('branch.example.com.', RRType.NS, { host: 'ns.branch.example.com.' }),
  rr('branch.example.com.', RRType.NS, { host: 'ns.example.net.' }),
  rr('branch.example.com.', RRType.DS, { opaque: Buffer.from('0001080201', 'hex') }),
  rr('ns.branch.example.com.', RRType.A, { address: '198.51.100.53' }),
  rr('tocut.example.com.', RRType.CNAME, { target: 'host.branch.example.com.' }),
  rr('old.example.com.', RRType.DNAME, { target: 'new.example.net.' }),
  rr('_sip._udp.example.com.', RRType.SRV, { priority: 10, weight: 5, port: 5060, target: 'pbx.example.com.' }),
];
const zone = Zone.build(ORIGIN, RECORDS);
const UDP = { anyInFull: false };
const q = (name: string, type: number, opts = UDP): LookupResult => lookup(zone, name, type, opts);
const names = (rrs: readonly ResourceRecord[]) => rrs.map((r) => `${r.name} ${r.type}`);
const negativeSoa = [{ ...SOA, ttl: 300 }];

test('a name and type that exist: the whole RRset, authoritative, its TTL the lowest of the set', () => {
  const r = q('www.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.rcode, r.aa], ['answer', Rcode.NOERROR, true]);
  assert.deepEqual(r.answers.map((a) => [a.ttl, (a.data as { address: string }).address]), [[600, '192.0.2.80'], [600, '192.0.2.81']]);
  assert.deepEqual([r.authorities, r.additionals], [[], []]);
});

test('names match case-insensitively; the answer owner is spelled as asked', () => {
  const r = q('MAIL.example.COM.', RRType.A);
  assert.equal(r.outcome, 'answer');
  assert.equal(r.answers[0]!.name, 'MAIL.example.COM.');
});

test('NODATA: the name exists without the type; SOA in authority with TTL min(SOA TTL, minimum)', () => {
  const r = q('www.example.com.', RRType.MX);
  assert.deepEqual([r.outcome, r.rcode, r.aa, r.answers], ['nodata', Rcode.NOERROR, true, []]);
  assert.deepEqual(r.authorities, negativeSoa);
});

test('an empty non-terminal exists: NODATA, not NXDOMAIN (b.c and c above a.b.c)', () => {
  for (const name of ['b.c.example.com.', 'c.example.com.']) {
    const r = q(name, RRType.A);
    assert.deepEqual([r.outcome, r.rcode], ['nodata', Rcode.NOERROR], name);
  }
});

test('NXDOMAIN: SOA in authority', () => {
  const r = q('nope.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.rcode, r.aa, r.answers], ['nxdomain', Rcode.NXDOMAIN, true, []]);
  assert.deepEqual(r.authorities, negativeSoa);
});

test('CNAME: followed inside the zone (a chain of two), the final RRset after the CNAMEs', () => {
  const r = q('chain.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.rcode, r.aa], ['cname', Rcode.NOERROR, true]);
  assert.deepEqual(names(r.answers), ['chain.example.com. 5', 'alias.example.com. 5', 'www.example.com. 1', 'www.example.com. 1']);
});

test('CNAME asked for itself, or a CNAME out of the zone: the CNAME alone, NOERROR', () => {
  assert.deepEqual(names(q('alias.example.com.', RRType.CNAME).answers), ['alias.example.com. 5']);
  const out = q('outside.example.com.', RRType.A);
  assert.deepEqual([out.outcome, out.rcode, names(out.answers)], ['cname', Rcode.NOERROR, ['outside.example.com. 5']]);
});

test('CNAME to a name that does not exist: NXDOMAIN with the CNAME in the answer (RFC 6604)', () => {
  const r = q('dangling.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.rcode, names(r.answers)], ['nxdomain', Rcode.NXDOMAIN, ['dangling.example.com. 5']]);
  assert.deepEqual(r.authorities, negativeSoa);
});

test('a CNAME loop stops after each name once', () => {
  const r = q('loop1.example.com.', RRType.A);
  assert.deepEqual([r.rcode, names(r.answers)], [Rcode.NOERROR, ['loop1.example.com. 5', 'loop2.example.com. 5']]);
});

test(`a CNAME chain longer than ${MAX_CHAIN} hops stops there`, () => {
  const chain = Array.from({ length: MAX_CHAIN + 5 }, (_, i) => rr(`c${i}.example.com.`, RRType.CNAME, { target: `c${i + 1}.example.com.` }));
  const z = Zone.build(ORIGIN, [SOA, ...chain]);
  const r = lookup(z, 'c0.example.com.', RRType.A, UDP);
  assert.equal(r.answers.length, MAX_CHAIN + 1);
});

test('wildcard (RFC 4592): synthesized with the asked name as owner, for any depth below the wildcard', () => {
  for (const name of ['host.wild.example.com.', 'a.b.wild.example.com.']) {
    const r = q(name, RRType.A);
    assert.deepEqual([r.outcome, r.rcode, names(r.answers)], ['wildcard', Rcode.NOERROR, [`${name} 1`]]);
  }
  const nodata = q('host.wild.example.com.', RRType.MX);
  assert.deepEqual([nodata.outcome, nodata.rcode], ['nodata', Rcode.NOERROR]);
});

test('wildcard: a name that exists is not synthesized, nor is the wildcard\'s parent', () => {
  const exists = q('exists.wild.example.com.', RRType.A);
  assert.deepEqual([exists.outcome, exists.rcode], ['nodata', Rcode.NOERROR]);
  assert.deepEqual(q('wild.example.com.', RRType.A).outcome, 'nodata');
  // Below an existing name the closest encloser is that name, whose wildcard does not exist.
  assert.deepEqual(q('x.exists.wild.example.com.', RRType.A).outcome, 'nxdomain');
});

test('wildcard CNAME: synthesized for the asked name and followed', () => {
  const r = q('any.cwild.example.com.', RRType.AAAA);
  assert.deepEqual(names(r.answers), ['any.cwild.example.com. 5', 'www.example.com. 28']);
});

test('delegation: a referral (not authoritative) with the cut\'s NS and in-zone glue, for the cut and below', () => {
  for (const name of ['branch.example.com.', 'host.branch.example.com.', 'ns.branch.example.com.']) {
    const r = q(name, RRType.A);
    assert.deepEqual([r.outcome, r.rcode, r.aa, r.answers], ['referral', Rcode.NOERROR, false, []], name);
    assert.deepEqual(names(r.authorities), ['branch.example.com. 2', 'branch.example.com. 2']);
    assert.deepEqual(r.additionals.map((a) => `${a.name} ${(a.data as { address: string }).address}`), ['ns.branch.example.com. 198.51.100.53']);
  }
});

test('DS at a delegation is answered by the parent, authoritatively', () => {
  const r = q('branch.example.com.', RRType.DS);
  assert.deepEqual([r.outcome, r.aa, names(r.answers)], ['answer', true, ['branch.example.com. 43']]);
});

test('a CNAME into a delegation: the CNAME, then the referral', () => {
  const r = q('tocut.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.aa, names(r.answers), names(r.authorities)], ['referral', true, ['tocut.example.com. 5'], ['branch.example.com. 2', 'branch.example.com. 2']]);
});

test('DNAME (RFC 6672): the DNAME and a synthesized CNAME to the substituted name; the DNAME owner itself is not redirected', () => {
  const r = q('host.Old.example.com.', RRType.A);
  assert.deepEqual([r.outcome, r.rcode], ['cname', Rcode.NOERROR]);
  assert.deepEqual(r.answers.map((a) => [a.name, a.type, (a.data as { target: string }).target]), [
    ['old.example.com.', RRType.DNAME, 'new.example.net.'],
    ['host.Old.example.com.', RRType.CNAME, 'host.new.example.net.'],
  ]);
  assert.equal(q('old.example.com.', RRType.DNAME).outcome, 'answer');
  assert.equal(q('old.example.com.', RRType.A).outcome, 'nodata');
});

test('DNAME whose substitution would exceed 255 bytes: YXDOMAIN', () => {
  const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(60)}.`;
  const z = Zone.build(ORIGIN, [SOA, rr('d.example.com.', RRType.DNAME, { target: long })]);
  const r = lookup(z, `${'x'.repeat(50)}.${'y'.repeat(50)}.d.example.com.`, RRType.A, UDP);
  assert.deepEqual([r.outcome, r.rcode], ['yxdomain', Rcode.YXDOMAIN]);
});

test('ANY (RFC 8482): one RRset over UDP, every RRset over TCP; NXDOMAIN still NXDOMAIN', () => {
  assert.equal(q(ORIGIN, RRType.ANY).answers.length, 1);
  const full = q(ORIGIN, RRType.ANY, { anyInFull: true });
  assert.deepEqual(new Set(full.answers.map((a) => a.type)), new Set([RRType.SOA, RRType.NS, RRType.MX]));
  assert.equal(q('nope.example.com.', RRType.ANY).rcode, Rcode.NXDOMAIN);
});

test('SRV owner names with underscores answer like any other', () => {
  assert.equal(q('_sip._udp.example.com.', RRType.SRV).outcome, 'answer');
  assert.equal(q('_udp.example.com.', RRType.SRV).outcome, 'nodata');
});

test('the snapshot lists every RRset, the SOA first (an AXFR body)', () => {
  const sets = [...zone.rrsets()];
  assert.equal(sets[0]!.type, RRType.SOA);
  assert.equal(sets.reduce((n, s) => n + s.data.length, 0), RECORDS.length);
});

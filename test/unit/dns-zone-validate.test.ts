// Zone content rules: each rule on a small zone that breaks it (and only it), with the
// problem's kind, owner, type and the file and line it came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseZoneFile } from '../../src/protocol/dns/zone-file/index.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';
import { RRType, type ResourceRecord } from '../../src/wire/dns/types.js';
import { repoRoot } from '../support/paths.js';

const APEX = '$TTL 1h\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns1\nns1 A 192.0.2.53\n';

function check(body: string, origin = 'example.com.') {
  const parsed = parseZoneFile(`${APEX}${body}`, { origin, file: 'db' });
  return validateZone(origin, parsed.records, { sources: parsed.sources });
}
const kinds = (body: string, origin?: string) => check(body, origin).problems.map((p) => `${p.severity} ${p.kind} ${p.owner} ${p.line ?? '-'}: ${p.reason}`);

test('the fixtures are valid zones', () => {
  const dir = join(repoRoot, 'test', 'fixtures', 'dns-zones');
  const readFile = (p: string) => readFileSync(join(dir, p), 'utf8');
  for (const [file, origin] of [['example.com.zone', 'example.com.'], ['2.0.192.in-addr.arpa.zone', '2.0.192.in-addr.arpa.'], ['example.net.zone', 'example.net.'], ['rfc1035-style.zone', 'example.com.']] as const) {
    const parsed = parseZoneFile(readFile(file), { origin, file, readFile });
    assert.deepEqual(validateZone(origin, parsed.records, { sources: parsed.sources }).problems, [], file);
  }
});

test('exactly one SOA, at the apex; NS at the apex', () => {
  const none = validateZone('example.com.', parseZoneFile('$TTL 1\nwww A 192.0.2.1\n', { origin: 'example.com.' }).records).problems;
  assert.deepEqual(none.map((p) => `${p.kind} ${p.owner} ${p.type}`), ['no-soa example.com. 6', 'no-apex-ns example.com. 2']);
  assert.deepEqual(kinds('@ SOA ns2 hostmaster 2 2 3 4 5\nwww SOA ns1 hm 1 2 3 4 5\n'), [
    'error multiple-soa example.com. 5: a second SOA record for example.com.; a zone has exactly one',
    'error soa-not-at-apex www.example.com. 6: SOA at www.example.com., which is not the apex example.com.',
  ]);
  const noNs = validateZone('example.com.', parseZoneFile('$TTL 1\n@ SOA ns1 hm 1 2 3 4 5\n', { origin: 'example.com.', file: 'db' }).records).problems;
  assert.deepEqual(noNs.map((p) => `${p.kind}: ${p.reason}`), ['no-apex-ns: the zone example.com. has no NS records at its apex']);
});

test('CNAME: nothing else at its name but RRSIG and NSEC; at most one', () => {
  assert.deepEqual(kinds('www CNAME a\n  A 192.0.2.1\n  TXT "x"\nftp CNAME a\n  CNAME b\nok CNAME a\n  RRSIG \\# 1 00\n  NSEC \\# 1 00\n'), [
    'error cname-and-other-data www.example.com. 5: www.example.com. has a CNAME and other data (A, TXT)',
    'error multiple-cname ftp.example.com. 9: ftp.example.com. has 2 CNAME records; at most one is allowed',
  ]);
  assert.deepEqual(kinds('@ CNAME elsewhere.example.net.\n').map((k) => k.split(':')[0]), ['error cname-and-other-data example.com. 5']);
});

test('DNAME: one per name, nothing below it (also at the apex)', () => {
  assert.deepEqual(kinds('old DNAME example.net.\n  DNAME example.test.\nx.old A 192.0.2.1\ny.x.old TXT "deep"\nz.old DNAME example.test.\n'), [
    'error multiple-dname old.example.com. 6: old.example.com. has 2 DNAME records; at most one is allowed',
    'error below-dname x.old.example.com. 7: x.old.example.com. A is below the DNAME at old.example.com.',
    'error below-dname y.x.old.example.com. 8: y.x.old.example.com. TXT is below the DNAME at old.example.com.',
    'error below-dname z.old.example.com. 9: z.old.example.com. DNAME is below the DNAME at old.example.com.',
  ]);
  assert.deepEqual(kinds('@ DNAME example.net.\n'), [
    'error below-dname ns1.example.com. 4: ns1.example.com. A is below the DNAME at example.com.',
  ]);
});

test('out-of-zone data is refused', () => {
  assert.deepEqual(kinds('www.example.net. A 192.0.2.1\nexample.com.example.net. A 192.0.2.2\nexample\\.com. A 192.0.2.3\n'), [
    'error out-of-zone www.example.net. 5: www.example.net. is not in the zone example.com.',
    'error out-of-zone example.com.example.net. 6: example.com.example.net. is not in the zone example.com.',
    'error out-of-zone example\\.com. 7: example\\.com. is not in the zone example.com.',
  ]);
});

test('below a zone cut: glue for the delegation\'s (or a sibling\'s) NS targets, anything else occluded', () => {
  const body = [
    'sub NS ns.sub', '  NS ns.other', '  DS 1 8 2 00', '  A 192.0.2.9', '  TXT "at the cut"',
    'ns.sub A 192.0.2.10', '  AAAA 2001:db8::10', '  TXT "not glue"', 'www.sub A 192.0.2.11',
    'other NS ns.other', 'ns.other A 192.0.2.12', 'deep.www.sub MX 10 mail',
  ].join('\n');
  assert.deepEqual(kinds(body), [
    'warning below-delegation sub.example.com. 8: sub.example.com. A is at the zone cut at sub.example.com. and is not glue: it is never answered',
    'warning below-delegation sub.example.com. 9: sub.example.com. TXT is at the zone cut at sub.example.com. and is not glue: it is never answered',
    'warning below-delegation ns.sub.example.com. 12: ns.sub.example.com. TXT is below the zone cut at sub.example.com. and is not glue: it is never answered',
    'warning below-delegation www.sub.example.com. 13: www.sub.example.com. A is below the zone cut at sub.example.com. and is not glue: it is never answered',
    'warning below-delegation deep.www.sub.example.com. 16: deep.www.sub.example.com. MX is below the zone cut at sub.example.com. and is not glue: it is never answered',
  ]);
});

test('missing glue: an NS target inside the zone needs an address record', () => {
  assert.deepEqual(kinds('sub NS ns.sub\n  NS ns.example.net.\nfar NS ns.example.test.\n@ NS ns2\n'), [
    'error missing-glue sub.example.com. 5: NS target ns.sub.example.com. of sub.example.com. is in the zone but has no A or AAAA record (glue)',
    'error missing-glue example.com. 8: NS target ns2.example.com. of example.com. is in the zone but has no A or AAAA record',
  ]);
});

test('TTLs: 31 bits; one TTL per RRset (the lowest, reported); duplicates collapsed (reported)', () => {
  const result = check('www 300 A 192.0.2.1\nwww 60 A 192.0.2.2\nWWW 900 A 192.0.2.3\nbig 2147483648 A 192.0.2.4\ndup A 192.0.2.5\nDUP A 192.0.2.5\nmx MX 10 MAIL\nmx MX 10 mail\n');
  assert.deepEqual(result.problems.map((p) => `${p.severity} ${p.kind} ${p.owner} ${p.line}: ${p.reason}`), [
    'error ttl-range big.example.com. 8: TTL 2147483648 of big.example.com. A is above 2147483647 (RFC 2181 §8)',
    'warning ttl-mismatch www.example.com. 5: the A RRset of www.example.com. has TTLs from 60 to 900; all get 60 (RFC 2181 §5.2)',
    'warning duplicate DUP.example.com. 10: duplicate A record DUP.example.com. 192.0.2.5 collapsed into one',
    'warning duplicate mx.example.com. 12: duplicate MX record mx.example.com. 10 mail.example.com. collapsed into one',
  ]);
  const www = result.records.filter((r) => r.name.toLowerCase() === 'www.example.com.');
  assert.deepEqual(www.map((r) => [r.ttl, r.data]), [[60, { address: '192.0.2.1' }], [60, { address: '192.0.2.2' }], [60, { address: '192.0.2.3' }]]);
  assert.equal(result.records.length, 3 + 3 + 1 + 1 + 1);
  assert.deepEqual(result.sources.get(www[2]!), { file: 'db', line: 7 }, 'a lowered record keeps its source');
});

test('a record of another class than the SOA\'s is refused; DS at the apex too', () => {
  const records = parseZoneFile(APEX, { origin: 'example.com.' }).records;
  const ch = { name: 'x.example.com.', type: RRType.A, class: 3, ttl: 1, data: { address: '192.0.2.1' } };
  const ds = { name: 'example.com.', type: RRType.DS, class: 1, ttl: 1, data: { opaque: Buffer.from('0001080200', 'hex') } };
  assert.deepEqual(validateZone('example.com.', [...records, ch, ds]).problems.map((p) => `${p.kind}: ${p.reason}`), [
    'class-mismatch: class 3 of x.example.com. A differs from the SOA\'s class 1',
    'ds-at-apex: DS at the apex example.com.: it belongs in the parent zone',
  ]);
});

test('NS, MX and SRV targets that are CNAMEs are reported', () => {
  assert.deepEqual(kinds('alias CNAME ns1\n@ MX 10 alias\n_sip._udp SRV 1 1 5060 alias\nsub NS alias\n').map((k) => k.split(':')[0]), [
    'warning target-is-cname example.com. 6',
    'warning target-is-cname _sip._udp.example.com. 7',
    'warning target-is-cname sub.example.com. 8',
  ]);
});

test('names compare without case; the case as written is kept', () => {
  const r = check('WWW A 192.0.2.1\nwww TXT "x"\nWww.Example.Com. AAAA 2001:db8::1\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.records.slice(3).map((x) => x.name), ['WWW.example.com.', 'www.example.com.', 'Www.Example.Com.']);
  assert.deepEqual(check('', 'EXAMPLE.com.').problems, [], 'origin in another case');
});

test('names from elsewhere than the reader compare by nameKey: escapes in any form, only ASCII letters folded (RFC 4343)', () => {
  const rr = (name: string, type: number, data: ResourceRecord['data']): ResourceRecord => ({ name, type, class: 1, ttl: 3600, data });
  const records = [
    rr('\\069xample.com.', RRType.SOA, { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }),
    rr('example.com.', RRType.NS, { host: 'ns1.example.com.' }),
    rr('ns1.example.com.', RRType.A, { address: '192.0.2.53' }),
    rr('www.example.com.', RRType.CNAME, { target: 'host.example.com.' }),
    rr('\\119ww.example.com.', RRType.A, { address: '192.0.2.1' }),
    rr('mx.example.com.', RRType.MX, { preference: 10, exchange: 'mail.example.com.' }),
    rr('MX.example.com.', RRType.MX, { preference: 10, exchange: '\\077ail.example.com.' }),
    rr('É.example.com.', RRType.CNAME, { target: 'host.example.com.' }),
    rr('é.example.com.', RRType.TXT, { strings: [Buffer.from('é is \\195\\169, not É')] }),
    rr('a\\.b.example.com.', RRType.TXT, { strings: [Buffer.from('one label "a.b" under the apex')] }),
    rr('x.example\\.com.', RRType.TXT, { strings: [Buffer.from('under the TLD "example.com", not the zone')] }),
  ];
  assert.deepEqual(validateZone('example.com.', records).problems.map((p) => `${p.severity} ${p.kind} ${p.owner}`), [
    'error cname-and-other-data www.example.com.',
    'error out-of-zone x.example\\.com.',
    'warning duplicate MX.example.com.',
  ]);
});

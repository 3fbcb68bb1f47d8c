// The zone file writer: its exact format, canonical order, determinism, escapes, and
// round trips: every fixture and hostile names and strings read back equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseZoneFile, rdataToText, writeZoneFile } from '../../src/protocol/dns/zone-file/index.js';
import { canonicalNameKey } from '../../src/protocol/dns/canonical-order.js';
import { compareNames } from '../../src/wire/dns/name.js';
import { nameToText } from '../../src/wire/dns-name.js';
import { RRType, type ResourceRecord } from '../../src/wire/dns/types.js';
import { repoRoot } from '../support/paths.js';
import { seededRandom } from '../support/random.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'dns-zones');
const readFile = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');

/** Records as sorted comparable lines: equal arrays mean equal record multisets. */
export function recordSet(records: readonly ResourceRecord[]): string[] {
  return records.map((r) => `${r.name} ${r.ttl} ${r.class} ${r.type} ${rdataToText(r.type, r.data)}`).sort();
}

function roundTrip(origin: string, records: readonly ResourceRecord[], ttlDefault?: number): string {
  const text = writeZoneFile(origin, records, ttlDefault === undefined ? {} : { ttlDefault });
  const again = parseZoneFile(text, { origin });
  assert.deepEqual(recordSet(again.records), recordSet(records), text);
  assert.deepEqual(again.warnings, []);
  assert.equal(writeZoneFile(origin, again.records, ttlDefault === undefined ? {} : { ttlDefault }), text, 'written twice, same text');
  return text;
}

const rr = (name: string, type: number, data: ResourceRecord['data'], ttl = 3600): ResourceRecord => ({ name, type, class: 1, ttl, data });
const SOA = rr('example.com.', RRType.SOA, { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 1, refresh: 7200, retry: 900, expire: 1209600, minimum: 300 });

test('the format: $ORIGIN, $TTL, the SOA first, owners relative and blank when repeated, TTL only when not $TTL', () => {
  const records = [
    rr('www.example.com.', RRType.A, { address: '192.0.2.80' }, 300),
    rr('example.com.', RRType.NS, { host: 'ns2.example.net.' }),
    rr('example.com.', RRType.NS, { host: 'ns1.example.com.' }),
    rr('www.example.com.', RRType.AAAA, { address: '2001:db8::80' }),
    rr('ns1.example.com.', RRType.A, { address: '192.0.2.53' }),
    rr('example.com.', RRType.MX, { preference: 10, exchange: 'example.com.' }),
    SOA,
    rr('x.example.net.', RRType.TXT, { strings: [Buffer.from('out of zone, written absolute')] }),
  ];
  assert.equal(roundTrip('example.com.', records), [
    '$ORIGIN example.com.',
    '$TTL 3600',
    '@\tIN\tSOA\tns1 hostmaster 1 7200 900 1209600 300',
    '\tIN\tNS\tns1',
    '\tIN\tNS\tns2.example.net.',
    '\tIN\tMX\t10 @',
    'ns1\tIN\tA\t192.0.2.53',
    'www\t300\tIN\tA\t192.0.2.80',
    '\tIN\tAAAA\t2001:db8::80',
    'x.example.net.\tIN\tTXT\t"out of zone, written absolute"',
    '',
  ].join('\n'));
});

test('deterministic: any input order gives the same text', () => {
  const parsed = parseZoneFile(readFile('example.com.zone'), { origin: 'example.com.', readFile }).records;
  const text = writeZoneFile('example.com.', parsed);
  const rnd = seededRandom(7);
  for (let i = 0; i < 20; i++) {
    const shuffled = [...parsed].sort(() => rnd() - 0.5);
    assert.equal(writeZoneFile('example.com.', shuffled), text);
  }
});

test('names in RFC 4034 §6.1 canonical order', () => {
  // RFC 4034 §6.1's example, under .test.
  const ordered = ['example.test.', 'a.example.test.', 'yljkjljk.a.example.test.', 'Z.a.example.test.', 'zABC.a.EXAMPLE.test.', 'z.example.test.', '\\001.z.example.test.', '*.z.example.test.', '\\200.z.example.test.'];
  const rnd = seededRandom(1);
  const shuffled = [...ordered].sort(() => rnd() - 0.5);
  assert.deepEqual([...shuffled].sort(compareNames), ordered);
  const records = shuffled.map((n) => rr(n, RRType.TXT, { strings: [Buffer.from(n)] }));
  const text = roundTrip('example.test.', [rr('example.test.', RRType.SOA, { ...SOA.data } as ResourceRecord['data']), ...records]);
  assert.deepEqual(text.split('\n').slice(3, -1).map((l) => l.split('\t')[0]), ['', 'a', 'yljkjljk.a', 'Z.a', 'zABC.a.EXAMPLE.test.', 'z', '\\001.z', '*.z', '\\200.z']);
});

test('canonicalNameKey orders names exactly as compareNames does (escapes, bytes 0 and 1, case, prefixes)', () => {
  const names = [
    '.', 'test.', 'example.test.', 'EXAMPLE.test.', 'a.example.test.', 'A.example.test.', '\\065.example.test.', 'ab.example.test.', 'a\\000.example.test.',
    'a\\001.example.test.', 'a\\002.example.test.', '\\000.example.test.', '\\001.example.test.', '\\001\\000.example.test.', '\\000\\001.example.test.',
    '\\002.example.test.', '\\255.example.test.', '\\200.z.example.test.', '*.z.example.test.', '-.example.test.', '_sip._udp.example.test.',
    'a\\.b.example.test.', 'a\\046b.example.test.', 'b.a.example.test.', 'sp\\032ace.example.test.', 'back\\\\slash.example.test.', 'Zz.example.test.',
    '\\090\\122.example.test.', '[.example.test.', '`.example.test.', '{.example.test.', 'ä.example.test.', 'example.test2.', 'example.tes.', 'x.example.tes.',
  ];
  // And random names over the bytes where orders could part: 0, 1, 2, ".", "\\", letters at the edges of A–Z and a–z, 0x7f, 0xff.
  const rnd = seededRandom(11);
  const alphabet = [0, 1, 2, 0x2e, 0x5c, 0x40, 0x41, 0x5a, 0x5b, 0x60, 0x61, 0x7a, 0x7f, 0xff];
  const pick = (n: number) => Math.floor(rnd() * n);
  for (let i = 0; i < 150; i++) {
    const labels = Array.from({ length: 1 + pick(3) }, () => Buffer.from(Array.from({ length: 1 + pick(3) }, () => alphabet[pick(alphabet.length)]!)));
    names.push(nameToText({ labels, absolute: true }));
  }
  const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
  for (const a of names) {
    for (const b of names) {
      const ka = canonicalNameKey(a);
      const kb = canonicalNameKey(b);
      assert.equal(sign(ka < kb ? -1 : ka > kb ? 1 : 0), sign(compareNames(a, b)), `${a} vs ${b}`);
    }
  }
});

test('every fixture round-trips', () => {
  for (const [file, origin] of [['example.com.zone', 'example.com.'], ['2.0.192.in-addr.arpa.zone', '2.0.192.in-addr.arpa.'], ['example.net.zone', 'example.net.'], ['rfc1035-style.zone', 'example.com.']] as const) {
    roundTrip(origin, parseZoneFile(readFile(file), { origin, readFile }).records);
  }
});

test('hostile names and strings are escaped so they read back', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const names = ['$dollar.example.com.', '@.example.com.', 'a(b)c.example.com.', 'semi;colon.example.com.', 'quo"te.example.com.', 'sp\\032ace.example.com.',
    'back\\\\slash.example.com.', 'dot\\.in.example.com.', '\\000\\255.example.com.', 'trailing\\..example.com.', 'example.com.example.com.', '#.example.com.'];
  const records = [
    SOA,
    rr('example.com.', RRType.NS, { host: 'ns1.example.com.' }),
    ...names.map((n) => rr(n, RRType.CNAME, { target: n })),
    rr('txt.example.com.', RRType.TXT, { strings: [all.subarray(0, 255), all.subarray(1), Buffer.alloc(0), Buffer.from('";()\\ \t\n')] }),
    rr('long.example.com.', RRType.TXT, { strings: Array.from({ length: 200 }, (_, i) => Buffer.alloc(255, 0x61 + (i % 26))) }),
    rr('h.example.com.', RRType.HINFO, { cpu: Buffer.from('\\'), os: Buffer.from('"') }),
    rr('n.example.com.', RRType.NAPTR, { order: 1, preference: 2, flags: Buffer.from('u'), services: Buffer.from('E2U+sip'), regexp: Buffer.from('!^(.*)$!sip:\\1@example.com!'), replacement: '.' }),
    rr('c.example.com.', RRType.CAA, { flags: 0, tag: 'issue', value: Buffer.concat([all, all]) }),
    rr('g.example.com.', 65534, { opaque: all }),
    rr('g.example.com.', RRType.SSHFP, { opaque: Buffer.from('0102abcd', 'hex') }),
    rr('g.example.com.', RRType.DNSKEY, { opaque: Buffer.concat([Buffer.from('01010308', 'hex'), all]) }),
  ];
  roundTrip('example.com.', records);
  // A name not in canonical text (an escape where none is needed) is written so it reads back canonical.
  const text = writeZoneFile('example.com.', [SOA, rr('semi\\;colon.example.com.', RRType.CNAME, { target: 'a\\(b.example.com.' })]);
  assert.deepEqual(parseZoneFile(text, { origin: 'example.com.' }).records[1], rr('semi;colon.example.com.', RRType.CNAME, { target: 'a(b.example.com.' }));
});

test('$TTL: the option, else the most common TTL (the lowest of a tie)', () => {
  const records = [SOA, rr('a.example.com.', RRType.A, { address: '192.0.2.1' }, 60), rr('b.example.com.', RRType.A, { address: '192.0.2.2' }, 60)];
  assert.match(roundTrip('example.com.', records), /^\$ORIGIN example\.com\.\n\$TTL 60\n@\t3600\tIN\tSOA/);
  assert.match(roundTrip('example.com.', records, 3600), /^\$ORIGIN example\.com\.\n\$TTL 3600\n@\tIN\tSOA/);
  assert.match(writeZoneFile('example.com.', []), /^\$ORIGIN example\.com\.\n\$TTL 3600\n$/);
  assert.match(writeZoneFile('example.com.', [rr('a.example.com.', 1, { address: '192.0.2.1' }, 5), rr('b.example.com.', 1, { address: '192.0.2.1' }, 4)]), /\$TTL 4\n/);
});

test('the root origin; other classes written as given', () => {
  const records = [
    rr('.', RRType.SOA, { ...SOA.data } as ResourceRecord['data']),
    rr('.', RRType.NS, { host: 'a.root-servers.test.' }),
    rr('test.', RRType.NS, { host: 'ns.test.' }),
  ];
  assert.match(roundTrip('.', records), /^\$ORIGIN \.\n\$TTL 3600\n@\tIN\tSOA\tns1\.example\.com\. hostmaster\.example\.com\. /);
  const ch = [{ ...SOA, class: 3 }, { ...rr('example.com.', RRType.TXT, { strings: [Buffer.from('chaos')] }), class: 3 }, { ...rr('x.example.com.', 65280, { opaque: Buffer.alloc(0) }), class: 65280 }];
  assert.match(writeZoneFile('example.com.', ch), /@\tCH\tSOA\t.*\n\tCH\tTXT\t"chaos"\nx\tCLASS65280\tTYPE65280\t\\# 0\n$/);
});

test('meta types cannot be written', () => {
  assert.throws(() => writeZoneFile('example.com.', [rr('example.com.', RRType.OPT, { opaque: Buffer.alloc(0) })]), /OPT records of example\.com\. cannot be written in a zone file/);
  assert.throws(() => writeZoneFile('example.com.', [rr('example.com.', RRType.TSIG, { opaque: Buffer.alloc(0) })]), TypeError);
});

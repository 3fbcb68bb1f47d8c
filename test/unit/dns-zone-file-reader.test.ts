// The zone file reader: BIND-style fixtures with every syntax feature, $INCLUDE through
// an in-memory readFile, the TTL and class rules, and every error path with its
// message, file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  ZoneFileError, formatZoneProblem, parseZoneFile, type ZoneFileOptions, type ZoneFileResult, type ZoneProblem,
} from '../../src/protocol/dns/zone-file/index.js';
import { OutpostError } from '../../src/core/errors.js';
import { RRClass, RRType, type ResourceRecord } from '../../src/wire/dns/types.js';
import { repoRoot } from '../support/paths.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'dns-zones');

/** Every fixture file by its path relative to the fixture directory. */
function fixtureFiles(dir = FIXTURES): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) for (const [k, v] of fixtureFiles(full)) files.set(k, v);
    else files.set(relative(FIXTURES, full), readFileSync(full, 'utf8'));
  }
  return files;
}
const files = fixtureFiles();
const memoryReadFile = (fs: ReadonlyMap<string, string>) => (path: string): string => {
  const text = fs.get(path);
  if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
  return text;
};

function readFixture(file: string, origin: string): ZoneFileResult {
  return parseZoneFile(files.get(file)!, { origin, file, readFile: memoryReadFile(files) });
}

const find = (records: readonly ResourceRecord[], name: string, type: number) => records.filter((r) => r.name === name && r.type === type);

/** The problems of a refused file, formatted. */
function refused(text: string, options: Partial<ZoneFileOptions> = {}): string[] {
  try {
    parseZoneFile(text, { origin: 'example.com.', file: 'db.example', ...options });
  } catch (err) {
    assert.ok(err instanceof ZoneFileError, String(err));
    return err.problems.map(formatZoneProblem);
  }
  assert.fail(`accepted: ${text}`);
}

const HEAD = '$TTL 1h\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns1\n';

test('example.com.zone: every syntax feature, two nested includes', () => {
  const { records, warnings, sources } = readFixture('example.com.zone', 'example.com.');
  assert.deepEqual(warnings, []);
  assert.equal(records.length, 57);
  assert.deepEqual(records[0], {
    name: 'example.com.', type: RRType.SOA, class: RRClass.IN, ttl: 3600,
    data: { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2024061501, refresh: 7200, retry: 1800, expire: 1296000, minimum: 300 },
  });
  assert.deepEqual(find(records, 'example.com.', RRType.NS).map((r) => r.data), [{ host: 'ns1.example.com.' }, { host: 'ns2.example.net.' }]);
  assert.deepEqual(find(records, 'example.com.', RRType.MX).map((r) => [r.ttl, r.data]), [
    [3600, { preference: 10, exchange: 'mail.example.com.' }],
    [3600, { preference: 20, exchange: 'mail.example.net.' }],
  ]);
  assert.deepEqual(find(records, 'ns1.example.com.', RRType.AAAA)[0]!.data, { address: '2001:db8::35' });
  assert.deepEqual(find(records, 'www.example.com.', RRType.A).map((r) => r.ttl), [300, 300]);
  assert.deepEqual(find(records, 'txt3.example.com.', RRType.TXT)[0]!.data, { strings: [Buffer.from('tab\tand\xffbyte', 'latin1'), Buffer.from('back\\slash')] });
  assert.deepEqual(find(records, 'txt5.example.com.', RRType.TXT)[0]!.data, { strings: [Buffer.from('split over'), Buffer.from('two lines')] });
  assert.deepEqual(find(records, 'generic-a.example.com.', RRType.A)[0]!.data, { address: '192.0.2.99' });
  assert.equal(find(records, 'Wild.Card.example.com.', RRType.A).length, 1, 'case kept');
  assert.equal(find(records, '*.wild.example.com.', RRType.A).length, 1);
  assert.equal(find(records, 'esc\\.dot.example.com.', RRType.A).length, 1);
  assert.equal(find(records, 'sp\\032ace.example.com.', RRType.A).length, 1);
  assert.deepEqual(find(records, 'unknown.example.com.', 65534)[0]!.data, { opaque: Buffer.from('0a000001', 'hex') });
  assert.equal(find(records, 'sub.example.com.', RRType.DS).length, 1);
  // $ORIGIN, and $INCLUDE with an origin that ends with the included file.
  assert.equal(find(records, 'printer.lab.example.com.', RRType.A).length, 1);
  assert.equal(find(records, 'pbx.voice.example.com.', RRType.TXT).length, 1);
  assert.deepEqual(find(records, 'tftp.voice.example.com.', RRType.CNAME)[0]!.data, { target: 'pbx.voice.example.com.' });
  assert.deepEqual(find(records, 'phone-1.voice.example.com.', RRType.A)[0]!.ttl, 60);
  assert.equal(find(records, 'after.lab.example.com.', RRType.A).length, 1);
  // Where records came from.
  assert.deepEqual(sources.get(records[0]!), { file: 'example.com.zone', line: 5 });
  assert.deepEqual(sources.get(find(records, 'phone-2.voice.example.com.', RRType.A)[0]!), { file: 'example.com.d/phones.inc', line: 3 });
  assert.deepEqual(sources.get(find(records, 'pbx.voice.example.com.', RRType.TXT)[0]!), { file: 'example.com.d/voice.inc', line: 4 });
});

test('the reverse zone and the zone with delegations read', () => {
  const reverse = readFixture('2.0.192.in-addr.arpa.zone', '2.0.192.in-addr.arpa.');
  assert.equal(reverse.records.length, 11);
  assert.deepEqual(find(reverse.records, '25.2.0.192.in-addr.arpa.', RRType.PTR)[0]!.data, { host: 'mail.example.com.' });
  assert.deepEqual(find(reverse.records, '129.2.0.192.in-addr.arpa.', RRType.CNAME)[0]!.data, { target: '129.128-26.2.0.192.in-addr.arpa.' });
  const net = readFixture('example.net.zone', 'example.net.');
  assert.equal(net.records.length, 16);
  assert.ok(net.records.every((r) => r.ttl === 7200));
});

test('without $TTL: the SOA minimum (with a warning), then the last TTL stated', () => {
  const { records, warnings } = readFixture('rfc1035-style.zone', 'example.com.');
  assert.deepEqual(records.map((r) => r.ttl), [600, 600, 600, 7200, 7200]);
  assert.deepEqual(warnings.map((w) => [w.kind, w.line, w.code, w.severity]), [['ttl-from-soa', 3, 'DNS_ZONE_WARNING', 'warning']]);
  const previous = parseZoneFile('a 300 A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n', { origin: 'example.com.' });
  assert.deepEqual(previous.records.map((r) => r.ttl), [300, 300, 300]);
  assert.deepEqual(previous.warnings.map((w) => [w.kind, w.line]), [['ttl-from-previous', 2]], 'warned once');
});

test('TTL precedence: explicit, then $TTL, then the caller default; $TTL changes midway', () => {
  const text = 'a A 192.0.2.1\n$TTL 60\nb A 192.0.2.2\nc 5 A 192.0.2.3\nd A 192.0.2.4\n';
  const { records, warnings } = parseZoneFile(text, { origin: 'example.com.', defaultTtl: 900 });
  assert.deepEqual(records.map((r) => r.ttl), [900, 60, 5, 60]);
  assert.deepEqual(warnings, []);
});

test('CRLF line ends and a missing final newline give the same records', () => {
  const lf = files.get('example.net.zone')!;
  const expected = parseZoneFile(lf, { origin: 'example.net.' }).records;
  assert.deepEqual(parseZoneFile(lf.replace(/\n/g, '\r\n'), { origin: 'example.net.' }).records, expected);
  assert.deepEqual(parseZoneFile(lf.replace(/\n$/, ''), { origin: 'example.net.' }).records, expected);
});

test('TTL and class in either order, each optional; CLASS<n> and TYPE<n> mnemonics', () => {
  const text = `${HEAD}a 60 IN A 192.0.2.1\nb IN 60 A 192.0.2.1\nc IN A 192.0.2.1\nd 60 A 192.0.2.1\ne CLASS1 TYPE1 192.0.2.1\nf 1m in a 192.0.2.1\n`;
  const rs = parseZoneFile(text, { origin: 'example.com.' }).records.slice(2);
  assert.deepEqual(rs.map((r) => [r.name, r.ttl, r.class, r.type]), [
    ['a.example.com.', 60, 1, 1], ['b.example.com.', 60, 1, 1], ['c.example.com.', 3600, 1, 1],
    ['d.example.com.', 60, 1, 1], ['e.example.com.', 3600, 1, 1], ['f.example.com.', 60, 1, 1],
  ]);
});

test('the zone class is IN, or the class of an SOA that comes first', () => {
  const ch = parseZoneFile('$TTL 0\n@ CH SOA ns hm 1 2 3 4 5\n  CH NS ns\nns A \\# 4 c0000201\n', { origin: 'example.test.' });
  assert.deepEqual(ch.records.map((r) => r.class), [RRClass.CH, RRClass.CH, RRClass.CH]);
  assert.deepEqual(refused(`${HEAD}a CH A 192.0.2.1\n`), ['db.example:4:6: class CH differs from the zone\'s class IN']);
  assert.deepEqual(refused(`$TTL 1\na A 192.0.2.1\n@ CH SOA ns hm 1 2 3 4 5\n`), ['db.example:3:6: class CH differs from the zone\'s class IN']);
  assert.deepEqual(refused(`${HEAD}a ANY A 192.0.2.1\nb NONE A 192.0.2.1\nc IN IN A 192.0.2.1\n`), [
    'db.example:4:3: class ANY is not a data class',
    'db.example:5:3: class NONE is not a data class',
    'db.example:6:6: second class "IN"',
  ]);
});

test('$ORIGIN: absolute or relative to the current origin; @ and relative names follow it', () => {
  const text = `${HEAD}$ORIGIN sub\n@ A 192.0.2.1\nx A 192.0.2.2\n$ORIGIN example.net.\ny CNAME x.sub.example.com.\n`;
  const rs = parseZoneFile(text, { origin: 'example.com.' }).records.slice(2);
  assert.deepEqual(rs.map((r) => r.name), ['sub.example.com.', 'x.sub.example.com.', 'y.example.net.']);
  const root = parseZoneFile('$TTL 1\n$ORIGIN .\nexample.test A 192.0.2.1\n@ NS a.root-servers.test.\n', { origin: 'example.com.' }).records;
  assert.deepEqual(root.map((r) => r.name), ['example.test.', '.']);
});

test('$INCLUDE: origin argument, relative to the including file, origin and owner restored after it', () => {
  const fs = new Map([
    ['zones/db.top', `${HEAD}host A 192.0.2.1\n$INCLUDE inc/one.inc sub\n  A 192.0.2.9\nafter A 192.0.2.3\n`],
    ['zones/inc/one.inc', 'a A 192.0.2.10\n$INCLUDE two.inc\n'],
    ['zones/inc/two.inc', '@ TXT "two"\n$INCLUDE /abs/three.inc\n'],
    ['/abs/three.inc', 'three A 192.0.2.30\n'],
  ]);
  const r = parseZoneFile(fs.get('zones/db.top')!, { origin: 'example.com.', file: 'zones/db.top', readFile: memoryReadFile(fs) });
  assert.deepEqual(r.records.slice(2).map((x) => [x.name, x.type]), [
    ['host.example.com.', 1], ['a.sub.example.com.', 1], ['sub.example.com.', 16], ['three.sub.example.com.', 1],
    ['host.example.com.', 1], ['after.example.com.', 1],
  ]);
  assert.deepEqual(r.records.slice(2).map((x) => r.sources.get(x)), [
    { file: 'zones/db.top', line: 4 }, { file: 'zones/inc/one.inc', line: 1 }, { file: 'zones/inc/two.inc', line: 1 },
    { file: '/abs/three.inc', line: 1 }, { file: 'zones/db.top', line: 6 }, { file: 'zones/db.top', line: 7 },
  ]);
});

test('$INCLUDE errors: no readFile, unreadable, a loop, too deep, a blank owner first', () => {
  assert.deepEqual(refused(`${HEAD}$INCLUDE other.zone\n`), ['db.example:4:10: $INCLUDE other.zone: including files is not allowed here (no readFile given)']);
  const fs = new Map([
    ['a.inc', '$INCLUDE b.inc\n'], ['b.inc', '$INCLUDE a.inc\n'],
    ['blank.inc', '  A 192.0.2.1\n'],
    ...Array.from({ length: 12 }, (_, i) => [`d${i}.inc`, `$INCLUDE d${i + 1}.inc\n`] as [string, string]),
  ]);
  const readFile = memoryReadFile(fs);
  assert.deepEqual(refused(`${HEAD}$INCLUDE missing.inc\n`, { readFile }), ['db.example:4:10: $INCLUDE missing.inc cannot be read: ENOENT: no such file, open \'missing.inc\'']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE a.inc\n`, { readFile }), ['b.inc:1:10: $INCLUDE a.inc is a loop: db.example → a.inc → b.inc → a.inc']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE db.example\n`, { readFile }), ['db.example:4:10: $INCLUDE db.example is a loop: db.example → db.example']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE d0.inc\n`, { readFile }), ['d7.inc:1:10: $INCLUDE d8.inc nests deeper than 8 files (limit maxIncludeDepth)']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE d0.inc\n`, { readFile, limits: { maxIncludeDepth: 2 } }), ['d1.inc:1:10: $INCLUDE d2.inc nests deeper than 2 files (limit maxIncludeDepth)']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE blank.inc\n`, { readFile }), ['blank.inc:1:1: the record starts with blank space (the previous owner) but has no record before it in this file']);
  assert.deepEqual(refused(`${HEAD}$INCLUDE ""\n`, { readFile }), ['db.example:4:10: $INCLUDE needs a file name']);
});

test('directive errors', () => {
  assert.deepEqual(refused(`${HEAD}$ORIGIN\n$ORIGIN a b\n$TTL\n$TTL 1x\n$INCLUDE\n$GENERATE 1-10 h$ A 192.0.2.$\n$FOO bar\n$ORIGIN a..b\n`), [
    'db.example:4:1: $ORIGIN takes one domain name',
    'db.example:5:1: $ORIGIN takes one domain name',
    'db.example:6:1: $TTL takes one TTL',
    'db.example:7:6: "1x" is not a TTL (seconds, or units such as 1w2d3h4m5s)',
    'db.example:8:1: $INCLUDE takes a file name and optionally an origin',
    'db.example:9:1: $GENERATE is not supported: write the records out',
    'db.example:10:1: unknown directive $FOO (known: $ORIGIN, $TTL, $INCLUDE)',
    'db.example:11:9: origin bad name "a..b.example.com.": empty label',
  ]);
});

test('record errors name file, line, column and reason; all errors of a file are reported', () => {
  const text = [
    '$TTL 1h',
    '@ SOA ns1 hostmaster 1 2 3 4 5',
    '  NS ns1',
    'mx MX 70000 mail',
    '  A 192.0.2.300',
    'www 3600 7200 A 192.0.2.1',
    'www FOO 192.0.2.1',
    'www 60',
    'www "A" 192.0.2.1',
    '"quoted" A 192.0.2.1',
    'a..b A 192.0.2.1',
    'ok A 192.0.2.1',
    'srv SRV 1 2 3',
    'txt TXT ( "unclosed',
    'x A 192.0.2.1 )',
    'w 4294967296 A 192.0.2.1',
  ].join('\n');
  assert.deepEqual(refused(text), [
    'db.example:4:7: MX preference 70000 is above 65535',
    'db.example:5:5: A address "192.0.2.300" is not an IPv4 address',
    'db.example:6:10: second TTL "7200"',
    'db.example:7:5: unknown type "FOO" (write TYPE<number> with RFC 3597 data: \\# <length> <hex>)',
    'db.example:8: the record of www.example.com. has no type',
    'db.example:9:5: "A" (quoted) where a TTL, class or type belongs',
    'db.example:10:1: a domain name cannot be quoted ("quoted")',
    'db.example:11:1: bad name "a..b.example.com.": empty label',
    'db.example:13:5: SRV target is missing',
    'db.example:14:11: quoted string not closed on its line',
    'db.example:15:15: ")" without an opening "("',
    'db.example:16:3: TTL "4294967296" is above 4294967295',
  ]);
});

test('a record without any TTL is refused', () => {
  assert.deepEqual(refused('www A 192.0.2.1\n'), ['db.example:1: the A record of www.example.com. has no TTL, and there is no $TTL before it']);
  assert.deepEqual(refused('  A 192.0.2.1\n'), ['db.example:1:1: the record starts with blank space (the previous owner) but has no record before it in this file']);
});

test('meta types are refused', () => {
  assert.deepEqual(refused(`${HEAD}a TSIG \\# 0\nb OPT \\# 0\nc ANY \\# 0\nd AXFR \\# 0\ne TYPE0 \\# 0\n`), [
    'db.example:4:3: TSIG is a meta type and has no place in a zone file',
    'db.example:5:3: OPT is a meta type and has no place in a zone file',
    'db.example:6:3: class ANY is not a data class',
    'db.example:7:3: AXFR is a meta type and has no place in a zone file',
    'db.example:8:3: TYPE0 is a meta type and has no place in a zone file',
  ]);
});

test('errors stop at maxErrors with a last problem saying so', () => {
  const text = `${HEAD}${'bad A 1\n'.repeat(300)}`;
  const problems = refused(text);
  assert.equal(problems.length, 101);
  assert.equal(problems[100], 'db.example:103: stopped after 100 errors');
  assert.equal(refused(text, { limits: { maxErrors: 3 } }).length, 4);
});

test('limits: file size (with what it includes) and record count', () => {
  assert.deepEqual(refused(`${HEAD}a A 192.0.2.1\n`, { limits: { maxBytes: 20 } }), ['db.example: the zone file with what it includes is over 20 bytes (limit maxBytes)']);
  const fs = new Map([['big.inc', `x TXT "${'y'.repeat(200)}"\n`]]);
  assert.deepEqual(refused(`${HEAD}$INCLUDE big.inc\n`, { readFile: memoryReadFile(fs), limits: { maxBytes: 200 } }), ['big.inc: the zone file with what it includes is over 200 bytes (limit maxBytes)']);
  assert.deepEqual(refused(`${HEAD}a A 192.0.2.1\nb A 192.0.2.2\n`, { limits: { maxRecords: 3 } }), ['db.example:5: more than 3 records (limit maxRecords)']);
  assert.deepEqual(refused('é'.repeat(12), { limits: { maxBytes: 20 } }), ['db.example: the zone file with what it includes is over 20 bytes (limit maxBytes)'], 'UTF-8 bytes, not characters');
});

test('the origin must be an absolute name', () => {
  for (const origin of ['example.com', '', 'a..b.', `${'a'.repeat(64)}.`]) {
    assert.throws(() => parseZoneFile('', { origin }), (err: unknown) => err instanceof ZoneFileError && err.problems[0]!.kind === 'bad-origin');
  }
  assert.deepEqual(parseZoneFile('', { origin: '.' }).records, []);
});

test('ZoneFileError is an OutpostError with code DNS_ZONE_FILE_INVALID, every problem typed', () => {
  try {
    parseZoneFile(`${HEAD}mx MX 70000 mail\n`, { origin: 'example.com.', file: 'db.example' });
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof OutpostError && err instanceof ZoneFileError);
    assert.equal(err.code, 'DNS_ZONE_FILE_INVALID');
    assert.equal(err.message, 'zone file refused: db.example:4:7: MX preference 70000 is above 65535');
    const p: ZoneProblem = err.problems[0]!;
    assert.deepEqual(p, { code: 'DNS_ZONE_FILE_INVALID', kind: 'bad-rdata', severity: 'error', file: 'db.example', line: 4, column: 7, reason: 'MX preference 70000 is above 65535' });
  }
  assert.equal(formatZoneProblem({ code: 'DNS_ZONE_FILE_INVALID', kind: 'bad-rdata', severity: 'error', line: 12, reason: 'MX preference 70000 is above 65535' }), 'line 12: MX preference 70000 is above 65535');
});

// Seeded fuzz runs of the zone file reader and writer (repeatable from the seed):
// mutated pieces of the fixtures must be read, or refused with a ZoneFileError whose
// every problem has a registered kind and a line — never another exception — and what
// is read must write and read back to the same records. Random records with hostile
// names and bytes must round-trip through the writer too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ZONE_PROBLEM_KINDS, ZoneFileError, parseZoneFile, rdataToText, writeZoneFile,
} from '../../src/protocol/dns/zone-file/index.js';
import { RRType, type RData, type ResourceRecord } from '../../src/wire/dns/types.js';
import { repoRoot } from '../support/paths.js';
import { seededRandom } from '../support/random.js';

const MUTATIONS = 60_000;
const GENERATED = 3_000;
const FIXTURES = join(repoRoot, 'test', 'fixtures', 'dns-zones');
const fixtureLines = ['example.com.zone', 'example.net.zone', '2.0.192.in-addr.arpa.zone', 'rfc1035-style.zone', 'example.com.d/voice.inc']
  .flatMap((f) => readFileSync(join(FIXTURES, f), 'utf8').split('\n'));

const PIECES = ['(', ')', '"', '\\', ';', '$', '@', '.', '\n', '\r\n', ' ', '\t', '#', '*', '0', '9', '65535', '4294967296', 'IN', 'CH', 'CLASS3',
  'TXT', 'A', 'AAAA', 'MX', 'SOA', 'NS', 'CNAME', 'DNAME', 'CAA', 'DS', 'TYPE65534', '\\# ', '\\# 0', '\\# 2 00ff', '\\000', '\\255', '\\999',
  '$INCLUDE inc.zone', '$INCLUDE loop.zone', '$ORIGIN sub', '$ORIGIN .', '$TTL 1h', '$TTL', '1w2d', '\u0000', '\u00ff', '\ud800', 'é', '::', '2001:db8::1', '192.0.2.1'];

function mutate(input: string, rnd: () => number): string {
  let s = input;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const kind = rnd();
    if (kind < 0.35) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 6));
    else if (kind < 0.85) s = s.slice(0, at) + PIECES[Math.floor(rnd() * PIECES.length)]! + s.slice(at);
    else s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length));
  }
  return s;
}

/** Records as sorted comparable lines: equal arrays mean equal record multisets. */
function recordSet(records: readonly ResourceRecord[]): string[] {
  return records.map((r) => `${r.name} ${r.ttl} ${r.class} ${r.type} ${rdataToText(r.type, r.data)}`).sort();
}

function checkRefusal(err: unknown, input: string): void {
  if (!(err instanceof ZoneFileError)) throw new Error(`not a ZoneFileError for ${JSON.stringify(input)}: ${String(err)}`, { cause: err });
  assert.ok(err.problems.length > 0);
  for (const p of err.problems) {
    assert.ok(p.kind in ZONE_PROBLEM_KINDS, p.kind);
    assert.equal(p.severity, 'error');
    assert.ok(p.reason.length > 0);
    if (p.kind !== 'too-large' && p.kind !== 'bad-origin') assert.ok(p.line !== undefined, `no line: ${p.reason} in ${JSON.stringify(input)}`);
  }
}

test(`${MUTATIONS} mutated zone file pieces are read or refused with a ZoneFileError, and what is read round-trips`, () => {
  const rnd = seededRandom(0x2f11e);
  let accepted = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const from = Math.floor(rnd() * fixtureLines.length);
    const piece = fixtureLines.slice(from, from + 1 + Math.floor(rnd() * 6)).join('\n');
    const input = mutate(`${rnd() < 0.8 ? '$TTL 1h\n' : ''}${piece}`, rnd);
    const included = new Map([['inc.zone', mutate(piece, rnd)], ['loop.zone', '$INCLUDE loop.zone\n']]);
    const readFile = (path: string) => {
      const text = included.get(path);
      if (text === undefined) throw new Error(`no such file ${path}`);
      return text;
    };
    const origin = rnd() < 0.9 ? 'example.com.' : '.';
    let records: ResourceRecord[];
    try {
      records = parseZoneFile(input, { origin, file: 'fuzz.zone', readFile, limits: { maxRecords: 50, maxBytes: 4096 } }).records;
    } catch (err) {
      checkRefusal(err, input);
      continue;
    }
    accepted++;
    const text = writeZoneFile(origin, records);
    let again: ResourceRecord[];
    try {
      again = parseZoneFile(text, { origin }).records;
    } catch (err) {
      throw new Error(`written text not read back; input ${JSON.stringify(input)}\ntext ${JSON.stringify(text)}`, { cause: err });
    }
    assert.deepEqual(recordSet(again), recordSet(records), `input ${JSON.stringify(input)}`);
  }
  assert.ok(accepted > MUTATIONS / 10 && accepted < MUTATIONS * 0.9, `accepted ${accepted} of ${MUTATIONS}: mutations should both keep and break files`);
});

test(`${GENERATED} random zones with hostile names and bytes round-trip through the writer`, () => {
  const rnd = seededRandom(0x70ad);
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (max: number) => Buffer.from(Array.from({ length: int(max + 1) }, () => (rnd() < 0.5 ? 0x20 + int(95) : int(256))));
  const label = () => {
    const b = bytes(12);
    return [...(b.length === 0 ? Buffer.of(0x61) : b)]
      .map((c) => (c === 0x2e || c === 0x5c ? `\\${String.fromCharCode(c)}` : c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`))
      .join('');
  };
  const origins = ['example.com.', 'example.test.', '.'];
  const name = (origin: string) => {
    const labels = Array.from({ length: int(3) }, label).join('.');
    const base = rnd() < 0.85 ? origin : 'example.net.';
    return labels === '' ? base : base === '.' ? `${labels}.` : `${labels}.${base}`;
  };
  for (let i = 0; i < GENERATED; i++) {
    const origin = origins[int(origins.length)]!;
    const records: ResourceRecord[] = [];
    for (let j = int(12); j >= 0; j--) {
      const n = name(origin);
      const pick = int(10);
      const [type, data]: [number, RData] =
        pick === 0 ? [RRType.TXT, { strings: Array.from({ length: 1 + int(3) }, () => bytes(255)) }]
        : pick === 1 ? [RRType.CNAME, { target: name(origin) }]
        : pick === 2 ? [RRType.MX, { preference: int(65536), exchange: name(origin) }]
        : pick === 3 ? [RRType.HINFO, { cpu: bytes(20), os: bytes(20) }]
        : pick === 4 ? [RRType.NAPTR, { order: int(65536), preference: int(65536), flags: bytes(3), services: bytes(20), regexp: bytes(40), replacement: name(origin) }]
        : pick === 5 ? [RRType.CAA, { flags: int(256), tag: 'issue', value: bytes(300) }]
        : pick === 6 ? [1 + int(65535), { opaque: bytes(40) }]
        : pick === 7 ? [RRType.SRV, { priority: int(65536), weight: int(65536), port: int(65536), target: name(origin) }]
        : pick === 8 ? [RRType.A, { address: `192.0.2.${int(256)}` }]
        : [RRType.AAAA, { address: `2001:db8::${int(65536).toString(16)}` }];
      if ((type >= 128 && type <= 255) || type === RRType.OPT || [1, 2, 5, 6, 12, 13, 15, 16, 28, 33, 35, 39, 257].includes(type) && 'opaque' in data) continue;
      records.push({ name: n, type, class: 1, ttl: int(3) === 0 ? int(2 ** 32) : 3600, data });
    }
    const text = writeZoneFile(origin, records);
    let again: ResourceRecord[];
    try {
      again = parseZoneFile(text, { origin }).records;
    } catch (err) {
      throw new Error(`written text not read back: ${JSON.stringify(text)}`, { cause: err });
    }
    assert.deepEqual(recordSet(again), recordSet(records), text);
  }
});

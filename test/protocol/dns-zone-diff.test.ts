// The difference between two zone versions (src/protocol/dns/zone-diff.ts) and the
// IXFR history built from differences (ixfr-history.ts): additions, deletions, changed
// data, TTL changes as delete + add, case-only changes ignored, the SOA apart; the
// history's chaining, trimming and lookup by serial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IxfrHistory } from '../../src/protocol/dns/ixfr-history.js';
import { serialGreater } from '../../src/protocol/dns/serial.js';
import { diffZones, soaSerial, type ZoneDiff } from '../../src/protocol/dns/zone-diff.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import type { Zone } from '../../src/protocol/dns/zone.js';
import { rdataToText } from '../../src/protocol/dns/zone-file/index.js';
import type { ResourceRecord } from '../../src/wire/dns/index.js';

function zone(serial: number, body: string): Zone {
  const text = `$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster ${serial} 3600 600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n${body}`;
  return loadZoneText(text, { origin: 'example.com', file: 'z', readInclude: () => '' }).zone;
}

const show = (list: readonly ResourceRecord[]) => list.map((r) => `${r.name} ${r.ttl} ${r.type} ${rdataToText(r.type, r.data)}`).sort();

test('a difference lists what was deleted and added, RRset by RRset, the SOAs apart', () => {
  const a = zone(1, 'www A 192.0.2.80\nwww A 192.0.2.81\nmail MX 10 www\ngone TXT "bye"\nttl A 192.0.2.9\nCase A 192.0.2.7\nalias CNAME www\n');
  const b = zone(2, 'www A 192.0.2.81\nwww A 192.0.2.82\nmail MX 10 WWW\nttl 60 A 192.0.2.9\ncase A 192.0.2.7\nnew AAAA 2001:db8::1\nalias CNAME www\n');
  const d = diffZones(a, b);
  assert.deepEqual([soaSerial(d.from), soaSerial(d.to)], [1, 2]);
  assert.deepEqual(show(d.deleted), ['gone.example.com. 3600 16 "bye"', 'ttl.example.com. 3600 1 192.0.2.9', 'www.example.com. 3600 1 192.0.2.80'].sort());
  assert.deepEqual(show(d.added), ['new.example.com. 3600 28 2001:db8::1', 'ttl.example.com. 60 1 192.0.2.9', 'www.example.com. 3600 1 192.0.2.82'].sort());
  // Same zone, other serial: an empty difference.
  const e = diffZones(b, zone(3, 'www A 192.0.2.82\nwww A 192.0.2.81\nmail MX 10 WWW\nttl 60 A 192.0.2.9\ncase A 192.0.2.7\nnew AAAA 2001:db8::1\nalias CNAME www\n'));
  assert.deepEqual([e.deleted.length, e.added.length], [0, 0]);
});

test('serials compare in RFC 1982 arithmetic', () => {
  assert.ok(serialGreater(2, 1));
  assert.ok(!serialGreater(1, 2));
  assert.ok(!serialGreater(5, 5));
  assert.ok(serialGreater(0, 0xffffffff), 'wraps');
  assert.ok(serialGreater(0x7fffffff, 0));
  assert.ok(!serialGreater(0x80000000, 0) && !serialGreater(0, 0x80000000), '2^31 apart: not comparable');
});

function step(from: number, to: number): ZoneDiff {
  return diffZones(zone(from, `v A 192.0.2.${from % 250}\n`), zone(to, `v A 192.0.2.${to % 250}\n`));
}

test('the IXFR history chains differences, keeps the newest, finds a serial, starts over on a gap', () => {
  let h = IxfrHistory.EMPTY;
  for (let s = 1; s < 8; s++) h = h.append(step(s, s + 1), 4);
  assert.deepEqual([h.versions, h.lastSerial], [4, 8]);
  assert.deepEqual(h.since(4)?.map((d) => soaSerial(d.from)), [4, 5, 6, 7]);
  assert.deepEqual(h.since(6)?.map((d) => soaSerial(d.to)), [7, 8]);
  assert.equal(h.since(3), undefined, 'trimmed');
  assert.equal(h.since(8), undefined, 'the current serial starts no difference');
  const gap = h.append(step(20, 21), 4);
  assert.deepEqual([gap.versions, gap.lastSerial], [1, 21]);
  assert.equal(h.append(step(8, 9), 0), IxfrHistory.EMPTY);
  // From a journal read back: the newest run that chains, at most `keep` of it.
  const read = IxfrHistory.of([step(1, 2), step(5, 6), step(6, 7), step(7, 8)], 2);
  assert.deepEqual(read.diffs.map((d) => soaSerial(d.from)), [6, 7]);
  assert.equal(IxfrHistory.of([], 5).versions, 0);
});

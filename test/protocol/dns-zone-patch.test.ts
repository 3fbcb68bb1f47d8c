// Zone.patch (src/protocol/dns/zone.ts over persistent-map.ts): a version made by patching
// owners in and out, many times over (overlays grown and folded), indexes exactly as the
// same records built from scratch — every record, the count, which names exist (empty
// non-terminals), have descendants, are cuts or DNAME owners — and the versions before
// it are left as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Zone, type RRset, type ZoneNode } from '../../src/protocol/dns/zone.js';
import { nameKey, parent, RRClass, RRType, type ResourceRecord } from '../../src/wire/dns/index.js';
import { seededRandom } from '../support/random.js';

const SOA: ResourceRecord = { name: 'example.com.', type: RRType.SOA, class: RRClass.IN, ttl: 300, data: { mname: 'ns1.example.com.', rname: 'h.example.com.', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } };
const NS: ResourceRecord = { name: 'example.com.', type: RRType.NS, class: RRClass.IN, ttl: 300, data: { host: 'ns1.example.com.' } };
const NAMES = Array.from({ length: 300 }, (_, i) => `h${i % 100}.${['', 'a.', 'b.a.', 'c.b.a.'][i % 4]}example.com.`);
const TYPES = [RRType.A, RRType.TXT, RRType.NS, RRType.DNAME];

const view = (z: Zone) => ({
  records: z.records().map((r) => `${nameKey(r.name)} ${r.type} ${JSON.stringify(r.data)}`).sort(),
  count: z.recordCount,
  names: [...new Set(NAMES.flatMap((n) => [n, parent(n)!, parent(parent(n)!)!]))].sort().map((k) => `${k} ${+z.exists(k)}${+z.hasDescendants(k)}${+z.isCut(k)}${+z.hasDname(k)}`),
});

test('a zone patched 2,000 times indexes like the same records built from scratch, and older versions stay as they were', () => {
  const rnd = seededRandom(4592);
  const int = (n: number) => Math.floor(rnd() * n);
  let records: ResourceRecord[] = [SOA, NS];
  let zone = Zone.build('example.com.', records);
  const history: [Zone, ReturnType<typeof view>][] = [];
  for (let step = 0; step < 2000; step++) {
    const changes = new Map<string, ZoneNode | undefined>();
    for (let n = 1 + int(3); n > 0; n--) {
      const name = NAMES[int(NAMES.length)]!;
      const key = nameKey(name);
      if (int(3) === 0) {
        changes.set(key, undefined);
        continue;
      }
      const rrsets = new Map<number, RRset>();
      for (const type of TYPES) {
        if (int(3) !== 0) continue;
        const data = type === RRType.A ? { address: `192.0.2.${int(9)}` } : type === RRType.TXT ? { strings: [Buffer.from('t')] } : type === RRType.NS ? { host: 'ns.example.net.' } : { target: 'example.net.' };
        rrsets.set(type, { name, type, class: RRClass.IN, ttl: 60, data: [data] });
      }
      changes.set(key, { name, rrsets });
    }
    zone = zone.patch(changes);
    records = records.filter((r) => !changes.has(nameKey(r.name)));
    for (const node of changes.values()) for (const set of node?.rrsets.values() ?? []) records.push(...set.data.map((data) => ({ name: set.name, type: set.type, class: set.class, ttl: set.ttl, data })));
    const built = view(Zone.build('example.com.', records));
    assert.deepEqual(view(zone), built, `step ${step}`);
    if (step % 250 === 0) history.push([zone, built]);
  }
  for (const [old, seen] of history) assert.deepEqual(view(old), seen, 'an older version changed');
});

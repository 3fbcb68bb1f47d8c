// A fuzz run of the DNS UPDATE judgement (src/protocol/dns/update/) with a seeded PRNG:
// random updates — names in and out of the zone, wildcards, the apex; every kind of
// type (data, meta, CNAME, SOA, NS, DHCID); classes IN, ANY, NONE and others; TTLs;
// prerequisites of every form — encoded, often bit-flipped or cut, decoded (what the
// codec refuses is skipped: the codec has its own fuzz run), routed and evaluated on a
// zone that keeps every accepted change. Never an exception; every answer one of the
// rcodes RFC 2136 gives; every change a valid zone (it builds and validates), its serial
// newer (RFC 1982) than the one before; and every rcode reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialGreater } from '../../src/protocol/dns/serial.js';
import { UpdatePolicy } from '../../src/protocol/dns/update/policy.js';
import { evaluateUpdate, routeUpdate } from '../../src/protocol/dns/update/update.js';
import { ZoneSet } from '../../src/protocol/dns/zone-set.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';
import type { Zone } from '../../src/protocol/dns/zone.js';
import { decodeMessage, encodeMessage, isWireDecodeError, Rcode } from '../../src/wire/dns/index.js';
import { randomUpdate } from '../support/dns-update-gen.js';
import { seededRandom } from '../support/random.js';

const UPDATES = 100_000;
const SEED = 0x2136;

const ZONE = `$ORIGIN example.com.
$TTL 300
@      SOA   ns1 hostmaster 4294967000 3600 600 1209600 300
@      NS    ns1
ns1    A     192.0.2.53
www    A     192.0.2.80
alias  CNAME www
`;

const ALLOWED: ReadonlySet<number> = new Set<number>([Rcode.NOERROR, Rcode.FORMERR, Rcode.NOTAUTH, Rcode.REFUSED, Rcode.YXDOMAIN, Rcode.YXRRSET, Rcode.NXRRSET, Rcode.NXDOMAIN, Rcode.NOTZONE, Rcode.BADVERS]);

test(`fuzz: ${UPDATES} random and mutated updates judged without an exception; every change a valid zone with a newer serial`, () => {
  const rnd = seededRandom(SEED);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  let zone: Zone = loadZoneText(ZONE, { origin: 'example.com', file: 'fuzz.zone', readInclude: () => { throw new Error('no includes'); } }).zone;
  const policy = UpdatePolicy.compile([{ key: 'k' }, { key: 'k', types: ['SOA', 'NS'] }, { key: 'narrow', names: ['*.a.example.com'], types: ['A'] }]);

  const random = randomUpdate(rnd);
  const seen = new Map<number, number>();
  let changes = 0;
  let undecodable = 0;
  for (let i = 0; i < UPDATES; i++) {
    const m = random(i & 0xffff);
    let wire: Buffer;
    try {
      wire = encodeMessage(m);
    } catch {
      continue; // a record the encoder refuses (e.g. empty data in class IN): not a message
    }
    if (int(4) === 0) {
      wire = Buffer.from(wire);
      for (let f = 1 + int(3); f > 0; f--) {
        const at = int(wire.length);
        wire[at] = wire[at]! ^ (1 << int(8));
      }
      if (int(4) === 0) wire = wire.subarray(0, int(wire.length));
    }
    let decoded;
    try {
      decoded = decodeMessage(wire);
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      undecodable++;
      continue;
    }
    const set = new ZoneSet([{ zone, role: 'primary', expiresIn: () => 0, expired: () => false, updatePolicy: policy }]);
    const route = routeUpdate(decoded, (n) => set.find(n));
    const outcome = route.kind === 'evaluate' ? evaluateUpdate(decoded, zone, policy, pick(['k', 'k', 'k', 'narrow', undefined, 'other'])) : route;
    if (outcome.kind === 'forward') assert.fail('no secondary zone here');
    if (outcome.kind === 'answer') {
      assert.ok(ALLOWED.has(outcome.rcode), `update ${i}: rcode ${outcome.rcode} (${outcome.reason})`);
      seen.set(outcome.rcode, (seen.get(outcome.rcode) ?? 0) + 1);
      continue;
    }
    assert.ok(serialGreater(outcome.zone.serial, zone.serial), `update ${i}: serial ${outcome.zone.serial} after ${zone.serial}`);
    const problems = validateZone('example.com.', outcome.zone.records()).problems.filter((p) => p.severity === 'error');
    assert.deepEqual(problems, [], `update ${i}: the new version breaks a rule`);
    zone = outcome.zone;
    changes++;
    seen.set(-1, changes);
  }
  const summary = [...seen].map(([k, v]) => `${k === -1 ? 'changes' : k}=${v}`).join(' ');
  console.log(`# update fuzz: ${UPDATES} updates, ${undecodable} undecodable, ${summary}; the zone ended with ${zone.recordCount} records at serial ${zone.serial}`);
  for (const rcode of [Rcode.NOERROR, Rcode.FORMERR, Rcode.NOTAUTH, Rcode.REFUSED, Rcode.YXDOMAIN, Rcode.YXRRSET, Rcode.NXRRSET, Rcode.NXDOMAIN, Rcode.NOTZONE]) {
    assert.ok((seen.get(rcode) ?? 0) > 0, `rcode ${rcode} was reached: ${summary}`);
  }
  assert.ok(changes > 100, `changes applied: ${summary}`);
});

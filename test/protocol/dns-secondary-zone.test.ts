// A secondary zone with fake time, an in-memory primary and in-memory copy files:
// first transfer, refresh timers, NOTIFY and IXFR, the fallbacks to AXFR, a primary
// out of reach until and past the SOA expire under both expiry policies, restarts
// from disk, a serial that went backwards, damaged copies and a failing disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { answerQuery } from '../../src/protocol/dns/answer.js';
import { ZoneSet } from '../../src/protocol/dns/zone-set.js';
import { SecondaryZone, type SecondaryNotice } from '../../src/protocol/dns/secondary/secondary-zone.js';
import type { ExpiryPolicy } from '../../src/protocol/dns/secondary/states.js';
import { EdnsOption, Rcode, RRType, readExpire } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { FakePrimary, FakeTransport, MemoryCopyFiles, ORIGIN, zoneRecords } from '../support/dns-fake-primary.js';

const TIMERS = { refresh: 60, retry: 10, expire: 300 };
const settle = async () => { for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r)); };

interface Rig {
  clock: FakeClock;
  primary: FakePrimary;
  files: MemoryCopyFiles;
  notices: SecondaryNotice[];
  zone: SecondaryZone;
  make(): SecondaryZone;
  /** Moves time on and lets attempts finish. */
  advance(ms: number): Promise<void>;
  /** The rcode and EXPIRE (RFC 7314) of an A query for pbx, as answerQuery gives them. */
  ask(): { rcode: number; address?: string; expire?: number };
}

function rig(o: { policy?: ExpiryPolicy; primaries?: string[]; files?: MemoryCopyFiles; clock?: FakeClock; primary?: FakePrimary } = {}): Rig {
  const clock = o.clock ?? new FakeClock();
  const primary = o.primary ?? new FakePrimary(zoneRecords(1, { pbx: '192.0.2.10' }, TIMERS));
  const addresses = o.primaries ?? ['192.0.2.1'];
  const transport = new FakeTransport(new Map([[addresses[addresses.length - 1]!, primary]]));
  const files = o.files ?? new MemoryCopyFiles();
  const notices: SecondaryNotice[] = [];
  const make = () => new SecondaryZone({
    origin: ORIGIN, policy: o.policy ?? 'soa', primaries: addresses.map((address) => ({ address, port: 53 })),
    clock, transport, files, onNotice: (n) => notices.push(n),
  });
  const r: Rig = {
    clock, primary, files, notices, zone: make(), make,
    async advance(ms) {
      const step = 1000;
      for (let t = 0; t < ms; t += step) { clock.advance(Math.min(step, ms - t)); await settle(); }
      await settle();
    },
    ask() {
      const q = message({ questions: [{ name: `pbx.${ORIGIN}`, type: RRType.A, class: 1 }], edns: { udpSize: 1232, version: 0, do: false, z: 0, options: [{ code: EdnsOption.EXPIRE, data: Buffer.alloc(0) }] } });
      const a = answerQuery(q, { zones: new ZoneSet([r.zone.servedZone]), transport: 'udp', udpSize: 1232 })!;
      const address = (a.response.answers[0]?.data as { address?: string } | undefined)?.address;
      const expire = readExpire(a.response.edns);
      return { rcode: a.response.rcode, ...(address ? { address } : {}), ...(expire !== undefined ? { expire } : {}) };
    },
  };
  return r;
}

const kinds = (n: SecondaryNotice[]) => n.map((x) => x.kind);

test('no copy: SERVFAIL, an AXFR at once, then served; the copy and its timers are kept; each refresh that finds our serial restarts the timers', async () => {
  const r = rig();
  assert.equal(r.ask().rcode, Rcode.SERVFAIL, 'nothing to answer from before the first transfer');
  await r.zone.start();
  await settle();
  assert.equal(r.zone.state, 'fresh');
  assert.deepEqual(r.primary.log, ['AXFR'], 'no copy: AXFR straight away');
  assert.deepEqual(r.ask(), { rcode: Rcode.NOERROR, address: '192.0.2.10', expire: 300 });
  assert.match(r.files.copy!, /^; outpost secondary copy v1 zone=voice\.example\.com\. serial=1 /);
  assert.deepEqual(JSON.parse(r.files.timers!), { version: 1, zone: ORIGIN, serial: 1, refreshedAt: r.clock.now(), expiresAt: r.clock.now() + 300_000 });

  await r.advance(59_000);
  assert.deepEqual(r.primary.log, ['AXFR'], 'nothing before the refresh interval');
  assert.equal(r.ask().expire, 241);
  await r.advance(1_000);
  assert.deepEqual(r.primary.log, ['AXFR', 'SOA']);
  assert.equal(r.zone.state, 'fresh');
  assert.equal(r.ask().expire, 300, 'the expire restarts from a successful refresh');
  assert.equal(JSON.parse(r.files.timers!).refreshedAt, r.clock.now());
  assert.deepEqual(r.zone.status().history.map((h) => `${h.from}>${h.to}`), ['loading>transferring', 'transferring>fresh', 'fresh>refreshing', 'refreshing>fresh']);
  await r.zone.stop();
});

test('NOTIFY → SOA query → IXFR: the change is served at once; the copy on disk follows', async () => {
  const r = rig();
  await r.zone.start();
  await settle();
  r.primary.publish(zoneRecords(2, { pbx: '192.0.2.11', fax: '192.0.2.12' }, TIMERS));
  r.zone.notify('192.0.2.1', 2);
  await settle();
  assert.deepEqual(r.primary.log, ['AXFR', 'SOA', 'IXFR 1']);
  assert.equal(r.ask().address, '192.0.2.11');
  assert.equal(r.zone.servedZone.zone.serial, 2);
  assert.match(r.files.copy!, /serial=2 /);
  const t = r.notices.find((n) => n.kind === 'transferred' && n.how === 'ixfr');
  assert.ok(t && t.kind === 'transferred' && t.from === 1 && t.serial === 2, JSON.stringify(r.notices));
  assert.equal(r.zone.status().lastTransfer?.how, 'ixfr');
  await r.zone.stop();
});

test('IXFR falls back to AXFR: refused (NOTIMP), answered with the whole zone, or differences our copy cannot take', async () => {
  const r = rig();
  await r.zone.start();
  await settle();
  const fallbacks = () => r.notices.filter((n) => n.kind === 'ixfr-fallback').map((n) => (n.kind === 'ixfr-fallback' ? n.reason : ''));

  r.primary.ixfr = 'refuse';
  r.primary.publish(zoneRecords(2, { pbx: '192.0.2.20' }, TIMERS));
  r.zone.notify('192.0.2.1');
  await settle();
  assert.deepEqual(r.primary.log.slice(1), ['SOA', 'IXFR 1', 'AXFR']);
  assert.match(fallbacks()[0]!, /IXFR refused: the primary answered NOTIMP/);
  assert.equal(r.ask().address, '192.0.2.20');

  r.primary.ixfr = 'full';
  r.primary.publish(zoneRecords(3, { pbx: '192.0.2.30' }, TIMERS));
  r.zone.notify('192.0.2.1');
  await settle();
  assert.deepEqual(r.primary.log.slice(4), ['SOA', 'IXFR 2'], 'the whole zone came in the IXFR answer: no second request');
  assert.match(fallbacks()[1]!, /whole zone/);
  assert.equal(r.ask().address, '192.0.2.30');

  // A primary whose history at our serial is not our copy (another server's version of serial 3).
  r.primary.ixfr = 'incremental';
  const other = new FakePrimary(zoneRecords(3, { pbx: '192.0.2.99' }, TIMERS));
  other.publish(zoneRecords(4, { pbx: '192.0.2.40' }, TIMERS));
  const r2 = rig({ clock: r.clock, files: r.files, primary: other });
  await r.zone.stop();
  await r2.zone.start();
  r2.zone.notify('192.0.2.1');
  await settle();
  assert.deepEqual(other.log, ['SOA', 'IXFR 3', 'AXFR']);
  assert.match(JSON.stringify(r2.notices.filter((n) => n.kind === 'ixfr-fallback')), /IXFR could not be applied: serial 3 → 4 deletes pbx\.voice\.example\.com\. type 1, which our copy does not have/);
  assert.equal(r2.ask().address, '192.0.2.40');
  await r2.zone.stop();
});

for (const policy of ['soa', 'never'] as const) {
  test(`primary out of reach (expiry ${policy}): served until the SOA expire, retried every retry; then ${policy === 'soa' ? 'SERVFAIL' : 'stale answers with EXPIRE 0'}; back at the next retry`, async () => {
    const r = rig({ policy });
    await r.zone.start();
    await settle();
    r.primary.reachable = false;
    await r.advance(60_000);
    assert.equal(r.zone.state, 'retrying');
    assert.equal(r.ask().address, '192.0.2.10', 'the copy is still good');
    const before = r.primary.log.length;
    await r.advance(10_000);
    assert.equal(r.zone.state, 'retrying');
    assert.ok(r.notices.filter((n) => n.kind === 'unreachable').length >= 2);
    assert.equal(r.ask().expire, 230);

    await r.advance(230_000);
    const past = policy === 'soa' ? 'expired' : 'stale';
    assert.equal(r.zone.state, past);
    assert.deepEqual(r.notices.filter((n) => n.kind === 'past-expire').map((n) => n.kind === 'past-expire' && n.policy), [policy]);
    if (policy === 'soa') {
      assert.deepEqual(r.ask(), { rcode: Rcode.SERVFAIL });
    } else {
      assert.deepEqual(r.ask(), { rcode: Rcode.NOERROR, address: '192.0.2.10', expire: 0 });
      assert.equal(r.zone.status().stale, true);
    }
    // It keeps trying every retry interval, however long the outage.
    await r.advance(3_600_000);
    assert.equal(r.zone.state, past);
    assert.equal(r.zone.status().expiresIn, 0);
    assert.ok(r.notices.filter((n) => n.kind === 'unreachable').length > 300);

    r.primary.reachable = true;
    r.primary.publish(zoneRecords(2, { pbx: '192.0.2.11' }, TIMERS));
    await r.advance(10_000);
    assert.equal(r.zone.state, 'fresh');
    assert.deepEqual(r.ask(), { rcode: Rcode.NOERROR, address: '192.0.2.11', expire: 300 });
    assert.equal(r.primary.log.slice(before).filter((x) => x !== 'SOA').join(), 'IXFR 1', 'caught up by IXFR');
    assert.equal(r.zone.status().stale, false);
    await r.zone.stop();
  });
}

test('a restart reads the copy from disk: within its expire it answers at once with the time left; past it, stale (never) or SERVFAIL (soa)', async () => {
  const r = rig({ policy: 'never' });
  await r.zone.start();
  await settle();
  await r.zone.stop();
  r.primary.reachable = false;
  await r.advance(100_000);

  const again = r.make();
  await again.start(); // no attempt has run: the copy is served from disk alone
  assert.equal(again.state, 'fresh');
  r.zone = again;
  assert.deepEqual(r.ask(), { rcode: Rcode.NOERROR, address: '192.0.2.10', expire: 200 }, 'the time left survives the restart');
  assert.deepEqual(kinds(r.notices).filter((k) => k === 'loaded'), ['loaded']);
  await r.advance(1_000);
  assert.equal(again.state, 'retrying', 'the refresh was overdue: tried at once');
  await again.stop();

  await r.advance(300_000);
  for (const policy of ['never', 'soa'] as const) {
    const late = rig({ policy, clock: r.clock, files: r.files, primary: r.primary });
    await late.zone.start();
    assert.equal(late.zone.state, policy === 'never' ? 'stale' : 'expired');
    assert.equal(late.ask().rcode, policy === 'never' ? Rcode.NOERROR : Rcode.SERVFAIL);
    await late.zone.stop();
  }
});

test('a crash between the copy and its timers: the copy\'s own transfer time is used (never a later one)', async () => {
  const r = rig();
  await r.zone.start();
  await settle();
  await r.zone.stop();
  const copyTime = Number(/transferred=(\d+)/.exec(r.files.copy!)![1]);
  r.files.timers = JSON.stringify({ version: 1, zone: ORIGIN, serial: 0, refreshedAt: copyTime + 50_000, expiresAt: copyTime + 350_000 });
  const again = r.make();
  await again.start();
  assert.equal(again.status().lastRefresh, copyTime);
  assert.equal(again.status().expiresAt, copyTime + 300_000);
  await again.stop();
});

test('a damaged copy is treated as no copy: reported, never served, transferred again', async () => {
  const r = rig();
  await r.zone.start();
  await settle();
  await r.zone.stop();
  r.files.copy = r.files.copy!.replace('192.0.2.10', '192.0.2.66');
  const again = r.make();
  r.zone = again;
  await again.start();
  assert.equal(again.state, 'transferring');
  assert.equal(r.ask().rcode, Rcode.SERVFAIL);
  assert.match(JSON.stringify(r.notices.find((n) => n.kind === 'copy-corrupt')), /checksum/);
  await settle();
  assert.deepEqual(r.ask(), { rcode: Rcode.NOERROR, address: '192.0.2.10', expire: 300 });
  await again.stop();
});

test('a serial that went backwards is not transferred: a warning, the copy kept, timers restarted; retransfer takes the primary\'s version', async () => {
  const primary = new FakePrimary(zoneRecords(5, { pbx: '192.0.2.10' }, TIMERS));
  const r = rig({ primary });
  await r.zone.start();
  await settle();
  primary.publish(zoneRecords(3, { pbx: '192.0.2.33' }, TIMERS)); // restored from an old backup
  await r.advance(60_000);
  assert.equal(r.zone.state, 'fresh');
  assert.equal(r.ask().address, '192.0.2.10');
  assert.deepEqual(r.notices.filter((n) => n.kind === 'serial-backwards'), [{ kind: 'serial-backwards', primary: '192.0.2.1:53', ours: 5, theirs: 3, order: 'older' }]);
  assert.deepEqual(r.zone.status().primaryBehind, { primary: '192.0.2.1:53', serial: 3 });
  assert.match(r.zone.status().lastError!, /older than ours/);

  assert.equal(r.zone.retransfer(), true);
  await settle();
  assert.deepEqual(primary.log.slice(-1), ['AXFR']);
  assert.equal(r.ask().address, '192.0.2.33');
  assert.equal(r.zone.status().primaryBehind, undefined);
  await r.zone.stop();
});

test('a NOTIFY during an attempt brings another attempt after it (RFC 1996 §4.4); primaries are tried in order', async () => {
  const r = rig({ primaries: ['198.51.100.9', '192.0.2.1'] });
  await r.zone.start();
  await settle();
  assert.equal(r.zone.state, 'fresh', 'the first primary is out of reach: the second one served');
  r.zone.notify('192.0.2.1');
  r.zone.notify('192.0.2.1');
  await settle();
  assert.deepEqual(r.primary.log, ['AXFR', 'SOA', 'SOA']);
  assert.equal(r.zone.retransfer(), true);
  r.zone.notify('192.0.2.1');
  await settle();
  assert.deepEqual(r.primary.log.slice(3), ['AXFR', 'SOA']);
  await r.zone.stop();
});

test('a disk that fails: the new version is served from memory, the failure reported; the copy before stays on disk', async () => {
  const r = rig();
  await r.zone.start();
  await settle();
  const copy = r.files.copy;
  r.files.failWrites = true;
  r.primary.publish(zoneRecords(2, { pbx: '192.0.2.11' }, TIMERS));
  r.zone.notify('192.0.2.1');
  await settle();
  assert.equal(r.ask().address, '192.0.2.11');
  assert.equal(r.files.copy, copy);
  assert.deepEqual(r.notices.filter((n) => n.kind === 'persist-failed').length, 2, 'the copy and its timers');
  await r.zone.stop();
});

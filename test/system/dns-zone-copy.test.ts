// A secondary zone's copy and timers on real files (src/storage/dns-zone-copy-files.ts):
// atomic replacement (temp file, fsync, rename, directory fsync), a crash at every step
// and kill -9 while copies are written leave a whole old or new copy; damage is caught
// and treated as no copy; one DNS service per data directory.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../src/core/fake-clock.js';
import { decodeZoneCopy, encodeZoneCopy } from '../../src/protocol/dns/secondary/zone-copy.js';
import { SecondaryZone, type SecondaryNotice } from '../../src/protocol/dns/secondary/secondary-zone.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';
import { Zone } from '../../src/protocol/dns/zone.js';
import { DnsZoneCopyFiles, defaultCopyPath, openDnsDataDir } from '../../src/storage/dns-zone-copy-files.js';
import { FakePrimary, FakeTransport, ORIGIN, zoneRecords } from '../support/dns-fake-primary.js';
import { seededRandom } from '../support/random.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'outpost-dns-copy-'));
  dirs.push(d);
  return d;
}

function copyText(serial: number, hosts = 200): string {
  const records = validateZone(ORIGIN, zoneRecords(serial, Object.fromEntries(Array.from({ length: hosts }, (_, i) => [`h${i}`, `192.0.2.${i % 250}`])))).records;
  return encodeZoneCopy(Zone.build(ORIGIN, records), records, Date.UTC(2026, 0, 1) + serial);
}

if (process.env.OUTPOST_DNS_COPY_CHILD) {
  // Child: replaces the copy again and again with the serials after the one on disk, and says which was durable.
  const path = process.env.OUTPOST_DNS_COPY_CHILD;
  const files = new DnsZoneCopyFiles(path);
  const onDisk = existsSync(path) ? decodeZoneCopy(ORIGIN, readFileSync(path, 'utf8'), path).zone.serial : 0;
  for (let serial = onDisk + 1; ; serial++) {
    await files.writeCopy(copyText(serial, 2000));
    writeSync(1, `D ${serial}\n`);
  }
}

test('the default path, and a copy replaced atomically: the old one whole until the rename, the temp file never read', async () => {
  const dir = tmp();
  assert.equal(defaultCopyPath(dir, 'Voice.Example.COM.'), join(dir, 'voice.example.com.zone'));
  assert.equal(defaultCopyPath(dir, '.'), join(dir, 'root.zone'));
  const path = join(dir, 'sub', 'voice.zone');
  let crash = false;
  const files = new DnsZoneCopyFiles(path, { afterTempSynced: () => { if (crash) throw new Error('crash after the temp file'); } });
  assert.deepEqual(await files.read(), {});
  await files.writeCopy(copyText(1));
  await files.writeTimers('{"t":1}\n');
  assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['voice.zone', 'voice.zone.timers']);
  crash = true;
  await assert.rejects(files.writeCopy(copyText(2)), /crash after the temp file/);
  assert.ok(existsSync(`${path}.tmp`), 'the crash left its temp file');
  const read = await files.read();
  assert.equal(decodeZoneCopy(ORIGIN, read.copy!, path).zone.serial, 1, 'the old copy, whole');
  assert.equal(read.timers, '{"t":1}\n');
  crash = false;
  await files.writeCopy(copyText(3));
  assert.equal(decodeZoneCopy(ORIGIN, (await files.read()).copy!, path).zone.serial, 3);
  assert.ok(!existsSync(`${path}.tmp`), 'the leftover was replaced and renamed');
});

test('writes to one file are serialised: the last one issued wins', async () => {
  const path = join(tmp(), 'voice.zone');
  const files = new DnsZoneCopyFiles(path);
  await Promise.all([1, 2, 3, 4, 5].map((s) => files.writeCopy(copyText(s))));
  await Promise.all([1, 2, 3].map((s) => files.writeTimers(`${s}\n`)));
  assert.equal(decodeZoneCopy(ORIGIN, readFileSync(path, 'utf8'), path).zone.serial, 5);
  assert.equal(readFileSync(`${path}.timers`, 'utf8'), '3\n');
});

test('kill -9 while copies are replaced: the file is always one whole version, at least the last one reported durable', { timeout: 120_000 }, async () => {
  const path = join(tmp(), 'voice.zone');
  const random = seededRandom(20261130);
  let before = 0;
  for (let cycle = 0; cycle < 12; cycle++) {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, OUTPOST_DNS_COPY_CHILD: path }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const wait = 150 + Math.floor(random() * 400);
    await new Promise((r) => setTimeout(r, wait));
    child.kill('SIGKILL');
    await exited;
    const durable = Math.max(before, ...[...out.matchAll(/D (\d+)/g)].map((m) => Number(m[1])));
    if (!existsSync(path)) { assert.equal(durable, 0, 'no copy on disk although one was reported durable'); continue; }
    const serial = decodeZoneCopy(ORIGIN, readFileSync(path, 'utf8'), path).zone.serial;
    assert.ok(serial === durable || serial === durable + 1, `cycle ${cycle}: serial ${serial} on disk, ${durable} reported durable`);
    before = serial;
  }
});

test('damaged copies — cut short, edited, emptied — are reported and treated as no copy; the zone is transferred again', async () => {
  const dir = tmp();
  const path = join(dir, 'voice.example.com.zone');
  for (const damage of [(t: string) => t.slice(0, t.length / 2), (t: string) => t.replace('192.0.2.7', '192.0.2.8'), () => '']) {
    writeFileSync(path, damage(copyText(9)));
    const notices: SecondaryNotice[] = [];
    const primary = new FakePrimary(zoneRecords(10));
    const zone = new SecondaryZone({
      origin: ORIGIN, policy: 'never', primaries: [{ address: '192.0.2.1', port: 53 }], clock: new FakeClock(),
      transport: new FakeTransport(new Map([['192.0.2.1', primary]])), files: new DnsZoneCopyFiles(path), onNotice: (n) => notices.push(n),
    });
    await zone.start();
    assert.equal(zone.state, 'transferring');
    assert.equal(zone.servedZone.expired(), true, 'never served wrong');
    assert.equal(notices[0]?.kind, 'copy-corrupt');
    await zone.idle;
    assert.equal(zone.state, 'fresh');
    assert.equal(decodeZoneCopy(ORIGIN, readFileSync(path, 'utf8'), path).zone.serial, 10, 'replaced by the transferred copy');
    await zone.stop();
  }
  truncateSync(path, 0);
});

test('one DNS service per data directory: a second lock on it is refused with DNS_DATA_DIR_UNAVAILABLE', async () => {
  const dir = join(tmp(), 'data');
  const lock = await openDnsDataDir(dir);
  await assert.rejects(openDnsDataDir(dir), (e: Error & { code?: string }) => e.code === 'DNS_DATA_DIR_UNAVAILABLE' && /in use by another process/.test(e.message));
  lock.release();
  (await openDnsDataDir(dir)).release();
});

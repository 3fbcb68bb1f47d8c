// The sync of phone files (src/site/files-sync.ts) against a real HTTP source on
// loopback (test/support/files-source.ts): the first set fetched whole and served
// through `current`; a new manifest fetches only what changed; a download cut short
// resumes with a Range request; a source that ignores Range starts the part over;
// tampered content is rejected, deleted and counted while the old set keeps serving;
// sources tried in order with their bearer tokens; a WAN outage waits and retries;
// the bandwidth cap; stop during a download; /metrics and the status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Clock } from '../../src/core/clock.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { FilesConfig, FilesSyncConfig } from '../../src/config/files-schema.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { FilesSync } from '../../src/site/files-sync.js';
import { FileTree } from '../../src/site/files-tree.js';
import { FilesSource, manifestOf, sha256Of } from '../support/files-source.js';
import { memoryLogger } from '../support/memory-log.js';

type Manifest = FilesSyncConfig['manifest'];

interface Rig {
  dir: string;
  dataDir: string;
  make(manifest: Manifest, sync?: Partial<FilesSyncConfig>, clock?: Clock): { sync: FilesSync; logs: ReturnType<typeof memoryLogger>; registry: Registry };
  cleanup(): void;
}

function rig(sources: () => FilesSyncConfig['sources']): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-sync-'));
  const dataDir = join(dir, 'data');
  return {
    dir,
    dataDir,
    make(manifest, sync = {}, clock = systemClock) {
      const config: FilesConfig = { enabled: true, root: 'unused', dataDir, sync: { manifest, sources: sources(), retryInterval: 60, ...sync } };
      const logs = memoryLogger('debug');
      const registry = new Registry();
      const part = new FilesSync({ config, configDir: dir, log: logs.log, clock, registry, tree: new FileTree(join(dataDir, 'current')), dataDir });
      return { sync: part, logs, registry };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const state = (s: FilesSync) => s.status().state as string;
const settled = (s: FilesSync) => ['complete', 'waiting-retry', 'failed-partially'].includes(state(s));
const served = (dataDir: string, path: string) => readFileSync(join(dataDir, 'current', path), 'utf8');
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

test('the first set is fetched whole, each content once, and served through current; the next fetches only what changed', async () => {
  const source = await new FilesSource().start();
  const r = rig(() => [{ url: source.url }]);
  try {
    source.files.set('SEP001.cnf.xml', Buffer.from('<device>1</device>'));
    source.files.set('firmware/88xx.loads', bytes(300_000, 1));
    source.files.set('ringtones/a.raw', Buffer.from('ring'));
    source.files.set('ringtones/copy.raw', Buffer.from('ring'));
    source.files.set('empty.txt', Buffer.alloc(0));
    const v1 = manifestOf('v1', source.files);
    const one = r.make(v1);
    assert.equal(existsSync(join(r.dataDir, 'current')), false);
    await one.sync.start();
    await until('v1 complete', () => settled(one.sync));
    assert.equal(state(one.sync), 'complete', JSON.stringify(one.sync.status()));
    assert.deepEqual(source.asked().sort(), ['SEP001.cnf.xml', 'empty.txt', 'firmware/88xx.loads', 'ringtones/a.raw'], 'the shared content once');
    assert.equal(served(r.dataDir, 'ringtones/copy.raw'), 'ring');
    assert.equal(sha256Of(readFileSync(join(r.dataDir, 'current', 'firmware/88xx.loads'))), v1.files.find((f) => f.path === 'firmware/88xx.loads')!.sha256);
    assert.match(readlinkSync(join(r.dataDir, 'current')), /^sets\/v1~[0-9a-f]{16}$/);
    const st = one.sync.status() as { served: { version: string }; fetched: { files: number; bytes: number } };
    assert.equal(st.served.version, 'v1');
    assert.deepEqual(st.fetched, { files: 4, bytes: 300_000 + 18 + 4 });
    const metrics = await one.registry.metrics();
    assert.match(metrics, /outpost_files_sync_state\{state="complete"\} 1/);
    assert.match(metrics, /outpost_files_sync_files_fetched_total 4/);
    assert.match(metrics, /outpost_files_sync_bytes_fetched_total 300022/);
    assert.match(metrics, /outpost_files_sync_served_info\{version="v1",set="v1~[0-9a-f]{16}"\} 1/);
    assert.match(metrics, /outpost_files_sync_last_success_timestamp_seconds \d{10}/);
    assert.ok(one.logs.codes().includes('FILES_SYNC_SWITCHED'));
    await one.sync.stop();

    // Restarted with the same manifest: nothing is asked.
    const again = r.make(v1);
    await again.sync.start();
    await until('up to date', () => settled(again.sync));
    assert.equal(state(again.sync), 'complete');
    assert.equal(source.requests.length, 4);
    await again.sync.stop();

    // Two files change: only those two are fetched; the first set is kept as previous.
    source.requests.length = 0;
    source.files.set('SEP001.cnf.xml', Buffer.from('<device>2</device>'));
    source.files.set('firmware/88xx.loads', bytes(300_000, 2));
    const v2 = manifestOf('v2', source.files);
    const two = r.make(v2);
    await two.sync.start();
    await until('v2 complete', () => settled(two.sync));
    assert.equal(state(two.sync), 'complete');
    assert.deepEqual(source.asked().sort(), ['SEP001.cnf.xml', 'firmware/88xx.loads']);
    assert.equal(served(r.dataDir, 'SEP001.cnf.xml'), '<device>2</device>');
    assert.match(readlinkSync(join(r.dataDir, 'previous')), /^sets\/v1~/);
    await two.sync.stop();

    // A third set: v1 is removed, and the objects only it held.
    source.files.delete('firmware/88xx.loads');
    const three = r.make(manifestOf('v3', source.files));
    await three.sync.start();
    await until('v3 complete', () => settled(three.sync));
    await three.sync.stop(); // the attempt ends with the clean-up after the switch
    const sets = readdirSync(join(r.dataDir, 'sets')).filter((n) => !n.endsWith('.json')).map((n) => n.split('~')[0]).sort();
    assert.deepEqual(sets, ['v2', 'v3']);
    const objects = readdirSync(join(r.dataDir, 'objects'));
    assert.equal(objects.length, 4, 'the content of v2 and v3: the v2 config and firmware, the ringtone, the empty file');
    assert.ok(!objects.includes(sha256Of(bytes(300_000, 1))), 'the v1 firmware is gone');
    for (const o of objects) assert.equal(sha256Of(readFileSync(join(r.dataDir, 'objects', o))), o, 'every object is its hash');
    assert.ok(three.logs.codes().includes('FILES_SYNC_PRUNED'));
  } finally {
    await source.stop();
    r.cleanup();
  }
});

test('a download cut short is resumed with a Range request; a source that ignores Range starts the part over', async () => {
  const source = await new FilesSource({ cutAfter: 100_000 }).start();
  const r = rig(() => [{ url: source.url }]);
  const clock = new FakeClock();
  try {
    source.files.set('fw.bin', bytes(250_000, 3));
    const manifest = manifestOf('v1', source.files);
    const { sync, logs } = r.make(manifest, {}, clock);
    await sync.start();
    await until('the cut', () => settled(sync));
    assert.equal(state(sync), 'failed-partially', JSON.stringify(sync.status()));
    // What arrived before the close (the last chunks in flight may be lost with the connection).
    const held = statSync(join(r.dataDir, 'downloads', `${manifest.files[0]!.sha256}.part`)).size;
    assert.ok(held > 0 && held <= 100_000, `${held} bytes held`);
    assert.equal(existsSync(join(r.dataDir, 'current')), false, 'nothing served yet');
    assert.match(String((sync.status().lastError as { message: string }).message), /fw\.bin from .*: transfer broken after \d+ of 250000|body ended after/);

    source.opts.cutAfter = undefined;
    clock.advance(59_999);
    assert.equal(source.requests.length, 1, 'not before retryInterval');
    clock.advance(1);
    await until('the resumed download', () => settled(sync));
    assert.equal(state(sync), 'complete');
    assert.deepEqual(source.asked(), ['fw.bin', `fw.bin bytes=${held}-`]);
    assert.equal(sha256Of(readFileSync(join(r.dataDir, 'current', 'fw.bin'))), manifest.files[0]!.sha256);
    const fetched = logs.lines().find((l) => l.code === 'FILES_SYNC_FETCHED')!;
    assert.equal(fetched.resumedFrom, held);
    assert.equal(fetched.bytes, 250_000 - held);
    await sync.stop();
  } finally {
    await source.stop();
    r.cleanup();
  }

  const plain = await new FilesSource({ ignoreRange: true }).start();
  const r2 = rig(() => [{ url: plain.url }]);
  try {
    plain.files.set('fw.bin', bytes(50_000, 4));
    const manifest = manifestOf('v1', plain.files);
    mkdirSync(join(r2.dataDir, 'downloads'), { recursive: true });
    writeFileSync(join(r2.dataDir, 'downloads', `${manifest.files[0]!.sha256}.part`), bytes(20_000, 9)); // not even a prefix
    const { sync } = r2.make(manifest);
    await sync.start();
    await until('complete', () => settled(sync));
    assert.equal(state(sync), 'complete');
    assert.deepEqual(plain.asked(), ['fw.bin bytes=20000-'], 'asked to resume, got 200: started over');
    assert.equal(sha256Of(readFileSync(join(r2.dataDir, 'current', 'fw.bin'))), manifest.files[0]!.sha256);
    await sync.stop();
  } finally {
    await plain.stop();
    r2.cleanup();
  }
});

test('tampered content is rejected, deleted and counted; the old set keeps serving; the next source gives the right bytes', async () => {
  const bad = await new FilesSource().start();
  const good = await new FilesSource().start();
  let sourceList = [{ url: bad.url }];
  const r = rig(() => sourceList);
  try {
    for (const s of [bad, good]) s.files.set('a.cfg', Buffer.from('one'));
    const v1 = manifestOf('v1', good.files);
    const first = r.make(v1);
    await first.sync.start();
    await until('v1', () => settled(first.sync));
    await first.sync.stop();

    good.files.set('a.cfg', Buffer.from('two'));
    good.files.set('b.cfg', Buffer.from('bbbb'));
    bad.files.set('a.cfg', Buffer.from('TWO')); // same length, other bytes
    bad.files.set('b.cfg', Buffer.from('b')); // another length: refused from its headers
    const v2 = manifestOf('v2', good.files);
    const only = r.make(v2);
    await only.sync.start();
    await until('rejected', () => settled(only.sync));
    assert.equal(state(only.sync), 'failed-partially');
    assert.equal(served(r.dataDir, 'a.cfg'), 'one', 'the old set keeps serving');
    assert.equal(existsSync(join(r.dataDir, 'current', 'b.cfg')), false);
    const rejected = only.logs.lines().filter((l) => l.code === 'FILES_SYNC_REJECTED');
    assert.deepEqual(rejected.map((l) => [l.path, l.got]), [['a.cfg', `sha256 ${sha256Of('TWO')}`], ['b.cfg', 'size 1']]);
    assert.deepEqual(rejected[0]!.expected, { size: 3, sha256: sha256Of('two') });
    assert.equal(readdirSync(join(r.dataDir, 'downloads')).length, 0, 'deleted');
    assert.ok(!readdirSync(join(r.dataDir, 'objects')).includes(sha256Of('TWO')), 'never kept');
    assert.match(await only.registry.metrics(), /outpost_files_sync_rejected_total 2/);
    assert.match(String((only.sync.status().lastError as { message: string }).message), /b\.cfg .*rejected: expected size 4/);
    assert.equal((only.sync.status().served as { version: string }).version, 'v1');
    await only.sync.stop();

    sourceList = [{ url: bad.url }, { url: good.url }];
    const both = r.make(v2);
    await both.sync.start();
    await until('v2', () => settled(both.sync));
    assert.equal(state(both.sync), 'complete');
    assert.equal(served(r.dataDir, 'a.cfg'), 'two');
    assert.equal(served(r.dataDir, 'b.cfg'), 'bbbb');
    assert.equal(both.logs.codes().filter((c) => c === 'FILES_SYNC_REJECTED').length, 2);
    const transitions = both.logs.lines().filter((l) => l.code === 'FILES_SYNC_TRANSITION').map((l) => `${l.from}>${l.to}`);
    assert.ok(transitions.includes('verifying>fetching') && transitions.includes('switching>complete'), transitions.join(' '));
    await both.sync.stop();
  } finally {
    await bad.stop();
    await good.stop();
    r.cleanup();
  }
});

test('sources in order: one unreachable is skipped for the rest of the attempt; bearer tokens; an outage waits and retries while the old set serves', async () => {
  const good = await new FilesSource({ token: 's3cret-token' }).start();
  const closed = await new FilesSource().start();
  const closedUrl = closed.url;
  await closed.stop();
  let sourceList: FilesSyncConfig['sources'] = [{ url: closedUrl }, { url: `${good.url}/`, tokenFile: 'token' }];
  const r = rig(() => sourceList);
  const clock = new FakeClock();
  try {
    writeFileSync(join(r.dir, 'token'), 's3cret-token\n');
    for (let i = 0; i < 5; i++) good.files.set(`f${i}.cfg`, Buffer.from(`file ${i}`));
    const v1 = manifestOf('v1', good.files);
    const one = r.make(v1, {}, clock);
    await one.sync.start();
    await until('v1', () => settled(one.sync));
    assert.equal(state(one.sync), 'complete');
    const failed = one.logs.lines().filter((l) => l.code === 'FILES_SYNC_SOURCE_FAILED');
    assert.equal(failed.length, 1, 'the unreachable source is asked once, not once a file');
    assert.equal(failed[0]!.reason, 'ECONNREFUSED');
    assert.ok(good.requests.every((q) => q.authorization === 'Bearer s3cret-token'));
    await one.sync.stop();

    // The WAN is down: no source answers. The set served stays; the attempt is retried after retryInterval.
    sourceList = [{ url: closedUrl }];
    good.files.set('f0.cfg', Buffer.from('changed'));
    const v2 = manifestOf('v2', good.files);
    const out = r.make(v2, { retryInterval: 30 }, clock);
    await out.sync.start();
    await until('waiting', () => settled(out.sync));
    assert.equal(state(out.sync), 'waiting-retry');
    assert.equal(served(r.dataDir, 'f0.cfg'), 'file 0');
    assert.equal((out.sync.status().nextAttemptAt as number) - clock.now(), 30_000);
    clock.advance(29_999);
    assert.equal(out.logs.codes().filter((c) => c === 'FILES_SYNC_PLANNED').length, 1);
    clock.advance(1);
    await until('second attempt', () => out.logs.codes().filter((c) => c === 'FILES_SYNC_INCOMPLETE').length === 2);
    assert.equal(state(out.sync), 'waiting-retry');
    await out.sync.stop();

    // An unreadable token file fails that source with the reason, never the token.
    sourceList = [{ url: good.url, tokenFile: 'missing-token' }];
    const notoken = r.make(v2, {}, clock);
    await notoken.sync.start();
    await until('waiting', () => settled(notoken.sync));
    assert.match(String((notoken.sync.status().lastError as { message: string }).message), /tokenFile .*missing-token: ENOENT/);
    // The operator asks for a sync now: a new attempt starts (and fails the same way).
    const asked = notoken.sync.syncNow();
    assert.equal(asked.status, 202);
    assert.deepEqual(asked.body, { started: true, from: 'waiting-retry', to: 'fetching' });
    assert.equal((notoken.sync.syncNow().body as { started: boolean }).started, false, 'one attempt at a time');
    await until('waiting again', () => settled(notoken.sync));
    await notoken.sync.stop();
    assert.equal(notoken.sync.syncNow().status, 503);
  } finally {
    await good.stop();
    r.cleanup();
  }
});

test('the bandwidth cap paces a download; stop during a download returns at once and keeps the part', async () => {
  const source = await new FilesSource().start();
  const r = rig(() => [{ url: source.url }]);
  try {
    source.files.set('fw.bin', bytes(96 * 1024, 5));
    const manifest = manifestOf('v1', source.files);
    // 32 KiB/s with a quarter-second burst: 96 KiB take about 2.75 s.
    const { sync } = r.make(manifest, { bandwidth: 32 * 1024 });
    const started = Date.now();
    await sync.start();
    await until('complete', () => settled(sync), 15_000);
    const took = Date.now() - started;
    assert.equal(state(sync), 'complete');
    assert.ok(took >= 2_000, `96 KiB at 32 KiB/s took ${took} ms`);
    await sync.stop();

    source.files.set('fw.bin', bytes(512 * 1024, 6));
    const slow = r.make(manifestOf('v2', source.files), { bandwidth: 64 * 1024 });
    await slow.sync.start();
    const part = join(r.dataDir, 'downloads', `${sha256Of(source.files.get('fw.bin')!)}.part`);
    await until('some bytes', () => existsSync(part) && statSync(part).size > 0);
    const t0 = Date.now();
    await slow.sync.stop();
    assert.ok(Date.now() - t0 < 1_000, 'stop does not wait for the download');
    assert.equal(state(slow.sync), 'stopped');
    assert.ok(statSync(part).size > 0 && statSync(part).size < 512 * 1024, 'the part is kept to resume');
    assert.equal(readFileSync(join(r.dataDir, 'current', 'fw.bin')).length, 96 * 1024, 'v1 still served');
  } finally {
    await source.stop();
    r.cleanup();
  }
});

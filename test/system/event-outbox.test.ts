// The event outbox (src/storage/event-outbox.ts): numbers in order that survive a
// reopen, reads in batches by count and bytes, segments started and deleted as the
// manager acknowledges, a torn tail cut, a damaged line delivered as outbox.damaged, a
// full outbox refusing and then reporting the refusals, and a child killed with SIGKILL
// while appending and acknowledging: every acknowledged append is there, in order, and
// no number is given twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventOutbox, OUTBOX_SUBDIR, OutboxError, type EventOutboxOptions } from '../../src/storage/event-outbox.js';

const KiB = 1024;
const MiB = 1024 * KiB;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-outbox-'));
  try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

let clock = 1_800_000_000_000;
const options = (dataDir: string, o: Partial<EventOutboxOptions> = {}): EventOutboxOptions => ({ dataDir, maxBytes: 64 * MiB, segmentBytes: 16 * MiB, now: () => clock++, ...o });
const upload = (i: number) => ({ protocol: 'http', path: `backup/SEP${String(i).padStart(12, '0')}.cfg`, bytes: i, sha256: 'ab'.repeat(32), client: '192.0.2.10', replaced: false });
const segments = (dir: string) => readdirSync(join(dir, OUTBOX_SUBDIR)).filter((n) => n.startsWith('events-')).sort();

if (process.env.OUTPOST_OUTBOX_CRASH_CHILD) {
  // The child: 8 writers append; "A <seq> <i>" once append(i) resolved (durable) with number seq;
  // a reader acknowledges in batches as a manager would; "K <seq>" once ack(seq) resolved.
  const { outbox } = await EventOutbox.open(options(process.env.OUTPOST_OUTBOX_CRASH_CHILD, { segmentBytes: 64 * KiB, maxBytes: 64 * MiB }));
  let next = 0;
  const writer = async () => {
    for (;;) {
      const i = next++;
      const seq = await outbox.append('files.upload', upload(i));
      writeSync(1, `A ${seq} ${i}\n`);
    }
  };
  const acker = async () => {
    for (;;) {
      const events = await outbox.read(outbox.acked, 150, MiB);
      if (events.length > 0) {
        await outbox.ack(events.at(-1)!.seq);
        writeSync(1, `K ${events.at(-1)!.seq}\n`);
      } else await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all([...Array.from({ length: 8 }, writer), acker()]);
}

test('events are numbered 1, 2, 3 …; the numbers, the stream and the acknowledgement survive a reopen', async () => {
  await withDir(async (dir) => {
    let { outbox, recovery } = await EventOutbox.open(options(dir));
    assert.equal(recovery.pending, 0);
    assert.equal(recovery.acked, 0);
    const stream = outbox.stream;
    assert.match(stream, /^[0-9a-f]{32}$/);
    const seqs = await Promise.all([1, 2, 3, 4, 5].map((i) => outbox.append('files.upload', upload(i))));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
    assert.equal(outbox.durable, 5);
    const read = await outbox.read(0, 3, MiB);
    assert.deepEqual(read.map((e) => [e.seq, e.kind, e.data.bytes]), [[1, 'files.upload', 1], [2, 'files.upload', 2], [3, 'files.upload', 3]]);
    await outbox.ack(3);
    assert.equal(outbox.depth, 2);
    await outbox.close();
    ({ outbox, recovery } = await EventOutbox.open(options(dir)));
    assert.equal(outbox.stream, stream);
    assert.deepEqual({ acked: recovery.acked, pending: recovery.pending, damaged: recovery.damaged, tornBytes: recovery.tornBytes }, { acked: 3, pending: 2, damaged: 0, tornBytes: 0 });
    assert.deepEqual((await outbox.read(outbox.acked, 100, MiB)).map((e) => e.seq), [4, 5]);
    assert.equal(await outbox.append('files.upload', upload(6)), 6);
    await outbox.close();
  });
});

test('reads continue where the last stopped, honour the byte limit (at least one event), and never pass what is durable', async () => {
  await withDir(async (dir) => {
    const { outbox } = await EventOutbox.open(options(dir, { segmentBytes: 64 * KiB, maxBytes: 4 * MiB }));
    for (let i = 1; i <= 2000; i++) void outbox.append('files.upload', upload(i));
    await outbox.append('files.upload', upload(2001));
    assert.ok(segments(dir).length > 3, 'several segments');
    const seen: number[] = [];
    for (let after = 0; after < 2001;) {
      const batch = await outbox.read(after, 300, 20 * KiB);
      assert.ok(batch.length >= 1 && batch.length <= 300);
      seen.push(...batch.map((e) => e.seq));
      after = batch.at(-1)!.seq;
    }
    assert.deepEqual(seen, Array.from({ length: 2001 }, (_, i) => i + 1));
    assert.equal((await outbox.read(0, 10, 1)).length, 1, 'a byte limit smaller than an event still gives one');
    // A read from elsewhere (a batch sent again) starts over correctly.
    assert.deepEqual((await outbox.read(1499, 3, MiB)).map((e) => e.seq), [1500, 1501, 1502]);
    assert.deepEqual(await outbox.read(2001, 10, MiB), []);
    await outbox.close();
  });
});

test('a segment is deleted once all of it is acknowledged, never the one appended to', async () => {
  await withDir(async (dir) => {
    const { outbox } = await EventOutbox.open(options(dir, { segmentBytes: 64 * KiB, maxBytes: 4 * MiB }));
    for (let i = 1; i < 1000; i++) void outbox.append('files.upload', upload(i));
    await outbox.append('files.upload', upload(1000));
    const before = segments(dir);
    const second = Number(/(\d+)/.exec(before[1]!)![1]);
    await outbox.ack(second - 2);
    assert.deepEqual(segments(dir), before, 'the first segment still holds an unacknowledged event');
    await outbox.ack(second - 1);
    assert.deepEqual(segments(dir), before.slice(1));
    await outbox.ack(1000);
    assert.deepEqual(segments(dir), before.slice(-1));
    assert.equal(outbox.depth, 0);
    assert.equal(outbox.oldestAt, undefined);
    await outbox.close();
    const { outbox: again, recovery } = await EventOutbox.open(options(dir, { segmentBytes: 64 * KiB, maxBytes: 4 * MiB }));
    assert.deepEqual([recovery.acked, recovery.pending], [1000, 0]);
    assert.equal(await again.append('files.upload', upload(1001)), 1001);
    await again.close();
  });
});

test('a torn last line is cut off; a damaged line before it is delivered as outbox.damaged with its number', async () => {
  await withDir(async (dir) => {
    let { outbox } = await EventOutbox.open(options(dir));
    for (let i = 1; i <= 5; i++) await outbox.append('files.upload', upload(i));
    await outbox.close();
    const file = join(dir, OUTBOX_SUBDIR, segments(dir)[0]!);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('SEP', 'XEP'); // event 3 no longer matches its checksum
    writeFileSync(file, lines.join('\n'));
    appendFileSync(file, '0badc0de {"s":6,"t":1,"k":"files.up'); // a write cut short by a crash
    let recovery;
    ({ outbox, recovery } = await EventOutbox.open(options(dir)));
    assert.equal(recovery.damaged, 1);
    assert.ok(recovery.tornBytes > 0);
    const events = await outbox.read(0, 100, MiB);
    assert.deepEqual(events.map((e) => `${e.seq} ${e.kind}`), ['1 files.upload', '2 files.upload', '3 outbox.damaged', '4 files.upload', '5 files.upload']);
    assert.equal(await outbox.append('files.upload', upload(6)), 6, 'the torn number is given again: it was never acknowledged');
    await outbox.close();
  });
});

test('a full outbox refuses and counts; once there is room one outbox.overflow event reports the refused ones', async () => {
  await withDir(async (dir) => {
    const { outbox } = await EventOutbox.open(options(dir, { maxBytes: MiB, segmentBytes: 64 * KiB }));
    let stored = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      try {
        await outbox.append('files.upload', upload(i));
        stored++;
      } catch (error) {
        assert.ok(error instanceof OutboxError && error.reason === 'full', String(error));
        refused++;
        if (refused === 50) break;
      }
    }
    assert.equal(refused, 50);
    assert.equal(outbox.refused, 50);
    assert.ok(outbox.bytes <= MiB);
    await assert.rejects(outbox.append('files.upload', { big: 'x'.repeat(70 * KiB) }), (e: OutboxError) => e.reason === 'too-large');
    await outbox.ack(stored); // the manager took everything: room again, and the overflow event is written
    await new Promise((r) => setTimeout(r, 50));
    const [overflow] = await outbox.read(stored, 10, MiB);
    assert.equal(overflow?.kind, 'outbox.overflow');
    assert.equal(overflow?.seq, stored + 1);
    assert.equal(overflow?.data.refused, 51);
    assert.deepEqual(overflow?.data.kinds, ['files.upload']);
    assert.equal(await outbox.append('files.upload', upload(1)), stored + 2);
    await outbox.close();
  });
});

test('a child killed with SIGKILL while appending and acknowledging loses no acknowledged event and reuses no number', { timeout: 60_000 }, async () => {
  await withDir(async (dir) => {
    let highestSeq = 0; // the last number on disk after the previous round
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, OUTPOST_OUTBOX_CRASH_CHILD: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const started = new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; if (out.includes('K ')) resolve(); }));
      await started; // appending and acknowledging, however busy the machine
      await new Promise((r) => setTimeout(r, 100 + round * 150));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const lines = out.split('\n');
      const appended = lines.filter((l) => l.startsWith('A ')).map((l) => l.split(' ').map(Number) as [number, number, number]);
      const acked = Math.max(0, ...lines.filter((l) => l.startsWith('K ')).map((l) => Number(l.slice(2))));
      assert.ok(appended.length > 0, 'the child appended');
      for (const [, seq] of appended) assert.ok(seq > highestSeq, `number ${seq} was not given before (the last was ${highestSeq})`);
      const { outbox, recovery } = await EventOutbox.open(options(dir, { segmentBytes: 64 * KiB, maxBytes: 64 * MiB }));
      assert.ok(recovery.acked >= acked, `acknowledged ${acked}, read back ${recovery.acked}`);
      const events = await outbox.read(outbox.acked, 1_000_000, 1 << 30);
      const first = outbox.acked + 1;
      events.forEach((e, k) => assert.equal(e.seq, first + k, 'consecutive numbers'));
      assert.ok(events.every((e) => e.kind === 'files.upload'), 'no damaged line');
      const held = new Map(events.map((e) => [e.seq, e.data.bytes as number]));
      for (const [, seq, i] of appended) if (seq > outbox.acked) assert.equal(held.get(seq), i, `acknowledged event ${seq} (upload ${i}) is there`);
      highestSeq = outbox.durable;
      await outbox.close();
    }
  });
});

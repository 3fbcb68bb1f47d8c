// The IXFR journal on disk (src/storage/ixfr-journal.ts): versions written and read
// back equal; compaction to the newest at twice the versions kept; a torn tail, a
// flipped byte, a frame that does not decode, a file of another format, a leftover
// compaction file, and keep 0 — each leaves a journal that reads, never a wrong entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IxfrJournal, journalFileName } from '../../src/storage/ixfr-journal.js';
import { JOURNAL_MAGIC } from '../../src/storage/ixfr-journal-format.js';
import { soaSerial } from '../../src/protocol/dns/zone-diff.js';
import { JOURNAL_ZONE, entryAt } from '../support/ixfr-fixture.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-ixfr-journal-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const serials = (entries: { diff: { from: Parameters<typeof soaSerial>[0] } }[]) => entries.map((e) => soaSerial(e.diff.from));

test('file names: lower case, no final dot, the root and odd bytes escaped', () => {
  assert.equal(journalFileName('Voice.Example.COM.'), 'voice.example.com.ixfr');
  assert.equal(journalFileName('.'), '%2E.ixfr');
  assert.equal(journalFileName('a/b.example.'), 'a%2Fb.example.ixfr');
});

test('appended versions read back equal, in order; compaction keeps the newest', async () => {
  await withDir(async (dir) => {
    const { journal, entries } = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(entries, []);
    for (let s = 1; s <= 5; s++) await journal.append(entryAt(s), 10);
    const again = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.equal(again.damage, undefined);
    assert.deepEqual(serials(again.entries), [1, 2, 3, 4, 5]);
    assert.deepEqual(again.entries[4], entryAt(5));
    // keep 3: at 6 versions the file is rewritten with the newest 3.
    await again.journal.append(entryAt(6), 3);
    assert.equal(again.journal.versions, 3);
    const compacted = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(serials(compacted.entries), [4, 5, 6]);
    await compacted.journal.append(entryAt(7), 3);
    assert.deepEqual(serials((await IxfrJournal.open(dir, JOURNAL_ZONE)).entries), [4, 5, 6, 7]);
    // keep 0: no journal at all.
    await compacted.journal.append(entryAt(9), 0);
    assert.equal(existsSync(compacted.journal.path), false);
    assert.deepEqual((await IxfrJournal.open(dir, JOURNAL_ZONE)).entries, []);
  });
});

test('a torn tail is cut at the last good version, and appends go on after it', async () => {
  await withDir(async (dir) => {
    const { journal } = await IxfrJournal.open(dir, JOURNAL_ZONE);
    for (let s = 1; s <= 3; s++) await journal.append(entryAt(s, 50), 10);
    const full = statSync(journal.path).size;
    const last = readFileSync(journal.path).lastIndexOf('IXFD');
    for (const cut of [full - 1, last + 5, last + 11, Math.floor((last + full) / 2), last + 1]) {
      const copy = readFileSync(journal.path);
      writeFileSync(journal.path, copy.subarray(0, cut));
      const opened = await IxfrJournal.open(dir, JOURNAL_ZONE);
      assert.deepEqual(serials(opened.entries), [1, 2]);
      assert.ok(opened.damage && opened.damage.droppedBytes > 0, 'the damage is reported');
      assert.ok(statSync(journal.path).size < cut, 'the tail is gone from the file');
      await opened.journal.append(entryAt(3, 50), 10);
      assert.deepEqual(serials((await IxfrJournal.open(dir, JOURNAL_ZONE)).entries), [1, 2, 3]);
    }
    // Garbage after the last frame (zeros of a write the disk never finished).
    appendFileSync(journal.path, Buffer.alloc(700));
    const zeros = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(serials(zeros.entries), [1, 2, 3]);
    assert.match(zeros.damage?.reason ?? '', /no frame magic/);
  });
});

test('a flipped byte in the middle ends the readable part there; a frame whose JSON is wrong too', async () => {
  await withDir(async (dir) => {
    const { journal } = await IxfrJournal.open(dir, JOURNAL_ZONE);
    for (let s = 1; s <= 4; s++) await journal.append(entryAt(s, 20), 10);
    const bytes = readFileSync(journal.path);
    const second = bytes.indexOf('IXFD', JOURNAL_MAGIC.length + 4);
    bytes[second + 40] = bytes[second + 40]! ^ 0x20;
    writeFileSync(journal.path, bytes);
    const opened = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(serials(opened.entries), [1]);
    assert.match(opened.damage?.reason ?? '', /CRC mismatch/);
  });
  await withDir(async (dir) => {
    const { journal } = await IxfrJournal.open(dir, JOURNAL_ZONE);
    await journal.append(entryAt(1), 10);
    // A frame with a right CRC around a wrong body (another zone's entry).
    const other = await IxfrJournal.open(join(dir, 'other'), 'example.org.');
    await other.journal.append({ ...entryAt(2), diff: { ...entryAt(2).diff } }, 10);
    const foreign = readFileSync(other.journal.path).subarray(JOURNAL_MAGIC.length);
    appendFileSync(journal.path, foreign);
    const opened = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(serials(opened.entries), [1]);
    assert.match(opened.damage?.reason ?? '', /does not decode: zone example\.org\./);
  });
});

test('another format or a file cut inside its magic: the journal starts empty; a leftover compaction file is removed', async () => {
  await withDir(async (dir) => {
    const { journal } = await IxfrJournal.open(dir, JOURNAL_ZONE);
    await journal.append(entryAt(1), 10);
    truncateSync(journal.path, 5);
    const cut = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(cut.entries, []);
    assert.equal(existsSync(journal.path), false);
    writeFileSync(journal.path, 'OPIXFR99 something else');
    const other = await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.deepEqual(other.entries, []);
    assert.match(other.damage?.reason ?? '', /not an Outpost IXFR journal/);
    writeFileSync(`${journal.path}.tmp`, 'half a compaction');
    await IxfrJournal.open(dir, JOURNAL_ZONE);
    assert.equal(existsSync(`${journal.path}.tmp`), false);
  });
});

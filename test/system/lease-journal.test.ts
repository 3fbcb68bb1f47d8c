// The DHCPv4 lease journal (src/storage/dhcp4-lease-journal.ts): the shared lease store
// suite on real files, then what only a journal has: group commit and fsync,
// failing disks, torn tails after a crash, damage in the middle, salvage, compaction
// while commits keep flowing and at every step of it, expiry after a restart.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import type { LeaseStore } from '../../src/protocol/dhcp/lease-store.js';
import { leaseProblem } from '../../src/protocol/dhcp/memory-lease-store.js';
import { Dhcp4LeaseJournal, type JournalIo, type LeaseJournalOptions } from '../../src/storage/dhcp4-lease-journal.js';
import { FILE_HEADER_LENGTH, FRAME_HEADER_LENGTH, encodeFileHeader, maxPutLength, sealFrame, writePut } from '../../src/storage/lease-journal-format.js';
import { realIo } from '../../src/storage/lease-journal-files.js';
import { pathToFileURL } from 'node:url';
import { memoryLogger } from '../support/memory-log.js';
import { startChild } from '../support/child.js';
import { repoRoot } from '../support/paths.js';
import { ADDR, T0, leaseStoreSuite, makeTestLease, rejectsWith, storeView } from '../support/lease-store-suite.js';
import { seededRandom } from '../support/random.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'outpost-lease-journal-'));
  dirs.push(d);
  return d;
}

function suiteFactory(extra: Partial<LeaseJournalOptions>) {
  const dirOf = new WeakMap<LeaseStore, string>();
  const open = async (dir: string) => {
    const s = await Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log, ...extra });
    dirOf.set(s, dir);
    return s;
  };
  return {
    create: () => open(tmp()),
    reopen: async (s: LeaseStore) => {
      await s.close();
      return open(dirOf.get(s)!);
    },
  };
}

leaseStoreSuite('journal', suiteFactory({}));
leaseStoreSuite('journal, compacting all the time in tiny chunks', suiteFactory({ compactMinBytes: 1024, snapshotChunkLeases: 3 }));

const J1 = (dir: string) => join(dir, 'leases-0000000001.journal');
const files = (dir: string) => readdirSync(dir).sort();
const digest = (dir: string) => Object.fromEntries(files(dir).map((n) => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]));

async function openJ(dir: string, extra: Partial<LeaseJournalOptions> = {}) {
  const m = memoryLogger();
  const j = await Dhcp4LeaseJournal.open({ dir, log: m.log, ...extra });
  return { j, ...m };
}

/** n leases, each committed and awaited alone: one frame each. */
async function sequential(j: Dhcp4LeaseJournal, n: number, from = 0): Promise<Lease[]> {
  const out: Lease[] = [];
  for (let i = from; i < from + n; i++) {
    const l = makeTestLease(i % 250, { address: ADDR(0) + i, clientKey: `k${i}`, startedAt: T0 + i, hostname: `h${i}` });
    await j.commit(l);
    out.push(l);
  }
  return out;
}

/** Offsets of every frame of a file (trusting its lengths: for tests on files this code wrote). */
function frameOffsets(path: string): number[] {
  const b = readFileSync(path);
  const out: number[] = [];
  for (let p = FILE_HEADER_LENGTH; p + FRAME_HEADER_LENGTH <= b.length; p += FRAME_HEADER_LENGTH + b.readUInt32LE(p + 12)) out.push(p);
  return out;
}

/** A complete, valid frame of one put record, as the writer would append it. */
function frameOf(l: Lease, generation: number, seq: number): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_LENGTH + maxPutLength(l));
  const end = writePut(b, FRAME_HEADER_LENGTH, l, true);
  sealFrame(b, end - FRAME_HEADER_LENGTH, generation, seq, 1);
  return b.subarray(0, end);
}

function flip(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset] = b[offset]! ^ 0x40;
  writeFileSync(path, b);
}

function fieldsOf(lines: Record<string, unknown>[], code: string): Record<string, unknown>[] {
  return lines.filter((l) => l.code === code);
}

describe('lease journal: group commit and fsync', () => {
  test('concurrent commits share fdatasyncs; each resolves after the one covering it', async () => {
    const dir = tmp();
    const { j } = await openJ(dir);
    await Promise.all(Array.from({ length: 5000 }, (_, i) => j.commit(makeTestLease(i % 250, { address: ADDR(0) + i, clientKey: `k${i}` }))));
    const s = j.stats();
    assert.equal(s.commits, 5000);
    assert.ok(s.fsyncs <= 5, `5000 commits in one turn took ${s.fsyncs} fdatasyncs`);
    assert.equal(s.frames, s.fsyncs);
    await sequential(j, 20, 6000);
    assert.equal(j.stats().fsyncs, s.fsyncs + 20, 'a lone commit gets its own fdatasync');
    await j.close();
  });

  test('commitIntervalMs: under load, commits of several turns gather into one frame; after a quiet spell a commit goes at once', async () => {
    const dir = tmp();
    const { j } = await openJ(dir, { commitIntervalMs: 200 });
    await j.commit(makeTestLease(1)); // the first frame: nothing written recently, no wait
    const s0 = j.stats().fsyncs;
    // Right after a frame: the next one waits for the interval, and commits of later turns join it.
    const t0 = performance.now();
    const pending = [j.commit(makeTestLease(2, { address: ADDR(0) + 2 }))];
    for (let i = 3; i < 13; i++) {
      await new Promise((r) => setTimeout(r, 5));
      pending.push(j.commit(makeTestLease(i, { address: ADDR(0) + i })));
    }
    await Promise.all(pending);
    const waited = performance.now() - t0;
    assert.equal(j.stats().fsyncs, s0 + 1, 'eleven commits over ten turns and ~50 ms: one frame, one fdatasync');
    assert.ok(waited >= 150, `the frame waited for the interval (${waited.toFixed(0)} ms)`);
    // A quiet spell longer than the interval: the next commit is written at once.
    await new Promise((r) => setTimeout(r, 250));
    const t1 = performance.now();
    await j.commit(makeTestLease(20, { address: ADDR(0) + 20 }));
    assert.ok(performance.now() - t1 < 150, `a lone commit after a quiet spell does not wait (${(performance.now() - t1).toFixed(0)} ms)`);
    assert.equal(j.stats().fsyncs, s0 + 2);
    await j.close();
    const { j: again } = await openJ(dir);
    assert.equal(again.size, 13, 'every commit is durable');
    await again.close();
    await assert.rejects(Dhcp4LeaseJournal.open({ dir: tmp(), log: memoryLogger().log, commitIntervalMs: -1 }), RangeError);
  });

  test('a commit stays pending while its fdatasync runs; commits made meanwhile go into the next frame', async () => {
    const dir = tmp();
    const gates: (() => void)[] = [];
    let gated = false;
    const io: JournalIo = {
      write: realIo.write,
      datasync: (fd) => (gated ? new Promise<void>((resolve) => gates.push(() => { void realIo.datasync(fd).then(resolve); })) : realIo.datasync(fd)),
    };
    const { j } = await openJ(dir, { io });
    gated = true;
    const done = { first: false, second: false };
    const first = j.commit(makeTestLease(1)).then(() => { done.first = true; });
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    const second = Promise.all([j.commit(makeTestLease(2)), j.commit(makeTestLease(3))]).then(() => { done.second = true; });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(done, { first: false, second: false }, 'no commit resolves before its fdatasync returns');
    assert.equal(gates.length as number, 1, 'one fdatasync at a time');
    gates.shift()!();
    await first;
    assert.deepEqual(done, { first: true, second: false });
    while ((gates.length as number) === 0) await new Promise((r) => setImmediate(r));
    gated = false;
    gates.shift()!();
    await second;
    assert.equal(j.stats().frames, 2, 'the two later commits shared the second frame');
    await j.close();
  });

  test('short writes are continued, never taken for complete', async () => {
    const dir = tmp();
    const io: JournalIo = { write: (fd, buf, off, len, pos) => realIo.write(fd, buf, off, Math.min(len, 7), pos), datasync: realIo.datasync };
    const { j } = await openJ(dir, { io });
    const leases = await sequential(j, 30);
    await Promise.all(Array.from({ length: 200 }, (_, i) => j.commit(makeTestLease(i % 250, { address: ADDR(0) + 1000 + i }))));
    await j.close();
    const { j: k, codes } = await openJ(dir);
    for (const l of leases) assert.deepEqual(k.get(l.address), l);
    assert.equal(k.size, 230);
    assert.ok(!codes().includes('DHCP_JOURNAL_TRUNCATED'));
    await k.close();
  });
});

describe('lease journal: the directory', () => {
  test('a missing directory is created, with its parents', async () => {
    const dir = join(tmp(), 'var', 'lib', 'outpost', 'dhcp4');
    const { j } = await openJ(dir);
    await j.commit(makeTestLease(1));
    await j.close();
    assert.deepEqual(files(dir), ['leases-0000000001.journal', 'lock']);
  });

  test('a path that is not a directory is refused with DHCP_JOURNAL_UNAVAILABLE', async () => {
    const file = join(tmp(), 'not-a-dir');
    writeFileSync(file, 'x');
    await rejectsWith(Dhcp4LeaseJournal.open({ dir: file, log: memoryLogger().log }), 'DHCP_JOURNAL_UNAVAILABLE', /not-a-dir cannot be opened: .*EEXIST|ENOTDIR/);
    await rejectsWith(Dhcp4LeaseJournal.open({ dir: join(file, 'sub'), log: memoryLogger().log }), 'DHCP_JOURNAL_UNAVAILABLE', /ENOTDIR/);
  });

  test('one process per directory: a second open is refused (DHCP_JOURNAL_LOCKED, naming the holder) until the first closes', async () => {
    const dir = tmp();
    const { j } = await openJ(dir);
    await j.commit(makeTestLease(1));
    await rejectsWith(Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log }), 'DHCP_JOURNAL_LOCKED', new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
    assert.equal(j.size, 1, 'the refused open touched nothing');
    await j.commit(makeTestLease(2));
    await j.close();
    const { j: k } = await openJ(dir);
    assert.equal(k.size, 2);
    await k.close();
  });

  test('the lock of a process killed with SIGKILL is free at once: the next server opens', async () => {
    const dir = tmp();
    const journal = pathToFileURL(join(repoRoot, 'dist/src/storage/dhcp4-lease-journal.js')).href;
    const logger = pathToFileURL(join(repoRoot, 'dist/test/support/memory-log.js')).href;
    const holder = startChild(process.execPath, ['--input-type=module', '-e', `
      const { Dhcp4LeaseJournal } = await import(${JSON.stringify(journal)});
      const { memoryLogger } = await import(${JSON.stringify(logger)});
      await Dhcp4LeaseJournal.open({ dir: ${JSON.stringify(dir)}, log: memoryLogger().log });
      console.log('open');
      setInterval(() => {}, 1000);`]);
    try {
      await holder.waitFor(/open/);
      await rejectsWith(Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log }), 'DHCP_JOURNAL_LOCKED', new RegExp(`pid ${holder.proc.pid}\\)`));
      holder.kill();
      assert.equal((await holder.exit()).signal, 'SIGKILL');
      const { j } = await openJ(dir);
      await j.close();
    } finally {
      holder.kill();
    }
  });

  test('options out of range are refused before anything is touched', async () => {
    const dir = join(tmp(), 'never');
    await assert.rejects(Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log, maxBatchBytes: 10 }), RangeError);
    await assert.rejects(Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log, snapshotChunkLeases: 0 }), RangeError);
    assert.throws(() => statSync(dir), /ENOENT/);
  });
});

describe('lease journal: a failing disk', () => {
  for (const op of ['fdatasync', 'write'] as const) {
    test(`a failed ${op} rejects the commits it carried and every later one, and fails the store (DHCP_JOURNAL_FAILED)`, async () => {
      const dir = tmp();
      let failNext = false;
      const eio = () => Object.assign(new Error(op === 'write' ? 'ENOSPC: no space left on device' : 'EIO: i/o error'), { code: op === 'write' ? 'ENOSPC' : 'EIO' });
      const io: JournalIo = {
        write: (fd, buf, off, len, pos) => (op === 'write' && failNext ? Promise.reject(eio()) : realIo.write(fd, buf, off, len, pos)),
        datasync: (fd) => (op === 'fdatasync' && failNext ? Promise.reject(eio()) : realIo.datasync(fd)),
      };
      const { j, lines } = await openJ(dir, { io });
      const acked = await sequential(j, 10);
      failNext = true;
      const doomed = Array.from({ length: 50 }, (_, i) => j.commit(makeTestLease(100 + i)));
      for (const p of doomed) await rejectsWith(p, 'DHCP_JOURNAL_FAILED', new RegExp(`${op} failed at offset \\d+: ${op === 'write' ? 'ENOSPC' : 'EIO'}`));
      failNext = false;
      await rejectsWith(j.commit(makeTestLease(200)), 'DHCP_JOURNAL_FAILED', /leases-0000000001\.journal/);
      await rejectsWith(j.remove(ADDR(1)), 'DHCP_JOURNAL_FAILED');
      await rejectsWith(j.compact(), 'DHCP_JOURNAL_FAILED');
      assert.equal(j.stats().failed, true);
      const failed = fieldsOf(lines(), 'DHCP_JOURNAL_FAILED');
      assert.equal(failed.length, 1, 'logged once');
      assert.equal(failed[0]!.operation, op);
      assert.equal(failed[0]!.rejected, 50);
      await rejectsWith(j.close(), 'DHCP_JOURNAL_FAILED');
      // Restart: every acknowledged lease is there.
      const { j: k } = await openJ(dir);
      for (const l of acked) assert.deepEqual(k.get(l.address), l);
      await k.commit(makeTestLease(7));
      await k.close();
    });
  }

  test('a failing compaction loses nothing, is logged, and the journal keeps working', async () => {
    const dir = tmp();
    let snapshotWrites = 0;
    const io: JournalIo = {
      write: (fd, buf, off, len, pos) => {
        // The snapshot's first frame is the only write of a frame with 4 records here.
        if (len > FRAME_HEADER_LENGTH && buf.readUInt32LE(16) === 4 && pos === FILE_HEADER_LENGTH && ++snapshotWrites === 1) {
          return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
        }
        return realIo.write(fd, buf, off, len, pos);
      },
      datasync: realIo.datasync,
    };
    const { j, codes } = await openJ(dir, { io, snapshotChunkLeases: 4 });
    const leases = await sequential(j, 10);
    await rejectsWith(j.compact(), 'DHCP_JOURNAL_COMPACTION_FAILED', /ENOSPC/);
    assert.ok(codes().includes('DHCP_JOURNAL_COMPACTION_FAILED'));
    assert.ok(!files(dir).some((n) => n.endsWith('.tmp')), 'the unfinished snapshot is removed');
    const more = await sequential(j, 5, 100);
    await j.compact();
    await j.close();
    const { j: k } = await openJ(dir);
    for (const l of [...leases, ...more]) assert.deepEqual(k.get(l.address), l);
    assert.deepEqual(files(dir), ['leases-0000000003.journal', 'leases-0000000003.snapshot', 'lock']);
    await k.close();
  });
});

describe('lease journal: a crash leaves a torn tail', () => {
  const l = makeTestLease(77, { address: ADDR(0) + 9999, clientKey: 'torn' });
  const full = frameOf(l, 1, 21);
  const rnd = seededRandom(99);
  const tails: [string, Buffer, number | 'unknown'][] = [
    ['1 byte of a frame header', full.subarray(0, 1), 'unknown'],
    ['27 bytes of a frame header', full.subarray(0, 27), 'unknown'],
    ['a whole frame header, no body', full.subarray(0, FRAME_HEADER_LENGTH), 1],
    ['a frame missing its last byte', full.subarray(0, full.length - 1), 1],
    ['a complete frame whose body was not all written (CRC mismatch)', Buffer.concat([full.subarray(0, full.length - 8), Buffer.alloc(8)]), 1],
    ['4 KiB of zeros (size extended, data never written)', Buffer.alloc(4096), 'unknown'],
    ['random garbage', Buffer.from(Array.from({ length: 1000 }, () => Math.floor(rnd() * 256))), 'unknown'],
  ];
  for (const [what, tail, records] of tails) {
    test(`${what}: cut off and logged with a count, every earlier record kept`, async () => {
      const dir = tmp();
      const { j } = await openJ(dir);
      const leases = await sequential(j, 20);
      await j.close();
      const size = statSync(J1(dir)).size;
      appendFileSync(J1(dir), tail);
      const { j: k, lines } = await openJ(dir);
      const t = fieldsOf(lines(), 'DHCP_JOURNAL_TRUNCATED');
      assert.equal(t.length, 1);
      assert.equal(t[0]!.file, J1(dir));
      assert.equal(t[0]!.offset, size);
      assert.equal(t[0]!.bytes, tail.length);
      assert.equal(t[0]!.records, records);
      assert.deepEqual(t[0]!.kept, { frames: 20, records: 20 });
      assert.equal(statSync(J1(dir)).size, size, 'truncated at the last valid frame');
      for (const x of leases) assert.deepEqual(k.get(x.address), x);
      assert.equal(k.get(l.address), undefined);
      const more = await sequential(k, 3, 500);
      await k.close();
      const { j: m, codes } = await openJ(dir);
      assert.ok(!codes().includes('DHCP_JOURNAL_TRUNCATED'));
      for (const x of [...leases, ...more]) assert.deepEqual(m.get(x.address), x);
      await m.close();
    });
  }

  test('a journal whose header a crash left unfinished (right after a rotation) is started again', async () => {
    for (const stub of [Buffer.alloc(0), Buffer.alloc(32), encodeFileHeader({ kind: 'journal', generation: 2, createdAt: T0 }).subarray(0, 20)]) {
      const dir = tmp();
      const { j } = await openJ(dir);
      const leases = await sequential(j, 5);
      await j.close();
      writeFileSync(join(dir, 'leases-0000000002.journal'), stub);
      const { j: k } = await openJ(dir);
      for (const x of leases) assert.deepEqual(k.get(x.address), x);
      const more = await sequential(k, 2, 50);
      await k.close();
      assert.equal(statSync(join(dir, 'leases-0000000002.journal')).size > FILE_HEADER_LENGTH, true);
      const { j: m } = await openJ(dir);
      for (const x of [...leases, ...more]) assert.deepEqual(m.get(x.address), x);
      await m.close();
    }
  });
});

describe('lease journal: damage before the end refuses to start (DHCP_JOURNAL_CORRUPT)', () => {
  /** A journal of 20 one-record frames; returns its directory and frame offsets. */
  async function journalOf20(): Promise<{ dir: string; offsets: number[]; leases: Lease[] }> {
    const dir = tmp();
    const { j } = await openJ(dir);
    const leases = await sequential(j, 20);
    await j.close();
    return { dir, offsets: frameOffsets(J1(dir)), leases };
  }

  async function refuses(dir: string, code: string, re: RegExp): Promise<Error & { details: string[] }> {
    const before = digest(dir);
    let caught: (Error & { details: string[]; code: string }) | undefined;
    await assert.rejects(Dhcp4LeaseJournal.open({ dir, log: memoryLogger().log }), (e: Error & { details: string[]; code: string }) => { caught = e; return true; });
    assert.equal(caught!.code, code, caught!.message);
    assert.match(caught!.message, re);
    assert.deepEqual(digest(dir), before, 'a refused open changes nothing on disk');
    return caught!;
  }

  test('a flipped bit in a frame body in the middle: file, offset and reason named', async () => {
    const { dir, offsets } = await journalOf20();
    flip(J1(dir), offsets[5]! + FRAME_HEADER_LENGTH + 3);
    const e = await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /frame body CRC mismatch/);
    assert.ok(e.message.includes(J1(dir)), e.message);
    assert.match(e.message, new RegExp(`at offset ${offsets[5]! + FRAME_HEADER_LENGTH}: `));
    assert.match(e.message, new RegExp(`a valid frame follows at offset ${offsets[6]}`));
    assert.match(e.message, /refuses to start/);
    assert.deepEqual(e.details, [`file: ${J1(dir)}`, `offset: ${offsets[5]! + FRAME_HEADER_LENGTH}`, e.details[2]]);
  });

  test('a flipped bit in a frame header in the middle', async () => {
    const { dir, offsets } = await journalOf20();
    flip(J1(dir), offsets[3]! + 13);
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', new RegExp(`at offset ${offsets[3]}: frame header CRC mismatch .*valid frame follows at offset ${offsets[4]}`));
  });

  test('a lost block in the middle (frames out of sequence)', async () => {
    const { dir, offsets } = await journalOf20();
    const b = readFileSync(J1(dir));
    writeFileSync(J1(dir), Buffer.concat([b.subarray(0, offsets[4]), b.subarray(offsets[6])]));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', new RegExp(`at offset ${offsets[4]}: frame sequence 7 where 5 was expected`));
  });

  test('not a lease file, a newer format version, a damaged file header', async () => {
    const { dir } = await journalOf20();
    const b = readFileSync(J1(dir));
    writeFileSync(J1(dir), Buffer.concat([Buffer.from('GARBAGE!'), b.subarray(8)]));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /at offset 0: not an Outpost lease file: magic is "GARBAGE!"/);
    const v2 = Buffer.from(b);
    v2.writeUInt16LE(2, 8);
    const { crc32 } = await import('../../src/storage/lease-journal-format.js');
    v2.writeUInt32LE(crc32(v2.subarray(0, 28)), 28);
    writeFileSync(J1(dir), v2);
    await refuses(dir, 'DHCP_JOURNAL_UNSUPPORTED', /format version 2; this build reads version 1 only.*newer Outpost/);
    const bad = Buffer.from(b);
    bad[20] = bad[20]! ^ 1;
    writeFileSync(J1(dir), bad);
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /at offset 0: file header CRC mismatch/);
  });

  test('a frame whose CRC is right but whose record is not (a buggy or newer writer)', async () => {
    const { dir } = await journalOf20();
    const f = frameOf(makeTestLease(1), 1, 21);
    f[FRAME_HEADER_LENGTH] = 9; // record type
    sealFrame(f, f.length - FRAME_HEADER_LENGTH, 1, 21, 1);
    appendFileSync(J1(dir), f);
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /unknown record type 9/);
    const g = frameOf(makeTestLease(1), 1, 21);
    g[FRAME_HEADER_LENGTH + 4 + 8] = 7; // state code
    sealFrame(g, g.length - FRAME_HEADER_LENGTH, 1, 21, 1);
    const b = readFileSync(J1(dir));
    writeFileSync(J1(dir), Buffer.concat([b.subarray(0, b.length - f.length), g]));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /unknown lease state code 7/);
  });

  test('a torn end in a journal that is not the newest is damage', async () => {
    const { dir } = await journalOf20();
    const { j } = await openJ(dir);
    await j.compact(); // journal 2 + snapshot 2
    await sequential(j, 3, 100);
    await j.close();
    // Make it look as if journal 2 were followed by journal 3.
    writeFileSync(join(dir, 'leases-0000000003.journal'), encodeFileHeader({ kind: 'journal', generation: 3, createdAt: T0 }));
    appendFileSync(join(dir, 'leases-0000000002.journal'), Buffer.alloc(10));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /leases-0000000002\.journal is damaged .*only the newest journal can end in an unfinished write/);
  });

  test('garbage longer than one frame at the end is damage, not a torn tail', async () => {
    const { dir } = await journalOf20();
    appendFileSync(J1(dir), Buffer.alloc(16 * 1024 * 1024 + 64, 0x55));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /more than one frame/);
  });

  test('damaged or unfinished snapshots, missing journals', async () => {
    const { dir } = await journalOf20();
    const { j } = await openJ(dir, { snapshotChunkLeases: 8 });
    await j.compact();
    await j.close();
    const snap = join(dir, 'leases-0000000002.snapshot');
    const good = readFileSync(snap);
    truncateSync(snap, good.length - 5);
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /leases-0000000002\.snapshot is damaged .*snapshots are complete and fsynced/);
    writeFileSync(snap, good);
    const offs = frameOffsets(snap);
    truncateSync(snap, offs.at(-1)!);
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /the snapshot ends without its end record \(16 leases read\)/);
    writeFileSync(snap, good);
    rmSync(join(dir, 'leases-0000000002.journal'));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /leases-0000000002\.journal is damaged at offset 0: journal is missing/);
    rmSync(snap);
    writeFileSync(join(dir, 'leases-0000000004.journal'), encodeFileHeader({ kind: 'journal', generation: 4, createdAt: T0 }));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /there is no snapshot, so the journals must start at generation 1/);
    writeFileSync(join(dir, 'leases-0000000001.journal'), encodeFileHeader({ kind: 'journal', generation: 1, createdAt: T0 }));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /leases-0000000002\.journal is damaged .*leases-0000000001\.journal and leases-0000000004\.journal are not consecutive/);
  });

  test('a file header that disagrees with its name', async () => {
    const { dir } = await journalOf20();
    const b = readFileSync(J1(dir));
    writeFileSync(J1(dir), Buffer.concat([encodeFileHeader({ kind: 'snapshot', generation: 1, createdAt: T0 }), b.subarray(32)]));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /file header says snapshot, the file name says journal/);
    writeFileSync(J1(dir), Buffer.concat([encodeFileHeader({ kind: 'journal', generation: 9, createdAt: T0 }), b.subarray(32)]));
    await refuses(dir, 'DHCP_JOURNAL_CORRUPT', /file header says generation 9, the file name says 1/);
  });

  test('salvage mode opens anyway: drops only the damaged frame, logs it, keeps the file aside, leaves a clean directory', async () => {
    const { dir, offsets, leases } = await journalOf20();
    flip(J1(dir), offsets[5]! + FRAME_HEADER_LENGTH + 3);
    const { j, lines } = await openJ(dir, { salvage: true });
    const s = fieldsOf(lines(), 'DHCP_JOURNAL_SALVAGED');
    assert.equal(s.length, 1);
    assert.equal(s[0]!.file, J1(dir));
    assert.equal(s[0]!.offset, offsets[5]);
    assert.equal(s[0]!.bytes, offsets[6]! - offsets[5]!);
    assert.match(String(s[0]!.reason), /frame body CRC mismatch/);
    for (const [i, l] of leases.entries()) assert.deepEqual(j.get(l.address), i === 5 ? undefined : l);
    await j.close();
    const names = files(dir);
    assert.equal(names.length, 4, names.join(' '));
    assert.match(names[0]!, /^leases-0000000001\.journal\.damaged-\d{4}-/);
    assert.deepEqual(names.slice(1), ['leases-0000000002.journal', 'leases-0000000002.snapshot', 'lock']);
    const { j: k } = await openJ(dir);
    assert.equal(k.size, 19);
    await k.close();
  });
});

describe('lease journal: fuzzed files', () => {
  test('400 seeded mutations of a journal and a snapshot: every open recovers or refuses with a lease file error, nothing else', async (t) => {
    const dir = tmp();
    const { j } = await openJ(dir, { snapshotChunkLeases: 7 });
    await sequential(j, 40);
    await j.compact();
    await sequential(j, 30, 100);
    await j.remove(ADDR(0) + 101);
    await j.close();
    const originals = Object.fromEntries(files(dir).map((n) => [n, readFileSync(join(dir, n))]));
    const rnd = seededRandom(31337);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const name = rnd() < 0.5 ? 'leases-0000000002.journal' : 'leases-0000000002.snapshot';
      const b = Buffer.from(originals[name]!);
      const at = Math.floor(rnd() * b.length);
      let mutated: Buffer;
      const kind = Math.floor(rnd() * 5);
      if (kind === 0) {
        mutated = b;
        for (let k = 0; k < 1 + rnd() * 4; k++) {
          const p = Math.floor(rnd() * b.length);
          mutated[p] = mutated[p]! ^ (1 << Math.floor(rnd() * 8));
        }
      }
      else if (kind === 1) mutated = b.subarray(0, at);
      else if (kind === 2) mutated = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256))), b.subarray(at)]);
      else if (kind === 3) mutated = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 100)))]);
      else { const from = Math.floor(rnd() * b.length); mutated = Buffer.concat([b, b.subarray(from, from + Math.floor(rnd() * 200))]); }
      const d = tmp();
      for (const [n, content] of Object.entries(originals)) writeFileSync(join(d, n), n === name ? mutated : content);
      const salvage = rnd() < 0.3;
      let outcome: string;
      try {
        const { j: k, codes } = await openJ(d, { salvage });
        for (const l of k.all()) assert.equal(leaseProblem(l), undefined);
        outcome = codes().includes('DHCP_JOURNAL_TRUNCATED') ? 'truncated' : codes().includes('DHCP_JOURNAL_SALVAGED') ? 'salvaged' : 'opened';
        await k.commit(makeTestLease(1));
        await k.close();
      } catch (e) {
        const code = (e as { code?: string }).code;
        assert.ok(code === 'DHCP_JOURNAL_CORRUPT' || code === 'DHCP_JOURNAL_UNSUPPORTED', `mutation ${i} (${kind} of ${name}, salvage ${salvage}): ${String((e as Error).stack)}`);
        assert.match((e as Error).message, /lease file .* at offset \d+: /);
        outcome = code;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      rmSync(d, { recursive: true, force: true });
    }
    t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
    assert.ok((outcomes.DHCP_JOURNAL_CORRUPT ?? 0) > 50 && (outcomes.truncated ?? 0) > 10 && (outcomes.salvaged ?? 0) > 10, JSON.stringify(outcomes));
  });
});

describe('lease journal: compaction', () => {
  test('compaction while commits keep flowing: nothing lost, the event loop keeps turning', async () => {
    const dir = tmp();
    const { j, lines } = await openJ(dir, { snapshotChunkLeases: 1024 });
    const N = 60_000;
    for (let i = 0; i < N; i += 5000) {
      await Promise.all(Array.from({ length: 5000 }, (_, k) => j.commit(makeTestLease(0, { address: ADDR(0) + i + k, clientKey: `k${i + k}`, startedAt: T0 }))));
    }
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const compaction = j.compact();
    let during = 0;
    let done = false;
    void compaction.then(() => { done = true; });
    const rnd = seededRandom(5);
    const model = new Map<number, Lease>();
    for (const l of j.all()) model.set(l.address, l);
    while (!done) {
      const batch: Promise<void>[] = [];
      for (let k = 0; k < 200; k++) {
        const a = ADDR(0) + Math.floor(rnd() * (N + 5000));
        if (rnd() < 0.1) { model.delete(a); batch.push(j.remove(a)); continue; }
        const l = makeTestLease(0, { address: a, clientKey: `c${during}`, startedAt: T0 + during });
        model.set(a, l);
        batch.push(j.commit(l));
        during++;
      }
      await Promise.all(batch);
    }
    await compaction;
    h.disable();
    assert.ok(during > 1000, `only ${during} commits went through during the compaction`);
    const maxLag = h.max / 1e6;
    assert.ok(maxLag < 150, `the event loop stalled ${maxLag.toFixed(1)} ms during compaction`);
    const c = fieldsOf(lines(), 'DHCP_JOURNAL_COMPACTED');
    assert.equal(c.length, 1);
    assert.equal(c[0]!.generation, 2);
    assert.deepEqual(files(dir), ['leases-0000000002.journal', 'leases-0000000002.snapshot', 'lock']);
    const before = storeView(j);
    await j.close();
    const { j: k } = await openJ(dir);
    assert.deepEqual(storeView(k), before);
    assert.equal(k.size, model.size);
    for (const [a, l] of model) assert.deepEqual(k.get(a), l);
    await k.close();
  });

  test('compaction starts by itself once the journal outgrows its threshold and the last snapshot; files stay bounded', async () => {
    const dir = tmp();
    const { j, codes } = await openJ(dir, { compactMinBytes: 64 * 1024 });
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 500 }, (_, k) => j.commit(makeTestLease(0, { address: ADDR(0) + k, clientKey: `k${k}`, startedAt: T0 + round }))));
    }
    await j.close();
    assert.ok(codes().filter((c) => c === 'DHCP_JOURNAL_COMPACTED').length >= 3);
    assert.ok(files(dir).length <= 4, `a journal, a snapshot, perhaps the next journal, the lock: ${files(dir).join(' ')}`);
    const { j: k } = await openJ(dir);
    assert.equal(k.size, 500);
    for (let a = 0; a < 500; a++) assert.equal(k.get(ADDR(0) + a)!.startedAt, T0 + 39);
    await k.close();
  });

  test('a crash at every step of a compaction (the directory copied there, as a crash would leave it) loses no acknowledged lease', async () => {
    const dir = tmp();
    const copies: { step: string; dir: string; acked: Map<number, number> }[] = [];
    const acked = new Map<number, number>(); // address → version of its last acknowledged operation
    const issued = new Map<number, Map<number, 'put' | 'remove'>>(); // address → version → operation
    const { j } = await openJ(dir, {
      snapshotChunkLeases: 500,
      onCompactionStep: (step) => {
        const to = tmp();
        cpSync(dir, to, { recursive: true });
        copies.push({ step, dir: to, acked: new Map(acked) });
      },
    });
    const rnd = seededRandom(11);
    let version = 0;
    const op = async () => {
      const a = ADDR(0) + Math.floor(rnd() * 3000);
      const v = ++version;
      if (!issued.has(a)) issued.set(a, new Map());
      if (rnd() < 0.05) {
        issued.get(a)!.set(v, 'remove');
        await j.remove(a);
      } else {
        issued.get(a)!.set(v, 'put');
        await j.commit(makeTestLease(0, { address: a, clientKey: `k${a % 700}`, startedAt: T0 + v }));
      }
      acked.set(a, Math.max(v, acked.get(a) ?? 0));
    };
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 300 }, op));
    const c = j.compact();
    let stop = false;
    const load = (async () => { while (!stop) await Promise.all(Array.from({ length: 50 }, op)); })();
    await c;
    stop = true;
    await load;
    await j.close();
    const steps = [...new Set(copies.map((x) => x.step))];
    assert.deepEqual(steps, ['rotated', 'snapshot-chunk', 'snapshot-synced', 'snapshot-installed', 'cleaned']);
    for (const copy of copies) {
      const { j: k } = await openJ(copy.dir);
      for (const [a, v] of copy.acked) {
        // The address holds the result of its last acknowledged operation, or of one issued after it.
        const got = k.get(a);
        const ops = issued.get(a)!;
        if (got) {
          const gv = got.startedAt - T0;
          assert.ok(gv >= v, `${copy.step}: address ${a} went back from version ${v} to ${gv}`);
          assert.equal(ops.get(gv), 'put', `${copy.step}: address ${a} has version ${gv}, never issued`);
        } else {
          const removedLater = [...ops].some(([ov, o]) => o === 'remove' && ov >= v);
          assert.ok(removedLater, `${copy.step}: acknowledged lease of ${a} (version ${v}) is missing`);
        }
      }
      await k.close();
    }
  });

  test('leftovers of an interrupted compaction are removed at open; unknown files are left alone', async () => {
    const dir = tmp();
    const { j } = await openJ(dir);
    const leases = await sequential(j, 10);
    await j.compact();
    await j.close();
    writeFileSync(join(dir, 'leases-0000000001.journal'), encodeFileHeader({ kind: 'journal', generation: 1, createdAt: T0 }));
    writeFileSync(join(dir, 'leases-0000000003.snapshot.tmp'), 'half a snapshot');
    writeFileSync(join(dir, 'README.txt'), 'operator notes');
    const { j: k, lines } = await openJ(dir);
    const r = fieldsOf(lines(), 'DHCP_JOURNAL_LEFTOVER_REMOVED');
    assert.deepEqual(r[0]!.files, ['leases-0000000003.snapshot.tmp', 'leases-0000000001.journal']);
    assert.deepEqual(files(dir), ['README.txt', 'leases-0000000002.journal', 'leases-0000000002.snapshot', 'lock']);
    for (const l of leases) assert.deepEqual(k.get(l.address), l);
    await k.close();
  });
});

describe('lease journal: expiry after a restart', () => {
  test('due leases, reclaims and renewals survive restarts and compactions', async () => {
    const dir = tmp();
    const H = 3_600_000;
    const { j } = await openJ(dir);
    for (let i = 0; i < 1000; i++) {
      await j.commit(makeTestLease(0, { address: ADDR(0) + i, clientKey: `k${i}`, state: i % 10 === 0 ? 'declined' : i % 10 === 1 ? 'released' : 'bound', expiresAt: T0 + (i % 24) * H }));
    }
    const dueBefore = j.dueForExpiry(T0 + 12 * H, 1e6).map((l) => l.address).sort();
    assert.ok(dueBefore.length > 400);
    await j.close();
    const { j: k } = await openJ(dir);
    assert.deepEqual(k.dueForExpiry(T0 + 12 * H, 1e6).map((l) => l.address).sort(), dueBefore);
    // Reclaim half of them, renew the rest, compact, restart: nothing is due at that time any more.
    for (const [i, l] of k.dueForExpiry(T0 + 12 * H, 1e6).entries()) {
      await k.commit(i % 2 ? { ...l, state: 'expired', startedAt: T0 + 12 * H, expiresAt: T0 + 12 * H } : { ...l, expiresAt: T0 + 48 * H });
    }
    assert.deepEqual(k.dueForExpiry(T0 + 12 * H, 1e6), []);
    await k.compact();
    await k.close();
    const { j: m } = await openJ(dir);
    assert.deepEqual(m.dueForExpiry(T0 + 12 * H, 1e6), []);
    // Bound or declined: 900 of 1000 (every tenth is released); the reclaimed half is 'expired' now.
    assert.equal(m.dueForExpiry(T0 + 48 * H, 1e6).length, 900 - Math.floor(dueBefore.length / 2));
    await m.close();
  });
});

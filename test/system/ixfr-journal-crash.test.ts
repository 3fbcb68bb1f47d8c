// The IXFR journal survives kill -9 at random moments. A child process (this file, run
// with OUTPOST_IXFR_CRASH_CHILD set) appends versions of 200–3000 records each, with
// compaction every few (keep 4), printing "A <serial>" with writeSync once an append
// resolved (so no acknowledged line is lost to the kill). The parent SIGKILLs it at a
// seeded random moment, then opens the journal: every entry reads back with exactly
// the content written, the serials chain, and every acknowledged version is there. In
// one cycle of three it also cuts the file at a random point first (a write the disk
// never finished, as a power cut could leave): the journal still opens, readable and
// chained. The next child goes on from the recovered journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { soaSerial } from '../../src/protocol/dns/zone-diff.js';
import { IxfrJournal } from '../../src/storage/ixfr-journal.js';
import { JOURNAL_ZONE, entryAt } from '../support/ixfr-fixture.js';
import { seededRandom } from '../support/random.js';

const CYCLES = 12;
const SEED = 20261201;
const KEEP = 4;
const sizeOf = (serial: number) => 200 + ((serial * 7919) % 2800);

async function child(dir: string): Promise<void> {
  const { journal, entries } = await IxfrJournal.open(dir, JOURNAL_ZONE);
  let serial = entries.length === 0 ? 1 : soaSerial(entries[entries.length - 1]!.diff.to);
  writeSync(1, 'READY\n');
  for (;;) {
    await journal.append(entryAt(serial, sizeOf(serial)), KEEP);
    writeSync(1, `A ${serial}\n`);
    serial++;
  }
}

const childDir = process.env.OUTPOST_IXFR_CRASH_CHILD;
if (childDir) {
  await child(childDir);
} else {
  test(`the IXFR journal reads back every acknowledged version through ${CYCLES} SIGKILLs (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-ixfr-crash-'));
    const rnd = seededRandom(SEED);
    let lastAcked = 0;
    let total = 0;
    let damaged = 0;
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, OUTPOST_IXFR_CRASH_CHILD: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
        proc.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
        const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
        const deadline = Date.now() + 10_000;
        while (!out.includes('READY') && Date.now() < deadline && proc.exitCode === null) await new Promise((r) => setTimeout(r, 5));
        assert.ok(out.includes('READY'), `cycle ${cycle}: the child did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 30 + Math.floor(rnd() * 300)));
        proc.kill('SIGKILL');
        await exited;
        const acked = [...out.matchAll(/^A (\d+)$/gm)].map((m) => Number(m[1]));
        if (acked.length > 0) lastAcked = acked[acked.length - 1]!;
        total += acked.length;

        const path = join(dir, 'ixfr', 'example.com.ixfr');
        const powerCut = cycle % 3 === 2 && existsSync(path);
        if (powerCut) truncateSync(path, Math.floor(rnd() * statSync(path).size));
        const { entries, damage } = await IxfrJournal.open(dir, JOURNAL_ZONE);
        if (damage) damaged++;
        const serials = entries.map((e) => soaSerial(e.diff.from));
        for (const e of entries) assert.deepEqual(e, entryAt(soaSerial(e.diff.from), sizeOf(soaSerial(e.diff.from))), `cycle ${cycle}: entry content`);
        for (let i = 1; i < serials.length; i++) assert.equal(serials[i], serials[i - 1]! + 1, `cycle ${cycle}: serials chain: ${serials.join(',')}`);
        assert.ok(entries.length <= 2 * KEEP);
        if (!powerCut && lastAcked > 0) {
          assert.ok(serials.includes(lastAcked), `cycle ${cycle}: acknowledged ${lastAcked} is kept (${serials.join(',')}; damage: ${damage?.reason ?? 'none'})`);
        }
        if (powerCut) lastAcked = 0; // what the cut removed was never durable in this story; count again from here
        if (existsSync(path)) assert.equal(existsSync(`${path}.tmp`), false);
      }
      assert.ok(total > 0, `${total} versions appended in all`);
      assert.ok(damaged >= 1, 'some cycles found a torn tail to cut');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// The lease journal survives kill -9 (and the loss of unsynced data) at random moments
// under load. A child process
// (this file, run with OUTPOST_LEASE_CRASH_CHILD set) commits and removes leases from
// 64 concurrent workers, printing "I" before each call and "A" once its promise
// resolved (written with writeSync on fd 1: a printed line is in the pipe before the
// next statement, so none is lost to the kill). The parent SIGKILLs it at a seeded random moment (every
// third cycle while a compaction runs), copies the directory as the crash left it,
// opens the copy and checks every address: it holds the result of its last
// acknowledged operation or of one issued after it, with exactly the content
// issued. Then the next child recovers the same directory itself and goes on.
// Power loss: the child also prints "S <file> <size>" after every fdatasync, so the
// parent knows how much of each file was durable; in 3 cycles of 4 it cuts the crash
// image's newest journal at a random point past that (a write the disk never finished),
// sometimes leaving zeros or garbage there, as a power cut could.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, fstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import { Dhcp4LeaseJournal, type JournalIo } from '../../src/storage/dhcp4-lease-journal.js';
import { realIo } from '../../src/storage/lease-journal-files.js';
import { createLogger } from '../../src/runtime/log.js';
import { memoryLogger } from '../support/memory-log.js';
import { seededRandom } from '../support/random.js';

const T0 = Date.UTC(2026, 0, 1);
const POOL = 1500;
const BASE = 0xc6120000; // 198.18.0.0/15, the lab's load range
const CYCLES = 24;
const SEED = 20261122;
const VERSIONS_PER_CYCLE = 10_000_000;

/** The lease a given (address, version) commit carries: the parent recomputes it to check content. */
function leaseFor(address: number, version: number): Lease {
  return {
    address,
    subnetId: 1 + (address % 3),
    clientKey: `01${(address % 1500).toString(16).padStart(8, '0')}`,
    hwAddress: (address % 1500).toString(16).padStart(12, '0'),
    state: version % 11 === 0 ? 'released' : version % 13 === 0 ? 'declined' : 'bound',
    startedAt: T0 + version,
    expiresAt: T0 + version + 3_600_000,
    ...(version % 3 === 0 ? { hostname: `phone-${version}` } : {}),
  };
}

interface ChildArgs { dir: string; seed: number; cycle: number }

async function child(args: ChildArgs): Promise<void> {
  const log = createLogger({ level: 'debug', destination: pino.destination({ dest: 2, sync: true }) as unknown as NodeJS.WritableStream });
  // A slow disk (2 ms more per fdatasync, so a kill often finds written but unsynced
  // bytes); after each fdatasync, how much of that file is durable now.
  const io: JournalIo = {
    write: realIo.write,
    datasync: async (fd) => {
      await new Promise((r) => setTimeout(r, 2));
      await realIo.datasync(fd);
      out(`S ${basename(readlinkSync(`/proc/self/fd/${fd}`))} ${fstatSync(fd).size}\n`);
    },
  };
  const rnd = seededRandom(args.seed);
  let version = args.cycle * VERSIONS_PER_CYCLE;
  function out(line: string): void {
    const b = Buffer.from(line);
    for (let done = 0; done < b.length;) {
      try {
        done += writeSync(1, b, done);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
  }
  const j = await Dhcp4LeaseJournal.open({ dir: args.dir, log, io, compactMinBytes: 64 * 1024, snapshotChunkLeases: 256 });
  out(`READY ${j.size}\n`);
  const worker = async () => {
    for (;;) {
      const address = (BASE + Math.floor(rnd() * POOL)) >>> 0;
      const v = ++version;
      if (rnd() < 0.04) {
        out(`I ${address} ${v} R\n`);
        await j.remove(address);
      } else {
        out(`I ${address} ${v} P\n`);
        await j.commit(leaseFor(address, v));
      }
      out(`A ${address} ${v}\n`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

const childArgs = process.env.OUTPOST_LEASE_CRASH_CHILD;
if (childArgs) {
  await child(JSON.parse(childArgs) as ChildArgs);
} else {
  test(`the lease journal keeps every acknowledged lease through ${CYCLES} SIGKILLs under load (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'outpost-lease-crash-'));
    const rnd = seededRandom(SEED);
    const issued = new Map<number, Map<number, 'P' | 'R'>>();
    const acked = new Map<number, number>();
    const totals = { acked: 0, issued: 0, compactionsStarted: 0, compactions: 0, killedDuringCompaction: 0, tailsCut: 0, truncations: 0, minAcked: Infinity };
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const duringCompaction = cycle % 3 === 0;
        const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
          env: { ...process.env, OUTPOST_LEASE_CRASH_CHILD: JSON.stringify({ dir, seed: SEED + cycle, cycle }) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        proc.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
        proc.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
        const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
        try {
          const waitFor = async (pred: () => boolean, what: string) => {
            const deadline = Date.now() + 15_000;
            while (!pred()) {
              if (proc.exitCode !== null) throw new Error(`cycle ${cycle}: the child exited (${proc.exitCode}) before ${what}:\n${err.slice(-3000)}`);
              if (Date.now() > deadline) throw new Error(`cycle ${cycle}: timed out waiting for ${what}:\n${err.slice(-3000)}`);
              await new Promise((r) => setTimeout(r, 2));
            }
          };
          await waitFor(() => out.includes('READY'), 'READY');
          if (duringCompaction) {
            const before = (err.match(/DHCP_JOURNAL_COMPACTION_STARTED/g) ?? []).length;
            await waitFor(() => (err.match(/DHCP_JOURNAL_COMPACTION_STARTED/g) ?? []).length > before, 'a compaction');
            await new Promise((r) => setTimeout(r, Math.floor(rnd() * 6)));
          } else {
            await new Promise((r) => setTimeout(r, 40 + Math.floor(rnd() * 260)));
          }
          proc.kill('SIGKILL');
        } finally {
          proc.kill('SIGKILL');
        }
        const exit = await closed;
        assert.equal(exit.signal, 'SIGKILL', `cycle ${cycle}: the child ended by itself (code ${exit.code}):\n${err.slice(-3000)}`);
        const started_ = (err.match(/DHCP_JOURNAL_COMPACTION_STARTED/g) ?? []).length;
        const done = (err.match(/"DHCP_JOURNAL_COMPACTED"/g) ?? []).length;
        totals.compactionsStarted += started_;
        totals.compactions += done;
        if (started_ > done) totals.killedDuringCompaction++;

        let ackedThisCycle = 0;
        const durable = new Map<string, number>();
        for (const line of out.split('\n')) {
          const [kind, a, v, op] = line.split(' ');
          if (kind === 'S' && a && v) durable.set(a, Number(v));
          if (kind === 'I' && a && v && (op === 'P' || op === 'R')) {
            const address = Number(a);
            if (!issued.has(address)) issued.set(address, new Map());
            issued.get(address)!.set(Number(v), op);
            totals.issued++;
          } else if (kind === 'A' && a && v) {
            const address = Number(a);
            acked.set(address, Math.max(Number(v), acked.get(address) ?? 0));
            ackedThisCycle++;
          }
        }
        totals.acked += ackedThisCycle;
        totals.minAcked = Math.min(totals.minAcked, ackedThisCycle);

        // Open the crash image (a copy, so the next child recovers the original itself).
        const image = mkdtempSync(join(tmpdir(), 'outpost-lease-crash-image-'));
        try {
          cpSync(dir, image, { recursive: true });
          if (cycle % 4 !== 0) {
            // Power cut: the newest journal loses part of what was written after its last fdatasync.
            const newest = readdirSync(image).filter((n) => n.endsWith('.journal')).sort().at(-1)!;
            const path = join(image, newest);
            const size = statSync(path).size;
            const safe = durable.get(newest) ?? 0;
            if (size > safe) {
              const cut = safe + Math.floor(rnd() * (size - safe));
              const b = readFileSync(path).subarray(0, cut + Math.floor(rnd() * (size - cut)));
              const how = rnd();
              if (how < 0.3) b.fill(0, cut); // size extended, data never written
              else if (how < 0.6) for (let i = cut; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
              else truncateSync(path, cut);
              if (how < 0.6) writeFileSync(path, b);
              totals.tailsCut++;
            }
          }
          const m = memoryLogger();
          const j = await Dhcp4LeaseJournal.open({ dir: image, log: m.log });
          totals.truncations += m.codes().filter((c) => c === 'DHCP_JOURNAL_TRUNCATED').length;
          const problems: string[] = [];
          for (const [address, ops] of issued) {
            const got = j.get(address);
            const last = acked.get(address);
            if (got) {
              const gv = got.startedAt - T0;
              if (ops.get(gv) !== 'P') problems.push(`${address}: holds version ${gv}, never issued as a commit`);
              else if (last !== undefined && gv < last) problems.push(`${address}: holds version ${gv}, older than acknowledged ${last}`);
              else assert.deepEqual(got, leaseFor(address, gv), `${address}: content of version ${gv}`);
            } else if (last !== undefined && ![...ops].some(([ov, op]) => op === 'R' && ov >= last)) {
              problems.push(`${address}: acknowledged version ${last} (${ops.get(last)}) is missing`);
            }
          }
          for (const l of j.all()) if (!issued.has(l.address)) problems.push(`${l.address}: present but never issued`);
          assert.deepEqual(problems.slice(0, 20), [], `cycle ${cycle}: ${problems.length} problems`);
          await j.close();
        } finally {
          rmSync(image, { recursive: true, force: true });
        }
      }
      const ms = Date.now() - started;
      console.log(`lease journal crash test: ${CYCLES} SIGKILLs in ${ms} ms; ${totals.issued} operations issued, ${totals.acked} acknowledged `
        + `(at least ${totals.minAcked} per cycle), all acknowledged ones found; ${totals.compactions} compactions completed, `
        + `${totals.killedDuringCompaction} kills during a compaction; unsynced tails damaged in ${totals.tailsCut} images, ${totals.truncations} torn tails cut at open`);
      assert.ok(totals.minAcked >= 1 && totals.acked >= 5000, `too little load: ${totals.acked} acknowledged, at least ${totals.minAcked} a cycle`);
      assert.ok(totals.tailsCut >= 3 && totals.truncations >= 1, `the power-cut images hardly exercised recovery: ${totals.tailsCut} damaged, ${totals.truncations} torn tails cut`);
      assert.ok(totals.killedDuringCompaction >= Math.floor(CYCLES / 3) - 2, `only ${totals.killedDuringCompaction} kills landed during a compaction`);
      assert.ok(ms < 60_000, `the crash test took ${ms} ms (bound: 60 s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

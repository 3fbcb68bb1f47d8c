// Micro-benchmark of the DHCPv4 lease journal (not a peer benchmark):
//  1. group commit: commits/s, fdatasyncs/s, commits per fdatasync and commit latency
//     with 1..1024 commits in flight (each worker awaits its commit, then makes the next);
//  2. memory per lease with 1M leases, in the in-memory store and in the journal
//     (process.memoryUsage after GC), bulk commit rate, restart (recovery) time,
//     compaction time and the longest event-loop stall during it, restart time (a fresh
//     process recovering the directory).
//
//   node --expose-gc dist/bench/micro/lease-journal.js [--seconds N] [--leases N] [--dir DIR]
// (re-runs itself with --expose-gc when started without it). Temp files go under
// os.tmpdir() (or --dir) and are removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import { Dhcp4LeaseJournal } from '../../src/storage/dhcp4-lease-journal.js';
import { createLogger } from '../../src/runtime/log.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('--seconds', 2);
const LEASES = arg('--leases', 1_000_000);
const dirArg = process.argv.indexOf('--dir');
const parent = dirArg > 0 ? process.argv[dirArg + 1]! : tmpdir();
const log = createLogger({ level: 'warn' });
const T0 = Date.UTC(2026, 0, 1);

/** A realistic lease: hw client key, 12-digit MAC, a phone-style host name on half of them. */
function lease(i: number, version = 0): Lease {
  const mac = (0x0200_0000_0000 + i).toString(16).padStart(12, '0');
  return {
    address: ((0xc6120000 + (i % 131_072)) ^ (Math.floor(i / 131_072) << 17)) >>> 0,
    subnetId: 1 + (i % 64),
    clientKey: `hw:${mac}`,
    hwAddress: mac,
    state: 'bound',
    startedAt: T0 + version,
    expiresAt: T0 + version + 86_400_000,
    ...(i % 2 === 0 ? { hostname: `SEP${mac.toUpperCase()}` } : {}),
  };
}

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function groupCommit(): Promise<void> {
  console.log(`\ngroup commit: ${SECONDS} s per row, workers each await their commit then make the next; fdatasync on ${parent}`);
  console.log(`${'in flight'.padStart(9)} ${'commits/s'.padStart(10)} ${'fsyncs/s'.padStart(9)} ${'per fsync'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`);
  for (const concurrency of [1, 4, 16, 64, 256, 1024, 4096]) {
    const dir = mkdtempSync(join(parent, 'outpost-bench-leases-'));
    const j = await Dhcp4LeaseJournal.open({ dir, log });
    let stop = false;
    let i = 0;
    const lat: number[] = [];
    const worker = async () => {
      while (!stop) {
        const n = i++;
        const t = performance.now();
        await j.commit(lease(n % 200_000, n));
        if ((n & 7) === 0) lat.push(performance.now() - t);
      }
    };
    // Warm up, then measure.
    const warm = setTimeout(() => { stop = true; }, 300);
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearTimeout(warm);
    stop = false;
    lat.length = 0;
    const s0 = j.stats();
    const t0 = performance.now();
    setTimeout(() => { stop = true; }, SECONDS * 1000);
    await Promise.all(Array.from({ length: concurrency }, worker));
    const secs = (performance.now() - t0) / 1000;
    const s1 = j.stats();
    await j.close();
    rmSync(dir, { recursive: true, force: true });
    lat.sort((a, b) => a - b);
    const commits = s1.commits - s0.commits;
    const fsyncs = s1.fsyncs - s0.fsyncs;
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
    console.log(`${String(concurrency).padStart(9)} ${fmt(commits / secs).padStart(10)} ${fmt(fsyncs / secs).padStart(9)} ${(commits / fsyncs).toFixed(1).padStart(9)} ${q(0.5).toFixed(2).padStart(7)} ${q(0.99).toFixed(2).padStart(7)}`);
  }
}

async function memoryAndScale(): Promise<void> {
  console.log(`\n${fmt(LEASES)} leases (unique addresses, 64 subnets, hw client keys, host names on half)`);
  // In-memory store (the index every store keeps).
  let base = heap();
  let m: MemoryLeaseStore | undefined = new MemoryLeaseStore();
  let t = performance.now();
  for (let i = 0; i < LEASES; i++) await m.commit(lease(i));
  const memMs = performance.now() - t;
  const memBytes = heap() - base;
  console.log(`memory store: ${(memBytes / LEASES).toFixed(0)} B/lease heap (${mb(memBytes)}) for ${fmt(m.size)} leases, filled in ${memMs.toFixed(0)} ms`);
  m = undefined;

  // Journal: bulk commit in batches of 10k in flight, then measure the heap.
  const dir = mkdtempSync(join(parent, 'outpost-bench-leases-'));
  try {
    base = heap();
    const rss0 = process.memoryUsage().rss;
    let j: Dhcp4LeaseJournal | undefined = await Dhcp4LeaseJournal.open({ dir, log, compactMinBytes: 2 ** 40 });
    t = performance.now();
    for (let i = 0; i < LEASES; i += 10_000) {
      const ps: Promise<void>[] = [];
      for (let k = i; k < Math.min(LEASES, i + 10_000); k++) ps.push(j.commit(lease(k)));
      await Promise.all(ps);
    }
    const bulkMs = performance.now() - t;
    const st = j.stats();
    const jBytes = heap() - base;
    console.log(`journal: ${(jBytes / LEASES).toFixed(0)} B/lease heap (${mb(jBytes)}; rss +${mb(process.memoryUsage().rss - rss0)}); `
      + `bulk commit ${fmt(LEASES / (bulkMs / 1000))} commits/s (${st.fsyncs} fdatasyncs, journal ${mb(st.journalBytes)}, ${(st.journalBytes / LEASES).toFixed(0)} B/record)`);

    // Compaction of 1M leases while commits keep flowing; the longest event-loop stall.
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    t = performance.now();
    let during = 0;
    let done = false;
    const c = j.compact().then(() => { done = true; });
    while (!done) {
      const ps: Promise<void>[] = [];
      for (let k = 0; k < 100; k++) ps.push(j.commit(lease(during++ % LEASES, 1)));
      await Promise.all(ps);
    }
    await c;
    const compactMs = performance.now() - t;
    h.disable();
    const snap = readdirSync(dir).find((n) => n.endsWith('.snapshot'))!;
    console.log(`compaction: ${compactMs.toFixed(0)} ms, snapshot ${mb(statSync(join(dir, snap)).size)}; ${fmt(during)} commits went through meanwhile; `
      + `longest event-loop stall ${(h.max / 1e6).toFixed(1)} ms (p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms)`);
    await j.close();
    j = undefined;

    // Restart: a fresh process recovers the leases from the snapshot and the journal.
    for (let run = 0; run < 2; run++) {
      const r = spawnSync(process.execPath, [process.argv[1]!, '--recover', dir], { encoding: 'utf8' });
      process.stdout.write(r.stdout + r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const recoverArg = process.argv.indexOf('--recover');
if (recoverArg > 0) {
  const t = performance.now();
  const k = await Dhcp4LeaseJournal.open({ dir: process.argv[recoverArg + 1]!, log });
  const ms = performance.now() - t;
  console.log(`restart (fresh process): ${fmt(k.size)} leases recovered in ${ms.toFixed(0)} ms, ${(heap() / k.size).toFixed(0)} B/lease heap after`);
  await k.close();
} else {
  console.log(`lease journal micro-benchmark (node ${process.version})`);
  await groupCommit();
  if (LEASES > 0) await memoryAndScale();
}

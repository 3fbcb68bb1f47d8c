// The generic part of every bench: who runs, in which order, how often; the
// statistics; and the printed and JSON results. Benches only say how to run
// one contender once (see types.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, installSignalCleanup } from './cleanup.js';
import { machineFacts } from './machine.js';
import { resultLine, runLine, summaryTable, type RunRecord } from './report.js';
import { ratio, summarize, type Summary } from './stats.js';
import { OUTPOST, type Benchmark, type BenchOptions } from './types.js';

/** Repository root: this file runs as dist/bench/harness.js. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Output = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

/**
 * Order of contenders in each repetition: rotated by one per repetition, so
 * with two contenders it goes A B, B A, A B... and slow drift (thermal, other
 * load) does not systematically favour whoever runs first.
 */
export function runOrder(contenders: readonly string[], repetition: number): string[] {
  const k = repetition % contenders.length;
  return [...contenders.slice(k), ...contenders.slice(0, k)];
}

export function outpostIdentity(): { version: string | undefined; gitCommit: string | undefined; gitDirty: boolean | undefined } {
  let version: string | undefined;
  try {
    version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch { /* reported as undefined */ }
  const git = (args: string[]) => {
    try {
      return execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain']);
  return { version, gitCommit: commit, gitDirty: status === undefined ? undefined : status !== '' };
}

export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function resolveContenders(bench: Benchmark, options: BenchOptions): string[] {
  const peers = options.peer === 'all' ? [...bench.peers] : [options.peer];
  for (const p of peers) {
    if (!bench.peers.includes(p)) {
      throw new Error(`unknown peer "${p}" for ${bench.name}; choose one of: ${bench.peers.join(', ')}, all`);
    }
  }
  return options.peerOnly ? peers : [outpostOf(bench), ...peers];
}

export const outpostOf = (bench: Benchmark) => bench.outpostContender ?? OUTPOST;

/** Runs a bench end to end; resolves to the process exit code. */
export async function runBenchmark(bench: Benchmark, options: BenchOptions, io: Output = stdio): Promise<number> {
  installSignalCleanup();
  let contenders: string[];
  try {
    contenders = resolveContenders(bench, options);
  } catch (err) {
    io.err(`bench: ${(err as Error).message}`);
    return 2;
  }
  // Refuse before measuring anything: a missing side is an error, never a made-up figure.
  for (const c of contenders) {
    const reason = await bench.unavailable(c);
    if (reason) {
      io.err(`bench: ${reason}`);
      return 2;
    }
  }
  const outpost = outpostOf(bench);
  const peers = contenders.filter((c) => c !== outpost);
  const width = Math.max(8, ...contenders.map((c) => c.length));
  const startedAt = new Date();
  const machine = await machineFacts(bench.programs(contenders));
  io.out(`${bench.name}: ${bench.title}`);
  io.out(`  contenders: ${contenders.join(', ')}; ${options.repetitions} repetition(s)${contenders.length > 1 ? ', alternating' : ''}`);
  io.out(`  machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.kernel.split(' ').slice(0, 2).join(' ')}, load ${machine.loadAverage1m.toFixed(2)}`);

  const records: RunRecord[] = [];
  const orders: string[][] = [];
  let setup: Record<string, unknown> = {};
  let failure: Error | undefined;
  try {
    const session = await bench.open(options, contenders);
    try {
      setup = session.describe();
      for (let rep = 0; rep < options.repetitions; rep++) {
        const order = runOrder(contenders, rep);
        orders.push(order);
        for (const c of order) {
          const outcome = await session.run(c, rep + 1);
          const rec: RunRecord = { repetition: rep + 1, contender: c, value: outcome.value, note: outcome.note, details: outcome.details };
          if (outcome.warning) rec.warning = outcome.warning;
          records.push(rec);
          io.out(runLine(options.repetitions, rec, bench.unit, width));
        }
      }
    } finally {
      await session.close();
    }
  } catch (err) {
    failure = err as Error;
  } finally {
    await cleanupAll();
  }
  if (failure) {
    io.err(`bench: ${bench.name} failed: ${failure.message}`);
    return 1;
  }

  const summaries: Record<string, Summary> = {};
  for (const c of contenders) summaries[c] = summarize(records.filter((r) => r.contender === c).map((r) => r.value));
  const outpostMedian = summaries[outpost]?.median;
  // A peer is compared with the Outpost contender of the RESULT line that names it (files-storm: TFTP with TFTP).
  const outpostFor = (p: string) => bench.results?.find((r) => r.peers.includes(p))?.outpost ?? outpost;
  const ratios: Record<string, number | undefined> = {};
  const lineOutposts = new Set((bench.results ?? []).map((r) => r.outpost).filter((o) => o !== undefined));
  for (const p of peers) if (!lineOutposts.has(p)) ratios[p] = ratio(summaries[outpostFor(p)]?.median, summaries[p]?.median);
  // One RESULT line per comparison whose peers ran, the bench's main one last; each
  // lists its peers fastest first and its ratio is against the fastest.
  const lines = (bench.results ?? [{ name: bench.name, peers }])
    .map((spec) => ({ name: spec.name, outpost: spec.outpost ?? outpost, peers: spec.peers.filter((p) => peers.includes(p)) }))
    .filter((spec) => spec.peers.length > 0)
    .map((spec) => {
      const ours = summaries[spec.outpost]?.median;
      const peerMedians = spec.peers.map((p) => ({ name: p, median: summaries[p]!.median }));
      const best = [...peerMedians].sort((a, b) => b.median - a.median)[0]!;
      const headline = ratio(ours, best.median);
      return { against: best.name, ratio: headline, line: resultLine(spec.name, ours, peerMedians, headline, bench.unit) };
    });
  if (lines.length === 0) throw new Error(`${bench.name}: no RESULT line has a peer among ${peers.join(', ')}`);
  const main = lines.at(-1)!;
  const result = main.line;
  const warnings = records.filter((r) => r.warning).length;

  io.out('');
  io.out(summaryTable(contenders, summaries, ratios, bench.unit, outpost));
  if (warnings > 0) io.out(`  ${warnings} run(s) outside validity bounds: see WARNING lines above`);

  const jsonPath = resolve(options.jsonOut ?? join(repoRoot, 'bench', 'results', `${bench.name}-${stamp(startedAt)}.json`));
  const record = {
    benchmark: bench.name,
    title: bench.title,
    unit: bench.unit,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    // undefined → null: an option left to the bench's default stays visible in the JSON.
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v ?? null])),
    contenders,
    order: orders,
    setup,
    runs: records,
    summary: summaries,
    ratios: Object.fromEntries(peers.map((p) => [p, ratios[p] ?? null])),
    headline: { against: main.against, ratio: main.ratio ?? null },
    warnings,
    result,
    results: lines.map((l) => l.line),
    outpost: outpostIdentity(),
    machine,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(record, null, 2) + '\n');
  io.out(`  JSON: ${relative(process.cwd(), jsonPath) || jsonPath}`);
  // The RESULT lines last, the main one the very last: scripts and the smoke test read it.
  for (const l of lines) io.out(l.line);
  return 0;
}

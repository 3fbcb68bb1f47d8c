// Benches measured against fixed targets instead of a peer server (manager-scale): the
// brief's figures (e.g. "a page of 100k subnets in < 100 ms p99") are the bar. Each
// figure is one measurement of Outpost printed as
//   RESULT <name> outpost=<x> target=<t> ratio=<x/t> unit=<u>
// (ratio < 1: within the target for a time), the main one last, with a JSON record in
// bench/results/ as the peer benches write (docs/benchmarks.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { cleanupAll, installSignalCleanup } from './cleanup.js';
import { outpostIdentity, repoRoot, stamp, type Output } from './harness.js';
import { machineFacts, type ProgramRef } from './machine.js';
import { formatFigure, formatRatio } from './report.js';
import type { BenchOptions } from './types.js';

/** One measured figure and the target it is held against. */
export interface TargetFigure {
  /** The RESULT line's name, e.g. manager-scale-page-p99. */
  readonly name: string;
  /** Measured, never estimated. */
  readonly value: number;
  readonly target: number;
  readonly unit: string;
  /** What was measured, for the printed line. */
  readonly note: string;
  readonly details: Record<string, unknown>;
}

export interface TargetBenchmark {
  readonly kind: 'targets';
  readonly name: string;
  readonly title: string;
  programs(): ProgramRef[];
  /** Why it cannot run on this machine; undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** Measures every figure, the main one last; progress goes to io.out. */
  measure(options: BenchOptions, io: Output): Promise<{ figures: TargetFigure[]; setup: Record<string, unknown> }>;
}

const stdio: Output = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

export const targetResultLine = (f: TargetFigure) =>
  `RESULT ${f.name} outpost=${formatFigure(f.value)} target=${formatFigure(f.target)} ratio=${formatRatio(f.value / f.target)} unit=${f.unit}`;

/** Runs a target bench end to end; resolves to the process exit code (0 measured, 1 failed, 2 cannot run). */
export async function runTargetBenchmark(bench: TargetBenchmark, options: BenchOptions, io: Output = stdio): Promise<number> {
  installSignalCleanup();
  const reason = await bench.unavailable();
  if (reason) {
    io.err(`bench: ${reason}`);
    return 2;
  }
  const startedAt = new Date();
  const machine = await machineFacts(bench.programs());
  io.out(`${bench.name}: ${bench.title}`);
  io.out(`  machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.kernel.split(' ').slice(0, 2).join(' ')}, load ${machine.loadAverage1m.toFixed(2)}`);
  let measured: { figures: TargetFigure[]; setup: Record<string, unknown> } | undefined;
  let failure: Error | undefined;
  try {
    measured = await bench.measure(options, io);
  } catch (err) {
    failure = err as Error;
  } finally {
    await cleanupAll();
  }
  if (failure || !measured) {
    io.err(`bench: ${bench.name} failed: ${failure?.message ?? 'nothing measured'}`);
    return 1;
  }
  const { figures, setup } = measured;
  io.out('');
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) io.out(`  ${f.name.padEnd(width)} ${formatFigure(f.value).padStart(8)} ${f.unit.padEnd(3)} target < ${formatFigure(f.target)} ${f.value < f.target ? 'met' : 'MISSED'}  (${f.note})`);
  const lines = figures.map(targetResultLine);
  const jsonPath = resolve(options.jsonOut ?? join(repoRoot, 'bench', 'results', `${bench.name}-${stamp(startedAt)}.json`));
  const record = {
    benchmark: bench.name,
    title: bench.title,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v ?? null])),
    setup,
    figures,
    result: lines.at(-1),
    results: lines,
    outpost: outpostIdentity(),
    machine,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(record, null, 2) + '\n');
  io.out(`  JSON: ${relative(process.cwd(), jsonPath) || jsonPath}`);
  for (const l of lines) io.out(l);
  return 0;
}

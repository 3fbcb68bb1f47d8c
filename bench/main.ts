// `npm run bench -- <name> [options]`: parse options, run one bench, exit with its code.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { runBenchmark } from './harness.js';
import { benchmarks, targetBenchmarks } from './registry.js';
import { runTargetBenchmark } from './targets.js';
import type { BenchOptions } from './types.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function percent(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be between 0 and 100');
  return n;
}

interface Raw {
  peer?: string;
  peerOnly: boolean;
  repetitions: number;
  duration?: number;
  rate?: number;
  clients?: number;
  loadInstances?: number;
  maxDrops: number;
  pin: boolean;
  jsonOut?: string;
  scale?: number;
}

const names = [...Object.keys(benchmarks), ...Object.keys(targetBenchmarks)];
const program = new Command()
  .name('npm run bench --')
  .description('Measure Outpost against a peer server under the same load tool, alternating runs.')
  .addArgument(new Argument('<name>', 'benchmark').choices(names))
  .option('--peer <peer>', 'peer to compare with, or "all" (dhcp4: kea; dhcp4-ha: outpost-standalone, kea-ha, default all; dns-udp: knot, nsd, bind; default: first)')
  .option('--peer-only', 'measure the peer(s) only; outpost figures are n/a', false)
  .option('-n, --repetitions <n>', 'runs per contender', positiveInt, 3)
  .option('-d, --duration <seconds>', 'seconds per run (dhcp4, dhcp4-ha: per rate trial); default: dns-udp 10, dhcp4 and dhcp4-ha 3', positiveNumber)
  .option('-r, --rate <per-second>', 'offered load: dhcp4, dhcp4-ha fixed DORA rate (default: search the highest rate within --max-drops); dns-udp qps cap (default: none)', positiveInt)
  .option('-c, --clients <n>', 'dns-udp: dnsperf clients (default 4)', positiveInt)
  .option('--load-instances <n>', 'dhcp4, dhcp4-ha: perfdhcp instances, each from its own client namespace and pinned to its own load CPU when there are enough, the offered rate split between them (default 1)', positiveInt)
  .option('--max-drops <percent>', 'highest drop/loss percentage a run may have', percent, 1)
  .addOption(new Option('--no-pin', 'do not pin server and load tool to separate CPUs'))
  .option('--scale <fraction>', 'manager-scale: fraction of the full dataset (100k subnets, 1M addresses) to load (default 1)', positiveNumber)
  .option('--json-out <file>', 'write the JSON result here instead of bench/results/<name>-<time>.json')
  .showHelpAfterError()
  .action(async (name: string, raw: Raw) => {
    const target = targetBenchmarks[name];
    const bench = benchmarks[name];
    const options: BenchOptions = {
      repetitions: raw.repetitions,
      duration: raw.duration,
      rate: raw.rate,
      clients: raw.clients,
      loadInstances: raw.loadInstances,
      maxDropPercent: raw.maxDrops,
      pin: raw.pin,
      peerOnly: raw.peerOnly,
      peer: raw.peer ?? bench?.defaultPeer ?? 'none',
      jsonOut: raw.jsonOut,
      scale: raw.scale,
    };
    process.exitCode = target ? await runTargetBenchmark(target, options) : await runBenchmark(bench!, options);
  });

await program.parseAsync(process.argv);

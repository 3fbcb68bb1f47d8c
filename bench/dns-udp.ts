// dns-udp and dns-tcp: authoritative DNS over UDP (or TCP) on loopback, measured
// by dnsperf in queries per second. Each run starts a fresh server on a free port,
// waits until it answers from the zone, loads it for a fixed time, then stops it.
// Both benches share everything but dnsperf's transport (-m).
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planCpus } from './cpus.js';
import { withCpuShare } from './cpu.js';
import type { DnsServer } from './dns-server.js';
import { waitForDns } from './dns-probe.js';
import { generateVoiceZone, PROBE_NAME } from './fixtures/voice-zone.js';
import { runDnsperf } from './load/dnsperf.js';
import { onPath, PROGRAMS, type ProgramRef } from './machine.js';
import { freePort } from './net.js';
import { outpostDns } from './outpost/dns.js';
import { bind } from './peers/bind.js';
import { knot } from './peers/knot.js';
import { nsd } from './peers/nsd.js';
import { logTail } from './process.js';
import { sessionTempDir } from './tempdir.js';
import type { Benchmark, BenchmarkSession, BenchOptions, RunOutcome } from './types.js';
import { OUTPOST } from './types.js';

const ADDRESS = '127.0.0.1';
const DEFAULT_CLIENTS = 4;
const READY_TIMEOUT_MS = 15_000;

const servers: Record<string, DnsServer> = { [OUTPOST]: outpostDns, knot, nsd, bind };
const programOf: Record<string, ProgramRef> = { knot: PROGRAMS.knotd, nsd: PROGRAMS.nsd, bind: PROGRAMS.named };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function serverOf(name: string): DnsServer {
  const s = servers[name];
  if (!s) throw new Error(`unknown dns-udp contender ${name}`);
  return s;
}

const openFor = (transport: 'udp' | 'tcp') => async (options: BenchOptions, _contenders: readonly string[]): Promise<BenchmarkSession> => {
  const temp = sessionTempDir(`dns-${transport}`);
  const zone = generateVoiceZone();
  const zoneFile = join(temp.path, 'voice.example.zone');
  const queryFile = join(temp.path, 'queries.txt');
  writeFileSync(zoneFile, zone.zoneText);
  writeFileSync(queryFile, zone.queryText);
  const cpus = planCpus(options.pin);
  const seconds = options.duration ?? DEFAULT_DURATION;
  const clients = options.clients ?? DEFAULT_CLIENTS;
  const nxShare = (zone.mix['NXDOMAIN'] ?? 0) / zone.queries;

  async function run(contender: string, repetition: number): Promise<RunOutcome> {
    const workDir = mkdtempSync(join(temp.path, `${contender}-${repetition}-`));
    const port = await freePort(ADDRESS);
    const server = await serverOf(contender).start({ origin: zone.origin, zoneFile, address: ADDRESS, port, workDir, cpus: cpus.server });
    try {
      try {
        await waitForDns(ADDRESS, port, PROBE_NAME, READY_TIMEOUT_MS, server.exited);
      } catch (err) {
        throw new Error(`${contender}: ${(err as Error).message}\n--- ${server.logFile}\n${logTail(server.logFile)}`);
      }
      const { result: perf, cpuShare } = await withCpuShare(server.pid, () =>
        runDnsperf({ address: ADDRESS, port, queryFile, seconds, clients, threads: cpus.loadThreads, maxQps: options.rate, cpus: cpus.load, transport }),
      );
      // Validity: a server that refuses or fails queries fast must not score.
      const answered = perf.completed;
      const good = (perf.rcodes['NOERROR'] ?? 0) + (perf.rcodes['NXDOMAIN'] ?? 0);
      if (answered === 0) throw new Error(`${contender}: no query was answered`);
      if (good / answered < 0.99) {
        throw new Error(`${contender}: only ${((100 * good) / answered).toFixed(1)} % NOERROR/NXDOMAIN answers (${JSON.stringify(perf.rcodes)}): not serving the zone`);
      }
      const nx = (perf.rcodes['NXDOMAIN'] ?? 0) / answered;
      // Short or rate-capped runs cover only the start of the file: allow for sampling noise.
      const tolerance = Math.max(0.02, 4 * Math.sqrt((nxShare * (1 - nxShare)) / answered));
      if (Math.abs(nx - nxShare) > tolerance) {
        throw new Error(`${contender}: ${(100 * nx).toFixed(1)} % NXDOMAIN, expected about ${(100 * nxShare).toFixed(1)} %: wrong answers`);
      }
      const outcome: RunOutcome = {
        value: perf.qps,
        note: `lost ${perf.lostPercent.toFixed(2)} %, latency ${perf.avgLatencySeconds === undefined ? '?' : (perf.avgLatencySeconds * 1000).toFixed(2)} ms, server CPU ${cpuShare === undefined ? '?' : Math.round(cpuShare * 100)} %`,
        details: { ...perf, serverCpuShare: cpuShare, port },
      };
      if (perf.lostPercent > options.maxDropPercent) {
        outcome.warning = `${perf.lostPercent.toFixed(2)} % queries lost, above ${options.maxDropPercent} %`;
      }
      return outcome;
    } finally {
      await server.stop();
    }
  }

  return {
    run,
    describe: () => ({
      address: ADDRESS,
      cpus,
      dnsperf: { transport, seconds, clients, threads: cpus.loadThreads, maxQps: options.rate ?? null, timeoutSeconds: 1 },
      zone: { origin: zone.origin, records: zone.records, sha256: sha256(zone.zoneText) },
      queries: { count: zone.queries, mix: zone.mix, sha256: sha256(zone.queryText) },
    }),
    close: () => temp.remove(),
  };
};

const DEFAULT_DURATION = 10;

function dnsBench(transport: 'udp' | 'tcp'): Benchmark {
  return {
    name: `dns-${transport}`,
    unit: 'qps',
    title: `authoritative DNS over ${transport.toUpperCase()} on loopback, dnsperf queries per second`,
    peers: ['knot', 'nsd', 'bind'],
    defaultPeer: 'knot',
    defaultDuration: DEFAULT_DURATION,
    // Every peer's version, run or not: results from different --peer choices stay comparable.
    programs: () => [PROGRAMS.dnsperf, PROGRAMS.taskset, ...Object.values(programOf)],
    unavailable: async (contender) => {
      if (!onPath('dnsperf')) return 'dnsperf not found (Debian package dnsperf)';
      return serverOf(contender).unavailable();
    },
    open: openFor(transport),
  };
}

export const dnsUdp = dnsBench('udp');
export const dnsTcp = dnsBench('tcp');

// files-storm: a site-wide phone reboot after a firmware release (issue 6). 500 HTTP
// clients fetch a 10 MiB image at once (h2load, one request each) from Outpost's HTTP
// file service and from nginx; 100 TFTP clients (atftp, blksize 1468) fetch it at once
// from Outpost's TFTP service and from tftpd-hpa. The figure is body megabytes per
// second over the whole storm. Each run starts a fresh server on loopback, waits until
// it serves the probe file, runs the storm once, then stops it; every copy must be
// complete (HTTP: every request 2xx with the whole body; TFTP: every copy's SHA-256).
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { planCpus } from './cpus.js';
import { withCpuShare } from './cpu.js';
import type { FileServer } from './file-server.js';
import { FIRMWARE_FILE, PROBE_FILE, writeFirmwareTree } from './fixtures/firmware.js';
import { runH2load, type StormResult } from './load/h2load.js';
import { runTftpStorm } from './load/tftp-storm.js';
import { onPath, PROGRAMS } from './machine.js';
import { freePort } from './net.js';
import { outpostHttp, outpostTftp } from './outpost/files.js';
import { nginx } from './peers/nginx.js';
import { tftpdHpa } from './peers/tftpd-hpa.js';
import { logTail, runBounded, type BackgroundProcess } from './process.js';
import { sessionTempDir } from './tempdir.js';
import type { Benchmark, BenchmarkSession, BenchOptions, RunOutcome } from './types.js';

const ADDRESS = '127.0.0.1';
const HTTP_CLIENTS = 500;
const TFTP_CLIENTS = 100;
const READY_TIMEOUT_MS = 15_000;
const STORM_TIMEOUT_MS = 300_000;

const servers: Record<string, FileServer> = { [outpostHttp.name]: outpostHttp, [nginx.name]: nginx, [outpostTftp.name]: outpostTftp, [tftpdHpa.name]: tftpdHpa };

function serverOf(name: string): FileServer {
  const s = servers[name];
  if (!s) throw new Error(`unknown files-storm contender ${name}`);
  return s;
}

/** Polls the probe file until the server serves it (or exits, or the time is up). */
async function waitReady(server: FileServer, port: number, running: BackgroundProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (!running.isRunning()) throw new Error(`${server.name} exited: ${await running.exited}`);
    if (server.protocol === 'http') {
      try {
        const r = await fetch(`http://${ADDRESS}:${port}/${PROBE_FILE}`, { signal: AbortSignal.timeout(1000) });
        if (r.ok && (await r.text()) === 'ready\n') return;
        last = `HTTP ${r.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
    } else {
      const r = await runBounded('atftp', ['--get', '-r', PROBE_FILE, '-l', '/dev/null', ADDRESS, String(port)], { timeoutMs: 3000, cpus: undefined });
      if (r.code === 0) return;
      last = `atftp exit ${r.code}: ${r.stderr.trim()}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.name} did not serve ${PROBE_FILE} within ${READY_TIMEOUT_MS} ms (${last})`);
}

async function open(options: BenchOptions): Promise<BenchmarkSession> {
  const temp = sessionTempDir('files-storm');
  // nginx's worker and tftpd-hpa drop privileges: they must be able to read the tree.
  chmodSync(temp.path, 0o755);
  const root = join(temp.path, 'root');
  const image = writeFirmwareTree(root);
  const cpus = planCpus(options.pin);
  async function run(contender: string, repetition: number): Promise<RunOutcome> {
    const server = serverOf(contender);
    const workDir = mkdtempSync(join(temp.path, `${contender}-${repetition}-`));
    const port = await freePort(ADDRESS);
    const running = await server.start({ root, address: ADDRESS, port, workDir, cpus: cpus.server });
    try {
      try {
        await waitReady(server, port, running);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- ${running.logFile}\n${logTail(running.logFile)}`);
      }
      const storm = (): Promise<StormResult> => server.protocol === 'http'
        ? runH2load({ url: `http://${ADDRESS}:${port}/${FIRMWARE_FILE}`, clients: HTTP_CLIENTS, threads: cpus.loadThreads, cpus: cpus.load, timeoutMs: STORM_TIMEOUT_MS, expectedBytes: image.bytes })
        : runTftpStorm({ address: ADDRESS, port, file: FIRMWARE_FILE, clients: TFTP_CLIENTS, cpus: cpus.load, timeoutMs: STORM_TIMEOUT_MS, expectedBytes: image.bytes, sha256: image.sha256, outDir: mkdirOut(workDir) });
      const { result, cpuShare } = await withCpuShare(running.pid, storm);
      if (result.succeeded === 0) throw new Error(`${contender}: no client got the image`);
      const outcome: RunOutcome = {
        value: result.mbPerSecond,
        note: `${result.succeeded}/${result.succeeded + result.failed} clients complete in ${result.seconds.toFixed(2)} s, server CPU ${cpuShare === undefined ? '?' : Math.round(cpuShare * 100)} %`,
        details: { ...result, serverCpuShare: cpuShare, port },
      };
      const failedPercent = (100 * result.failed) / (result.succeeded + result.failed);
      if (failedPercent > options.maxDropPercent) outcome.warning = `${result.failed} clients did not get a whole image`;
      return outcome;
    } finally {
      await running.stop();
    }
  }
  return {
    run,
    describe: () => ({ address: ADDRESS, cpus, image: { path: FIRMWARE_FILE, bytes: image.bytes, sha256: image.sha256 }, httpClients: HTTP_CLIENTS, tftpClients: TFTP_CLIENTS, tftpBlksize: 1468 }),
    close: () => temp.remove(),
  };
}

function mkdirOut(workDir: string): string {
  const dir = join(workDir, 'copies');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const filesStorm: Benchmark = {
  name: 'files-storm',
  unit: 'MB/s',
  title: `a firmware storm on loopback: ${HTTP_CLIENTS} HTTP clients (h2load) and ${TFTP_CLIENTS} TFTP clients (atftp) fetch a 10 MiB image at once; body MB/s`,
  peers: ['nginx', 'outpost-tftp', 'tftpd-hpa'],
  defaultPeer: 'all',
  defaultDuration: 0,
  results: [
    { name: 'files-storm-tftp', outpost: 'outpost-tftp', peers: ['tftpd-hpa'] },
    { name: 'files-storm', peers: ['nginx'] },
  ],
  programs: () => [PROGRAMS.h2load, PROGRAMS.atftp, PROGRAMS.nginx, PROGRAMS.tftpd, PROGRAMS.taskset],
  unavailable: async (contender) => {
    const server = serverOf(contender);
    if (server.protocol === 'http' && !onPath('h2load')) return 'h2load not found (Debian package nghttp2-client)';
    if (server.protocol === 'tftp' && !onPath('atftp')) return 'atftp not found (Debian package atftp)';
    return server.unavailable();
  },
  open,
};

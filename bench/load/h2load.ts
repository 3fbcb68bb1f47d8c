// h2load (nghttp2-client) over HTTP/1.1: the files-storm HTTP load tool. N clients
// connect at once and each fetches the URL once (-n N -c N); the figure is the bytes
// of the bodies received over the wall time, in MB/s (10^6 bytes).
import { runBounded } from '../process.js';

export interface StormResult {
  /** Body megabytes per second over the whole storm. */
  mbPerSecond: number;
  seconds: number;
  succeeded: number;
  failed: number;
  bytes: number;
  command: string[];
}

export async function runH2load(o: { url: string; clients: number; threads: number; cpus: string | undefined; timeoutMs: number; expectedBytes: number }): Promise<StormResult> {
  const args = ['--h1', '-n', String(o.clients), '-c', String(o.clients), '-t', String(Math.min(o.threads, o.clients)), o.url];
  const r = await runBounded('h2load', args, { timeoutMs: o.timeoutMs, cpus: o.cpus });
  if (r.timedOut) throw new Error(`h2load did not finish within ${o.timeoutMs} ms`);
  const finished = /finished in ([\d.]+)(m?s)/.exec(r.stdout);
  const requests = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(r.stdout);
  const status = /status codes: (\d+) 2xx/.exec(r.stdout);
  const traffic = /traffic: .*\((\d+)\) data/.exec(r.stdout);
  if (!finished || !requests || !status || !traffic) throw new Error(`h2load output not understood (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const seconds = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
  const succeeded = Number(status[1]);
  const failed = o.clients - succeeded;
  const bytes = Number(traffic[1]);
  if (bytes !== succeeded * o.expectedBytes) throw new Error(`h2load received ${bytes} body bytes for ${succeeded} successful requests of ${o.expectedBytes} bytes each`);
  return { mbPerSecond: bytes / 1e6 / seconds, seconds, succeeded, failed, bytes, command: ['h2load', ...args] };
}

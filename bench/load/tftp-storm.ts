// The files-storm TFTP load: N atftp clients started at once, each fetching the image
// once with blksize 1468 (what phones negotiate on Ethernet); the figure is the bytes
// fetched over the wall time from the first start to the last exit, in MB/s. Each
// client writes to its own file, so every copy is checked against the image's SHA-256.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runBounded } from '../process.js';
import type { StormResult } from './h2load.js';

export const TFTP_BLKSIZE = 1468;

export async function runTftpStorm(o: {
  address: string; port: number; file: string; clients: number; cpus: string | undefined; timeoutMs: number; expectedBytes: number; sha256: string; outDir: string;
}): Promise<StormResult> {
  const started = process.hrtime.bigint();
  const runs = Array.from({ length: o.clients }, (_, i) => {
    const local = join(o.outDir, `copy-${i}`);
    const args = ['--get', '-r', o.file, '-l', local, '--option', `blksize ${TFTP_BLKSIZE}`, '--tftp-timeout', '1', o.address, String(o.port)];
    return runBounded('atftp', args, { timeoutMs: o.timeoutMs, cpus: o.cpus }).then((r) => ({ r, local }));
  });
  const done = await Promise.all(runs);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let succeeded = 0;
  for (const { r, local } of done) {
    let ok = r.code === 0 && !r.timedOut;
    if (ok) {
      try {
        ok = createHash('sha256').update(readFileSync(local)).digest('hex') === o.sha256;
      } catch {
        ok = false;
      }
    }
    if (ok) succeeded++;
    rmSync(local, { force: true });
  }
  const bytes = succeeded * o.expectedBytes;
  return { mbPerSecond: bytes / 1e6 / seconds, seconds, succeeded, failed: o.clients - succeeded, bytes, command: ['atftp', '--get', '…', '--option', `blksize ${TFTP_BLKSIZE}`, `× ${o.clients}`] };
}

// Sends datagrams made by `next` to address:port at up to `rate` per second, at most
// 512 awaiting the kernel at once; stops after `count` datagrams or `maxMs`, whichever
// comes first, once every send has completed. The fuzz senders' shared loop.
import { createSocket } from 'node:dgram';

export interface PacedResult {
  readonly sent: number;
  readonly errors: number;
}

const TICK_MS = 10;
const MAX_IN_FLIGHT = 512;

export async function sendPaced(o: { address: string; port: number; count: number; rate: number; maxMs: number; next: () => Buffer }): Promise<PacedResult> {
  const socket = createSocket('udp4');
  socket.bind(0);
  await new Promise((r) => socket.once('listening', r));
  const began = Date.now();
  let sent = 0;
  let errors = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = Date.now() - began;
      if (sent >= o.count || elapsed >= o.maxMs) {
        const wait = () => (inFlight === 0 ? resolve() : setTimeout(wait, 5));
        wait();
        return;
      }
      const due = Math.min(o.count, Math.floor(((elapsed + TICK_MS) * o.rate) / 1000));
      while (sent < due && inFlight < MAX_IN_FLIGHT) {
        sent++;
        inFlight++;
        socket.send(o.next(), o.port, o.address, (err) => { inFlight--; if (err) errors++; });
      }
      setTimeout(tick, inFlight >= MAX_IN_FLIGHT ? 1 : TICK_MS);
    };
    tick();
  });
  socket.close();
  return { sent, errors };
}

/** Prometheus text → { "{labels}": value } for one metric name. */
export function metricSamples(text: string, name: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(name.length, i), Number(line.slice(i + 1)));
  }
  return m;
}

export const sumOf = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

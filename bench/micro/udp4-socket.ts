// Micro-benchmark of the native UDP socket (src/runtime/udp4-socket.ts) against
// node:dgram on loopback, in packets per second of the contender's own thread (not a
// peer benchmark). Three cases, each alternating the contenders over several
// repetitions; medians printed. Contenders: Udp4Socket sending with send() (one sendmsg
// each), Udp4Socket sending with queue() (sendmmsg batches, flushed after each received
// batch) and node:dgram; receive alone has no queued variant:
//
//   send           sends 300-byte datagrams in a tight loop to a socket in a child
//                  process that never reads (the kernel drops the surplus)
//   receive        a burst of FILL datagrams is queued on the contender's socket while
//                  its event loop is blocked, then timed while the contender drains it
//   receive+reply  the same, and the contender sends each datagram on to the child's
//                  socket: a DHCP server's per-packet socket work
//
// The burst method measures the receiving side alone, whatever the sender's speed: the
// queue is full before the clock starts and the clock stops when it is empty.
//
//   node dist/bench/micro/udp4-socket.js [--packets N] [--repetitions N]
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Udp4Socket } from '../../src/runtime/udp4-socket.js';

const LOCALHOST = 0x7f000001;
const PAYLOAD = Buffer.alloc(300, 0x5a);
const FILL = 2000; // per burst: well inside the 8 MiB receive queue
const BUFFER_BYTES = 4 << 20;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}
const nowNs = (): bigint => process.hrtime.bigint();
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---- the never-reading child -------------------------------------------------------

/** Child role: a bound socket whose thread sleeps for ms; prints its port first. */
function sinkRole(ms: number): void {
  const s = Udp4Socket.open({ port: 0, address: LOCALHOST, recvBufferBytes: 1 << 16 });
  console.log(JSON.stringify({ port: s.localPort }));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  s.close();
}

interface Sink {
  port: number;
  stop(): void;
}

async function startSink(ms: number): Promise<Sink> {
  const proc: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role', 'sink', String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const killer = setTimeout(() => proc.kill('SIGKILL'), ms + 5_000);
  proc.on('exit', () => clearTimeout(killer));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve((JSON.parse(out) as { port: number }).port);
    });
    proc.on('exit', (code) => reject(new Error(`sink exited (${code}) before printing its port`)));
  });
  return { port, stop: () => proc.kill('SIGKILL') };
}

// ---- contenders --------------------------------------------------------------------

type Contender = 'Udp4Socket' | 'Udp4Socket queue' | 'node:dgram';
const CONTENDERS: readonly Contender[] = ['Udp4Socket', 'Udp4Socket queue', 'node:dgram'];

interface Receiver {
  port: number;
  count(): number;
  close(): void;
}

/** A receiving contender; with forwardTo, it sends every datagram on to that port. */
async function receiver(who: Contender, forwardTo: number | undefined): Promise<Receiver> {
  let n = 0;
  if (who !== 'node:dgram') {
    const s = Udp4Socket.open({ port: 0, address: LOCALHOST, recvBufferBytes: BUFFER_BYTES, sendBufferBytes: BUFFER_BYTES });
    s.onMessage(forwardTo === undefined
      ? () => { n++; }
      : who === 'Udp4Socket queue'
        ? (d) => { n++; s.queue(d.data, LOCALHOST, forwardTo, { ifindex: d.ifindex }); }
        : (d) => { n++; s.send(d.data, LOCALHOST, forwardTo, { ifindex: d.ifindex }); });
    return { port: s.localPort, count: () => n, close: () => s.close() };
  }
  const s: Socket = createSocket({ type: 'udp4', recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
  s.on('message', forwardTo === undefined
    ? () => { n++; }
    : (msg) => { n++; s.send(msg, forwardTo, '127.0.0.1'); });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, count: () => n, close: () => s.close() };
}

// ---- cases -------------------------------------------------------------------------

async function sendCase(who: Contender, packets: number): Promise<number> {
  const sink = await startSink(60_000);
  let n = 0;
  const start = nowNs();
  if (who === 'Udp4Socket') {
    const s = Udp4Socket.open({ port: 0 });
    while (n < packets) {
      for (let i = 0; i < 256; i++) s.send(PAYLOAD, LOCALHOST, sink.port);
      n += 256;
    }
    s.close();
  } else if (who === 'Udp4Socket queue') {
    const s = Udp4Socket.open({ port: 0 });
    while (n < packets) {
      for (let i = 0; i < 256; i++) s.queue(PAYLOAD, LOCALHOST, sink.port);
      s.flush();
      n += 256;
    }
    s.close();
  } else {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, resolve));
    while (n < packets) {
      for (let i = 0; i < 256; i++) s.send(PAYLOAD, sink.port, '127.0.0.1');
      n += 256;
      await turn(); // let dgram's send callbacks run
    }
    s.close();
  }
  const secs = Number(nowNs() - start) / 1e9;
  sink.stop();
  return n / secs;
}

/** Bursts of FILL queued while the loop is blocked, each timed until drained. */
async function burstCase(who: Contender, packets: number, forward: boolean): Promise<number> {
  const sink = forward ? await startSink(60_000) : undefined;
  const r = await receiver(who, sink?.port);
  const filler = Udp4Socket.open({ port: 0, address: LOCALHOST, sendBufferBytes: BUFFER_BYTES });
  let busyNs = 0n;
  let delivered = 0;
  for (let bursts = 0; delivered < packets && bursts < 10 * (packets / FILL + 1); bursts++) {
    for (let i = 0; i < FILL; i++) filler.send(PAYLOAD, LOCALHOST, r.port);
    const before = r.count();
    const t0 = nowNs();
    // Drained when a whole turn of the event loop (poll included) brings nothing new.
    for (let last = -1, turns = 0; r.count() !== last && turns < 100_000; turns++) {
      last = r.count();
      await turn();
    }
    busyNs += nowNs() - t0;
    delivered += r.count() - before;
  }
  filler.close();
  r.close();
  sink?.stop();
  return delivered / (Number(busyNs) / 1e9);
}

async function main(): Promise<void> {
  const packets = Math.round(arg('--packets', 200_000));
  const reps = Math.round(arg('--repetitions', 3));
  console.log(`udp4-socket micro-benchmark: Udp4Socket (send, queue) vs node:dgram on loopback (node ${process.version}, ${cpus().length} CPUs, ${PAYLOAD.length}-byte datagrams, ${packets} per run, ${reps} runs per contender, median)`);
  const cases: [string, (who: Contender) => Promise<number>, readonly Contender[]][] = [
    ['send (tight loop)', (who) => sendCase(who, packets), CONTENDERS],
    [`receive (bursts of ${FILL})`, (who) => burstCase(who, packets, false), ['Udp4Socket', 'node:dgram']],
    [`receive+reply (bursts of ${FILL})`, (who) => burstCase(who, packets, true), CONTENDERS],
  ];
  for (const [name, run, contenders] of cases) {
    const results = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
    for (let rep = 0; rep < reps; rep++) {
      // Rotated by one each repetition, so no contender always runs first.
      const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length]!);
      for (const who of order) results.get(who)!.push(await run(who));
    }
    const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)] ?? 0;
    const fmt = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(10);
    const dgram = median(results.get('node:dgram')!);
    console.log(name);
    for (const [who, v] of results) {
      console.log(`  ${who.padEnd(18)} ${fmt(median(v))} pkt/s  vs node:dgram ${(median(v) / dgram).toFixed(2)}   (runs, k: ${v.map((x) => Math.round(x / 1000)).join('/')})`);
    }
  }
}

const roleAt = process.argv.indexOf('--role');
if (roleAt > 0) {
  const [role, ms] = process.argv.slice(roleAt + 1);
  if (role !== 'sink') throw new Error(`unknown role ${role}`);
  sinkRole(Number(ms));
} else {
  await main();
}

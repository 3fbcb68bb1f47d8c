// Test program: sends COUNT numbered datagrams, INTERVAL_MS apart, to an echo server and
// reports as JSON how many came back and their round-trip times. Bounded: it waits at most
// WAIT_MS after the last send.
// Usage: node udp-probe.js ADDRESS PORT COUNT INTERVAL_MS WAIT_MS
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

const [address = '', port = '', count = '10', interval = '20', wait = '1000'] = process.argv.slice(2);
const total = Number(count);
const sentAt = new Map<number, number>();
const rttsMs: number[] = [];
const socket = createSocket('udp4');

socket.on('message', (msg) => {
  const seq = Number(msg.toString());
  const t0 = sentAt.get(seq);
  if (t0 === undefined) return; // duplicate or stray
  sentAt.delete(seq);
  rttsMs.push(performance.now() - t0);
});

function finish(): void {
  console.log(JSON.stringify({ sent: total, received: rttsMs.length, rttsMs }));
  socket.close();
}

let seq = 0;
const timer = setInterval(() => {
  if (seq >= total) {
    clearInterval(timer);
    setTimeout(finish, Number(wait));
    return;
  }
  sentAt.set(seq, performance.now());
  socket.send(String(seq), Number(port), address, () => undefined); // a send error (no route) is a lost probe
  seq++;
}, Number(interval));

// The native UDP/IPv4 socket (src/runtime/udp4-socket.ts, native/udp4/) on loopback:
// ports, send and receive, IP_PKTINFO both ways, errors counted not thrown, truncation,
// batches, and close from anywhere. Interfaces across namespaces: test/lab/udp4-socket.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Udp4Socket, interfaceIndex, interfaceName, type Udp4Datagram } from '../../src/runtime/udp4-socket.js';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, icmpEcho } from '../../src/wire/icmp4/index.js';
import { repoRoot } from '../support/paths.js';
import { startChild } from '../support/child.js';

const skip = process.platform === 'linux' ? false : 'the native UDP socket is Linux only';
const opts = { skip, timeout: 30_000 };

const ip = (text: string): number => text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const LOCALHOST = ip('127.0.0.1');
const LO_BROADCAST = ip('127.255.255.255');
const loIndex = (): number => Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8'));

/** Collects datagrams from a socket; `next(n)` waits (bounded) until n have arrived in all. */
function collect(socket: Udp4Socket): { got: Udp4Datagram[]; until(n: number, timeoutMs?: number): Promise<Udp4Datagram[]> } {
  const got: Udp4Datagram[] = [];
  socket.onMessage((d) => got.push(d));
  return {
    got,
    async until(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (got.length < n) {
        if (Date.now() > deadline) throw new Error(`received ${got.length} of ${n} datagrams within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return got;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withSockets<T>(fn: (open: (o: Parameters<typeof Udp4Socket.open>[0]) => Udp4Socket) => Promise<T>): Promise<T> {
  const opened: Udp4Socket[] = [];
  return fn((o) => {
    const s = Udp4Socket.open(o);
    opened.push(s);
    return s;
  }).finally(() => opened.forEach((s) => s.close()));
}

test('port 0 binds a port the kernel chose, reported by localPort', opts, () =>
  withSockets(async (open) => {
    const a = open({ port: 0, address: LOCALHOST });
    assert.ok(a.localPort > 0 && a.localPort <= 65535, `localPort ${a.localPort}`);
    const rx = collect(a);
    const dgram = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => dgram.send('to the chosen port', a.localPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      const [d] = await rx.until(1);
      assert.equal(d!.data.toString(), 'to the chosen port');
      // and the port really is ours: binding it again without reuseAddr fails
      assert.throws(() => Udp4Socket.open({ port: a.localPort, address: LOCALHOST }), { code: 'EADDRINUSE' });
    } finally {
      dgram.close();
    }
  }));

test('datagrams go both ways with node:dgram and carry sender, port, arrival interface and destination', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0 });
    const rx = collect(server);
    const peer: Socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
      const peerPort = peer.address().port;
      const replies: string[] = [];
      peer.on('message', (msg, rinfo) => replies.push(`${msg.toString()} from ${rinfo.address}:${rinfo.port}`));

      peer.send('ping', server.localPort, '127.0.0.1');
      const [d] = await rx.until(1);
      assert.deepEqual({ ...d!, data: d!.data.toString() }, { data: 'ping', from: LOCALHOST, fromPort: peerPort, ifindex: loIndex(), to: LOCALHOST });

      assert.equal(server.send(Buffer.from('pong'), d!.from, d!.fromPort), true);
      const deadline = Date.now() + 5_000;
      while (replies.length === 0 && Date.now() < deadline) await sleep(5);
      assert.deepEqual(replies, [`pong from 127.0.0.1:${server.localPort}`]);
      assert.deepEqual([server.stats().received, server.stats().sent], [1, 1]);
    } finally {
      peer.close();
    }
  }));

test('the destination address tells 127.0.0.1, 127.0.0.2 and the 127.255.255.255 broadcast apart', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0 }); // INADDR_ANY, as a DHCP server binds
    const rx = collect(server);
    const client = open({ port: 0, address: LOCALHOST, broadcast: true });
    assert.equal(client.send(Buffer.from('unicast'), LOCALHOST, server.localPort), true);
    assert.equal(client.send(Buffer.from('other'), ip('127.0.0.2'), server.localPort), true);
    assert.equal(client.send(Buffer.from('broadcast'), LO_BROADCAST, server.localPort, { ifindex: loIndex() }), true);
    const got = await rx.until(3);
    assert.deepEqual(got.map((d) => [d.data.toString(), d.to, d.ifindex]), [
      ['unicast', LOCALHOST, loIndex()],
      ['other', ip('127.0.0.2'), loIndex()],
      ['broadcast', LO_BROADCAST, loIndex()],
    ]);
  }));

test('send with from sets the source address (IP_PKTINFO ipi_spec_dst)', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST });
    const rx = collect(server);
    const client = open({ port: 0 });
    assert.equal(client.send(Buffer.from('a'), LOCALHOST, server.localPort), true);
    assert.equal(client.send(Buffer.from('b'), LOCALHOST, server.localPort, { from: ip('127.0.0.3'), ifindex: loIndex() }), true);
    const got = await rx.until(2);
    assert.deepEqual(got.map((d) => d.from), [LOCALHOST, ip('127.0.0.3')]);
  }));

test('a send the kernel refuses returns false and is counted, never thrown', opts, () =>
  withSockets(async (open) => {
    const s = open({ port: 0 });
    const refused: [string, () => boolean, RegExp][] = [
      ['port 0', () => s.send(Buffer.from('x'), LOCALHOST, 0), /^EINVAL$/],
      ['broadcast without SO_BROADCAST', () => s.send(Buffer.from('x'), LO_BROADCAST, 9, { ifindex: loIndex() }), /^EACCES$/],
      ['an interface that does not exist', () => s.send(Buffer.from('x'), LOCALHOST, 9, { ifindex: 0x7ffffff0 }), /^ENODEV$/],
      ['a source address that is not ours', () => s.send(Buffer.from('x'), LOCALHOST, 9, { from: ip('192.0.2.1') }), /^(ENETUNREACH|EINVAL)$/], // by kernel version
      ['a datagram over 65507 bytes', () => s.send(Buffer.alloc(65508), LOCALHOST, 9), /^EMSGSIZE$/],
    ];
    for (const [i, [what, send, errno]] of refused.entries()) {
      assert.equal(send(), false, what);
      const st = s.stats();
      assert.equal(st.sendErrors, i + 1, what);
      assert.match(st.lastSendError ?? 'none', errno, what);
    }
    assert.equal(s.stats().sent, 0);
    assert.throws(() => s.send(Buffer.from('x'), -1, 9), RangeError, 'bad arguments do throw');
    assert.throws(() => s.send(Buffer.from('x'), LOCALHOST, 65536), RangeError);
  }));

test('queued datagrams leave in order on the next turn of the loop, or at flush(); counted exactly', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST, recvBufferBytes: 1 << 20 });
    const rx = collect(server);
    const client = open({ port: 0, sendBufferBytes: 1 << 20 });
    const count = 200; // more than one batch (64) and more than one queue's bytes (64 KiB)
    const payload = (i: number) => Buffer.from(`queued ${i} `.padEnd(100 + (i % 7) * 150, String.fromCharCode(97 + (i % 26))));
    const sent: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const p = payload(i);
      sent.push(Buffer.from(p));
      client.queue(p, LOCALHOST, server.localPort, i % 2 === 0 ? { ifindex: loIndex() } : i % 3 === 0 ? { from: ip('127.0.0.5') } : undefined);
      p.fill(0); // the queue copied it
    }
    const got = await rx.until(count);
    assert.deepEqual(got.map((d) => d.data.toString()), sent.map((b) => b.toString()));
    assert.deepEqual(got.map((d) => d.from), sent.map((_, i) => (i % 2 !== 0 && i % 3 === 0 ? ip('127.0.0.5') : LOCALHOST)));
    assert.deepEqual([client.stats().sent, client.stats().sendErrors, client.stats().sendWouldBlock], [count, 0, 0]);
    // An explicit flush sends at once, without waiting for the loop.
    client.queue(Buffer.from('now'), LOCALHOST, server.localPort);
    assert.equal(client.flush(), 0);
    assert.equal(client.flush(), 0, 'an empty queue is a no-op');
    assert.equal((await rx.until(count + 1))[count]!.data.toString(), 'now');
    // A datagram larger than the queue goes alone, after what was queued before it.
    client.queue(Buffer.from('before'), LOCALHOST, server.localPort);
    client.queue(Buffer.alloc(65_000, 1), LOCALHOST, server.localPort);
    const tail = await rx.until(count + 3);
    assert.deepEqual([tail[count + 1]!.data.toString(), tail[count + 2]!.data.length], ['before', 65_000]);
  }));

test('replies queued in the message callback leave together when the batch is handled', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST, recvBufferBytes: 1 << 20 });
    const client = open({ port: 0, address: LOCALHOST, recvBufferBytes: 1 << 20 });
    const rx = collect(client);
    let sentInCallback = -1;
    server.onMessage((d) => {
      server.queue(Buffer.concat([Buffer.from('re: '), d.data]), d.from, d.fromPort);
      sentInCallback = Math.max(sentInCallback, server.stats().sent); // stats() flushes: counts are exact at any time
    });
    for (let i = 0; i < 100; i++) client.send(Buffer.from(`q${i}`), LOCALHOST, server.localPort);
    const got = await rx.until(100);
    assert.deepEqual(got.map((d) => d.data.toString()), Array.from({ length: 100 }, (_, i) => `re: q${i}`));
    assert.equal(sentInCallback, 100);
    assert.equal(server.stats().sent, 100);
  }));

test('a queued datagram the kernel refuses is counted and reported to onSendError; the others still go', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST });
    const rx = collect(server);
    const s = open({ port: 0 });
    const failures: { error: string; wouldBlock: boolean; to: number; port: number; data: string }[] = [];
    s.onSendError((f) => failures.push({ ...f, data: f.data.toString() }));
    s.queue(Buffer.from('one'), LOCALHOST, server.localPort);
    s.queue(Buffer.from('bad port'), LOCALHOST, 0); // EINVAL
    s.queue(Buffer.from('two'), LOCALHOST, server.localPort);
    s.queue(Buffer.from('no such interface'), LOCALHOST, 9, { ifindex: 0x7ffffff0 }); // ENODEV
    s.queue(Buffer.from('broadcast'), LO_BROADCAST, 9, { ifindex: loIndex() }); // EACCES: no SO_BROADCAST
    s.queue(Buffer.from('three'), LOCALHOST, server.localPort);
    assert.equal(s.flush(), 3);
    assert.deepEqual((await rx.until(3)).map((d) => d.data.toString()), ['one', 'two', 'three']);
    assert.deepEqual(failures.map((f) => [f.data, f.error, f.wouldBlock, f.port]), [
      ['bad port', 'EINVAL', false, 0], ['no such interface', 'ENODEV', false, 9], ['broadcast', 'EACCES', false, 9],
    ]);
    const st = s.stats();
    assert.deepEqual([st.sent, st.sendErrors, st.sendWouldBlock, st.lastSendError], [3, 3, 0, 'EACCES']);
    assert.throws(() => s.queue(Buffer.from('x'), -1, 9), RangeError, 'bad arguments do throw');
    assert.throws(() => s.queue(Buffer.from('x'), LOCALHOST, 65536), RangeError);
    assert.throws(() => s.queue(Buffer.from('x'), LOCALHOST, 9, { ifindex: -1 }), RangeError);
    // After close, what is still queued fails with EBADF and is counted; close itself sends what was queued before it.
    s.queue(Buffer.from('before close'), LOCALHOST, server.localPort);
    s.close();
    assert.equal((await rx.until(4))[3]!.data.toString(), 'before close');
    s.queue(Buffer.from('after close'), LOCALHOST, server.localPort);
    assert.equal(s.flush(), 1);
    assert.deepEqual([s.stats().sendErrors, s.stats().lastSendError, failures.at(-1)?.error], [4, 'EBADF', 'EBADF']);
  }));

test('a datagram longer than maxDatagramBytes is dropped and counted as truncated; the largest IPv4 datagram fits by default', opts, () =>
  withSockets(async (open) => {
    const small = open({ port: 0, address: LOCALHOST, maxDatagramBytes: 1500 });
    const big = open({ port: 0, address: LOCALHOST });
    const rxSmall = collect(small);
    const rxBig = collect(big);
    const sender = open({ port: 0, sendBufferBytes: 1 << 20 });
    const largest = Buffer.alloc(65507, 0);
    for (let i = 0; i < largest.length; i++) largest[i] = (i * 7) & 255;
    assert.equal(sender.send(largest, LOCALHOST, small.localPort), true);
    assert.equal(sender.send(Buffer.from('fits'), LOCALHOST, small.localPort), true);
    assert.equal(sender.send(largest, LOCALHOST, big.localPort), true);
    const [fits] = await rxSmall.until(1);
    assert.equal(fits!.data.toString(), 'fits');
    const [whole] = await rxBig.until(1);
    assert.ok(whole!.data.equals(largest), 'the 65507-byte datagram arrives intact');
    await sleep(20);
    assert.deepEqual([small.stats().truncated, small.stats().received, rxSmall.got.length], [1, 1, 1]);
    assert.equal(big.stats().truncated, 0);
  }));

test('more datagrams than one recvmmsg batch arrive complete, in order, each in its own buffer', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST, recvBufferBytes: 1 << 20 });
    const rx = collect(server);
    const client = open({ port: 0, address: LOCALHOST });
    const count = 150; // several batches of 32, all queued before the loop reads any
    for (let i = 0; i < count; i++) assert.equal(client.send(Buffer.from(`datagram ${i}`.padEnd(10 + (i % 50), '.')), LOCALHOST, server.localPort), true);
    const got = await rx.until(count);
    assert.deepEqual(got.map((d) => d.data.toString()), Array.from({ length: count }, (_, i) => `datagram ${i}`.padEnd(10 + (i % 50), '.')));
    assert.ok(got.every((d) => d.from === LOCALHOST && d.fromPort === client.localPort && d.to === LOCALHOST));
    assert.equal(server.stats().received, count);
  }));

test('close is idempotent, frees the port at once, and leaves stats readable; send after close is counted', opts, () =>
  withSockets(async (open) => {
    const s = open({ port: 0, address: LOCALHOST });
    const port = s.localPort;
    s.close();
    s.close();
    const again = open({ port, address: LOCALHOST }); // no EADDRINUSE: the fd is gone
    assert.equal(again.localPort, port);
    assert.equal(s.send(Buffer.from('x'), LOCALHOST, port), false);
    assert.deepEqual([s.stats().sendErrors, s.stats().lastSendError], [1, 'EBADF']);
    assert.deepEqual(s.bufferSizes(), { recv: 0, send: 0 });
  }));

test('close inside the message callback stops delivery, even mid-batch', opts, () =>
  withSockets(async (open) => {
    const server = open({ port: 0, address: LOCALHOST });
    const client = open({ port: 0, address: LOCALHOST });
    const seen: string[] = [];
    server.onMessage((d) => {
      seen.push(d.data.toString());
      server.close();
      server.close();
    });
    for (let i = 0; i < 10; i++) client.send(Buffer.from(`m${i}`), LOCALHOST, server.localPort);
    await sleep(100);
    assert.deepEqual(seen, ['m0']);
    assert.equal(server.stats().received, 10, 'the whole batch was read, one was delivered');
  }));

// In a child process: what must hold for the whole process, not one test.
async function runChild(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const mod = pathToFileURL(join(repoRoot, 'dist', 'src', 'runtime', 'udp4-socket.js')).href;
  const child = startChild(process.execPath, ['--input-type=module', '-e', `import { Udp4Socket } from ${JSON.stringify(mod)};\n${script}`]);
  try {
    const { code } = await child.exit(10_000);
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  } finally {
    child.kill();
  }
}

test('a process whose socket closes itself in its callback exits by itself (the handle is released)', opts, async () => {
  const r = await runChild(`
    const s = Udp4Socket.open({ port: 0, address: 0x7f000001 });
    s.onMessage((d) => { console.log('got ' + d.data); s.close(); });
    s.send(Buffer.from('bye'), 0x7f000001, s.localPort);
    setTimeout(() => { console.log('still running'); process.exit(3); }, 5000).unref();
  `);
  assert.deepEqual([r.code, r.stdout.trim()], [0, 'got bye'], r.stderr);
});

test('an exception in the handler is an uncaught exception; the rest of the batch is still delivered', opts, async () => {
  const r = await runChild(`
    const s = Udp4Socket.open({ port: 0, address: 0x7f000001 });
    const seen = [];
    process.on('uncaughtException', (e) => console.log('uncaught: ' + e.message));
    s.onMessage((d) => {
      seen.push(String(d.data));
      if (seen.length === 3) { console.log('seen ' + seen.join(',')); s.close(); }
      if (String(d.data) === 'a') throw new Error('handler failed on a');
    });
    for (const m of ['a', 'b', 'c']) s.send(Buffer.from(m), 0x7f000001, s.localPort);
    setTimeout(() => process.exit(3), 5000).unref();
  `);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['seen a,b,c', 'uncaught: handler failed on a']);
});

test('open errors name the call and the errno; reuseAddr lets two sockets share a port', opts, () =>
  withSockets(async (open) => {
    const a = open({ port: 0, address: LOCALHOST, reuseAddr: true });
    assert.throws(() => Udp4Socket.open({ port: a.localPort, address: LOCALHOST }), (e: NodeJS.ErrnoException) => {
      assert.match(e.message, new RegExp(`^udp4: bind 127\\.0\\.0\\.1:${a.localPort}: Address already in use \\(EADDRINUSE\\)$`));
      assert.deepEqual([e.code, e.syscall, e.errno], ['EADDRINUSE', 'bind', -98]);
      return true;
    });
    const b = open({ port: a.localPort, address: LOCALHOST, reuseAddr: true });
    assert.equal(b.localPort, a.localPort);
    assert.throws(() => Udp4Socket.open({ port: 0, device: 'nosuchif0' }), /^Error: udp4: setsockopt SO_BINDTODEVICE "nosuchif0": No such device \(ENODEV\)$/);
    assert.throws(() => Udp4Socket.open({ port: 70000 }), RangeError);
    assert.throws(() => Udp4Socket.open({ port: 0, maxDatagramBytes: 0 }), RangeError);
  }));

test('a socket bound to lo with device receives there; buffer sizes are applied', opts, () =>
  withSockets(async (open) => {
    const s = open({ port: 0, device: 'lo', recvBufferBytes: 1 << 20, sendBufferBytes: 1 << 19 });
    const rx = collect(s);
    // The kernel doubles the request after capping it at net.core.{r,w}mem_max.
    const max = (key: string): number => Number(readFileSync(`/proc/sys/net/core/${key}`, 'utf8'));
    assert.deepEqual(s.bufferSizes(), { recv: 2 * Math.min(1 << 20, max('rmem_max')), send: 2 * Math.min(1 << 19, max('wmem_max')) });
    open({ port: 0 }).send(Buffer.from('via lo'), LOCALHOST, s.localPort);
    const [d] = await rx.until(1);
    assert.equal(d!.ifindex, loIndex());
  }));

test('interfaceIndex and interfaceName translate names and indexes; unknown names throw clearly', opts, () => {
  assert.equal(interfaceIndex('lo'), loIndex());
  assert.equal(interfaceName(loIndex()), 'lo');
  assert.equal(interfaceName(0x7ffffff0), undefined);
  assert.throws(() => interfaceIndex('nosuchif0'), /^Error: unknown network interface "nosuchif0"/);
  assert.throws(() => interfaceIndex('a-name-longer-than-ifnamsiz'), /unknown network interface/);
});

test('protocol icmp: an ICMP socket (ping or raw) sends an echo request to 127.0.0.1 and receives the bare echo reply', opts, () =>
  withSockets(async (open) => {
    assert.equal(open({ port: 0, address: LOCALHOST }).kind, 'udp');
    assert.throws(() => open({ port: 7, protocol: 'icmp' }), /an ICMP socket has no port/);
    let icmp: Udp4Socket;
    try {
      icmp = open({ port: 0, protocol: 'icmp' });
    } catch (error) {
      // Neither a ping socket (net.ipv4.ping_group_range) nor CAP_NET_RAW: the error says so.
      assert.match((error as Error).message, /IPPROTO_ICMP .*ping_group_range or CAP_NET_RAW/);
      return;
    }
    assert.ok(icmp.kind === 'icmp' || icmp.kind === 'icmp-raw', icmp.kind);
    const rx = collect(icmp);
    const request = icmpEcho.encode({ type: ICMP_ECHO_REQUEST, code: 0, identifier: 0x4f50, sequence: 7, payload: Buffer.from('outpost system test') });
    assert.equal(icmp.send(request, LOCALHOST, 0), true);
    const deadline = Date.now() + 5_000;
    let reply;
    while (reply === undefined && Date.now() < deadline) {
      const [d] = await rx.until(1);
      const m = icmpEcho.decode(rx.got.shift()!.data);
      assert.equal(d!.from, LOCALHOST);
      if (m.type === ICMP_ECHO_REPLY && m.payload.toString() === 'outpost system test') reply = m;
    }
    assert.equal(reply?.sequence, 7, 'the echo reply, without an IP header in front');
  }));

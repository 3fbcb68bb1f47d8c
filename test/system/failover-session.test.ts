// The failover session on real TCP sockets (127.0.0.1): the pre-shared-key handshake
// both ways, and every way a peer is refused — wrong key, wrong config hash, clock
// skew, unknown relationship, garbage, a tampered or replayed frame. Nothing from a
// refused peer reaches the handler; only an authenticated refusal is reported as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../src/core/fake-clock.js';
import { FailoverSession, type SessionEndReason, type SessionIdentity } from '../../src/runtime/failover-session.js';
import { encodeFrame, encodeMessage, type FailoverMessage, type HelloMessage } from '../../src/wire/failover/index.js';

const KEY = randomBytes(32);
const HASH = randomBytes(32);
const T0 = Date.UTC(2026, 10, 30, 12);

const identity = (o: Partial<SessionIdentity> = {}): SessionIdentity => ({
  relationship: 'branch-07', serverName: 'a', role: 'primary', mode: 'hot-standby', configHash: HASH, key: KEY, maxClockSkewMs: 5000, ...o,
});

interface Side { ready: boolean; messages: FailoverMessage[]; ended?: { reason: SessionEndReason; detail: string }; done: Promise<void>; session?: FailoverSession }

function side(): Side & { handlers: Parameters<typeof FailoverSession.connector>[3] } {
  let finish!: () => void;
  const s: Side = { ready: false, messages: [], done: new Promise<void>((r) => { finish = r; }) };
  return Object.assign(s, {
    handlers: {
      onReady: () => { s.ready = true; },
      onMessage: (m: FailoverMessage) => { s.messages.push(m); },
      onEnd: (reason: SessionEndReason, detail: string) => { s.ended = { reason, detail }; finish(); },
    },
  });
}

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

const connect = (port: number) => new Promise<Socket>((resolve, reject) => {
  const s = createConnection({ host: '127.0.0.1', port });
  s.once('connect', () => resolve(s)).once('error', reject);
});

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 5)); }
};

/** An acceptor that knows relationship branch-07 (as `acceptorId`), and a connector with `connectorId`. */
async function handshake(connectorId: SessionIdentity, acceptorId: SessionIdentity = identity({ serverName: 'b', role: 'standby' }), clocks = { c: T0, a: T0 }) {
  const acc = side();
  const con = side();
  const { server, port } = await listen((socket) => {
    acc.session = FailoverSession.acceptor(socket, (h: HelloMessage) => (h.relationship === acceptorId.relationship ? acceptorId : 'unknown-relationship'), new FakeClock(clocks.a), acc.handlers);
  });
  con.session = FailoverSession.connector(await connect(port), connectorId, new FakeClock(clocks.c), con.handlers);
  return { acc, con, server, port };
}

test('matching key and config: both sides are ready, messages flow both ways, MAC\'d and in order', async () => {
  const { acc, con, server } = await handshake(identity());
  await until(() => acc.ready && con.ready);
  for (let i = 0; i < 50; i++) con.session!.send({ kind: 'heartbeat', state: 'normal', clock: T0 + i, unsynced: i });
  acc.session!.send({ kind: 'resync-request', subnetId: 7, after: 0, limit: 100 });
  await until(() => acc.messages.length === 50 && con.messages.length === 1);
  assert.deepEqual(acc.messages.map((m) => (m.kind === 'heartbeat' ? m.unsynced : -1)), Array.from({ length: 50 }, (_, i) => i));
  con.session!.close('done');
  await acc.done;
  assert.equal(acc.ended?.reason, 'closed');
  server.close();
});

test('a wrong key: the connector finds the acceptor\'s proof wrong (auth-failed); nothing is delivered', async () => {
  const { acc, con, server } = await handshake(identity({ key: randomBytes(32) }));
  await con.done;
  await acc.done;
  assert.equal(con.ended?.reason, 'auth-failed');
  assert.ok(!acc.ready && !con.ready && acc.messages.length === 0);
  server.close();
});

test('a connector that answers with a forged AUTH proof is refused by the acceptor (auth-failed)', async () => {
  const acc = side();
  const { server, port } = await listen((socket) => {
    acc.session = FailoverSession.acceptor(socket, () => identity({ serverName: 'b', role: 'standby' }), new FakeClock(T0), acc.handlers);
  });
  const s = await connect(port);
  const frame = (m: FailoverMessage, seq: number) => { const { type, body } = encodeMessage(m); return encodeFrame({ type, sequence: seq, body }); };
  s.write(frame({ kind: 'hello', relationship: 'branch-07', serverName: 'x', role: 'primary', mode: 'hot-standby', configHash: HASH, clock: T0, nonce: randomBytes(32) }, 0));
  s.write(frame({ kind: 'auth', proof: randomBytes(32) }, 1));
  await acc.done;
  assert.equal(acc.ended?.reason, 'auth-failed');
  assert.equal(acc.ready, false);
  s.destroy();
  server.close();
});

test('a config hash mismatch: refused with the acceptor\'s proof, so the connector knows the refusal is genuine (refused-by-partner); the acceptor saw a stranger', async () => {
  const { acc, con, server } = await handshake(identity({ configHash: randomBytes(32) }));
  await con.done;
  await acc.done;
  assert.equal(con.ended?.reason, 'refused-by-partner');
  assert.match(con.ended!.detail, /config-mismatch/);
  assert.equal(acc.ended?.reason, 'refused-stranger');
  server.close();
});

test('clock skew beyond the limit is refused, whichever side notices', async () => {
  const skewed = await handshake(identity(), undefined, { c: T0 + 60_000, a: T0 });
  await skewed.con.done;
  assert.equal(skewed.con.ended?.reason, 'refused-by-partner');
  assert.match(skewed.con.ended!.detail, /clock-skew/);
  skewed.server.close();
  const within = await handshake(identity(), undefined, { c: T0 + 4_000, a: T0 });
  await until(() => within.acc.ready && within.con.ready);
  within.con.session!.close('done');
  within.server.close();
});

test('an unknown relationship is refused without a proof: the connector cannot trust it (auth-failed), the acceptor saw a stranger', async () => {
  const { acc, con, server } = await handshake(identity({ relationship: 'other' }));
  await con.done;
  await acc.done;
  assert.equal(con.ended?.reason, 'auth-failed');
  assert.match(con.ended!.detail, /unknown-relationship/);
  assert.equal(acc.ended?.reason, 'refused-stranger');
  server.close();
});

test('garbage, a tampered frame and a replayed frame each end the connection with their reason', async () => {
  // Garbage before any handshake.
  const g = side();
  const { server, port } = await listen((socket) => { g.session = FailoverSession.acceptor(socket, () => identity(), new FakeClock(T0), g.handlers); });
  const s = await connect(port);
  s.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  await g.done;
  assert.equal(g.ended?.reason, 'bad-frame');
  assert.match(g.ended!.detail, /bad-magic/);
  s.destroy();
  server.close();

  // A session whose frames are tampered with, then replayed, on the way.
  for (const attack of ['tamper', 'replay'] as const) {
    const acc = side();
    const con = side();
    let toAcceptor!: Socket;
    const { server: srv, port: p } = await listen((socket) => {
      acc.session = FailoverSession.acceptor(socket, () => identity({ serverName: 'b', role: 'standby' }), new FakeClock(T0), acc.handlers);
    });
    // A proxy between the two that can change what the connector sends once the session is up.
    let last: Buffer | undefined;
    let fromConnectorSocket!: Socket;
    const proxy = createServer((fromConnector) => {
      fromConnectorSocket = fromConnector;
      toAcceptor = createConnection({ host: '127.0.0.1', port: p });
      toAcceptor.on('close', () => fromConnector.destroy());
      toAcceptor.on('data', (d) => fromConnector.write(d));
      fromConnector.on('data', (d: Buffer) => {
        if (acc.ready && con.ready) {
          if (attack === 'tamper') { const c = Buffer.from(d); c[14] = c[14]! ^ 1; toAcceptor.write(c); return; }
          if (last) toAcceptor.write(last); // the previous frame again
          last = d;
        }
        toAcceptor.write(d);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    con.session = FailoverSession.connector(await connect((proxy.address() as AddressInfo).port), identity(), new FakeClock(T0), con.handlers);
    await until(() => acc.ready && con.ready);
    con.session!.send({ kind: 'heartbeat', state: 'normal', clock: T0, unsynced: 1 });
    if (attack === 'replay') {
      await until(() => acc.messages.length === 1);
      con.session!.send({ kind: 'heartbeat', state: 'normal', clock: T0, unsynced: 2 });
    }
    await acc.done;
    assert.equal(acc.ended?.reason, 'bad-frame', attack);
    assert.match(acc.ended!.detail, attack === 'tamper' ? /bad-mac/ : /bad-sequence/);
    assert.ok(acc.messages.length <= 1, `${attack}: at most the untouched first frame was delivered`);
    await con.done;
    fromConnectorSocket.destroy();
    proxy.close();
    srv.close();
  }
});

test('a HELLO of another protocol version is answered with result "version" and refused', async () => {
  const acc = side();
  const { server, port } = await listen((socket) => { acc.session = FailoverSession.acceptor(socket, () => identity(), new FakeClock(T0), acc.handlers); });
  const s = await connect(port);
  const reply = new Promise<Buffer>((r) => s.once('data', r));
  const { type, body } = encodeMessage({ kind: 'hello', relationship: 'branch-07', serverName: 'x', role: 'primary', mode: 'hot-standby', configHash: HASH, clock: T0, nonce: randomBytes(32) });
  const frame = encodeFrame({ type, sequence: 0, body });
  frame[2] = 2; // version 2
  s.write(frame);
  await acc.done;
  assert.equal(acc.ended?.reason, 'refused-stranger');
  assert.match(acc.ended!.detail, /version/);
  const { decodeMessage } = await import('../../src/wire/failover/index.js');
  const got = await reply;
  const answer = decodeMessage(got[3]!, got.subarray(12, 12 + got.readUInt32BE(8)));
  assert.equal(answer.kind === 'hello-reply' ? answer.result : answer.kind, 'version');
  s.destroy();
  server.close();
});

test('a peer that connects and never completes the handshake is dropped after 5 s (handshake-timeout)', async () => {
  const acc = side();
  const clock = new FakeClock(T0);
  const { server, port } = await listen((socket) => { acc.session = FailoverSession.acceptor(socket, () => identity(), clock, acc.handlers); });
  const s = await connect(port);
  await until(() => acc.session !== undefined);
  clock.advance(4999);
  assert.equal(acc.ended, undefined);
  clock.advance(2);
  await acc.done;
  assert.equal((acc.ended as Side['ended'])?.reason, 'handshake-timeout');
  s.destroy();
  server.close();
});

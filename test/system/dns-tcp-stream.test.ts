// Streamed replies of the DNS TCP server (src/runtime/dns-tcp-server.ts), the shape of
// a zone transfer: messages pulled from an iterator one event-loop turn at a time (a
// timer runs during the transfer), the answer to a query pipelined behind it comes
// after its last message, a client that goes away stops the pulling, and an iterator
// that throws ends the connection instead of leaving the client waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { DnsTcpServer, type DnsTcpReply } from '../../src/runtime/dns-tcp-server.js';

const BIG = 60_000;

function frame(payload: Buffer): Buffer {
  const f = Buffer.alloc(payload.length + 2);
  f.writeUInt16BE(payload.length);
  payload.copy(f, 2);
  return f;
}

/** A "query": 12 bytes whose first byte says what to answer. */
const ask = (kind: number) => frame(Buffer.from([kind, ...new Array<number>(11).fill(0)]));

async function serve(handler: (m: Buffer) => DnsTcpReply, fn: (port: number, drops: string[]) => Promise<void>): Promise<void> {
  const drops: string[] = [];
  const server = await DnsTcpServer.listen({ address: '127.0.0.1', port: 0, idleTimeoutMs: 10_000, maxConnections: 10, maxPipelined: 10, handler, onDrop: (reason, _p, detail) => drops.push(`${reason}:${detail ?? ''}`) });
  try {
    await fn(server.port, drops);
  } finally {
    await server.close();
  }
}

/** Reads framed messages until `count` arrived or the connection ended; their first bytes. */
function read(s: Socket, count: number): Promise<number[]> {
  return new Promise((resolve) => {
    let pending = Buffer.alloc(0);
    const got: number[] = [];
    s.on('data', (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        got.push(pending[2]!);
        pending = pending.subarray(2 + pending.readUInt16BE(0));
        if (got.length === count) resolve(got);
      }
    });
    s.on('close', () => resolve(got));
  });
}

test('a streamed reply is written one message per event-loop turn, in order, before the answer to the next query', async () => {
  let pulled = 0;
  const handler = (m: Buffer): DnsTcpReply => {
    if (m[0] === 2) return Buffer.from([2]);
    return (function* () {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield Buffer.alloc(BIG, 1);
      }
    })();
  };
  await serve(handler, async (port) => {
    const s = connect(port, '127.0.0.1');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const got = read(s, 101);
    s.write(Buffer.concat([ask(1), ask(2)]));
    const kinds = await got;
    clearInterval(timer);
    s.destroy();
    assert.deepEqual(kinds, [...new Array<number>(100).fill(1), 2]);
    assert.equal(pulled, 100);
    assert.ok(ticks >= 20, `a timer ran ${ticks} times during the transfer`);
  });
});

test('a client that goes away stops the pulling; an iterator that throws ends the connection', async () => {
  let pulled = 0;
  let closed = false;
  const handler = (m: Buffer): DnsTcpReply => (function* () {
    try {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        if (m[0] === 3 && i === 5) throw new Error('encode failed');
        yield Buffer.alloc(BIG, 1);
      }
    } finally {
      closed = true;
    }
  })();
  await serve(handler, async (port, drops) => {
    const s = connect(port, '127.0.0.1');
    const first = read(s, 3);
    s.write(ask(1));
    assert.equal((await first).length, 3);
    s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pulled < 10_000, `pulled ${pulled}`);
    assert.ok(closed, 'the iterator was closed');

    const t = connect(port, '127.0.0.1');
    const got = read(t, 10_000);
    t.write(ask(3));
    const kinds = await got;
    assert.equal(kinds.length, 5, 'the messages before the failure, then the connection ends');
    assert.ok(drops.some((d) => d === 'error:encode failed'), drops.join(', '));
  });
});

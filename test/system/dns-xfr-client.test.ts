// The secondary's sockets (src/runtime/dns-xfr-client.ts) against small servers on
// 127.0.0.1: the SOA query over UDP, answers with another id ignored, TC → TCP, no
// answer within the tries; transfers over TCP across several messages, a connection
// closed early, a primary that goes quiet, a message that does not decode, the
// reader's size limit passing through, and abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { DnsXfrClient } from '../../src/runtime/dns-xfr-client.js';
import { axfrQuery, soaQuery } from '../../src/protocol/dns/secondary/requests.js';
import { XfrError, XfrReader } from '../../src/protocol/dns/secondary/xfr-reader.js';
import { decodeMessage, encodeMessage, RRType, type DnsMessage } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { ORIGIN, zoneRecords } from '../support/dns-fake-primary.js';

const ZONE = zoneRecords(7, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`h${i}`, `192.0.2.${i + 1}`])));
const reply = (q: DnsMessage, answers = ZONE.slice(0, 1), over: Partial<DnsMessage> = {}) =>
  encodeMessage({ ...message({ flags: { qr: true, aa: true }, questions: q.questions, answers }), id: q.id, ...over });

async function udpServer(onQuery: (q: DnsMessage, send: (b: Buffer) => void) => void): Promise<{ port: number; close(): void }> {
  const s: UdpSocket = createSocket('udp4');
  s.on('message', (data, from) => onQuery(decodeMessage(data), (b) => s.send(b, from.port, from.address)));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, close: () => s.close() };
}

async function tcpServer(onQuery: (q: DnsMessage, socket: Socket) => void, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => onQuery(decodeMessage(chunk.subarray(2, 2 + chunk.readUInt16BE(0))), socket));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as { port: number }).port;
  return { port: bound, close: () => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); } };
}

const frame = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const signal = () => new AbortController().signal;

test('SOA query over UDP: an answer with another id is ignored; a truncated one is asked again over TCP on the same port', async () => {
  let tcpAsked = 0;
  const tcp = await tcpServer((q, socket) => { tcpAsked++; socket.write(frame(reply(q))); });
  const udp = await (async () => {
    const s = createSocket('udp4');
    s.on('message', (data, from) => {
      const q = decodeMessage(data);
      s.send(reply(q, [], { id: (q.id + 1) & 0xffff }), from.port, from.address); // noise first
      s.send(reply(q, [], { flags: { ...message().flags, qr: true, aa: true, tc: true } }), from.port, from.address);
    });
    await new Promise<void>((r) => s.bind(tcp.port, '127.0.0.1', r));
    return s;
  })();
  const client = new DnsXfrClient({ queryTimeoutMs: 1000 });
  const m = await client.query({ address: '127.0.0.1', port: tcp.port }, soaQuery(ORIGIN), signal());
  assert.equal(m.answers[0]!.type, RRType.SOA);
  assert.equal(tcpAsked, 1);
  udp.close();
  await tcp.close();
});

test('SOA query: no answer within the tries is an error naming them; abort ends it at once', async () => {
  let asked = 0;
  const udp = await udpServer(() => { asked++; });
  const client = new DnsXfrClient({ queryTimeoutMs: 200, queryTries: 3 });
  const t0 = Date.now();
  await assert.rejects(client.query({ address: '127.0.0.1', port: udp.port }, soaQuery(ORIGIN), signal()), /no answer over UDP in 3 × 200 ms/);
  assert.equal(asked, 3);
  assert.ok(Date.now() - t0 < 2000);
  const ac = new AbortController();
  const pending = client.query({ address: '127.0.0.1', port: udp.port }, soaQuery(ORIGIN), ac.signal);
  ac.abort();
  await assert.rejects(pending, /aborted/);
  udp.close();
});

test('AXFR over TCP across three messages, read to the closing SOA', async () => {
  const tcp = await tcpServer((q, socket) => {
    const soa = ZONE[0]!;
    const body = ZONE.slice(1);
    socket.write(Buffer.concat([frame(reply(q, [soa, ...body.slice(0, 20)])), frame(reply(q, body.slice(20, 40), { questions: [] }))]));
    setTimeout(() => socket.write(frame(reply(q, [...body.slice(40), soa], { questions: [] }))), 20);
  });
  const reader = new XfrReader(ORIGIN, RRType.AXFR);
  let messages = 0;
  await new DnsXfrClient().transfer({ address: '127.0.0.1', port: tcp.port }, axfrQuery(ORIGIN), (m, n) => { messages++; return reader.push(m, n); }, signal());
  assert.equal(messages, 3);
  const r = reader.result();
  assert.equal(r.kind === 'full' && r.records.length, ZONE.length);
  await tcp.close();
});

test('transfers end with a reason: closed early, quiet too long, undecodable, another id, the reader\'s limit, refused connection', async () => {
  const client = new DnsXfrClient({ idleTimeoutMs: 300, connectTimeoutMs: 1000 });
  const run = async (serve: (q: DnsMessage, socket: Socket) => void, onMessage: (m: DnsMessage, n: number) => boolean = () => false) => {
    const tcp = await tcpServer(serve);
    try {
      return await client.transfer({ address: '127.0.0.1', port: tcp.port }, axfrQuery(ORIGIN), onMessage, signal()).then(() => 'done', (e: Error) => e);
    } finally {
      await tcp.close();
    }
  };
  assert.match(String(await run((q, s) => { s.write(frame(reply(q))); s.end(); })), /closed the connection before the answer was complete/);
  assert.match(String(await run(() => {})), /no data for 300 ms/);
  const undecodable = await run((_q, s) => { s.write(frame(Buffer.from('0001800000010000', 'hex'))); });
  assert.ok(undecodable instanceof XfrError && undecodable.reason === 'malformed', String(undecodable));
  assert.match(String(await run((q, s) => { s.write(frame(reply(q, ZONE.slice(0, 1), { id: (q.id + 1) & 0xffff }))); })), /with id \d+, not \d+/);
  const reader = new XfrReader(ORIGIN, RRType.AXFR, undefined, { maxRecords: 10, maxBytes: 1e9, maxMessages: 10 });
  const big = await run((q, s) => { s.write(frame(reply(q, ZONE.slice(0, 30)))); }, (m, n) => reader.push(m, n));
  assert.ok(big instanceof XfrError && big.reason === 'too-large', String(big));
  const closed = await tcpServer(() => {});
  const port = closed.port;
  await closed.close();
  await assert.rejects(client.transfer({ address: '127.0.0.1', port }, axfrQuery(ORIGIN), () => true, signal()), /ECONNREFUSED/);
});

// The TFTP part of the file service (src/site/files-tftp.ts) on real sockets on
// 127.0.0.1, driven by a hand-made client that can misbehave: a packet from a wrong
// transfer ID (ERROR 5, the transfer goes on), maxTransfers (ERROR 0 busy), a request
// sent twice (one transfer), requests refused before the disk (ERROR 4, 8, 3), each
// transfer on its own socket, closed when it ends, stop with a transfer under way,
// and the counters behind /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { FilesService } from '../../src/site/files-service.js';
import { decodePacket, encodePacket, type TftpOption, type TftpPacket } from '../../src/wire/tftp/index.js';
import { memoryLogger } from '../support/memory-log.js';
import { randomFile } from '../support/tftp-rig.js';

const HOST = '127.0.0.1';

interface Received { readonly p: TftpPacket; readonly port: number }

/** A TFTP client that does exactly what it is told. */
class Client {
  private readonly inbox: Received[] = [];
  private waiter?: () => void;
  private constructor(readonly socket: Socket, private readonly host: string) {
    socket.on('message', (data, rinfo) => {
      this.inbox.push({ p: decodePacket(data), port: rinfo.port });
      this.waiter?.();
    });
  }

  static async open(host = HOST): Promise<Client> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new Client(socket, host);
  }

  send(p: TftpPacket | Buffer, port: number): void {
    this.socket.send(Buffer.isBuffer(p) ? p : encodePacket(p), port, this.host);
  }

  /** The next packet, or undefined after timeoutMs. */
  async next(timeoutMs = 2000): Promise<Received | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
    }
    return this.inbox.shift();
  }

  /** Reads a file in lockstep from the server port; its bytes and the transfer's port. */
  async fetch(port: number, filename: string, options: TftpOption[] = []): Promise<{ bytes: Buffer; tid: number }> {
    this.send({ op: 'rrq', filename, mode: 'octet', options }, port);
    const chunks: Buffer[] = [];
    let tid = 0;
    for (let block = 1; ; block++) {
      let r = await this.next();
      if (r?.p.op === 'oack') {
        tid = r.port;
        this.send({ op: 'ack', block: 0 }, tid);
        r = await this.next();
      }
      assert.ok(r && r.p.op === 'data', `block ${block}: ${JSON.stringify(r?.p)}`);
      assert.equal(r.p.block, block & 0xffff);
      tid = r.port;
      chunks.push(Buffer.from(r.p.data));
      this.send({ op: 'ack', block: block & 0xffff }, tid);
      if (r.p.data.length < 512 && options.length === 0) break;
      if (options.length > 0 && r.p.data.length < Number(options.find((o) => o.name === 'blksize')?.value ?? 512)) break;
    }
    return { bytes: Buffer.concat(chunks), tid };
  }

  close(): void {
    this.socket.close();
  }
}

async function serve(tftp: Record<string, unknown> = {}, host = HOST) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-tftp-'));
  mkdirSync(join(dir, 'root', 'backup'), { recursive: true });
  const content = randomFile(3000);
  writeFileSync(join(dir, 'root', 'firmware.bin'), content);
  const parsed = parseSiteConfig(JSON.stringify({
    version: 1, site: { name: 'test' }, server: { name: 't-1' },
    files: { root: 'root', dataDir: 'data', tftp: { listen: [{ address: host, port: 0 }], writable: ['backup/'], ...tftp } },
  }));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  const { log, lines } = memoryLogger('info');
  const registry = new Registry();
  const service = new FilesService({ config: parsed.loaded.config.files!, configDir: dir, log, clock: systemClock, registry });
  await service.start();
  const listening = lines().find((l) => l.code === 'FILES_TFTP_LISTENING') as { listen: { port: number }[] };
  const port = listening.listen[0]!.port;
  const status = () => (service.status() as { tftp: { transfers: number; refused: Record<string, number>; requests: Record<string, number> } }).tftp;
  const done = async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, content, status, lines, registry, service, done };
}

/** Whether a port on 127.0.0.1 is free again (its socket closed). */
async function portFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, HOST, resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

test('a packet from a wrong transfer ID gets ERROR 5 and the transfer goes on; the transfer\'s socket closes when it ends', async () => {
  const s = await serve();
  const a = await Client.open();
  const stranger = await Client.open();
  try {
    a.send({ op: 'rrq', filename: 'firmware.bin', mode: 'octet', options: [] }, s.port);
    const first = await a.next();
    assert.equal(first?.p.op, 'data');
    const tid = first!.port;
    assert.notEqual(tid, s.port, 'a new transfer ID');
    stranger.send({ op: 'ack', block: 1 }, tid);
    assert.deepEqual((await stranger.next())?.p, { op: 'error', code: 5, message: 'Unknown transfer ID' });
    const chunks = [(first!.p as { data: Buffer }).data];
    for (let block = 1; block <= 6; block++) {
      a.send({ op: 'ack', block }, tid);
      const r = await a.next();
      if (!r) break;
      assert.equal(r.p.op, 'data');
      chunks.push((r.p as { data: Buffer }).data);
    }
    a.send({ op: 'ack', block: 6 }, tid);
    assert.deepEqual(Buffer.concat(chunks), s.content);
    for (let i = 0; i < 20 && s.status().transfers > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(s.status().transfers, 0);
    assert.equal(await portFree(tid), true, 'the transfer\'s socket is closed');
    assert.equal(s.status().refused['wrong-tid'], 1);
    assert.match(await s.registry.metrics(), /^outpost_files_tftp_refused_total\{reason="wrong-tid"\} 1$/m);
    assert.match(await s.registry.metrics(), /^outpost_files_tftp_requests_total\{type="rrq",result="completed"\} 1$/m);
    assert.match(await s.registry.metrics(), /^outpost_files_tftp_bytes_sent_total 3000$/m);
  } finally {
    a.close();
    stranger.close();
    await s.done();
  }
});

test('maxTransfers: one more request gets ERROR 0 busy; a request sent twice makes one transfer', async () => {
  const s = await serve({ maxTransfers: 1 });
  const a = await Client.open();
  const b = await Client.open();
  try {
    a.send({ op: 'rrq', filename: 'firmware.bin', mode: 'octet', options: [] }, s.port);
    a.send({ op: 'rrq', filename: 'firmware.bin', mode: 'octet', options: [] }, s.port);
    const first = await a.next();
    assert.equal(first?.p.op, 'data');
    assert.equal(await a.next(300), undefined, 'one DATA 1: the second request made no transfer');
    assert.equal(s.status().transfers, 1);
    assert.equal(s.status().refused['duplicate-request'], 1);
    b.send({ op: 'rrq', filename: 'firmware.bin', mode: 'octet', options: [] }, s.port);
    const busy = await b.next();
    assert.equal(busy?.port, s.port);
    assert.deepEqual(busy?.p, { op: 'error', code: 0, message: 'server busy: 1 transfers in progress, try again later' });
    a.send({ op: 'error', code: 0, message: 'cancelled' }, first!.port);
    for (let i = 0; i < 20 && s.status().transfers > 0; i++) await new Promise((r) => setTimeout(r, 25));
    const got = await b.fetch(s.port, 'firmware.bin');
    assert.deepEqual(got.bytes, s.content, 'a slot again once the first ended');
    assert.equal(s.status().requests['rrq busy'], 1);
    assert.equal(s.status().requests['rrq aborted'], 1);
  } finally {
    a.close();
    b.close();
    await s.done();
  }
});

test('requests refused before the disk: ERROR 4, 8 and 3, from the server port; stray packets are not answered', async () => {
  const s = await serve({ maxWriteBytes: 1000 });
  const c = await Client.open();
  try {
    const z = (t: string) => `${Buffer.from(t).toString('hex')}00`;
    const cases: [Buffer, number][] = [
      [Buffer.from(`0001${z('firmware.bin')}${z('octet')}${z('blksize')}`, 'hex'), 8],
      [Buffer.from(`0001${z('firmware.bin')}`, 'hex'), 4],
      [Buffer.from('0009', 'hex'), 4],
      [encodePacket({ op: 'rrq', filename: 'firmware.bin', mode: 'mail', options: [] }), 4],
      [encodePacket({ op: 'wrq', filename: 'backup/a.cfg', mode: 'octet', options: [{ name: 'tsize', value: '1001' }] }), 3],
      [encodePacket({ op: 'wrq', filename: 'firmware.bin', mode: 'octet', options: [] }), 2],
      [encodePacket({ op: 'rrq', filename: 'none.bin', mode: 'octet', options: [] }), 1],
    ];
    for (const [packet, code] of cases) {
      c.send(packet, s.port);
      const r = await c.next();
      assert.equal(r?.port, s.port);
      assert.equal(r?.p.op === 'error' && r.p.code, code, `${packet.toString('hex')}: ${JSON.stringify(r?.p)}`);
    }
    c.send({ op: 'ack', block: 1 }, s.port);
    c.send({ op: 'error', code: 0, message: 'x' }, s.port);
    assert.equal(await c.next(300), undefined);
    const refused = s.lines().filter((l) => l.code === 'FILES_TFTP_REFUSED').map((l) => l.reason);
    assert.deepEqual(refused, ['bad-option', 'unterminated-string', 'bad-opcode', 'mail-mode', 'too-large', 'not-writable', 'not-found', 'not-a-request', 'not-a-request']);
  } finally {
    c.close();
    await s.done();
  }
});

test('a write is stored and served back, with options; stop ends a transfer under way with ERROR 0', async () => {
  const s = await serve();
  const c = await Client.open();
  try {
    c.send({ op: 'wrq', filename: 'backup/SEP0011.cfg', mode: 'octet', options: [{ name: 'blksize', value: '8' }, { name: 'tsize', value: '9' }] }, s.port);
    const oack = await c.next();
    assert.deepEqual(oack?.p, { op: 'oack', options: [{ name: 'blksize', value: '8' }, { name: 'tsize', value: '9' }] });
    c.send({ op: 'data', block: 1, data: Buffer.from('volume=5') }, oack!.port);
    assert.deepEqual((await c.next())?.p, { op: 'ack', block: 1 });
    c.send({ op: 'data', block: 2, data: Buffer.from('\n') }, oack!.port);
    assert.deepEqual((await c.next())?.p, { op: 'ack', block: 2 });
    const back = await c.fetch(s.port, 'backup/SEP0011.cfg', [{ name: 'blksize', value: '8' }]);
    assert.equal(back.bytes.toString(), 'volume=5\n');
    c.send({ op: 'rrq', filename: 'firmware.bin', mode: 'octet', options: [] }, s.port);
    const data = await c.next();
    assert.equal(data?.p.op, 'data');
    await s.service.stop();
    assert.deepEqual((await c.next())?.p, { op: 'error', code: 0, message: 'server shutting down' });
    assert.match(await s.registry.metrics(), /^outpost_files_tftp_transfers 0$/m);
    assert.match(await s.registry.metrics(), /^outpost_files_tftp_requests_total\{type="rrq",result="stopped"\} 1$/m);
    assert.equal(await portFree(data!.port), true);
  } finally {
    c.close();
    await s.done();
  }
});

test('IPv6: a read and a write on ::1', async () => {
  const s = await serve({}, '::1');
  const c = await Client.open('::1');
  try {
    assert.deepEqual((await c.fetch(s.port, 'firmware.bin')).bytes, s.content);
    c.send({ op: 'wrq', filename: 'backup/v6.cfg', mode: 'octet', options: [] }, s.port);
    const ack = await c.next();
    assert.deepEqual(ack?.p, { op: 'ack', block: 0 });
    c.send({ op: 'data', block: 1, data: Buffer.from('v6') }, ack!.port);
    assert.deepEqual((await c.next())?.p, { op: 'ack', block: 1 });
  } finally {
    c.close();
    await s.done();
  }
});

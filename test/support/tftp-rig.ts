// Test rigs for the TFTP engines (src/protocol/files/tftp-*.ts) under fake time: a read
// or write transfer wired to a FakeClock and a list of the packets it sent, and a
// simulated RFC 7440 client that fetches a file through a lossy, seeded network.
import { FakeClock } from '../../src/core/fake-clock.js';
import { netasciiBlocks, octetBlocks, type TftpFileReader } from '../../src/protocol/files/tftp-blocks.js';
import type { Transition } from '../../src/core/table-machine.js';
import type { TftpAgreed } from '../../src/protocol/files/tftp-options.js';
import { TftpReadTransfer, type TftpBlockSource } from '../../src/protocol/files/tftp-read.js';
import type { TftpPeer, TftpTransferEnd } from '../../src/protocol/files/tftp-transfer.js';
import { TftpWriteTransfer, type TftpStoreResult } from '../../src/protocol/files/tftp-write.js';
import { decodePacket, encodePacket, type TftpOption, type TftpPacket } from '../../src/wire/tftp/index.js';
import { seededRandom } from './random.js';

export const CLIENT: TftpPeer = { address: '192.0.2.20', port: 40000 };
export const STRANGER: TftpPeer = { address: '192.0.2.20', port: 40001 };

/** Settles pending reads (promise callbacks) without moving the fake clock. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function randomFile(size: number, seed = size): Buffer {
  const rnd = seededRandom(seed);
  return Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)));
}

export function memoryFile(content: Buffer, onRead?: () => void): TftpFileReader {
  return {
    size: content.length,
    read: async (position, length) => {
      onRead?.();
      return Buffer.from(content.subarray(position, position + length));
    },
  };
}

export function agreed(o: Partial<TftpAgreed> & { options?: TftpOption[] } = {}): TftpAgreed {
  return { blksize: o.blksize ?? 512, windowsize: o.windowsize ?? 1, timeoutMs: o.timeoutMs ?? 1000, oack: o.options ?? o.oack ?? [], ignored: [] };
}

export interface Sent {
  readonly p: TftpPacket;
  readonly to: TftpPeer;
  readonly at: number;
}

interface Rig {
  readonly clock: FakeClock;
  readonly sent: Sent[];
  readonly transitions: Transition[];
  readonly refused: string[];
  end: TftpTransferEnd | undefined;
}

function base(): Rig {
  return { clock: new FakeClock(), sent: [], transitions: [], refused: [], end: undefined };
}

function hooks(r: Rig) {
  return {
    clock: r.clock,
    peer: CLIENT,
    send: (b: Buffer, to: TftpPeer) => r.sent.push({ p: decodePacket(b), to, at: r.clock.now() }),
    onEnd: (e: TftpTransferEnd) => {
      if (r.end) throw new Error('ended twice');
      r.end = e;
    },
    onTransition: (t: Transition) => r.transitions.push(t),
    onRefused: (reason: string) => r.refused.push(reason),
  };
}

/** Packets in from the client (or anyone) and time moving, each followed by the reads and stores it set off. */
function drive(r: Rig, t: { receive(data: Buffer, from: TftpPeer): void }) {
  return {
    async send(p: TftpPacket | Buffer, from = CLIENT) {
      t.receive(Buffer.isBuffer(p) ? p : encodePacket(p), from);
      await settle();
    },
    async advance(ms: number) {
      r.clock.advance(ms);
      await settle();
    },
  };
}

export interface ReadRig extends Rig {
  readonly t: TftpReadTransfer;
  readonly content: Buffer;
  /** Delivers a packet from the client (or another peer) and lets reads settle. */
  send(p: TftpPacket | Buffer, from?: TftpPeer): Promise<void>;
  /** Moves time and lets reads settle. */
  advance(ms: number): Promise<void>;
  /** DATA sent so far: "block:length" (wire block numbers). */
  data(): string[];
}

export interface ReadRigOptions {
  readonly content?: Buffer;
  readonly size?: number;
  readonly blksize?: number;
  readonly windowsize?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly options?: TftpOption[];
  readonly netascii?: boolean;
  readonly source?: TftpBlockSource;
}

export async function readRig(o: ReadRigOptions = {}): Promise<ReadRig> {
  const r = base();
  const content = o.content ?? randomFile(o.size ?? 1300);
  const a = agreed({ blksize: o.blksize, windowsize: o.windowsize, timeoutMs: o.timeoutMs, options: o.options });
  const source = o.source ?? (o.netascii ? netasciiBlocks(memoryFile(content), a.blksize) : octetBlocks(memoryFile(content), a.blksize));
  const t = new TftpReadTransfer({ ...hooks(r), agreed: a, retries: o.retries ?? 5, source });
  const rig: ReadRig = Object.assign(r, {
    t,
    content,
    ...drive(r, t),
    data: () => r.sent.filter((s) => s.p.op === 'data').map((s) => `${(s.p as { block: number }).block}:${(s.p as { data: Buffer }).data.length}`),
  });
  t.start();
  await settle();
  return rig;
}

export interface WriteRig extends Rig {
  readonly t: TftpWriteTransfer;
  readonly stored: Buffer[];
  send(p: TftpPacket | Buffer, from?: TftpPeer): Promise<void>;
  advance(ms: number): Promise<void>;
  /** ACK block numbers sent so far. */
  acks(): number[];
}

export async function writeRig(o: { blksize?: number; timeoutMs?: number; retries?: number; maxBytes?: number; options?: TftpOption[]; store?: (chunks: readonly Buffer[]) => Promise<TftpStoreResult> } = {}): Promise<WriteRig> {
  const r = base();
  const stored: Buffer[] = [];
  const t = new TftpWriteTransfer({
    ...hooks(r), agreed: agreed({ blksize: o.blksize, timeoutMs: o.timeoutMs, options: o.options }), retries: o.retries ?? 5, maxBytes: o.maxBytes ?? 1 << 20,
    store: o.store ?? (async (chunks) => {
      stored.push(Buffer.concat(chunks));
      return { ok: true };
    }),
  });
  const rig: WriteRig = Object.assign(r, {
    t,
    stored,
    ...drive(r, t),
    acks: () => r.sent.filter((s) => s.p.op === 'ack').map((s) => (s.p as { block: number }).block),
  });
  t.start();
  await settle();
  return rig;
}

/**
 * A client fetching through a lossy network, windowsize agreed. Both receivers keep only
 * in-order blocks, ACK the last block of each window (counted from their last ACK) and
 * the final one, and when nothing arrives for their own timeout ACK the last in-order
 * block again. On a block that is not the next one:
 *   - 'rfc7440': ACKs the last in-order block once per gap ahead, and on every old block;
 *   - 'atftp' (Debian's atftp 0.8, handle-loss-duplication-better.patch): one extra ACK,
 *     then nothing until the next in-order block or its own timeout.
 * Each packet either way is lost with probability `loss` (seeded; ACK 0 of the OACK is
 * never lost: atftp aborts on an OACK sent again); the rest arrive in order.
 */
export async function fetchThroughLoss(rig: ReadRig, o: { windowsize: number; loss: number; seed: number; receiver?: 'rfc7440' | 'atftp'; clientTimeoutMs?: number; maxSteps?: number }): Promise<{ bytes: Buffer; ok: boolean }> {
  const rnd = seededRandom(o.seed);
  const lost = () => rnd() < o.loss;
  const atftp = o.receiver === 'atftp';
  const clientTimeoutMs = o.clientTimeoutMs ?? 5000;
  const blksize = (rig.t as unknown as { blksize: number }).blksize;
  const blocks: Buffer[] = [];
  let expected = 1;
  let sinceAck = 0;
  let extraAck = false;
  let cursor = 0;
  let heard = rig.clock.now();
  const ack = async (block: number) => {
    sinceAck = 0;
    if (!lost()) await rig.send({ op: 'ack', block: block & 0xffff });
  };
  for (let step = 0; step < (o.maxSteps ?? 1_000_000) && !rig.end; step++) {
    if (cursor >= rig.sent.length) {
      // Nothing in flight: time passes; the server's timer, or the client's.
      await rig.advance(100);
      if (rig.clock.now() - heard >= clientTimeoutMs) {
        heard = rig.clock.now();
        extraAck = false;
        await ack(expected - 1);
      }
      continue;
    }
    const s = rig.sent[cursor++]!;
    if (lost()) continue;
    heard = rig.clock.now();
    if (s.p.op === 'oack') {
      await rig.send({ op: 'ack', block: 0 });
      continue;
    }
    if (s.p.op !== 'data') continue;
    if (s.p.block !== (expected & 0xffff)) {
      const ahead = ((s.p.block - expected) & 0xffff) < 0x8000;
      if (atftp ? !extraAck : !ahead || !extraAck) await ack(expected - 1);
      if (atftp || ahead) extraAck = true;
      continue;
    }
    blocks.push(Buffer.from(s.p.data));
    expected++;
    sinceAck++;
    extraAck = false;
    if (s.p.data.length < blksize || sinceAck >= o.windowsize) await ack(expected - 1);
  }
  return { bytes: Buffer.concat(blocks), ok: rig.end?.state === 'completed' };
}

// Test rigs for the TFTP engines (src/protocol/files/tftp-*.ts) under fake time: a read
// or write transfer wired to a FakeClock and a list of the packets it sent, and a
// simulated RFC 7440 client that fetches a file through a lossy, seeded network.
import { FakeClock } from '../../src/core/fake-clock.js';
import { netasciiBlocks, octetBlocks, type TftpFileReader } from '../../src/protocol/files/tftp-blocks.js';
import type { TftpTransition } from '../../src/protocol/files/tftp-machine.js';
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
  readonly transitions: TftpTransition[];
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
    onTransition: (t: TftpTransition) => r.transitions.push(t),
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
 * An RFC 7440 receiver fetching through a lossy network: it keeps only in-order blocks,
 * ACKs the last block of each window (and the final one), ACKs the last in-order block
 * at once when a block arrives ahead of it (once per gap) or again when an old one
 * arrives (the sender missed an ACK), and, with a client timeout, when nothing arrives
 * for that long. Each packet either way is
 * lost with probability `loss` (seeded); the rest arrive in order. Returns the bytes
 * received and whether the transfer completed.
 */
export async function fetchThroughLoss(rig: ReadRig, o: { windowsize: number; loss: number; seed: number; clientTimeoutMs?: number; maxSteps?: number; oack?: boolean }): Promise<{ bytes: Buffer; ok: boolean }> {
  const rnd = seededRandom(o.seed);
  const lost = () => rnd() < o.loss;
  const blocks: Buffer[] = [];
  let expected = 1;
  let sinceAck = 0;
  let gapAcked = false;
  let cursor = 0;
  const blksize = (rig.t as unknown as { blksize: number }).blksize;
  const ack = async (block: number) => {
    sinceAck = 0;
    if (!lost()) await rig.send({ op: 'ack', block: block & 0xffff });
  };
  if (o.oack) {
    // The OACK arrived (or is resent until it does): ACK 0.
    await ack(0);
  }
  for (let step = 0; step < (o.maxSteps ?? 1_000_000) && !rig.end; step++) {
    if (cursor >= rig.sent.length) {
      // Nothing in flight: the client's timer (re-ACK) or the server's, whichever first.
      const clientTimeout = o.clientTimeoutMs ?? Infinity;
      if (clientTimeout < 1000) {
        await rig.advance(clientTimeout);
        if (cursor >= rig.sent.length) await ack(expected - 1);
      } else {
        await rig.advance(1000);
      }
      continue;
    }
    const s = rig.sent[cursor++]!;
    if (lost()) continue;
    if (s.p.op === 'oack') {
      await ack(0);
      continue;
    }
    if (s.p.op !== 'data') continue;
    if (s.p.block !== (expected & 0xffff)) {
      const ahead = ((s.p.block - expected) & 0xffff) < 0x8000;
      if (!ahead || !gapAcked) await ack(expected - 1);
      if (ahead) gapAcked = true;
      continue;
    }
    blocks.push(Buffer.from(s.p.data));
    expected++;
    sinceAck++;
    gapAcked = false;
    if (s.p.data.length < blksize || sinceAck >= o.windowsize) await ack(expected - 1);
  }
  return { bytes: Buffer.concat(blocks), ok: rig.end?.state === 'completed' };
}

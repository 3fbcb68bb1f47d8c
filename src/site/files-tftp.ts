// The TFTP part of the file service (docs/files.md "TFTP"): a UDP socket on each
// files.tftp.listen address, a request judged (protocol/files/tftp-request.ts), the
// file opened once (uploads from the UploadStore, the rest from the served tree),
// options negotiated, and each transfer run by its engine (tftp-read.ts, tftp-write.ts)
// on a socket of its own — a new transfer ID — bound to the very address the request
// was sent to, so replies come from where the client sent it even when the service
// listens on 0.0.0.0. At most maxTransfers at once (ERROR 0 "busy" past that), one per
// client address and port (the same request again is ignored, another one replaces
// it). Every transfer ends — completed, client error, timeout, stop — and then its
// socket and file are closed. Counted in /metrics and GET /files; refused packets in a
// rate-limited log line.
import type { FileHandle } from 'node:fs/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import { OutpostError } from '../core/errors.js';
import type { FilesTftpConfig } from '../config/files-schema.js';
import type { FilesUploadEvent } from '../protocol/agent/events.js';
import { fromNetascii, netasciiBlocks, octetBlocks, type TftpFileReader } from '../protocol/files/tftp-blocks.js';
import { negotiate, type TftpAgreed } from '../protocol/files/tftp-options.js';
import { TftpReadTransfer } from '../protocol/files/tftp-read.js';
import { judgeRequest } from '../protocol/files/tftp-request.js';
import type { TftpPeer, TftpTransfer, TftpTransferEnd } from '../protocol/files/tftp-transfer.js';
import { TftpWriteTransfer, type TftpStoreResult } from '../protocol/files/tftp-write.js';
import { logEvent } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { openUdpEndpoint, type UdpEndpoint, type UdpReceived } from '../runtime/udp-endpoint.js';
import { UploadStore } from '../storage/upload-store.js';
import { encodePacket } from '../wire/tftp/packet.js';
import { TFTP_DATA_HEADER, TftpErrorCode } from '../wire/tftp/types.js';
import type { FilesPart, FilesPartOptions } from './files-service.js';
import type { OpenRefusal } from './files-tree.js';

type Kind = 'rrq' | 'wrq';

/** One transfer from the moment its request is accepted. */
interface Active {
  readonly key: string;
  readonly kind: Kind;
  readonly file: string;
  readonly client: TftpPeer;
  readonly started: number;
  transfer?: TftpTransfer;
  endpoint?: UdpEndpoint;
  handle?: FileHandle;
  agreed?: TftpAgreed;
}

/** Longest datagram a read transfer's socket takes: ACKs are 4 bytes, ERRORs short. */
const READ_SOCKET_DATAGRAM = 2048;
/** Transfers listed in GET /files at most. */
const STATUS_TRANSFERS = 100;
/** Transfer lines logged a minute at most. */
const TRANSFER_LOG_PER_MINUTE = 600;

/** The ERROR for a file the tree or the store would not open. */
function openRefusalCode(reason: OpenRefusal): number {
  return reason === 'not-found' || reason === 'not-a-file' ? TftpErrorCode.FILE_NOT_FOUND : TftpErrorCode.ACCESS_VIOLATION;
}

/** A local address a reply socket can bind: not a broadcast or multicast destination. */
function unicast(address: string | undefined): address is string {
  if (address === undefined || address === '255.255.255.255' || address === '0.0.0.0') return false;
  const first = Number(address.split('.')[0]);
  return first < 224;
}

function fileReader(handle: FileHandle, size: number): TftpFileReader {
  return {
    size,
    async read(position, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
  };
}

export class FilesTftp implements FilesPart {
  readonly name = 'tftp';
  private readonly config: FilesTftpConfig;
  private readonly store: UploadStore;
  private readonly listeners: UdpEndpoint[] = [];
  private readonly active = new Map<string, Active>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly requests = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private readonly refusedLog: RateLimitedLog;
  private readonly transferLog: RateLimitedLog;
  /** DATA payload bytes sent by ended transfers (the active ones are added when read). */
  private bytesSentEnded = 0;
  private retransmitsEnded = 0;
  private stopping = false;

  constructor(private readonly opts: FilesPartOptions) {
    if (!opts.config.tftp) throw new Error('FilesTftp without files.tftp');
    this.config = opts.config.tftp;
    this.store = new UploadStore(opts.dataDir, this.config.writable);
    this.refusedLog = new RateLimitedLog(opts.log, 'FILES_TFTP_REFUSED', opts.clock);
    this.transferLog = new RateLimitedLog(opts.log, 'FILES_TFTP_TRANSFER', opts.clock, TRANSFER_LOG_PER_MINUTE);
    this.registerMetrics(opts.registry);
  }

  /** Bound ports, in the order of files.tftp.listen. */
  get ports(): number[] {
    return this.listeners.map((l) => l.port);
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const l of this.config.listen) {
      try {
        const endpoint: UdpEndpoint = await openUdpEndpoint({
          address: l.address, port: l.port, maxDatagramBytes: 65535, onMessage: (m) => this.onRequest(endpoint, m),
        });
        this.listeners.push(endpoint);
      } catch (error) {
        await this.stop();
        throw new OutpostError('FILES_TFTP_LISTEN_FAILED', `files.tftp.listen ${l.address} port ${l.port}: ${(error as Error).message}`);
      }
    }
    logEvent(this.opts.log, 'FILES_TFTP_LISTENING', {
      listen: this.listeners.map((l) => ({ address: l.address, port: l.port })), maxTransfers: this.config.maxTransfers, writable: this.config.writable,
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const l of this.listeners.splice(0)) l.close();
    for (const a of [...this.active.values()]) a.transfer?.stop();
    await Promise.allSettled([...this.pending]);
  }

  status(): Record<string, unknown> {
    const now = this.opts.clock.monotonic();
    return {
      listen: this.listeners.map((l) => ({ address: l.address, port: l.port })),
      transfers: this.active.size,
      maxTransfers: this.config.maxTransfers,
      requests: Object.fromEntries(this.requests),
      refused: Object.fromEntries(this.refused),
      bytesSent: this.bytesSent(),
      active: [...this.active.values()].slice(0, STATUS_TRANSFERS).map((a) => ({
        type: a.kind, file: a.file, client: `${a.client.address}:${a.client.port}`, state: a.transfer?.state ?? 'opening',
        bytes: a.transfer?.stats.bytes ?? 0, ms: Math.round(now - a.started),
      })),
    };
  }

  private bytesSent(): number {
    let n = this.bytesSentEnded;
    for (const a of this.active.values()) n += a.transfer?.stats.dataBytesSent ?? 0;
    return n;
  }

  private onRequest(listener: UdpEndpoint, m: UdpReceived): void {
    if (this.stopping) return;
    const client: TftpPeer = { address: m.from, port: m.fromPort };
    const d = judgeRequest(m.data, (path) => this.store.covers(path));
    if (d.kind === 'ignore') {
      this.refuse(d.reason, client, { detail: d.detail });
      return;
    }
    if (d.kind === 'refuse') {
      this.answer(listener, client, d.code, d.message);
      this.refuse(d.reason, client, { error: d.code, ...(d.filename !== undefined ? { file: d.filename } : {}) });
      if (d.op) this.count(d.op, 'refused');
      return;
    }
    const key = `${client.address}#${client.port}`;
    const under = this.active.get(key);
    if (under?.kind === d.kind && under.file === d.path) {
      // The client sent its request again before our first answer reached it: the transfer under way answers it.
      this.refuse('duplicate-request', client, { file: d.filename });
      return;
    }
    // Another request from the same port: the client is done with the transfer under way (a write's dally, say).
    under?.transfer?.stop(false);
    if (this.active.size >= this.config.maxTransfers) {
      this.answer(listener, client, TftpErrorCode.UNDEFINED, `server busy: ${this.active.size} transfers in progress, try again later`);
      this.refuse('busy', client, { file: d.filename, error: TftpErrorCode.UNDEFINED });
      this.count(d.kind, 'busy');
      return;
    }
    const a: Active = { key, kind: d.kind, file: d.path, client, started: this.opts.clock.monotonic() };
    this.active.set(key, a);
    const work = this.begin(a, d, listener, m.to).catch((error: Error) => {
      this.answer(listener, client, TftpErrorCode.UNDEFINED, 'internal error');
      this.refuse('internal-error', client, { file: a.file, detail: error.message });
      this.release(a, 'failed');
    });
    this.track(work);
  }

  private async begin(a: Active, d: Extract<ReturnType<typeof judgeRequest>, { kind: Kind }>, listener: UdpEndpoint, to: string | undefined): Promise<void> {
    let reader: TftpFileReader | undefined;
    if (d.kind === 'rrq') {
      const opened = this.store.covers(d.path) ? await this.store.open(d.path) : await this.opts.tree.open(d.path);
      if (!opened.ok) {
        this.answer(listener, a.client, openRefusalCode(opened.reason), opened.reason === 'not-found' || opened.reason === 'not-a-file' ? 'file not found' : `access violation: ${opened.reason}`);
        this.refuse(opened.reason, a.client, { file: d.filename, error: openRefusalCode(opened.reason) });
        this.release(a, 'refused');
        return;
      }
      a.handle = opened.handle;
      reader = fileReader(opened.handle, opened.size);
      if (this.gone(a)) return;
    }
    const negotiation = negotiate({ op: d.kind, mode: d.mode, options: d.options, ...(reader && d.mode === 'octet' ? { size: reader.size } : {}) }, {
      maxBlksize: this.config.maxBlksize, maxWindowsize: this.config.maxWindowsize, timeoutMs: this.config.timeout * 1000, maxWriteBytes: this.config.maxWriteBytes,
    });
    if (!negotiation.ok) {
      this.answer(listener, a.client, negotiation.code, negotiation.message);
      this.refuse(negotiation.reason, a.client, { file: d.filename, error: negotiation.code });
      this.release(a, 'refused');
      return;
    }
    const agreed = negotiation.agreed;
    a.agreed = agreed;
    if (this.gone(a)) return;
    // A write's socket takes a block one byte too long, so that it is refused with ERROR 4 rather than lost.
    const largest = d.kind === 'rrq' ? READ_SOCKET_DATAGRAM : TFTP_DATA_HEADER + agreed.blksize + 1;
    a.endpoint = await this.transferEndpoint(listener, to, largest, (m) => a.transfer?.receive(m.data, { address: m.from, port: m.fromPort }));
    if (this.gone(a)) return;
    const endpoint = a.endpoint;
    const log = this.opts.log;
    const hooks = {
      clock: this.opts.clock,
      peer: a.client,
      agreed,
      retries: this.config.retries,
      send: (packet: Buffer, peer: TftpPeer) => endpoint.send(packet, peer.address, peer.port),
      onEnd: (end: TftpTransferEnd) => this.ended(a, end),
      onRefused: (reason: string, from: TftpPeer, detail: string) => this.refuse(reason, from, { file: a.file, detail, ...(reason === 'wrong-tid' ? { error: TftpErrorCode.UNKNOWN_TID } : {}) }),
      onTransition: (t: { from: string; to: string; event: string; cause: string }) => {
        if (log.isLevelEnabled('debug')) logEvent(log, 'FILES_TFTP_TRANSITION', { client: `${a.client.address}:${a.client.port}`, file: a.file, ...t });
      },
    };
    if (d.kind === 'rrq') {
      const source = d.mode === 'octet' ? octetBlocks(reader!, agreed.blksize) : netasciiBlocks(reader!, agreed.blksize);
      a.transfer = new TftpReadTransfer({ ...hooks, source });
    } else {
      const netascii = d.mode === 'netascii';
      a.transfer = new TftpWriteTransfer({
        ...hooks, maxBytes: this.config.maxWriteBytes,
        store: (chunks) => this.storeUpload(d.path, netascii ? [fromNetascii(Buffer.concat(chunks))] : chunks, a.client.address),
      });
    }
    a.transfer.start();
  }

  /** While it opened, the service began to stop or the client sent another request: it never starts. */
  private gone(a: Active): boolean {
    if (!this.stopping && this.active.get(a.key) === a) return false;
    this.release(a, 'stopped');
    return true;
  }

  /** The socket of one transfer: a new port on the address the request came to. */
  private async transferEndpoint(listener: UdpEndpoint, to: string | undefined, maxDatagramBytes: number, onMessage: (m: UdpReceived) => void): Promise<UdpEndpoint> {
    const wildcard = listener.address === '0.0.0.0' || listener.address === '::';
    if (wildcard && unicast(to)) {
      try {
        return await openUdpEndpoint({ address: to, port: 0, maxDatagramBytes, onMessage });
      } catch {
        // Not an address of ours to bind (a directed broadcast, say): let routing pick the source.
      }
    }
    return openUdpEndpoint({ address: listener.address, port: 0, maxDatagramBytes, onMessage });
  }

  private async storeUpload(path: string, chunks: readonly Buffer[], client: string): Promise<TftpStoreResult> {
    const r = await this.store.write(path, chunks, this.config.maxWriteBytes);
    if (r.ok) {
      // Reported upstream before the last ACK tells the client it is stored.
      await this.opts.events?.record('files.upload', { protocol: 'tftp', path, bytes: r.bytes, sha256: r.sha256, client, replaced: r.replaced } satisfies FilesUploadEvent);
      return { ok: true };
    }
    if (r.reason === 'too-large') return { ok: false, code: TftpErrorCode.DISK_FULL, message: 'file too large' };
    if (r.reason === 'not-allowed') return { ok: false, code: TftpErrorCode.ACCESS_VIOLATION, message: 'access violation: not writable' };
    return r.detail === 'ENOSPC' || r.detail === 'EDQUOT'
      ? { ok: false, code: TftpErrorCode.DISK_FULL, message: 'disk full' }
      : { ok: false, code: TftpErrorCode.UNDEFINED, message: 'could not store the file' };
  }

  private ended(a: Active, end: TftpTransferEnd): void {
    const s = end.stats;
    this.bytesSentEnded += s.dataBytesSent;
    this.retransmitsEnded += s.retransmits;
    this.release(a, end.state);
    const agreed = a.agreed!;
    this.transferLog.event({
      type: a.kind, file: a.file, client: `${a.client.address}:${a.client.port}`, result: end.state, cause: end.cause, bytes: s.bytes,
      retransmits: s.retransmits, duplicates: s.duplicates, blksize: agreed.blksize, windowsize: agreed.windowsize, timeoutMs: agreed.timeoutMs,
      ...(agreed.oack.length > 0 ? { options: Object.fromEntries(agreed.oack.map((o) => [o.name, o.value])) } : {}),
      ...(end.clientError ? { clientError: end.clientError } : {}),
      ms: Math.round(this.opts.clock.monotonic() - a.started),
    });
  }

  /** The transfer is over (or never began): its socket and file closed, its slot freed, its request counted. */
  private release(a: Active, result: string): void {
    if (this.active.get(a.key) === a) this.active.delete(a.key);
    a.endpoint?.close();
    if (a.handle) this.track(a.handle.close().catch(() => undefined));
    a.handle = undefined;
    this.count(a.kind, result);
  }

  private answer(listener: UdpEndpoint, to: TftpPeer, code: number, message: string): void {
    listener.send(encodePacket({ op: 'error', code, message }), to.address, to.port);
  }

  private refuse(reason: string, client: TftpPeer, fields: Record<string, unknown>): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    this.refusedLog.event({ reason, client: `${client.address}:${client.port}`, ...fields });
  }

  private count(kind: Kind, result: string): void {
    const key = `${kind} ${result}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private registerMetrics(registry: Registry): void {
    const part = this;
    new Counter({
      name: 'outpost_files_tftp_requests_total', help: 'TFTP read (rrq) and write (wrq) requests by result: completed, timed-out, aborted (the client sent an ERROR), failed, stopped, refused (path, not found, not writable, options), busy.',
      labelNames: ['type', 'result'], registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of part.requests) {
          const [type, result] = key.split(' ') as [string, string];
          this.inc({ type, result }, n);
        }
      },
    });
    new Counter({
      name: 'outpost_files_tftp_bytes_sent_total', help: 'Bytes of file data sent over TFTP (DATA payloads, blocks sent again included).', registers: [registry],
      collect() { this.reset(); this.inc(part.bytesSent()); },
    });
    new Counter({
      name: 'outpost_files_tftp_retransmits_total', help: 'TFTP blocks, OACKs and ACKs sent again after a timeout or a client\'s gap.', registers: [registry],
      collect() {
        this.reset();
        let n = part.retransmitsEnded;
        for (const a of part.active.values()) n += a.transfer?.stats.retransmits ?? 0;
        this.inc(n);
      },
    });
    new Gauge({
      name: 'outpost_files_tftp_transfers', help: 'TFTP transfers in progress.', registers: [registry],
      collect() { this.set(part.active.size); },
    });
    new Counter({
      name: 'outpost_files_tftp_refused_total', help: 'TFTP packets refused, by reason: a codec reason, not-a-request, mail-mode, a path reason, not-found, not-a-file, outside-root, not-writable, too-large, busy, duplicate-request, wrong-tid.',
      labelNames: ['reason'], registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of part.refused) this.inc({ reason }, n);
      },
    });
  }
}

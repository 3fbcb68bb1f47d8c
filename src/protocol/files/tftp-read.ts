// One TFTP read transfer (RRQ; docs/files.md "TFTP"): the OACK and its ACK 0 when
// options were granted, then the file in blocks of blksize bytes, windowsize blocks
// at a time (RFC 7440), the final block shorter than blksize (empty when the size is a
// multiple of it). Block numbers roll over from 65535 to 0, so files of any size go.
//
// Acknowledgements: an ACK of a block sent and not yet acknowledged slides the window
// — the next window starts after it (when it is not the last block sent, the client
// saw a gap and the blocks after it go again, as RFC 7440 §4 has it) —; the final
// block's ACK completes the transfer. An ACK of a block already acknowledged is a
// duplicate and never makes anything be sent: resending on it is the sorcerer's
// apprentice bug (RFC 1123 §4.2.3.1). Only the timer sends again: after the agreed
// timeout without progress, from the first block not acknowledged through the window,
// and one block past all sent so far. That one is for a client that has every block
// sent but whose ACKs were lost: to it every block sent again is old, and a client that
// answers old blocks with one ACK only until a new block or its own timeout (atftp)
// would never hear a new one — the retransmissions keep its timer from firing — and
// never ACK again. After `retries` timeouts in a row the transfer is given up.
//
// Blocks come from an injected TftpBlockSource (a file opened once, read a window at a
// time, never whole: firmware images are 10–100 MB). Pure: clock, sending and reading
// injected; the state machine is tftp-read-states.ts's table.
import { encodeDataHeader } from '../../wire/tftp/packet.js';
import { TFTP_DATA_HEADER, TftpErrorCode, type TftpPacket } from '../../wire/tftp/types.js';
import { TableMachine } from '../../core/table-machine.js';
import { TFTP_READ_TABLE, type TftpReadEvent, type TftpReadState } from './tftp-read-states.js';
import { TftpTransfer, type TftpTransferOptions } from './tftp-transfer.js';

/** Where a read transfer's blocks come from. Block numbers are absolute (1, 2, … past 65535). */
export interface TftpBlockSource {
  /** Bytes sent in all, when known before the transfer (octet mode); undefined otherwise (netascii). */
  readonly size: number | undefined;
  /**
   * The bytes of blocks first … first+count−1, back to back, blksize bytes each; fewer
   * when the data ends inside them (the block holding the end is the final block).
   * Rejects when the file cannot be read.
   */
  read(first: number, count: number): Promise<Buffer>;
  /** Blocks before `block` will not be asked for again. */
  release(block: number): void;
}

export interface TftpReadOptions extends TftpTransferOptions {
  readonly source: TftpBlockSource;
}

/** Bytes read from the source at once at most (a window may take several reads). */
const READ_CHUNK_BYTES = 256 * 1024;
const HALF = 0x8000;

export class TftpReadTransfer extends TftpTransfer {
  private readonly machine: TableMachine<TftpReadState, TftpReadEvent>;
  private readonly blksize: number;
  private readonly windowsize: number;
  private readonly source: TftpBlockSource;
  /** The last block acknowledged (0: none yet). */
  private acked = 0;
  /** The next block to send. */
  private next = 1;
  /** The highest block sent so far. */
  private sent = 0;
  /** The final block, once known. */
  private final: number | undefined;
  /** Bytes of the file, once known. */
  private total: number | undefined;
  /** Timeouts in a row without progress. */
  private tries = 0;
  /** After timeouts, until the next ACK: the block sent last, one past the window at least. */
  private probe = 0;
  private pumping = false;

  constructor(opts: TftpReadOptions) {
    super(opts);
    this.source = opts.source;
    this.blksize = opts.agreed.blksize;
    this.windowsize = opts.agreed.windowsize;
    if (opts.source.size !== undefined) {
      this.total = opts.source.size;
      this.final = Math.floor(opts.source.size / this.blksize) + 1;
    }
    this.machine = new TableMachine(TFTP_READ_TABLE, 'new', opts.clock, opts.onTransition);
  }

  get state(): TftpReadState {
    return this.machine.state;
  }

  /** Blocks acknowledged so far, the highest sent, the final one when known. */
  get progress(): { acked: number; sent: number; final: number | undefined } {
    return { acked: this.acked, sent: this.sent, final: this.final };
  }

  start(): void {
    if (this.machine.state !== 'new') return;
    const oack = this.opts.agreed.oack;
    if (oack.length > 0) {
      this.sendTo({ op: 'oack', options: oack });
      this.machine.transition('options-sent', `OACK ${oack.map((o) => `${o.name}=${o.value}`).join(' ')}`);
      this.armTimer();
    } else {
      this.machine.transition('started', 'no option granted: DATA 1 at once');
      void this.pump();
    }
  }

  stop(tell = true): void {
    if (this.isEnded) return;
    if (tell) this.sendError(TftpErrorCode.UNDEFINED, 'server shutting down');
    this.end('stop', tell ? 'the service stopped' : 'the client sent another request');
  }

  protected onPacket(p: TftpPacket): void {
    switch (p.op) {
      case 'ack':
        this.onAck(p.block);
        return;
      case 'error':
        this.clientError = { code: p.code, message: p.message };
        this.end('client-error', `the client sent ERROR ${p.code} ${JSON.stringify(p.message)}`);
        return;
      default:
        this.sendError(TftpErrorCode.ILLEGAL_OPERATION, `a read transfer takes ACK and ERROR, not ${p.op.toUpperCase()}`);
        this.end('illegal-packet', `the client sent ${p.op.toUpperCase()} during a read`);
    }
  }

  private onAck(wire: number): void {
    const state = this.machine.state;
    if (state === 'negotiating') {
      if (wire !== 0) {
        this.machine.transition('unexpected-ack', `ACK ${wire} while waiting for ACK 0 of the OACK`);
        return;
      }
      this.tries = 0;
      this.cancelTimer();
      this.machine.transition('oack-acked', 'ACK 0: the client accepted the OACK');
      void this.pump();
      return;
    }
    if (state !== 'sending') return;
    const ahead = (wire - this.acked) & 0xffff;
    if (ahead !== 0 && ahead <= this.sent - this.acked) {
      this.acknowledge(this.acked + ahead);
      return;
    }
    const behind = (this.acked - wire) & 0xffff;
    if (behind < HALF) {
      this.stats.duplicates++;
      this.machine.transition('duplicate-ack', `ACK ${wire} again (block ${this.acked - behind}): ignored`);
    } else {
      this.machine.transition('unexpected-ack', `ACK ${wire}: a block not sent yet (sent up to ${this.sent & 0xffff})`);
    }
  }

  /** Block k and all before it arrived. */
  private acknowledge(k: number): void {
    this.acked = k;
    this.tries = 0;
    this.probe = 0;
    this.cancelTimer();
    this.stats.bytes = this.total === undefined ? k * this.blksize : Math.min(k * this.blksize, this.total);
    this.source.release(k + 1);
    if (this.final !== undefined && k >= this.final) {
      this.end('final-acked', `ACK of the final block ${k} (${this.stats.bytes} bytes)`);
      return;
    }
    const gap = k < this.sent;
    this.next = k + 1;
    this.machine.transition('acked', gap ? `ACK ${k & 0xffff}: the client missed block ${k + 1}, the window starts there again` : `ACK ${k & 0xffff}: next window from block ${k + 1}`);
    void this.pump();
  }

  protected onTimeout(): void {
    const state = this.machine.state;
    if (this.tries >= this.opts.retries) {
      this.sendError(TftpErrorCode.UNDEFINED, 'timed out');
      this.end('gave-up', `no progress after ${this.tries + 1} timeouts of ${this.opts.agreed.timeoutMs} ms`);
      return;
    }
    this.tries++;
    if (state === 'negotiating') {
      this.stats.retransmits++;
      this.sendTo({ op: 'oack', options: this.opts.agreed.oack });
      this.machine.transition('timeout', `no ACK 0: OACK sent again (try ${this.tries + 1})`);
      this.armTimer();
      return;
    }
    this.machine.transition('timeout', `no ACK after block ${this.sent & 0xffff}: sending again from block ${this.acked + 1} (try ${this.tries + 1})`);
    this.probe = Math.max(this.acked + this.windowsize, this.sent) + 1;
    this.next = this.acked + 1;
    void this.pump();
  }

  /** Sends what the window allows from `next`, reading as it goes; arms the timer when it waits. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.machine.state === 'sending') {
        const limit = Math.min(Math.max(this.acked + this.windowsize, this.probe), this.final ?? Infinity);
        const first = this.next;
        if (first > limit) break;
        const count = Math.min(limit - first + 1, Math.max(1, Math.floor(READ_CHUNK_BYTES / this.blksize)));
        const bytes = await this.source.read(first, count);
        if (this.machine.state !== 'sending') return;
        if (this.next !== first) continue; // an ACK or a timeout moved on meanwhile
        if (bytes.length < count * this.blksize && this.final === undefined) {
          this.final = first + Math.floor(bytes.length / this.blksize);
          this.total = (first - 1) * this.blksize + bytes.length;
        }
        const last = Math.min(first + count - 1, this.final ?? Infinity);
        for (let k = first; k <= last; k++) this.sendBlock(k, bytes, (k - first) * this.blksize);
        this.next = last + 1;
      }
      if (this.machine.state === 'sending' && this.sent > this.acked) this.armTimer();
    } catch (error) {
      if (this.machine.state === 'sending') {
        this.sendError(TftpErrorCode.UNDEFINED, 'read error');
        this.end('read-failed', `the file could not be read: ${(error as Error).message}`);
      }
    } finally {
      this.pumping = false;
    }
  }

  private sendBlock(k: number, bytes: Buffer, offset: number): void {
    const length = Math.max(0, Math.min(this.blksize, bytes.length - offset));
    const packet = Buffer.allocUnsafe(TFTP_DATA_HEADER + length);
    bytes.copy(packet, TFTP_DATA_HEADER, offset, offset + length);
    encodeDataHeader(packet, k & 0xffff);
    if (k <= this.sent) this.stats.retransmits++;
    else this.sent = k;
    this.stats.dataBytesSent += length;
    this.sendRaw(packet);
  }

  private end(event: TftpReadEvent, cause: string): void {
    const to = this.machine.transition(event, cause);
    if (to !== undefined) this.finish(to, cause);
  }
}

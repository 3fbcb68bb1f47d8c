// One TFTP write transfer (WRQ; docs/files.md "TFTP"): the request answered with the
// OACK (options granted) or ACK 0, then blocks received one at a time, each
// acknowledged; the final block (shorter than blksize) ends the data. The blocks are
// kept until then, at most maxBytes in all (ERROR 3 past it), and stored at once
// through the injected store (atomically: UploadStore); only a stored file has its
// final block acknowledged. The server then dallies one timeout to acknowledge the
// final block again should the client not have heard it. A block received again is
// acknowledged again; the timer sends the last ACK again until the retries are used
// up. Pure: clock, sending and storing injected; the state machine is
// tftp-write-states.ts's table.
import { TftpErrorCode, type TftpPacket } from '../../wire/tftp/types.js';
import { TableMachine } from '../../core/table-machine.js';
import { TFTP_WRITE_TABLE, type TftpWriteEvent, type TftpWriteState } from './tftp-write-states.js';
import { TftpTransfer, type TftpTransferOptions } from './tftp-transfer.js';

export type TftpStoreResult = { readonly ok: true } | { readonly ok: false; readonly code: number; readonly message: string };

export interface TftpWriteOptions extends TftpTransferOptions {
  /** Largest file accepted. */
  readonly maxBytes: number;
  /** Stores the whole file (its blocks in order). */
  readonly store: (chunks: readonly Buffer[]) => Promise<TftpStoreResult>;
}

export class TftpWriteTransfer extends TftpTransfer {
  private readonly machine: TableMachine<TftpWriteState, TftpWriteEvent>;
  private readonly chunks: Buffer[] = [];
  /** The next block expected (absolute: 1, 2, … past 65535). */
  private expected = 1;
  /** What a timeout sends again: the OACK, then the last ACK. */
  private last: TftpPacket = { op: 'ack', block: 0 };
  private tries = 0;

  constructor(private readonly wopts: TftpWriteOptions) {
    super(wopts);
    this.machine = new TableMachine(TFTP_WRITE_TABLE, 'new', wopts.clock, wopts.onTransition);
  }

  get state(): TftpWriteState {
    return this.machine.state;
  }

  start(): void {
    if (this.machine.state !== 'new') return;
    const oack = this.opts.agreed.oack;
    if (oack.length > 0) this.last = { op: 'oack', options: oack };
    this.sendTo(this.last);
    this.machine.transition('started', oack.length > 0 ? `OACK ${oack.map((o) => `${o.name}=${o.value}`).join(' ')}` : 'ACK 0');
    this.armTimer();
  }

  stop(tell = true): void {
    if (this.isEnded) return;
    if (tell && this.machine.state !== 'dallying') this.sendError(TftpErrorCode.UNDEFINED, 'server shutting down');
    this.end('stop', tell ? 'the service stopped' : 'the client sent another request');
  }

  protected onPacket(p: TftpPacket): void {
    switch (p.op) {
      case 'data':
        this.onData(p.block, p.data);
        return;
      case 'error':
        if (this.machine.state !== 'receiving') return;
        this.clientError = { code: p.code, message: p.message };
        this.end('client-error', `the client sent ERROR ${p.code} ${JSON.stringify(p.message)}`);
        return;
      default:
        if (this.machine.state !== 'receiving') return;
        this.sendError(TftpErrorCode.ILLEGAL_OPERATION, `a write transfer takes DATA and ERROR, not ${p.op.toUpperCase()}`);
        this.end('illegal-packet', `the client sent ${p.op.toUpperCase()} during a write`);
    }
  }

  private onData(wire: number, data: Buffer): void {
    const state = this.machine.state;
    const blksize = this.opts.agreed.blksize;
    if (wire === ((this.expected - 1) & 0xffff) && this.expected > 1) {
      this.stats.duplicates++;
      if (state === 'storing') {
        this.machine.transition('duplicate-data', `block ${wire} again while storing: acknowledged once stored`);
        return;
      }
      this.retransmit();
      this.machine.transition('duplicate-data', `block ${wire} again: ACK ${wire} sent again`);
      return;
    }
    if (state !== 'receiving') return;
    if (wire !== (this.expected & 0xffff)) {
      this.machine.transition('unexpected-data', `block ${wire} while expecting ${this.expected & 0xffff}: ignored`);
      return;
    }
    if (data.length > blksize) {
      this.sendError(TftpErrorCode.ILLEGAL_OPERATION, `block of ${data.length} bytes, blksize is ${blksize}`);
      this.end('illegal-packet', `block ${wire} of ${data.length} bytes, larger than blksize ${blksize}`);
      return;
    }
    if (this.stats.bytes + data.length > this.wopts.maxBytes) {
      this.sendError(TftpErrorCode.DISK_FULL, `file larger than the ${this.wopts.maxBytes} bytes allowed`);
      this.end('too-large', `more than ${this.wopts.maxBytes} bytes`);
      return;
    }
    this.stats.bytes += data.length;
    this.chunks.push(Buffer.from(data));
    this.tries = 0;
    this.expected++;
    this.last = { op: 'ack', block: wire };
    if (data.length === blksize) {
      this.sendTo(this.last);
      this.machine.transition('data', `block ${wire} (${data.length} bytes)`);
      this.armTimer();
      return;
    }
    this.cancelTimer();
    this.machine.transition('final-data', `final block ${wire}: ${this.stats.bytes} bytes, storing`);
    void this.store();
  }

  private async store(): Promise<void> {
    let result: TftpStoreResult;
    try {
      result = await this.wopts.store(this.chunks);
    } catch (error) {
      result = { ok: false, code: TftpErrorCode.UNDEFINED, message: `store failed: ${(error as Error).message}` };
    }
    if (this.machine.state !== 'storing') return;
    this.chunks.length = 0;
    if (!result.ok) {
      this.sendError(result.code, result.message);
      this.end('store-failed', `not stored: ${result.message}`);
      return;
    }
    this.sendTo(this.last);
    this.machine.transition('stored', `stored ${this.stats.bytes} bytes; final ACK sent`);
    this.armTimer();
  }

  protected onTimeout(): void {
    if (this.machine.state === 'dallying') {
      this.end('timeout', 'dally over');
      return;
    }
    if (this.machine.state !== 'receiving') return;
    if (this.tries >= this.opts.retries) {
      this.sendError(TftpErrorCode.UNDEFINED, 'timed out');
      this.end('gave-up', `no block after ${this.tries + 1} timeouts of ${this.opts.agreed.timeoutMs} ms`);
      return;
    }
    this.tries++;
    this.retransmit();
    this.machine.transition('timeout', `no block ${this.expected & 0xffff}: ${this.last.op.toUpperCase()} sent again (try ${this.tries + 1})`);
    this.armTimer();
  }

  private retransmit(): void {
    this.stats.retransmits++;
    this.sendTo(this.last);
  }

  private end(event: TftpWriteEvent, cause: string): void {
    const to = this.machine.transition(event, cause);
    if (to !== undefined) this.finish(to, cause);
  }
}

// What a TFTP read and a TFTP write transfer share: the peer's transfer ID, checked on
// every packet (RFC 1350 §4: a packet from another address or port is answered with
// ERROR 5 and otherwise ignored — the transfer goes on), decoding (an undecodable
// packet is counted and ignored, but one that starts like an ERROR ends the transfer
// as the client meant), ERROR packets sent, the retransmission timer on the injected
// clock, the counters, and the one end report. Pure: sending and time are injected.
import type { Clock, TimerHandle } from '../../core/clock.js';
import { isWireDecodeError } from '../../wire/errors.js';
import { decodePacket, encodePacket } from '../../wire/tftp/packet.js';
import { TftpErrorCode, TftpOpcode, type TftpPacket } from '../../wire/tftp/types.js';
import type { TftpAgreed } from './tftp-options.js';
import type { Transition } from '../../core/table-machine.js';

export interface TftpPeer {
  readonly address: string;
  readonly port: number;
}

export class TftpTransferStats {
  /** Packets sent to the client: OACK, DATA, ACK, ERROR, retransmissions included. */
  packets = 0;
  /** Payload bytes of the DATA packets sent, retransmissions included. */
  dataBytesSent = 0;
  /** Blocks (or OACKs, ACKs) sent again. */
  retransmits = 0;
  /** Duplicate ACKs (read) or blocks received again (write). */
  duplicates = 0;
  /** Packets from another transfer ID, answered with ERROR 5. */
  wrongTid = 0;
  /** Undecodable packets from the client, ignored. */
  malformed = 0;
  /** File bytes acknowledged by the client (read) or received (write). */
  bytes = 0;
}

export interface TftpTransferEnd {
  readonly state: string;
  readonly cause: string;
  /** The client's ERROR, when it sent one. */
  readonly clientError?: { readonly code: number; readonly message: string };
  readonly stats: TftpTransferStats;
}

export interface TftpTransferHooks {
  readonly clock: Clock;
  /** Sends one packet from the transfer's own port (its TID). */
  readonly send: (packet: Buffer, to: TftpPeer) => void;
  readonly onTransition?: (t: Transition) => void;
  /** Called once, when the transfer has ended. */
  readonly onEnd: (end: TftpTransferEnd) => void;
  /** A packet refused without ending the transfer: `wrong-tid` (answered with ERROR 5) or a decode reason. */
  readonly onRefused?: (reason: string, from: TftpPeer, detail: string) => void;
}

export interface TftpTransferOptions extends TftpTransferHooks {
  readonly peer: TftpPeer;
  readonly agreed: TftpAgreed;
  /** Times a packet is sent again before the transfer is given up (files.tftp.retries). */
  readonly retries: number;
}

export const samePeer = (a: TftpPeer, b: TftpPeer): boolean => a.port === b.port && a.address === b.address;

export abstract class TftpTransfer {
  readonly stats = new TftpTransferStats();
  protected readonly clock: Clock;
  private timer?: TimerHandle;
  private ended = false;
  protected clientError?: { code: number; message: string };

  constructor(protected readonly opts: TftpTransferOptions) {
    this.clock = opts.clock;
  }

  abstract get state(): string;
  abstract start(): void;
  /** Ends the transfer now: the service stops (the client is told by an ERROR), or the client moved on to another request (`tell` false). */
  abstract stop(tell?: boolean): void;
  protected abstract onPacket(p: TftpPacket): void;
  protected abstract onTimeout(): void;

  /** True once the transfer has ended (its end reported). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** One datagram that arrived on the transfer's socket. */
  receive(data: Buffer, from: TftpPeer): void {
    if (this.ended) return;
    if (!samePeer(from, this.opts.peer)) {
      this.stats.wrongTid++;
      // Never answer an ERROR with an ERROR: two servers could bounce them forever.
      if (!(data.length >= 2 && data.readUInt16BE(0) === TftpOpcode.ERROR)) {
        this.sendTo({ op: 'error', code: TftpErrorCode.UNKNOWN_TID, message: 'Unknown transfer ID' }, from);
      }
      this.opts.onRefused?.('wrong-tid', from, `expected ${this.opts.peer.address}:${this.opts.peer.port}`);
      return;
    }
    let p: TftpPacket;
    try {
      p = decodePacket(data);
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      if (data.length >= 4 && data.readUInt16BE(0) === TftpOpcode.ERROR) {
        // A client's ERROR we cannot read in full (no NUL, say) still ends the transfer.
        this.onPacket({ op: 'error', code: data.readUInt16BE(2), message: `(malformed: ${error.reason})` });
        return;
      }
      this.stats.malformed++;
      this.opts.onRefused?.(error.reason, from, error.message);
      return;
    }
    this.onPacket(p);
  }

  protected sendTo(p: TftpPacket, to: TftpPeer = this.opts.peer): void {
    this.stats.packets++;
    this.opts.send(encodePacket(p), to);
  }

  protected sendRaw(packet: Buffer): void {
    this.stats.packets++;
    this.opts.send(packet, this.opts.peer);
  }

  protected sendError(code: number, message: string): void {
    this.sendTo({ op: 'error', code, message });
  }

  protected armTimer(ms = this.opts.agreed.timeoutMs): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(ms, () => {
      this.timer = undefined;
      if (!this.ended) this.onTimeout();
    });
  }

  protected cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Called once an end state is reached: the timer stops, the end is reported. */
  protected finish(state: string, cause: string): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelTimer();
    this.opts.onEnd({ state, cause, stats: this.stats, ...(this.clientError ? { clientError: this.clientError } : {}) });
  }
}

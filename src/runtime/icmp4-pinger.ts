// Pings one IPv4 address at a time and says whether anything answered within a
// timeout: the DHCP server's ping before offer. Many pings run at once on one ICMP
// socket (Udp4Socket with protocol 'icmp'); none blocks the event loop.
//
// A reply is matched by its sequence number, its source address and a random token
// in the payload: a raw socket (the fallback when ping sockets are not allowed) sees
// every echo reply on the host, including those of other programs' pings.
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, icmpEcho } from '../wire/icmp4/echo.js';
import { Udp4Socket, type Udp4Datagram, type Udp4SocketKind } from './udp4-socket.js';

/** answered: something replied; silent: no reply in time; unsent: the kernel refused the request (no route, …). */
export type PingResult = 'answered' | 'silent' | 'unsent';

export interface PingerStats {
  sent: number;
  answered: number;
  silent: number;
  unsent: number;
  /** Echo replies that matched no ping in progress (late, or another program's). */
  unmatched: number;
}

interface Pending {
  readonly address: number;
  readonly timer: TimerHandle;
  readonly resolve: (r: PingResult) => void;
}

const TOKEN_BYTES = 8;
const SEQUENCES = 0x10000;

export class Icmp4Pinger {
  readonly stats: PingerStats = { sent: 0, answered: 0, silent: 0, unsent: 0, unmatched: 0 };
  private readonly pending = new Map<number, Pending>();
  private readonly token = randomBytes(TOKEN_BYTES);
  private readonly identifier = randomBytes(2).readUInt16BE(0);
  private nextSequence = randomBytes(2).readUInt16BE(0);
  private closed = false;

  private constructor(private readonly socket: Udp4Socket, private readonly clock: Clock) {
    socket.onMessage((d) => this.receive(d));
  }

  /** Opens the ICMP socket. Throws (with the errno) when neither a ping socket nor a raw socket is allowed. */
  static open(clock: Clock): Icmp4Pinger {
    return new Icmp4Pinger(Udp4Socket.open({ port: 0, protocol: 'icmp', maxDatagramBytes: 1500 }), clock);
  }

  /** 'icmp' (ping socket) or 'icmp-raw'. */
  get kind(): Udp4SocketKind {
    return this.socket.kind;
  }

  /** Sends one echo request to address and resolves when it is answered or timeoutMs has passed. Never rejects. */
  ping(address: number, timeoutMs: number): Promise<PingResult> {
    if (this.closed) return Promise.resolve(this.count('unsent'));
    const sequence = this.freeSequence();
    if (sequence === undefined) return Promise.resolve(this.count('unsent'));
    const request = icmpEcho.encode({ type: ICMP_ECHO_REQUEST, code: 0, identifier: this.identifier, sequence, payload: this.token });
    if (!this.socket.send(request, address, 0)) return Promise.resolve(this.count('unsent'));
    this.stats.sent++;
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => this.settle(sequence, 'silent'));
      this.pending.set(sequence, { address, timer, resolve });
    });
  }

  /** Pings in progress. */
  get inProgress(): number {
    return this.pending.size;
  }

  /** Closes the socket; pings in progress resolve 'silent'. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sequence of [...this.pending.keys()]) this.settle(sequence, 'silent');
    this.socket.close();
  }

  private receive(d: Udp4Datagram): void {
    let reply;
    try {
      reply = icmpEcho.decode(d.data);
    } catch {
      this.stats.unmatched++;
      return;
    }
    const p = this.pending.get(reply.sequence);
    if (reply.type !== ICMP_ECHO_REPLY || p === undefined || p.address !== d.from || !reply.payload.equals(this.token)) {
      this.stats.unmatched++;
      return;
    }
    this.settle(reply.sequence, 'answered');
  }

  private settle(sequence: number, result: PingResult): void {
    const p = this.pending.get(sequence);
    if (p === undefined) return;
    this.pending.delete(sequence);
    p.timer.cancel();
    p.resolve(this.count(result));
  }

  private count(result: PingResult): PingResult {
    this.stats[result]++;
    return result;
  }

  /** The next sequence number no ping in progress uses; undefined when all 65536 are (never in practice). */
  private freeSequence(): number | undefined {
    if (this.pending.size >= SEQUENCES) return undefined;
    while (this.pending.has(this.nextSequence)) this.nextSequence = (this.nextSequence + 1) % SEQUENCES;
    const sequence = this.nextSequence;
    this.nextSequence = (sequence + 1) % SEQUENCES;
    return sequence;
  }
}

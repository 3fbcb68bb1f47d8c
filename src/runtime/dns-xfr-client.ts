// The sockets of a secondary's refresh (docs/dns.md, "Secondary zones"): the SOA query
// over UDP (again over TCP when the answer is truncated, RFC 1035 §4.2.1/RFC 7766)
// and zone transfers over TCP (RFC 5936 §4.1: two-byte length prefix per message).
// Everything is bounded: tries and time per query, connect time, idle time between
// messages, total time of a transfer; the bytes and records are bounded by the
// protocol's reader, whose errors pass through unchanged. TSIG signs and verifies
// here, through XfrSecurity (src/protocol/dns/secondary/primary.ts).
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { isIPv6 } from '../core/ip.js';
import { decodeMessage, encodeMessage, isWireDecodeError, type DnsMessage } from '../wire/dns/index.js';
import type { XfrTransport } from '../protocol/dns/secondary/attempt.js';
import { UNSIGNED, type PrimaryServer, type XfrSecurity } from '../protocol/dns/secondary/primary.js';
import { XfrError } from '../protocol/dns/secondary/xfr-reader.js';

export interface XfrClientOptions {
  readonly security?: XfrSecurity;
  /** Per UDP try (default 2000 ms) and tries (default 2). */
  readonly queryTimeoutMs?: number;
  readonly queryTries?: number;
  readonly connectTimeoutMs?: number;
  /** Longest wait for the next message of a TCP answer (default 15 s). */
  readonly idleTimeoutMs?: number;
  /** Longest transfer (default 15 min). */
  readonly transferTimeoutMs?: number;
}

const MAX_UDP = 65535;

export class DnsXfrClient implements XfrTransport {
  private readonly security: XfrSecurity;
  private readonly queryTimeoutMs: number;
  private readonly queryTries: number;
  private readonly connectTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly transferTimeoutMs: number;

  constructor(o: XfrClientOptions = {}) {
    this.security = o.security ?? UNSIGNED;
    this.queryTimeoutMs = o.queryTimeoutMs ?? 2000;
    this.queryTries = o.queryTries ?? 2;
    this.connectTimeoutMs = o.connectTimeoutMs ?? 5000;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 15_000;
    this.transferTimeoutMs = o.transferTimeoutMs ?? 15 * 60_000;
  }

  async query(primary: PrimaryServer, request: DnsMessage, signal: AbortSignal): Promise<DnsMessage> {
    for (let tryNo = 1; ; tryNo++) {
      const id = randomInt(0x10000);
      const wire = this.security.signRequest(primary, encodeMessage({ ...request, id }));
      const answer = await this.udpExchange(primary, id, wire, signal);
      if (answer === 'timeout') {
        if (tryNo < this.queryTries) continue;
        throw new Error(`no answer over UDP in ${this.queryTries} × ${this.queryTimeoutMs} ms`);
      }
      if (!answer.message.flags.tc) {
        this.verifyAll(primary, wire, [answer.bytes]);
        return answer.message;
      }
      // Truncated: the same question over TCP (RFC 7766 §5).
      let result: DnsMessage | undefined;
      await this.tcpExchange(primary, request, (m) => { result = m; return true; }, signal, this.queryTimeoutMs * this.queryTries);
      return result!;
    }
  }

  transfer(primary: PrimaryServer, request: DnsMessage, onMessage: (m: DnsMessage, bytes: number) => boolean, signal: AbortSignal): Promise<void> {
    return this.tcpExchange(primary, request, onMessage, signal, this.transferTimeoutMs);
  }

  private verifyAll(primary: PrimaryServer, signedRequest: Buffer, messages: readonly Buffer[]): void {
    const v = this.security.responseVerifier(primary, signedRequest);
    for (const m of messages) v.message(m);
    v.end();
  }

  private udpExchange(primary: PrimaryServer, id: number, wire: Buffer, signal: AbortSignal): Promise<{ message: DnsMessage; bytes: Buffer } | 'timeout'> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('aborted'));
      const socket = createSocket({ type: isIPv6(primary.address) ? 'udp6' : 'udp4' });
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.close();
        f();
      };
      const onAbort = () => done(() => reject(new Error('aborted')));
      const timer = setTimeout(() => done(() => resolve('timeout')), this.queryTimeoutMs);
      signal.addEventListener('abort', onAbort);
      socket.on('error', (e: NodeJS.ErrnoException) => done(() => reject(new Error(`UDP: ${e.code ?? e.message}`))));
      socket.on('message', (data) => {
        if (data.length > MAX_UDP) return;
        let m: DnsMessage;
        try {
          m = decodeMessage(data);
        } catch {
          return; // not an answer we can read: keep waiting (it may be spoofed noise)
        }
        if (m.id !== id || !m.flags.qr) return;
        done(() => resolve({ message: m, bytes: Buffer.from(data) }));
      });
      // connect(): only datagrams from the primary's address and port are delivered.
      socket.connect(primary.port, primary.address, () => socket.send(wire));
    });
  }

  /** Sends `request` over a new TCP connection; hands each answer message to onMessage until it returns true. */
  private tcpExchange(primary: PrimaryServer, request: DnsMessage, onMessage: (m: DnsMessage, bytes: number) => boolean, signal: AbortSignal, totalMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('aborted'));
      const id = randomInt(0x10000);
      const wire = this.security.signRequest(primary, encodeMessage({ ...request, id }));
      const verifier = this.security.responseVerifier(primary, wire);
      const socket: Socket = connect({ host: primary.address, port: primary.port, noDelay: true });
      let settled = false;
      let connected = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => finish(new Error('aborted'));
      signal.addEventListener('abort', onAbort);
      const deadline = setTimeout(() => finish(new Error(connected ? `the transfer took longer than ${totalMs} ms` : `TCP connect timed out after ${this.connectTimeoutMs} ms`)), connected ? totalMs : this.connectTimeoutMs);
      let overall: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        connected = true;
        clearTimeout(deadline);
        overall = setTimeout(() => finish(new Error(`the transfer took longer than ${totalMs} ms`)), totalMs);
        socket.setTimeout(this.idleTimeoutMs, () => finish(new Error(`no data for ${this.idleTimeoutMs} ms`)));
        const framed = Buffer.allocUnsafe(wire.length + 2);
        framed.writeUInt16BE(wire.length, 0);
        wire.copy(framed, 2);
        socket.write(framed);
      });
      socket.on('error', (e: NodeJS.ErrnoException) => finish(new Error(`TCP: ${e.code ?? e.message}`)));
      socket.on('close', () => {
        clearTimeout(overall);
        finish(new Error(connected ? 'the primary closed the connection before the answer was complete' : 'TCP: connection closed'));
      });
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        try {
          while (pending.length >= 2 && !settled) {
            const length = pending.readUInt16BE(0);
            if (pending.length < 2 + length) break;
            const bytes = Buffer.from(pending.subarray(2, 2 + length));
            pending = pending.subarray(2 + length);
            let m: DnsMessage;
            try {
              m = decodeMessage(bytes);
            } catch (error) {
              if (!isWireDecodeError(error)) throw error;
              throw new XfrError('malformed', `an answer message cannot be decoded: ${error.message}`);
            }
            if (m.id !== id) throw new XfrError('malformed', `an answer message with id ${m.id}, not ${id}`);
            verifier.message(bytes);
            if (onMessage(m, length + 2)) {
              verifier.end();
              clearTimeout(overall);
              finish();
            }
          }
        } catch (error) {
          clearTimeout(overall);
          finish(error as Error);
        }
      });
    });
  }
}

// NOTIFY out for the DNS service: the protocol's NotifySender (notify-out.ts) on two
// UDP sockets of their own (IPv4 and IPv6, opened when first needed), bound to the
// service's listen address when it is a single one, so secondaries see the NOTIFY come
// from the address they know as their primary. Responses come back to those sockets.
// A target with a key (RFC 8945) gets each try signed with it, and only a response
// signed with the same key over that try's MAC counts; any other is dropped (counted),
// so the NOTIFY is tried again.
import { createSocket, type Socket } from 'node:dgram';
import type { Clock } from '../core/clock.js';
import { isIPv4 } from '../core/ip.js';
import { NotifySender, type NotifyTarget, type NotifyTransition } from '../protocol/dns/notify-out.js';
import { soaSerial, type SoaRecord } from '../protocol/dns/zone-diff.js';
import { logEvent, type Logger } from '../runtime/log.js';
import type { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { decodeMessage, isWireDecodeError, nameKey, signMessage, verifyMessage, type TsigKey } from '../wire/dns/index.js';

/** Signed tries awaiting an answer that are remembered at most. */
const MAX_SIGNED_TRIES = 4096;

export interface DnsNotifierOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Source addresses: the service's listen addresses (wildcards are ignored). */
  readonly listen: readonly string[];
  readonly dropLog: RateLimitedLog;
  /** The service's TSIG keys (dns.keys), by name. */
  readonly key: (name: string) => TsigKey | undefined;
}

export class DnsNotifier {
  readonly sender: NotifySender;
  private readonly sockets = new Map<4 | 6, Socket>();
  /** The key and MAC of the last signed try to each server, by "address#port|id". */
  private readonly signed = new Map<string, { key: TsigKey; mac: Buffer }>();

  constructor(private readonly opts: DnsNotifierOptions) {
    this.sender = new NotifySender({
      clock: opts.clock,
      send: (message, target) => this.send(message, target),
      onTransition: (t) => this.transitioned(t),
    });
  }

  notify(zone: string, soa: SoaRecord, targets: readonly NotifyTarget[]): void {
    if (targets.length === 0) return;
    logEvent(this.opts.log, 'DNS_NOTIFY_SENT', { zone, serial: soaSerial(soa), servers: targets.map((t) => `${t.address}#${t.port}`) });
    this.sender.notify(zone, soa, targets);
  }

  private now(): number {
    return Math.floor(this.opts.clock.now() / 1000);
  }

  close(): void {
    this.sender.stop();
    this.signed.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private send(message: Buffer, target: NotifyTarget): void {
    const family = isIPv4(target.address) ? 4 : 6;
    let wire = message;
    if (target.key !== undefined) {
      const key = this.opts.key(target.key);
      if (!key) {
        this.opts.dropLog.event({ reason: 'notify-key-unknown', to: target.address, key: target.key });
        return;
      }
      const signed = signMessage(message, key, { now: this.now() });
      // Tries that never got an answer are forgotten, oldest first.
      if (this.signed.size >= MAX_SIGNED_TRIES) this.signed.delete(this.signed.keys().next().value!);
      this.signed.set(`${target.address}#${target.port}|${message.readUInt16BE(0)}`, { key, mac: signed.mac });
      wire = signed.message;
    }
    this.socket(family).send(wire, target.port, target.address, (error) => {
      if (error) this.opts.dropLog.event({ reason: 'notify-send-failed', to: target.address, detail: error.message });
    });
  }

  private socket(family: 4 | 6): Socket {
    let socket = this.sockets.get(family);
    if (socket) return socket;
    socket = createSocket(family === 4 ? { type: 'udp4' } : { type: 'udp6', ipv6Only: true });
    const own = this.opts.listen.filter((a) => (family === 4 ? isIPv4(a) : !isIPv4(a)) && a !== '0.0.0.0' && a !== '::');
    socket.on('error', (e) => this.opts.dropLog.event({ reason: 'notify-socket-error', detail: e.message }));
    socket.on('message', (data, rinfo) => {
      try {
        const response = decodeMessage(data);
        const at = `${rinfo.address}#${rinfo.port}|${response.id}`;
        const signed = this.signed.get(at);
        if (signed) {
          const verdict = verifyMessage(data, (name) => (nameKey(name) === nameKey(signed.key.name) ? signed.key : undefined), { now: this.now(), requestMac: signed.mac });
          if (!verdict?.ok) {
            this.opts.dropLog.event({ reason: 'notify-response-tsig', from: rinfo.address, detail: verdict ? verdict.detail : 'the response is not signed' });
            return;
          }
          this.signed.delete(at);
        }
        this.sender.onResponse(response, { address: rinfo.address, port: rinfo.port });
      } catch (error) {
        if (!isWireDecodeError(error)) throw error;
        this.opts.dropLog.event({ reason: `notify-response-${error.reason}`, from: rinfo.address });
      }
    });
    // Bound before the first send completes: dgram queues sends until the bind is done.
    socket.bind({ port: 0, ...(own.length === 1 ? { address: own[0]! } : {}) });
    socket.unref();
    this.sockets.set(family, socket);
    return socket;
  }

  private transitioned(t: NotifyTransition): void {
    const fields = { zone: t.zone, serial: t.serial, server: `${t.target.address}#${t.target.port}`, from: t.from, to: t.to, event: t.event, tries: t.tries, cause: t.cause };
    logEvent(this.opts.log, 'DNS_NOTIFY_TRANSITION', fields);
    if (t.to !== 'waiting') logEvent(this.opts.log, t.to === 'failed' || t.to === 'refused' ? 'DNS_NOTIFY_FAILED' : 'DNS_NOTIFY_ENDED', { zone: t.zone, serial: t.serial, server: fields.server, result: t.to, tries: t.tries, cause: t.cause });
  }
}

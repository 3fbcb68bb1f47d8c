// NOTIFY out for the DNS service: the protocol's NotifySender (notify-out.ts) on two
// UDP sockets of their own (IPv4 and IPv6, opened when first needed), bound to the
// service's listen address when it is a single one, so secondaries see the NOTIFY come
// from the address they know as their primary. Responses come back to those sockets.
import { createSocket, type Socket } from 'node:dgram';
import type { Clock } from '../core/clock.js';
import { isIPv4 } from '../core/ip.js';
import { NotifySender, type NotifyTarget, type NotifyTransition } from '../protocol/dns/notify-out.js';
import { soaSerial, type SoaRecord } from '../protocol/dns/zone-diff.js';
import { logEvent, type Logger } from '../runtime/log.js';
import type { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { decodeMessage, isWireDecodeError } from '../wire/dns/index.js';

export interface DnsNotifierOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Source addresses: the service's listen addresses (wildcards are ignored). */
  readonly listen: readonly string[];
  readonly dropLog: RateLimitedLog;
}

export class DnsNotifier {
  readonly sender: NotifySender;
  private readonly sockets = new Map<4 | 6, Socket>();

  constructor(private readonly opts: DnsNotifierOptions) {
    this.sender = new NotifySender({
      clock: opts.clock,
      // TSIG: a target with a key gets its NOTIFY signed here once TSIG is wired in.
      send: (message, target) => this.send(message, target),
      onTransition: (t) => this.transitioned(t),
    });
  }

  notify(zone: string, soa: SoaRecord, targets: readonly NotifyTarget[]): void {
    if (targets.length === 0) return;
    logEvent(this.opts.log, 'DNS_NOTIFY_SENT', { zone, serial: soaSerial(soa), servers: targets.map((t) => `${t.address}#${t.port}`) });
    this.sender.notify(zone, soa, targets);
  }

  close(): void {
    this.sender.stop();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private send(message: Buffer, target: NotifyTarget): void {
    const family = isIPv4(target.address) ? 4 : 6;
    this.socket(family).send(message, target.port, target.address, (error) => {
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
        this.sender.onResponse(decodeMessage(data), { address: rinfo.address, port: rinfo.port });
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

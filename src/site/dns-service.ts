// The authoritative DNS service of the site daemon (docs/dns.md): loads the zones,
// answers over UDP (the native socket: batched receive and send, replies from the
// address the query came to) and TCP on every configured address, and reports
// per-zone state and counters in /metrics. Zone changes swap a whole new zone set.
// Signed queries are verified with the TSIG keys of dns.keys (dns-keys.ts).
import { readFileSync } from 'node:fs';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { isIPv4 } from '../core/ip.js';
import type { DnsConfig, ZoneConfig } from '../config/dns-schema.js';
import { DnsResponder, type Transport } from '../protocol/dns/responder.js';
import { formatZoneProblem } from '../protocol/dns/zone-problem.js';
import { ZoneSet, type ServedZone } from '../protocol/dns/zone-set.js';
import { loadZoneText } from '../protocol/dns/zone-load.js';
import { DnsTcpServer } from '../runtime/dns-tcp-server.js';
import { loadTsigKeys } from './dns-keys.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { Udp4Socket } from '../runtime/udp4-socket.js';
import { ipv4FromString } from '../wire/dhcp4/index.js';
import type { SOAData } from '../wire/dns/types.js';
import type { SiteService } from './service.js';

export interface DnsServiceOptions {
  readonly config: DnsConfig;
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
}

interface UdpEndpoint {
  readonly port: number;
  close(): void;
}

const MAX_MESSAGE = 65535;

export class DnsService implements SiteService {
  readonly name = 'dns';
  private responder?: DnsResponder;
  private readonly udp: UdpEndpoint[] = [];
  private readonly tcp: DnsTcpServer[] = [];
  private readonly dropLog: RateLimitedLog;
  private readonly tsigLog: RateLimitedLog;
  private readonly out = Buffer.allocUnsafe(MAX_MESSAGE);

  constructor(private readonly opts: DnsServiceOptions) {
    this.dropLog = new RateLimitedLog(opts.log, 'DNS_DROPPED', opts.clock);
    this.tsigLog = new RateLimitedLog(opts.log, 'DNS_TSIG_REFUSED', opts.clock);
    this.registerMetrics(opts.registry);
  }

  /** Bound ports, in the order of dns.listen (tests listen on port 0). */
  get ports(): { udp: number[]; tcp: number[] } {
    return { udp: this.udp.map((u) => u.port), tcp: this.tcp.map((t) => t.port) };
  }

  get zones(): ZoneSet | undefined {
    return this.responder?.zoneSet;
  }

  async start(): Promise<void> {
    const served: ServedZone[] = [];
    for (const z of this.opts.config.zones) {
      if (z.type !== 'primary') continue; // secondaries: zone transfers (next step of issue 5)
      served.push(this.loadPrimary(z));
    }
    const c = this.opts.config;
    const clock = this.opts.clock;
    const responder = new DnsResponder(new ZoneSet(served), {
      udpSize: c.udpSize, ...(c.nsid ? { nsid: Buffer.from(c.nsid) } : {}),
      tsigKeys: loadTsigKeys(c.keys, this.opts.configDir), now: () => Math.floor(clock.now() / 1000),
    });
    responder.onDecodeError = (reason, detail) => this.dropLog.event({ reason, detail });
    responder.onTsigFailure = (f, transport) => this.tsigLog.event({ error: f.error, key: f.keyName, algorithm: f.algorithm, transport, reason: f.detail });
    this.responder = responder;
    for (const l of c.listen) {
      this.udp.push(isIPv4(l.address) ? this.openUdp4(l.address, l.port) : await this.openUdp6(l.address, l.port));
      this.tcp.push(await DnsTcpServer.listen({
        address: l.address, port: l.port, idleTimeoutMs: c.tcp.idleTimeout * 1000, maxConnections: c.tcp.maxConnections, maxPipelined: c.tcp.maxPipelined,
        handler: (m) => this.respond(m, 'tcp'),
        onDrop: (reason, peer, detail) => this.dropLog.event({ reason: `tcp-${reason}`, from: peer.address, ...(detail ? { detail } : {}) }),
      }));
    }
    logEvent(this.opts.log, 'DNS_LISTENING', {
      keys: c.keys.map((k) => k.name),
      listen: c.listen.map((l, i) => ({ address: l.address, udp: this.udp[i]!.port, tcp: this.tcp[i]!.port })),
      zones: served.map((s) => ({ zone: s.zone.origin, serial: s.zone.serial, records: s.zone.recordCount })),
    });
  }

  async stop(): Promise<void> {
    for (const u of this.udp.splice(0)) u.close();
    await Promise.all(this.tcp.splice(0).map((t) => t.close()));
  }

  private respond(query: Buffer, transport: Transport, out?: Buffer): Buffer | undefined {
    try {
      return this.responder?.respond(query, transport, out);
    } catch (error) {
      // A bug must cost one answer, never the server.
      this.dropLog.event({ reason: 'internal-error', detail: (error as Error).stack ?? String(error) });
      return undefined;
    }
  }

  private loadPrimary(z: ZoneConfig): ServedZone {
    const file = resolve(this.opts.configDir, z.file!);
    // $INCLUDE paths come resolved against the including file.
    const { zone, warnings } = loadZoneText(readFileSync(file, 'utf8'), { origin: z.name, file, readInclude: (path: string) => readFileSync(path, 'utf8') });
    for (const w of warnings) logEvent(this.opts.log, 'DNS_ZONE_WARNING', { zone: zone.origin, warning: formatZoneProblem(w) });
    logEvent(this.opts.log, 'DNS_ZONE_LOADED', { zone: zone.origin, file, serial: zone.serial, records: zone.recordCount });
    const expire = (zone.soa.data as SOAData).expire;
    return { zone, role: 'primary', expiresIn: () => expire, expired: () => false };
  }

  private openUdp4(address: string, port: number): UdpEndpoint {
    const socket = Udp4Socket.open({ port, address: ipv4FromString(address), reuseAddr: true, recvBufferBytes: 4 << 20, sendBufferBytes: 4 << 20, maxDatagramBytes: MAX_MESSAGE });
    socket.onMessage((d) => {
      const reply = this.respond(d.data, 'udp', this.out);
      // From the address the query came to: a server bound to 0.0.0.0 answers from the right one.
      if (reply) socket.queue(reply, d.from, d.fromPort, { from: d.to });
    });
    return { port: socket.localPort, close: () => socket.close() };
  }

  private openUdp6(address: string, port: number): Promise<UdpEndpoint> {
    const socket: DgramSocket = createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true });
    socket.on('message', (data, rinfo) => {
      const reply = this.respond(data, 'udp');
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    return new Promise((done, fail) => {
      socket.once('error', fail);
      socket.bind(port, address, () => {
        socket.off('error', fail);
        socket.on('error', (e) => this.dropLog.event({ reason: 'udp6-error', detail: e.message }));
        done({ port: socket.address().port, close: () => socket.close() });
      });
    });
  }

  private registerMetrics(registry: Registry): void {
    const service = this;
    const fill = (metric: Counter<string>, map: ReadonlyMap<string, number> | undefined, label: string) => {
      metric.reset();
      for (const [k, v] of map ?? []) metric.inc({ [label]: k }, v);
    };
    new Counter({ name: 'outpost_dns_queries_total', help: 'DNS queries answered from scratch, by outcome (answer, wildcard, cname, referral, nodata, nxdomain, refused, formerr, notimp, badvers, expired, yxdomain, notauth).', labelNames: ['outcome'], registers: [registry],
      collect() { fill(this, service.responder?.counters.outcomes, 'outcome'); } });
    new Counter({ name: 'outpost_dns_cached_answers_total', help: 'DNS queries answered from the answer cache of the current zone set.', registers: [registry],
      collect() { this.reset(); this.inc(service.responder?.counters.cacheHits ?? 0); } });
    new Counter({ name: 'outpost_dns_truncated_total', help: 'DNS answers sent truncated (TC): the client retries over TCP.', registers: [registry],
      collect() { this.reset(); this.inc(service.responder?.counters.truncated ?? 0); } });
    new Counter({ name: 'outpost_dns_decode_errors_total', help: 'Undecodable DNS messages, by codec reason.', labelNames: ['reason'], registers: [registry],
      collect() { fill(this, service.responder?.counters.decodeErrors, 'reason'); } });
    new Counter({ name: 'outpost_dns_tsig_total', help: 'TSIG-signed DNS queries by result: ok (verified, answer signed), badkey, badsig, badtime, badtrunc (answered NOTAUTH), formerr.', labelNames: ['result'], registers: [registry],
      collect() { fill(this, service.responder?.counters.tsig, 'result'); } });
    new Gauge({ name: 'outpost_dns_zone_serial', help: 'The SOA serial each zone is served with.', labelNames: ['zone', 'role'], registers: [registry],
      collect() {
        this.reset();
        for (const z of service.responder?.zoneSet.all() ?? []) this.set({ zone: z.zone.origin, role: z.role }, z.zone.serial);
      } });
    new Gauge({ name: 'outpost_dns_tcp_connections', help: 'Open DNS TCP connections.', registers: [registry],
      collect() { this.set(service.tcp.reduce((n, t) => n + t.connections, 0)); } });
  }
}

// The authoritative DNS service of the site daemon (docs/dns.md): loads the primary
// zones, runs the secondary ones (dns-secondaries.ts: copies on disk, transfers in,
// NOTIFY), answers over UDP (the native socket: batched receive and send, replies from
// the address the query came to) and TCP on every configured address, and reports
// per-zone state and counters in /metrics and /dns. Zone changes swap a whole new zone set.
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
import { ipv4ToString } from '../wire/ipv4.js';
import { Opcode, type SOAData } from '../wire/dns/types.js';
import type { FileLock } from '../runtime/file-lock.js';
import { openDnsDataDir } from '../storage/dns-zone-copy-files.js';
import { TsigXfrSecurity } from '../protocol/dns/secondary/tsig-security.js';
import type { TsigKey } from '../wire/dns/tsig.js';
import { DnsSecondaries } from './dns-secondaries.js';
import type { SiteService } from './service.js';

export interface DnsServiceOptions {
  readonly config: DnsConfig;
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
}

/** One zone in GET /dns. */
export interface DnsZoneView {
  readonly zone: string;
  readonly role: 'primary' | 'secondary';
  readonly serial?: number;
  readonly [key: string]: unknown;
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
  private readonly xfrTsigLog: RateLimitedLog;
  /** dns.keys with their secrets, read at start. */
  private tsigKeys: readonly TsigKey[] = [];
  private readonly out = Buffer.allocUnsafe(MAX_MESSAGE);
  private primaries: ServedZone[] = [];
  readonly secondaries: DnsSecondaries;
  private lock?: FileLock;

  constructor(private readonly opts: DnsServiceOptions) {
    this.dropLog = new RateLimitedLog(opts.log, 'DNS_DROPPED', opts.clock);
    this.tsigLog = new RateLimitedLog(opts.log, 'DNS_TSIG_REFUSED', opts.clock);
    this.xfrTsigLog = new RateLimitedLog(opts.log, 'DNS_SECONDARY_TSIG_FAILED', opts.clock);
    this.secondaries = new DnsSecondaries({
      config: opts.config, configDir: opts.configDir, log: opts.log, clock: opts.clock,
      onServedChange: () => this.responder?.swap(this.zoneSet()),
      // TSIG (RFC 8945): requests to a primary with a key signed, its answers and NOTIFYs verified with it.
      security: new TsigXfrSecurity({ keys: () => this.tsigKeys, now: () => Math.floor(opts.clock.now() / 1000), onFailure: (f) => this.xfrTsigLog.event({ ...f }) }),
    });
    this.registerMetrics(opts.registry);
    this.secondaries.registerMetrics(opts.registry);
  }

  /** Bound ports, in the order of dns.listen (tests listen on port 0). */
  get ports(): { udp: number[]; tcp: number[] } {
    return { udp: this.udp.map((u) => u.port), tcp: this.tcp.map((t) => t.port) };
  }

  get zones(): ZoneSet | undefined {
    return this.responder?.zoneSet;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    // The service owns dns.dataDir: secondary copies, their timers, the control token without DHCP.
    this.tsigKeys = loadTsigKeys(c.keys, this.opts.configDir);
    this.lock = await openDnsDataDir(resolve(this.opts.configDir, c.dataDir));
    for (const z of c.zones) if (z.type === 'primary') this.primaries.push(this.loadPrimary(z));
    // Copies on disk are served from the first query on, before any primary is reached.
    await this.secondaries.start();
    const clock = this.opts.clock;
    const responder = new DnsResponder(this.zoneSet(), {
      udpSize: c.udpSize, ...(c.nsid ? { nsid: Buffer.from(c.nsid) } : {}),
      tsigKeys: this.tsigKeys, now: () => Math.floor(clock.now() / 1000),
    });
    responder.onDecodeError = (reason, detail) => this.dropLog.event({ reason, detail });
    responder.onTsigFailure = (f, transport) => this.tsigLog.event({ error: f.error, key: f.keyName, algorithm: f.algorithm, transport, reason: f.detail });
    this.responder = responder;
    for (const l of c.listen) {
      this.udp.push(isIPv4(l.address) ? this.openUdp4(l.address, l.port) : await this.openUdp6(l.address, l.port));
      this.tcp.push(await DnsTcpServer.listen({
        address: l.address, port: l.port, idleTimeoutMs: c.tcp.idleTimeout * 1000, maxConnections: c.tcp.maxConnections, maxPipelined: c.tcp.maxPipelined,
        handler: (m, peer) => this.respond(m, 'tcp', undefined, peer.address),
        onDrop: (reason, peer, detail) => this.dropLog.event({ reason: `tcp-${reason}`, from: peer.address, ...(detail ? { detail } : {}) }),
      }));
    }
    logEvent(this.opts.log, 'DNS_LISTENING', {
      keys: c.keys.map((k) => k.name),
      listen: c.listen.map((l, i) => ({ address: l.address, udp: this.udp[i]!.port, tcp: this.tcp[i]!.port })),
      zones: this.status().zones.map((z) => ({ zone: z.zone, role: z.role, ...(z.serial !== undefined ? { serial: z.serial } : {}), ...(z.state ? { state: z.state } : {}) })),
    });
  }

  async stop(): Promise<void> {
    for (const u of this.udp.splice(0)) u.close();
    await Promise.all(this.tcp.splice(0).map((t) => t.close()));
    await this.secondaries.stop();
    this.lock?.release();
    this.lock = undefined;
  }

  /** GET /dns: every zone, primary or secondary, with its serving state. */
  status(): { zones: DnsZoneView[] } {
    const primaries: DnsZoneView[] = this.primaries.map((p) => ({ zone: p.zone.origin, role: 'primary', serial: p.zone.serial, state: 'serving', serving: true, stale: false }));
    const secondaries: DnsZoneView[] = this.secondaries.status().map((s) => ({ ...s, history: s.history.slice(-5) }));
    return { zones: [...primaries, ...secondaries] };
  }

  private zoneSet(): ZoneSet {
    return new ZoneSet([...this.primaries, ...this.secondaries.served()]);
  }

  /** `source`: the sender's address (IPv4 as a number from the native socket: turned into text only for a NOTIFY). */
  private respond(query: Buffer, transport: Transport, out: Buffer | undefined, source: string | number): Buffer | undefined {
    try {
      // NOTIFY (RFC 1996) goes to the secondaries; everything else to the query path.
      if (query.length >= 12 && ((query[2]! >> 3) & 0x0f) === Opcode.NOTIFY) return this.secondaries.notify(query, typeof source === 'number' ? ipv4ToString(source) : source);
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
      const reply = this.respond(d.data, 'udp', this.out, d.from);
      // From the address the query came to: a server bound to 0.0.0.0 answers from the right one.
      if (reply) socket.queue(reply, d.from, d.fromPort, { from: d.to });
    });
    return { port: socket.localPort, close: () => socket.close() };
  }

  private openUdp6(address: string, port: number): Promise<UdpEndpoint> {
    const socket: DgramSocket = createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true });
    socket.on('message', (data, rinfo) => {
      const reply = this.respond(data, 'udp', undefined, rinfo.address);
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
        for (const z of service.status().zones) if (z.serial !== undefined) this.set({ zone: z.zone, role: z.role }, z.serial);
      } });
    new Gauge({ name: 'outpost_dns_tcp_connections', help: 'Open DNS TCP connections.', registers: [registry],
      collect() { this.set(service.tcp.reduce((n, t) => n + t.connections, 0)); } });
  }
}

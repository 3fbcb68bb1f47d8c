// The authoritative DNS service of the site daemon (docs/dns.md): loads the primary
// zones, runs the secondary ones (dns-secondaries.ts: copies on disk, transfers in,
// NOTIFY in), answers over UDP (the native socket: batched receive and send, replies
// from the address the query came to) and TCP on every configured address — zone
// transfers out included —, reloads primary zone files on demand (reload(): SIGHUP,
// POST /dns/reload) and tells their secondaries by NOTIFY, and reports per-zone state
// and counters in /metrics and /dns. Zone changes swap a whole new zone set. Signed
// queries are verified with the TSIG keys of dns.keys (dns-keys.ts). DNS UPDATEs are
// applied to primary zones or forwarded from secondary ones (dns-updates.ts).
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { isIPv4 } from '../core/ip.js';
import type { DnsConfig } from '../config/dns-schema.js';
import { zoneKey } from '../config/dns-validate.js';
import type { ClientAddress } from '../protocol/dns/acl.js';
import { DnsResponder, type Transport } from '../protocol/dns/responder.js';
import type { TransferAnswer } from '../protocol/dns/transfer-out.js';
import { ZoneSet } from '../protocol/dns/zone-set.js';
import { DnsTcpServer, type DnsTcpReply } from '../runtime/dns-tcp-server.js';
import type { FileLock } from '../runtime/file-lock.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { Udp4Socket } from '../runtime/udp4-socket.js';
import { openDnsDataDir } from '../storage/dns-zone-copy-files.js';
import { ipv4FromString, ipv4ToString } from '../wire/ipv4.js';
import { Opcode } from '../wire/dns/types.js';
import { nameKey } from '../wire/dns/name.js';
import { loadTsigKeys } from './dns-keys.js';
import { TsigXfrSecurity } from '../protocol/dns/secondary/tsig-security.js';
import type { TsigKey } from '../wire/dns/tsig.js';
import { DnsSecondaries } from './dns-secondaries.js';
import { DnsUpdates } from './dns-updates.js';
import { dnsUpdateTransport } from '../runtime/dns-update-transport.js';
import { DnsNotifier } from './dns-notify.js';
import { PrimaryZone, type ReloadReport } from './dns-primary-zone.js';
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

/** The answer of a command route: an HTTP status and a JSON body. */
export interface CommandReply {
  readonly status: number;
  readonly body: unknown;
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
  private readonly refusedLog: RateLimitedLog;
  private readonly tsigLog: RateLimitedLog;
  private readonly xfrTsigLog: RateLimitedLog;
  /** dns.keys with their secrets, read at start. */
  private tsigKeys: readonly TsigKey[] = [];
  readonly secondaries: DnsSecondaries;
  private readonly out = Buffer.allocUnsafe(MAX_MESSAGE);
  private readonly primaries = new Map<string, PrimaryZone>();
  private readonly reloads = new Map<string, number>();
  private notifier?: DnsNotifier;
  private lock?: FileLock;
  /** Reloads run one after the other (SIGHUP and commands may overlap). */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DnsServiceOptions) {
    this.dropLog = new RateLimitedLog(opts.log, 'DNS_DROPPED', opts.clock);
    this.refusedLog = new RateLimitedLog(opts.log, 'DNS_TRANSFER_REFUSED', opts.clock);
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
    const dataDir = resolve(this.opts.configDir, c.dataDir);
    this.tsigKeys = loadTsigKeys(c.keys, this.opts.configDir);
    // The service owns dns.dataDir: IXFR journals, secondary copies and timers, the control token without DHCP.
    this.lock = await openDnsDataDir(dataDir);
    try {
      for (const z of c.zones) {
        if (z.type !== 'primary') continue;
        const primary = await PrimaryZone.open(z, { configDir: this.opts.configDir, dataDir, log: this.opts.log, clock: this.opts.clock });
        this.primaries.set(zoneKey(z.name), primary);
      }
      // Copies on disk are served from the first query on, before any primary is reached.
      await this.secondaries.start();
    } catch (error) {
      this.lock.release();
      throw error;
    }
    const clock = this.opts.clock;
    const responder = new DnsResponder(this.zoneSet(), {
      udpSize: c.udpSize, ...(c.nsid ? { nsid: Buffer.from(c.nsid) } : {}),
      tsigKeys: this.tsigKeys, now: () => Math.floor(clock.now() / 1000),
      updates: new DnsUpdates({
        config: c, primaries: this.primaries, transport: dnsUpdateTransport, log: this.opts.log,
        refusedLog: new RateLimitedLog(this.opts.log, 'DNS_UPDATE_REFUSED', clock), forwardLog: new RateLimitedLog(this.opts.log, 'DNS_UPDATE_FORWARD_FAILED', clock),
        onChange: (p) => {
          responder.swap(responder.zoneSet.with([p.served()]));
          this.sendNotify(p.origin);
        },
      }),
    });
    responder.onDecodeError = (reason, detail) => this.dropLog.event({ reason, detail });
    responder.onTransfer = (answer, client) => this.logTransfer(answer, client);
    responder.onTsigFailure = (f, transport) => this.tsigLog.event({ error: f.error, key: f.keyName, algorithm: f.algorithm, transport, reason: f.detail });
    this.responder = responder;
    this.notifier = new DnsNotifier({
      clock: this.opts.clock, log: this.opts.log, listen: c.listen.map((l) => l.address), dropLog: this.dropLog,
      key: (name) => this.tsigKeys.find((k) => nameKey(k.name) === nameKey(name)),
    });
    for (const l of c.listen) {
      this.udp.push(isIPv4(l.address) ? this.openUdp4(l.address, l.port) : await this.openUdp6(l.address, l.port));
      this.tcp.push(await DnsTcpServer.listen({
        address: l.address, port: l.port, idleTimeoutMs: c.tcp.idleTimeout * 1000, maxConnections: c.tcp.maxConnections, maxPipelined: c.tcp.maxPipelined,
        handler: (m, peer) => this.respond(m, 'tcp', peer.address),
        onDrop: (reason, peer, detail) => this.dropLog.event({ reason: `tcp-${reason}`, from: peer.address, ...(detail ? { detail } : {}) }),
      }));
    }
    logEvent(this.opts.log, 'DNS_LISTENING', {
      listen: c.listen.map((l, i) => ({ address: l.address, udp: this.udp[i]!.port, tcp: this.tcp[i]!.port })),
      keys: c.keys.map((k) => k.name),
      zones: this.status().zones.map((z) => ({ zone: z.zone, role: z.role, ...(z.serial !== undefined ? { serial: z.serial } : {}), ...(z.state ? { state: z.state } : {}) })),
    });
    // As BIND does at load: secondaries that missed a change while we were down hear of it now.
    for (const p of this.primaries.values()) this.sendNotify(p.origin);
  }

  async stop(): Promise<void> {
    this.notifier?.close();
    for (const u of this.udp.splice(0)) u.close();
    await Promise.all(this.tcp.splice(0).map((t) => t.close()));
    await this.reloading.catch(() => undefined);
    // Updates not yet in their zone files are written now (the journal has them either way).
    await Promise.all([...this.primaries.values()].map((p) => p.flush()));
    await this.secondaries.stop();
    this.lock?.release();
    this.lock = undefined;
  }

  /** GET /dns: every zone, primary or secondary, with its serving state. */
  status(): { zones: DnsZoneView[] } {
    const primaries: DnsZoneView[] = [...this.primaries.values()].map((p) => {
      const z = p.served().zone;
      return { zone: z.origin, role: 'primary', serial: z.serial, state: 'serving', serving: true, stale: false };
    });
    const secondaries: DnsZoneView[] = this.secondaries.status().map((s) => ({ ...s, history: s.history.slice(-5) }));
    return { zones: [...primaries, ...secondaries] };
  }

  private zoneSet(): ZoneSet {
    return new ZoneSet([...[...this.primaries.values()].map((p) => p.served()), ...this.secondaries.served()]);
  }

  /**
   * Reads the primary zone files again (all, or the one named), swaps the changed zones
   * in at once and sends NOTIFY for each. Reloads are serialised.
   */
  reload(cause: string, zone?: string): Promise<ReloadReport[]> {
    const run = this.reloading.then(() => this.reloadNow(cause, zone));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** POST /dns/reload[/<zone>]: 200 when every zone loaded or was unchanged, 422 when one was refused (it keeps its old version). */
  async reloadCommand(zone?: string): Promise<CommandReply> {
    if (!this.responder) return { status: 503, body: { error: 'the DNS service is not running' } };
    if (zone !== undefined && !this.primaries.has(zoneKey(zone))) return { status: 404, body: { error: `no primary zone ${zone} on this server` } };
    const zones = await this.reload('command', zone);
    const refused = zones.filter((z) => z.result === 'invalid' || z.result === 'serial-not-increased');
    return { status: refused.length === 0 ? 200 : 422, body: { zones } };
  }

  /** POST /dns/notify/<zone>: NOTIFY its servers now, with the serial served. */
  notifyCommand(zone: string): CommandReply {
    const responder = this.responder;
    if (!responder) return { status: 503, body: { error: 'the DNS service is not running' } };
    const served = responder.zoneSet.get(zone.endsWith('.') ? zone : `${zone}.`);
    if (!served) return { status: 404, body: { error: `no zone ${zone} on this server` } };
    const targets = this.sendNotify(served.zone.origin);
    return { status: 200, body: { zone: served.zone.origin, serial: served.zone.serial, servers: targets } };
  }

  private async reloadNow(cause: string, only?: string): Promise<ReloadReport[]> {
    const responder = this.responder;
    if (!responder) return [];
    const chosen = [...this.primaries.entries()].filter(([key]) => only === undefined || key === zoneKey(only)).map(([, p]) => p);
    logEvent(this.opts.log, 'DNS_RELOAD_REQUESTED', { cause, zones: chosen.map((p) => p.origin) });
    const reports: ReloadReport[] = [];
    for (const p of chosen) reports.push(await p.reload());
    for (const r of reports) this.reloads.set(r.result, (this.reloads.get(r.result) ?? 0) + 1);
    const updated = chosen.filter((_, i) => reports[i]!.result === 'updated');
    if (updated.length > 0) {
      responder.swap(responder.zoneSet.with(updated.map((p) => p.served())));
      for (const p of updated) this.sendNotify(p.origin);
    }
    return reports;
  }

  /** NOTIFY the zone's `notify` servers of the version served; returns them as address#port. */
  private sendNotify(origin: string): string[] {
    const config = this.opts.config.zones.find((z) => zoneKey(z.name) === zoneKey(origin));
    const served = this.responder?.zoneSet.get(origin);
    const targets = (config?.notify ?? []).map((t) => ({ address: t.address, port: t.port, ...(t.key ? { key: t.key } : {}) }));
    if (!served || targets.length === 0) return [];
    this.notifier?.notify(served.zone.origin, served.zone.soa, targets);
    return targets.map((t) => `${t.address}#${t.port}`);
  }

  private logTransfer(answer: TransferAnswer, client: ClientAddress): void {
    const fields = {
      zone: answer.zone, client: typeof client === 'number' ? ipv4ToString(client) : client, type: answer.type, result: answer.result,
      ...(answer.serial !== undefined ? { serial: answer.serial } : {}), ...(answer.clientSerial !== undefined ? { clientSerial: answer.clientSerial } : {}),
    };
    if (answer.result === 'refused' || answer.result === 'not-authoritative' || answer.result === 'formerr' || answer.result === 'expired') this.refusedLog.event(fields);
    else logEvent(this.opts.log, 'DNS_TRANSFER_OUT', { ...fields, records: answer.records });
  }

  private respond(query: Buffer, transport: 'tcp', client: ClientAddress): DnsTcpReply | Promise<DnsTcpReply>;
  private respond(query: Buffer, transport: 'udp', client: ClientAddress, out?: Buffer): Buffer | Promise<Buffer | undefined> | undefined;
  private respond(query: Buffer, transport: Transport, client: ClientAddress, out?: Buffer): DnsTcpReply | Promise<DnsTcpReply> {
    try {
      // NOTIFY (RFC 1996) goes to the secondaries, UPDATE (RFC 2136) its own way; everything else to the query path.
      const opcode = query.length >= 12 ? (query[2]! >> 3) & 0x0f : Opcode.QUERY;
      if (opcode === Opcode.NOTIFY) return this.secondaries.notify(query, typeof client === 'number' ? ipv4ToString(client) : client);
      if (opcode === Opcode.UPDATE) return this.responder?.update(query, transport, client).catch((error) => this.internalError(error));
      return this.responder?.respond(query, transport, out, client);
    } catch (error) {
      return this.internalError(error);
    }
  }

  /** A bug must cost one answer, never the server. */
  private internalError(error: unknown): undefined {
    this.dropLog.event({ reason: 'internal-error', detail: (error as Error).stack ?? String(error) });
    return undefined;
  }

  private openUdp4(address: string, port: number): UdpEndpoint {
    const socket = Udp4Socket.open({ port, address: ipv4FromString(address), reuseAddr: true, recvBufferBytes: 4 << 20, sendBufferBytes: 4 << 20, maxDatagramBytes: MAX_MESSAGE });
    socket.onMessage((d) => {
      const { from, fromPort, to } = d;
      // From the address the query came to: a server bound to 0.0.0.0 answers from the right one.
      whenReplied(this.respond(d.data, 'udp', from, this.out), (r) => socket.queue(r, from, fromPort, { from: to }));
    });
    return { port: socket.localPort, close: () => socket.close() };
  }

  private openUdp6(address: string, port: number): Promise<UdpEndpoint> {
    const socket: DgramSocket = createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true });
    socket.on('message', (data, rinfo) => {
      whenReplied(this.respond(data, 'udp', rinfo.address), (r) => socket.send(r, rinfo.port, rinfo.address));
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
    new Counter({ name: 'outpost_dns_updates_total', help: 'DNS UPDATEs (RFC 2136) by result: the rcode answered in lower case (noerror, refused, notauth, yxdomain, nxdomain, yxrrset, nxrrset, formerr, notzone, servfail), forwarded (to a secondary zone\'s primary), forward-failed.', labelNames: ['result'], registers: [registry],
      collect() { fill(this, service.responder?.counters.updates, 'result'); } });
    new Gauge({ name: 'outpost_dns_zone_serial', help: 'The SOA serial each zone is served with.', labelNames: ['zone', 'role'], registers: [registry],
      collect() {
        this.reset();
        for (const z of service.status().zones) if (z.serial !== undefined) this.set({ zone: z.zone, role: z.role }, z.serial);
      } });
    new Counter({ name: 'outpost_dns_transfers_total', help: 'Zone transfer requests (AXFR, IXFR) by type and result: full, incremental, up-to-date, use-tcp, refused, not-authoritative, expired, formerr.', labelNames: ['type', 'result'], registers: [registry],
      collect() {
        this.reset();
        for (const [k, v] of service.responder?.counters.transfers ?? []) {
          const [type = '', result = ''] = k.split('|');
          this.inc({ type, result }, v);
        }
      } });
    new Counter({ name: 'outpost_dns_notifies_total', help: 'NOTIFY messages sent (each try) and NOTIFYs ended, by event: sent, acknowledged, refused (an error response), failed (no response after every try).', labelNames: ['event'], registers: [registry],
      collect() {
        this.reset();
        const c = service.notifier?.sender.counters;
        if (!c) return;
        this.inc({ event: 'sent' }, c.sent);
        this.inc({ event: 'acknowledged' }, c.acknowledged);
        this.inc({ event: 'refused' }, c.refused);
        this.inc({ event: 'failed' }, c.failed);
      } });
    new Counter({ name: 'outpost_dns_reloads_total', help: 'Primary zone reloads by result: updated, unchanged, invalid (the old version kept), serial-not-increased (the old version kept).', labelNames: ['result'], registers: [registry],
      collect() { fill(this, service.reloads, 'result'); } });
    new Gauge({ name: 'outpost_dns_ixfr_versions', help: 'Zone versions kept for IXFR (older serials get the whole zone).', labelNames: ['zone'], registers: [registry],
      collect() {
        this.reset();
        for (const z of service.responder?.zoneSet.all() ?? []) this.set({ zone: z.zone.origin }, z.history?.versions ?? 0);
      } });
    new Gauge({ name: 'outpost_dns_tcp_connections', help: 'Open DNS TCP connections.', registers: [registry],
      collect() { this.set(service.tcp.reduce((n, t) => n + t.connections, 0)); } });
  }
}

/** Sends a UDP reply now, or when an UPDATE's answer is ready (queries stay synchronous: no microtask each). */
function whenReplied(reply: Buffer | Promise<Buffer | undefined> | undefined, send: (reply: Buffer) => void): void {
  if (reply instanceof Promise) void reply.then((r) => { if (r) send(r); });
  else if (reply) send(reply);
}

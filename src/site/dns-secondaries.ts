// The secondary zones of the DNS service (docs/dns.md, "Secondary zones" and
// "Survivable expiry"): one SecondaryZone per dns.zones[] entry of type secondary,
// bound to its files under dns.dataDir, the transfer client and the service's zone
// set; NOTIFY in; log lines with codes; /dns status, the retransfer command and the
// per-zone metrics.
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { codes } from '../core/codes.js';
import type { DnsConfig } from '../config/dns-schema.js';
import { nameKey } from '../wire/dns/name.js';
import { decodeMessage, encodeMessage, isWireDecodeError, type DnsMessage } from '../wire/dns/index.js';
import { answerNotify } from '../protocol/dns/secondary/notify.js';
import { UNSIGNED, type XfrSecurity } from '../protocol/dns/secondary/primary.js';
import { SecondaryZone, type SecondaryNotice, type SecondaryStatus } from '../protocol/dns/secondary/secondary-zone.js';
import type { ServedZone } from '../protocol/dns/zone-set.js';
import { DnsXfrClient } from '../runtime/dns-xfr-client.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { DnsZoneCopyFiles, defaultCopyPath } from '../storage/dns-zone-copy-files.js';

export interface DnsSecondariesOptions {
  readonly config: DnsConfig;
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Called when what a secondary serves changed: the service builds and swaps a new zone set. */
  readonly onServedChange: () => void;
  /** TSIG of transfers and NOTIFY (primary.ts; the service gives TsigXfrSecurity). Default UNSIGNED. */
  readonly security?: XfrSecurity;
}

export class DnsSecondaries {
  readonly zones: readonly SecondaryZone[];
  private readonly byKey = new Map<string, SecondaryZone>();
  private readonly security: XfrSecurity;
  private readonly notifyRefused: RateLimitedLog;
  private readonly transfers = new Map<string, number>();
  private readonly notifies = new Map<string, number>();
  private started = false;
  /** Failed attempts in a row per zone, to log the first and then one every FAILURE_LOG_MS. */
  private readonly failing = new Map<string, { since: number; attempts: number; loggedAt: number }>();

  constructor(private readonly o: DnsSecondariesOptions) {
    this.security = o.security ?? UNSIGNED;
    this.notifyRefused = new RateLimitedLog(o.log, 'DNS_NOTIFY_REFUSED', o.clock);
    const transport = new DnsXfrClient({ security: this.security });
    const dataDir = resolve(o.configDir, o.config.dataDir);
    const zones: SecondaryZone[] = [];
    for (const z of o.config.zones) {
      if (z.type !== 'secondary') continue;
      const origin = z.name.endsWith('.') ? z.name : `${z.name}.`;
      const path = z.file ? resolve(o.configDir, z.file) : defaultCopyPath(dataDir, origin);
      const zone: SecondaryZone = new SecondaryZone({
        origin,
        policy: z.expiry,
        primaries: (z.primaries ?? []).map((p) => ({ address: p.address, port: p.port, ...(p.key ? { key: p.key } : {}) })),
        clock: o.clock,
        transport,
        files: new DnsZoneCopyFiles(path),
        onTransition: (t) => {
          const fields = { code: 'DNS_SECONDARY_STATE', zone: t.zone, from: t.from, to: t.to, event: t.event, cause: t.cause } as const;
          // The routine cycle of a healthy zone (fresh ⇄ refreshing at every SOA refresh) at debug; every other change at info.
          if (ROUTINE.has(`${t.from}>${t.to}`)) o.log.debug(fields, codes.DNS_SECONDARY_STATE.summary);
          else logEvent(o.log, 'DNS_SECONDARY_STATE', fields);
        },
        onNotice: (n) => this.notice(origin, n),
        onServedChange: () => { if (this.started) o.onServedChange(); },
        forwardUpdates: z.forwardUpdates,
      });
      zones.push(zone);
      this.byKey.set(nameKey(origin), zone);
    }
    this.zones = zones;
  }

  /** Reads every copy from disk (served at once), then lets the timers and transfers run. */
  async start(): Promise<void> {
    await Promise.all(this.zones.map((z) => z.start()));
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.zones.map((z) => z.stop()));
  }

  served(): ServedZone[] {
    return this.zones.map((z) => z.servedZone);
  }

  /**
   * The answer to a NOTIFY (opcode 4) from `source`, or undefined for nothing to send.
   * An accepted NOTIFY starts a refresh of its zone (RFC 1996 §3.7).
   */
  notify(wire: Buffer, source: string): Buffer | undefined {
    let m: DnsMessage;
    try {
      m = decodeMessage(wire);
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      this.notifyRefused.event({ from: source, reason: `undecodable: ${error.message}` });
      return undefined;
    }
    const answer = answerNotify(m, source, (name) => this.byKey.get(nameKey(name)), (p) => this.security.acceptNotify(p, wire));
    if (!answer) return undefined;
    const v = answer.verdict;
    if (v.kind === 'accepted') {
      this.notifies.set(v.zone, (this.notifies.get(v.zone) ?? 0) + 1);
      logEvent(this.o.log, 'DNS_NOTIFY_RECEIVED', { zone: v.zone, from: source, ...(v.serial !== undefined ? { serial: v.serial } : {}) });
      this.byKey.get(nameKey(v.zone))?.notify(source, v.serial);
    } else {
      this.notifyRefused.event({ ...(v.zone ? { zone: v.zone } : {}), from: source, reason: v.reason });
    }
    const response = encodeMessage(answer.response);
    return v.kind === 'accepted' && this.security.signNotifyAnswer ? this.security.signNotifyAnswer(v.primary, wire, response) : response;
  }

  status(): SecondaryStatus[] {
    return this.zones.map((z) => z.status());
  }

  /** POST /dns/retransfer/<zone>. */
  retransfer(zone: string): { status: number; body: unknown } {
    const z = this.byKey.get(nameKey(zone.endsWith('.') ? zone : `${zone}.`));
    if (!z) return { status: 404, body: { error: `${zone} is not a secondary zone of this server` } };
    const from = z.state;
    if (!z.retransfer()) return { status: 409, body: { error: `${z.origin} is still loading; try again in a moment` } };
    logEvent(this.o.log, 'DNS_SECONDARY_RETRANSFER', { zone: z.origin, state: from });
    return { status: 202, body: { zone: z.origin, from, to: z.state, transfer: 'started' } };
  }

  registerMetrics(registry: Registry): void {
    const self = this;
    const each = (g: Gauge<string>, value: (s: SecondaryStatus) => number | undefined) => {
      g.reset();
      for (const s of self.status()) {
        const v = value(s);
        if (v !== undefined) g.set({ zone: s.zone }, v);
      }
    };
    new Gauge({ name: 'outpost_dns_zone_stale', help: 'Secondary zones: 1 while the zone is answered from a copy past its SOA expire (expiry never).', labelNames: ['zone'], registers: [registry],
      collect() { each(this, (s) => (s.stale ? 1 : 0)); } });
    new Gauge({ name: 'outpost_dns_zone_expires_in_seconds', help: 'Secondary zones: seconds left before the copy passes its SOA expire without a refresh (0 past it).', labelNames: ['zone'], registers: [registry],
      collect() { each(this, (s) => s.expiresIn); } });
    new Gauge({ name: 'outpost_dns_zone_last_refresh_timestamp_seconds', help: 'Secondary zones: when the copy was last confirmed current by a primary (Unix time).', labelNames: ['zone'], registers: [registry],
      collect() { each(this, (s) => (s.lastRefresh === undefined ? undefined : s.lastRefresh / 1000)); } });
    new Gauge({ name: 'outpost_dns_zone_serving', help: 'Secondary zones: 1 while answered from a copy, 0 while answered SERVFAIL (no copy yet, or expired with expiry soa).', labelNames: ['zone'], registers: [registry],
      collect() { each(this, (s) => (s.serving ? 1 : 0)); } });
    new Gauge({ name: 'outpost_dns_zone_state', help: 'Secondary zones: 1 for the state each zone is in.', labelNames: ['zone', 'state'], registers: [registry],
      collect() { this.reset(); for (const s of self.status()) this.set({ zone: s.zone, state: s.state }, 1); } });
    new Counter({ name: 'outpost_dns_zone_transfers_total', help: 'Secondary zones: transfers that brought a new version, by kind (ixfr, axfr).', labelNames: ['zone', 'kind'], registers: [registry],
      collect() { this.reset(); for (const [k, v] of self.transfers) { const [zone, kind] = k.split('|'); this.inc({ zone: zone!, kind: kind! }, v); } } });
    new Counter({ name: 'outpost_dns_notify_received_total', help: 'NOTIFY messages accepted from a primary, by zone.', labelNames: ['zone'], registers: [registry],
      collect() { this.reset(); for (const [zone, v] of self.notifies) this.inc({ zone }, v); } });
  }

  private notice(zone: string, n: SecondaryNotice): void {
    const log = this.o.log;
    switch (n.kind) {
      case 'loaded':
        for (const w of n.warnings) logEvent(log, 'DNS_ZONE_WARNING', { zone, warning: w });
        return logEvent(log, 'DNS_SECONDARY_LOADED', { zone, file: n.file, serial: n.serial, lastRefresh: iso(n.refreshedAt), expiresAt: iso(n.expiresAt) });
      case 'copy-corrupt':
        return logEvent(log, 'DNS_SECONDARY_COPY_CORRUPT', { zone, file: n.file, reason: n.reason }, `the copy of ${zone} in ${n.file} cannot be used (${n.reason}); it is treated as no copy and the zone is transferred again`);
      case 'refreshed':
        this.failing.delete(zone);
        return logEvent(log, 'DNS_SECONDARY_REFRESHED', { zone, primary: n.primary, serial: n.serial });
      case 'serial-backwards':
        this.failing.delete(zone);
        return logEvent(log, 'DNS_SECONDARY_SERIAL_BACKWARDS', { zone, primary: n.primary, ours: n.ours, theirs: n.theirs, order: n.order },
          `${n.primary} has serial ${n.theirs} for ${zone}, older than ours (${n.ours}): not transferred; run \`outpost dns retransfer ${zone}\` to take the primary's version`);
      case 'transferred':
        this.failing.delete(zone);
        this.transfers.set(`${zone}|${n.how}`, (this.transfers.get(`${zone}|${n.how}`) ?? 0) + 1);
        for (const w of n.warnings) logEvent(log, 'DNS_ZONE_WARNING', { zone, warning: w });
        return logEvent(log, 'DNS_SECONDARY_TRANSFERRED', { zone, primary: n.primary, kind: n.how, ...(n.from !== undefined ? { from: n.from } : {}), serial: n.serial, records: n.records, messages: n.messages, bytes: n.bytes, ms: n.ms });
      case 'ixfr-fallback':
        return logEvent(log, 'DNS_SECONDARY_IXFR_FALLBACK', { zone, primary: n.primary, reason: n.reason });
      case 'transfer-failed':
      case 'unreachable': {
        const now = this.o.clock.now();
        const f = this.failing.get(zone) ?? { since: now, attempts: 0, loggedAt: -Infinity };
        f.attempts++;
        this.failing.set(zone, f);
        if (f.attempts > 1 && now - f.loggedAt < FAILURE_LOG_MS) return;
        f.loggedAt = now;
        return logEvent(log, n.kind === 'unreachable' ? 'DNS_SECONDARY_UNREACHABLE' : 'DNS_SECONDARY_TRANSFER_FAILED', { zone, errors: n.errors, retryAt: iso(n.retryAt), attempts: f.attempts, failingSince: iso(f.since) });
      }
      case 'persist-failed':
        return logEvent(log, 'DNS_SECONDARY_PERSIST_FAILED', { zone, file: n.file, err: n.error });
      case 'past-expire':
        return n.policy === 'never'
          ? logEvent(log, 'DNS_SECONDARY_STALE', { zone, expiredAt: iso(n.expiredAt) })
          : logEvent(log, 'DNS_SECONDARY_EXPIRED', { zone, expiredAt: iso(n.expiredAt) });
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Transitions of a healthy zone's refresh cycle, logged at debug. */
const ROUTINE: ReadonlySet<string> = new Set(['fresh>refreshing', 'refreshing>fresh']);
/** While the primaries stay unreachable, one log line per zone this often (the first failure always). */
const FAILURE_LOG_MS = 15 * 60_000;

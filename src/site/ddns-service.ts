// DHCP → DNS registration in the site daemon (docs/dns.md "DHCP → DNS"): every
// committed lease transition of the DHCP engine is turned into DNS changes
// (src/protocol/ddns/policy.ts), each queued durably before the DHCP reply leaves
// (src/storage/ddns-queue.ts, in the lease directory), and delivered by the sender
// (src/protocol/ddns/sender.ts) over UDP/TCP with TSIG. Pending changes of a previous
// run are resumed at start. Metrics: outpost_ddns_updates_total{result},
// outpost_ddns_queue_depth, outpost_ddns_queue_oldest_seconds.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Code } from '../core/codes.js';
import type { SiteConfig } from '../config/site-schema.js';
import { ddnsSettings, type DdnsSettings } from '../config/ddns-effective.js';
import type { DhcpConfig } from '../config/dhcp-schema.js';
import type { LeaseTransition } from '../protocol/dhcp/engine.js';
import { dnsChanges } from '../protocol/ddns/policy.js';
import { DdnsSender, type DeliveryOutcome, type DdnsTransport } from '../protocol/ddns/sender.js';
import { TsigKeyring } from '../wire/dns/index.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { dnsUpdateTransport } from '../runtime/dns-update-transport.js';
import { FileDdnsQueue } from '../storage/ddns-queue.js';
import { loadTsigKeys } from './dns-keys.js';

export interface DdnsServiceOptions {
  readonly dhcp: DhcpConfig;
  readonly dns?: SiteConfig['dns'];
  readonly configDir: string;
  /** The DHCP lease directory (locked by the lease journal): the queue lives there. */
  readonly dir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly transport?: DdnsTransport;
}

/** Whether any subnet registers names (else no queue is opened). */
export function ddnsEnabled(dhcp: DhcpConfig): boolean {
  return dhcp.subnets.some((s) => ddnsSettings(dhcp.ddns, s, s.leaseTime ?? dhcp.leaseTime) !== undefined);
}

const RESULT_CODES: Partial<Record<DeliveryOutcome['result'], Code>> = {
  ok: 'DDNS_UPDATED', absent: 'DDNS_UPDATED', conflict: 'DDNS_CONFLICT', refused: 'DDNS_REFUSED', 'gave-up': 'DDNS_GAVE_UP',
};

export class DdnsService {
  private queue?: FileDdnsQueue;
  private sender?: DdnsSender;
  private readonly settings = new Map<number, DdnsSettings>();
  private readonly results = new Map<string, number>();
  private readonly retryLog: RateLimitedLog;

  constructor(private readonly o: DdnsServiceOptions) {
    for (const s of o.dhcp.subnets) {
      const settings = ddnsSettings(o.dhcp.ddns, s, s.leaseTime ?? o.dhcp.leaseTime);
      if (settings) this.settings.set(s.id, settings);
    }
    this.retryLog = new RateLimitedLog(o.log, 'DDNS_RETRY', o.clock);
    this.registerMetrics(o.registry);
  }

  async start(): Promise<void> {
    const keyring = new TsigKeyring(loadTsigKeys([...this.o.dhcp.ddns.keys, ...(this.o.dns?.keys ?? [])], this.o.configDir));
    const { queue, recovery } = await FileDdnsQueue.open({ dir: this.o.dir });
    this.queue = queue;
    logEvent(this.o.log, 'DDNS_QUEUE_OPENED', { dir: this.o.dir, ...recovery });
    if (recovery.damaged > 0) logEvent(this.o.log, 'DDNS_QUEUE_DAMAGED', { dir: this.o.dir, lines: recovery.damaged });
    this.sender = new DdnsSender({
      queue, transport: this.o.transport ?? dnsUpdateTransport, clock: this.o.clock, key: (name) => keyring.get(name),
      timeoutMs: this.o.dhcp.ddns.timeoutMs, maxAttempts: this.o.dhcp.ddns.maxAttempts, maxAgeMs: this.o.dhcp.ddns.maxAgeSeconds * 1000,
      onOutcome: (outcome) => this.outcome(outcome),
    });
    this.sender.kick();
  }

  /** The engine's afterCommit: the transition's DNS changes, durable in the queue; never rejects. */
  readonly afterCommit = (t: LeaseTransition): Promise<void> | undefined => {
    const queue = this.queue;
    if (!queue) return undefined;
    const changes = dnsChanges(t, (id) => this.settings.get(id), this.o.clock.now());
    if (changes.length === 0) return undefined;
    return Promise.all(changes.map((c) => queue.add(c))).then(
      () => this.sender?.kick(),
      (error: Error) => logEvent(this.o.log, 'DDNS_QUEUE_FAILED', { err: error.message, changes: changes.map((c) => `${c.kind} ${c.fqdn} ${c.address}`) }),
    );
  };

  async stop(): Promise<void> {
    await this.sender?.stop();
    await this.queue?.close();
  }

  private outcome(o: DeliveryOutcome): void {
    this.results.set(o.result, (this.results.get(o.result) ?? 0) + 1);
    const fields = { kind: o.change.kind, fqdn: o.change.fqdn, address: o.change.address, server: `${o.change.server.address}:${o.change.server.port}`, result: o.result, attempts: o.attempts, detail: o.detail };
    if (o.result === 'error') return this.retryLog.event(fields);
    const code = RESULT_CODES[o.result];
    if (code) logEvent(this.o.log, code, fields);
  }

  private registerMetrics(registry: Registry): void {
    const service = this;
    new Counter({
      name: 'outpost_ddns_updates_total', registers: [registry], labelNames: ['result'],
      help: 'DNS changes from lease events by how they ended: ok, absent (nothing of this client to remove), conflict (the name is another client\'s: not overwritten), refused (by the server or our config), gave-up (retries exhausted), merged (superseded in the queue before delivery); error counts failed attempts that are retried.',
      collect() {
        this.reset();
        for (const [result, n] of service.results) this.inc({ result }, n);
        const merged = service.queue?.backlog.merged ?? 0;
        if (merged > 0) this.inc({ result: 'merged' }, merged);
      },
    });
    new Gauge({
      name: 'outpost_ddns_queue_depth', registers: [registry], help: 'DNS changes queued and not yet done (waiting, in flight or backing off).',
      collect() { this.set(service.queue?.backlog.size ?? 0); },
    });
    new Gauge({
      name: 'outpost_ddns_queue_oldest_seconds', registers: [registry], help: 'Age of the oldest queued DNS change (0 when the queue is empty).',
      collect() {
        const first = service.queue?.backlog.pending().next();
        this.set(first && !first.done ? Math.max(0, (service.o.clock.now() - first.value.change.at) / 1000) : 0);
      },
    });
  }
}

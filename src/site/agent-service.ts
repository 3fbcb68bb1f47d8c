// The agent of the site daemon (docs/agent.md): the site's event path. Services hand it
// their events (EventSink); it appends each to the outbox in agent.dataDir before the
// caller goes on, and delivers the outbox to the managers in order, exactly once, after
// any outage. Started before the services that report events and stopped after them.
// It owns agent.dataDir (a flock): one agent per outbox.
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { OutpostError } from '../core/errors.js';
import type { AgentConfig } from '../config/agent-schema.js';
import { EventDelivery } from '../protocol/agent/delivery.js';
import { DELIVERY_STATES } from '../protocol/agent/delivery-states.js';
import type { EventKind, EventSink } from '../protocol/agent/events.js';
import { HttpBatchTransport } from '../runtime/agent-transport.js';
import type { FileLock } from '../runtime/file-lock.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { EventOutbox, OutboxError } from '../storage/event-outbox.js';
import type { SiteService } from './service.js';
import { lockDataDir } from './data-dir-lock.js';

export const AGENT_LOCK_FILE = 'agent.lock';

export interface AgentServiceOptions {
  readonly config: AgentConfig;
  readonly site: string;
  readonly server: string;
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
}

export class AgentService implements SiteService, EventSink {
  readonly name = 'agent';
  private readonly dataDir: string;
  private lock?: FileLock;
  private outbox?: EventOutbox;
  private transport?: HttpBatchTransport;
  private delivery?: EventDelivery;
  private readonly refusedLog: RateLimitedLog;
  private readonly failedLog: RateLimitedLog;
  private readonly appended: Counter<'kind'>;
  private readonly refused: Counter<'reason'>;
  private readonly delivered: Counter;
  private readonly failures: Counter<'reason'>;

  constructor(private readonly o: AgentServiceOptions) {
    this.dataDir = resolve(o.configDir, o.config.dataDir);
    this.refusedLog = new RateLimitedLog(o.log, 'AGENT_EVENT_REFUSED', o.clock);
    this.failedLog = new RateLimitedLog(o.log, 'AGENT_DELIVERY_FAILED', o.clock);
    const registers = [o.registry];
    this.appended = new Counter({ name: 'outpost_agent_events_appended_total', help: 'Events appended to the outbox, by kind.', labelNames: ['kind'], registers });
    this.refused = new Counter({ name: 'outpost_agent_events_refused_total', help: 'Events the outbox refused: full, too-large, failed (disk), closed.', labelNames: ['reason'], registers });
    this.delivered = new Counter({ name: 'outpost_agent_events_delivered_total', help: 'Events a manager acknowledged.', registers });
    this.failures = new Counter({ name: 'outpost_agent_delivery_failures_total', help: 'Batches not acknowledged, by reason.', labelNames: ['reason'], registers });
    const self = this;
    new Gauge({ name: 'outpost_agent_outbox_events', help: 'Events in the outbox not yet acknowledged.', registers, collect() { this.set(self.outbox?.depth ?? 0); } });
    new Gauge({ name: 'outpost_agent_outbox_bytes', help: 'Bytes of the outbox segments on disk.', registers, collect() { this.set(self.outbox?.bytes ?? 0); } });
    new Gauge({
      name: 'outpost_agent_outbox_oldest_seconds', help: 'Age of the oldest event not yet acknowledged (0: none).', registers,
      collect() { const at = self.outbox?.oldestAt; this.set(at === undefined ? 0 : Math.max(0, (o.clock.now() - at) / 1000)); },
    });
    new Gauge({
      name: 'outpost_agent_last_contact_timestamp_seconds', help: 'When a manager last answered a batch (0: not since start).', registers,
      collect() { this.set((self.delivery?.lastContact ?? 0) / 1000); },
    });
    new Gauge({
      name: 'outpost_agent_delivery_state', help: 'The delivery state (1 for the current one).', labelNames: ['state'], registers,
      collect() { for (const s of DELIVERY_STATES) this.set({ state: s }, self.delivery?.state === s ? 1 : 0); },
    });
  }

  async start(): Promise<void> {
    const c = this.o.config;
    this.lock = await lockDataDir(this.dataDir, AGENT_LOCK_FILE, 'agent.dataDir', 'one agent', 'AGENT_DATA_DIR_UNAVAILABLE');
    try {
      const managers = await Promise.all(c.managers.map(async (m, i) => {
        if (m.caFile === undefined) return { url: m.url };
        const path = resolve(this.o.configDir, m.caFile);
        const ca = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new OutpostError('AGENT_CA_UNREADABLE', `agent.managers[${i}].caFile ${path}: ${e.code ?? e.message}`);
        });
        return { url: m.url, ca };
      }));
      const { outbox, recovery } = await EventOutbox.open({
        dataDir: this.dataDir, maxBytes: c.outbox.maxBytes, segmentBytes: c.outbox.segmentBytes, now: () => this.o.clock.now(),
        onDurable: () => this.delivery?.wake('events appended'),
      }).catch((e: Error) => { throw new OutpostError('AGENT_OUTBOX_FAILED', `the outbox in ${this.dataDir} cannot be opened: ${e.message}`); });
      this.outbox = outbox;
      logEvent(this.o.log, 'AGENT_OUTBOX_OPENED', { dir: this.dataDir, ...recovery });
      if (recovery.damaged > 0) logEvent(this.o.log, 'AGENT_OUTBOX_DAMAGED', { dir: this.dataDir, damaged: recovery.damaged });
      this.transport = new HttpBatchTransport({ managers, tokenFile: resolve(this.o.configDir, c.tokenFile), timeoutMs: c.delivery.timeout * 1000 });
      let failing = false;
      this.delivery = new EventDelivery({
        site: this.o.site, server: this.o.server, source: outbox, transport: this.transport, clock: this.o.clock,
        random: () => randomInt(1 << 30) / (1 << 30),
        batchEvents: c.delivery.batchEvents, batchBytes: c.delivery.batchBytes,
        retryMinMs: c.delivery.retryMin * 1000, retryMaxMs: c.delivery.retryMax * 1000,
        onTransition: (t) => { if (this.o.log.isLevelEnabled('debug')) logEvent(this.o.log, 'AGENT_DELIVERY_TRANSITION', { ...t }); },
        onDelivered: (events, acked) => {
          this.delivered.inc(events);
          if (failing) logEvent(this.o.log, 'AGENT_DELIVERY_RESUMED', { manager: this.transport?.manager, acked, pending: outbox.depth });
          failing = false;
        },
        onFailed: (f, retryInMs) => {
          failing = true;
          this.failures.inc({ reason: f.reason });
          this.failedLog.event({ reason: f.reason, detail: f.message, retryInMs, pending: outbox.depth });
        },
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
    logEvent(this.o.log, 'AGENT_STARTED', { managers: c.managers.map((m) => m.url), stream: this.outbox.stream, pending: this.outbox.depth });
    this.delivery.wake('start');
  }

  /** EventSink: appends to the outbox; resolves once the event is on disk. A refusal is counted and logged, never thrown. */
  async record(kind: EventKind, data: Readonly<Record<string, unknown>>): Promise<void> {
    const outbox = this.outbox;
    try {
      if (!outbox) throw new OutboxError('closed', 'the agent is not running');
      await outbox.append(kind, data);
      this.appended.inc({ kind });
    } catch (error) {
      const reason = error instanceof OutboxError ? error.reason : 'failed';
      this.refused.inc({ reason });
      this.refusedLog.event({ kind, reason, detail: (error as Error).message });
    }
  }

  async stop(): Promise<void> {
    await this.delivery?.stop();
    this.delivery = undefined;
    await this.outbox?.close();
    this.outbox = undefined;
    this.transport?.close();
    this.transport = undefined;
    this.lock?.release();
    this.lock = undefined;
  }

  /** GET /agent. */
  status(): Record<string, unknown> {
    const outbox = this.outbox;
    const d = this.delivery;
    return {
      state: d?.state ?? 'stopped',
      manager: this.transport?.manager ?? null,
      lastContact: d?.lastContact === undefined ? null : new Date(d.lastContact).toISOString(),
      lastError: d?.lastError ? { ...d.lastError, at: new Date(d.lastError.at).toISOString() } : null,
      delivered: d?.delivered ?? 0,
      outbox: outbox ? {
        stream: outbox.stream, acked: outbox.acked, durable: outbox.durable, pending: outbox.depth, bytes: outbox.bytes, refused: outbox.refused,
        oldest: outbox.oldestAt === undefined ? null : new Date(outbox.oldestAt).toISOString(),
      } : null,
    };
  }
}

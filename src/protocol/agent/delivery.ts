// Delivers the outbox to the manager (docs/agent.md "Delivery"): the events after the
// last acknowledged one, in batches, in order, one batch at a time. A batch is
// acknowledged on disk only after the manager answered that it stored it; a batch that
// fails is read again and sent again after a backoff (doubling from retryMin to
// retryMax, ±20 % jitter so many sites coming back do not retry in step). The manager
// skips what it already has, so a batch sent twice is stored once. Clock, randomness,
// the outbox and the transport are injected (test/protocol/agent-delivery.test.ts).
import type { Clock, TimerHandle } from '../../core/clock.js';
import { TableMachine, type Transition } from '../../core/table-machine.js';
import { DELIVERY_TABLE, type DeliveryEvent, type DeliveryState } from './delivery-states.js';
import { checkAck, type EventBatch, type SiteEvent } from './events.js';

/** The outbox as delivery sees it. */
export interface OutboxSource {
  readonly stream: string;
  /** The last event the manager acknowledged (0: none). */
  readonly acked: number;
  /** The last event that is on disk (fdatasync'ed): nothing later is ever sent. */
  readonly durable: number;
  /** Durable events after `after`, in order: at most maxEvents, and at most maxBytes of them (at least one). */
  read(after: number, maxEvents: number, maxBytes: number): Promise<SiteEvent[]>;
  /** Records that the manager stored everything up to `seq`. */
  ack(seq: number): Promise<void>;
}

/** Why a batch was not acknowledged; `reason` is a short stable word counted in metrics. */
export class DeliveryFailed extends Error {
  constructor(readonly reason: string, detail: string) {
    super(detail);
  }
}

export interface BatchTransport {
  /** Sends a batch to a manager; resolves with its parsed answer body, or rejects (DeliveryFailed for known reasons). */
  send(batch: EventBatch, signal: AbortSignal): Promise<unknown>;
}

export interface DeliveryOptions {
  readonly site: string;
  readonly server: string;
  readonly source: OutboxSource;
  readonly transport: BatchTransport;
  readonly clock: Clock;
  /** Uniform in [0, 1): the jitter. */
  readonly random: () => number;
  readonly batchEvents: number;
  readonly batchBytes: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly onTransition?: (t: Transition<DeliveryState, DeliveryEvent>) => void;
  readonly onDelivered?: (events: number, acked: number) => void;
  readonly onFailed?: (failure: DeliveryFailed, retryInMs: number) => void;
}

export class EventDelivery {
  private readonly machine: TableMachine<DeliveryState, DeliveryEvent>;
  private timer?: TimerHandle;
  private abort?: AbortController;
  private loop?: Promise<void>;
  private failures = 0;
  /** When a manager last answered a batch (ms since the epoch); undefined: never since start. */
  lastContact?: number;
  lastError?: { readonly reason: string; readonly detail: string; readonly at: number };
  delivered = 0;

  constructor(private readonly o: DeliveryOptions) {
    this.machine = new TableMachine(DELIVERY_TABLE, 'idle', o.clock, o.onTransition);
  }

  get state(): DeliveryState {
    return this.machine.state;
  }

  /** Events may wait: send them unless a batch is on its way or a retry is due. */
  wake(cause: string): void {
    if (this.machine.state === 'idle' && this.o.source.durable > this.o.source.acked && this.machine.transition('pending', cause)) this.run();
  }

  async stop(): Promise<void> {
    this.machine.transition('stop', 'the agent stops');
    this.timer?.cancel();
    this.abort?.abort();
    await this.loop;
  }

  private run(): void {
    // Only this loop's own end clears the reference: a wake right after `drained` may already have started the next.
    const loop: Promise<void> = this.sendAll().finally(() => { if (this.loop === loop) this.loop = undefined; });
    this.loop = loop;
  }

  private async sendAll(): Promise<void> {
    const { source } = this.o;
    while (this.machine.state === 'sending') {
      if (source.durable <= source.acked) {
        this.machine.transition('drained', `every event up to ${source.acked} is acknowledged`);
        return;
      }
      this.abort = new AbortController();
      try {
        const events = await source.read(source.acked, this.o.batchEvents, this.o.batchBytes);
        if (this.machine.state !== 'sending') return;
        const last = events.at(-1)!.seq;
        const answer = await this.o.transport.send({ site: this.o.site, server: this.o.server, stream: source.stream, events }, this.abort.signal);
        if (this.machine.state !== 'sending') return; // stopped meanwhile: the batch is sent again after the restart
        this.lastContact = this.o.clock.now();
        const ack = checkAck(answer, last);
        if (!ack.ok) throw new DeliveryFailed('bad-answer', ack.reason);
        await source.ack(ack.acked);
        this.failures = 0;
        this.delivered += events.length;
        this.o.onDelivered?.(events.length, ack.acked);
        this.machine.transition('acked', `events ${events[0]!.seq}..${last} acknowledged`);
      } catch (error) {
        if (this.machine.state !== 'sending') return;
        const failure = error instanceof DeliveryFailed ? error : new DeliveryFailed('error', (error as Error).message);
        this.failures++;
        const base = Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(this.failures - 1, 30));
        const wait = Math.round(base * (0.8 + 0.4 * this.o.random()));
        this.lastError = { reason: failure.reason, detail: failure.message, at: this.o.clock.now() };
        this.machine.transition('failed', `${failure.reason}: ${failure.message}`);
        this.o.onFailed?.(failure, wait);
        this.timer = this.o.clock.setTimer(wait, () => {
          if (this.machine.transition('retry-due', `${wait} ms after failure ${this.failures}`)) this.run();
        });
        return;
      } finally {
        this.abort = undefined;
      }
    }
  }
}

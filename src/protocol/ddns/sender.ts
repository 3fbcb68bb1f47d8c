// Delivers the queue's changes to the name servers: one change at a time per name and
// per address (a later change of the same name waits for the earlier one, so order per
// name holds), several names at once; retries with backoff while a server cannot be
// reached (1 s doubling to 5 min), gives a change up after maxAttempts or maxAgeMs;
// removes it from the queue when it is done, however it ended. Clock and transport are
// injected: the protocol tier drives it with fake time and a fake name server.
import type { Clock, TimerHandle } from '../../core/clock.js';
import { decodeMessage, encodeMessage, signMessage, verifyMessage, Rcode, TsigKeyring, type TsigKey } from '../../wire/dns/index.js';
import type { DnsChange, QueuedChange } from './change.js';
import { orderKeys } from './change.js';
import type { DdnsQueue } from './backlog.js';
import { classifyRcode, rcodeName } from './result.js';
import { stepMessage, type UpdateStep } from './update-message.js';

export interface DdnsTransport {
  /** Sends one message to the server and resolves with its answer (UDP, TCP when truncated); rejects on timeout or network error. */
  exchange(server: { address: string; port: number }, message: Buffer, timeoutMs: number): Promise<Buffer>;
}

/** How a change ended (or an attempt failed: `error`, retried). */
export type DeliveryResult = 'ok' | 'conflict' | 'absent' | 'refused' | 'error' | 'gave-up';

export interface DeliveryOutcome {
  readonly result: DeliveryResult;
  readonly change: DnsChange;
  readonly seq: number;
  readonly attempts: number;
  readonly detail: string;
}

export interface DdnsSenderOptions {
  readonly queue: DdnsQueue;
  readonly transport: DdnsTransport;
  readonly clock: Clock;
  /** The TSIG key of a name (dhcp.ddns.keys, dns.keys). */
  readonly key: (name: string) => TsigKey | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  readonly onOutcome: (o: DeliveryOutcome) => void;
  /** Changes in flight at most. Default 32. */
  readonly maxInFlight?: number;
  /** Message ids (default: random). */
  readonly nextId?: () => number;
}

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 300_000;

/** Why an attempt failed; `retry` ones are tried again. */
class StepFailure extends Error {
  constructor(readonly kind: 'refused' | 'retry', message: string) { super(message); }
}

interface Waiting { attempts: number; nextAt: number }

export class DdnsSender {
  private readonly waiting = new Map<number, Waiting>();
  private readonly inFlight = new Set<number>();
  private timer?: TimerHandle;
  private timerAt = Infinity;
  private closed = false;
  private pumping = false;
  private idle: (() => void)[] = [];

  constructor(private readonly o: DdnsSenderOptions) {}

  /** New changes were queued (or the sender starts): look for work. */
  kick(): void {
    if (this.closed || this.pumping) return;
    this.pumping = true;
    try {
      this.pump();
    } finally {
      this.pumping = false;
    }
  }

  /** Resolves when nothing is in flight (tests, stop). */
  settled(): Promise<void> {
    return this.inFlight.size === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.settled();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private pump(): void {
    const now = this.o.clock.now();
    const blocked = new Set<string>();
    let wakeAt = Infinity;
    const max = this.o.maxInFlight ?? 32;
    for (const q of [...this.o.queue.backlog.pending()]) {
      const keys = orderKeys(q.change);
      const free = keys.every((k) => !blocked.has(k));
      for (const k of keys) blocked.add(k);
      if (!free || this.inFlight.has(q.seq) || this.o.queue.backlog.isBusy(q.seq)) continue;
      const w = this.waiting.get(q.seq);
      if (w !== undefined && w.nextAt > now) { wakeAt = Math.min(wakeAt, w.nextAt); continue; }
      if (this.inFlight.size >= max) break;
      this.start(q, w?.attempts ?? 0);
    }
    if (wakeAt < this.timerAt) {
      this.timer?.cancel();
      this.timerAt = wakeAt;
      this.timer = this.o.clock.setTimer(wakeAt - now, () => { this.timerAt = Infinity; this.timer = undefined; this.kick(); });
    }
  }

  private start(q: QueuedChange, attemptsBefore: number): void {
    const attempts = attemptsBefore + 1;
    this.inFlight.add(q.seq);
    this.o.queue.backlog.setBusy(q.seq, true);
    this.deliver(q.change).then(
      (r) => ({ result: r.result, detail: r.detail }),
      (error: unknown) => error instanceof StepFailure && error.kind === 'refused'
        ? { result: 'refused' as const, detail: error.message }
        : { result: 'error' as const, detail: error instanceof Error ? error.message : String(error) },
    ).then(async ({ result, detail }) => {
      const now = this.o.clock.now();
      const outcome = (r: DeliveryResult, d = detail) => this.o.onOutcome({ result: r, change: q.change, seq: q.seq, attempts, detail: d });
      if (result === 'error') {
        outcome('error');
        if (attempts >= this.o.maxAttempts || now - q.change.at >= this.o.maxAgeMs) {
          outcome('gave-up', `${attempts} attempts over ${Math.round((now - q.change.at) / 1000)} s; last: ${detail}`);
          await this.finish(q.seq);
        } else {
          this.waiting.set(q.seq, { attempts, nextAt: now + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1)) });
          this.o.queue.backlog.setBusy(q.seq, false);
        }
      } else {
        outcome(result);
        await this.finish(q.seq);
      }
    }).catch(() => { /* the queue failed to record it: the change stays and is sent again after a restart */ })
      .finally(() => {
        this.inFlight.delete(q.seq);
        if (this.inFlight.size === 0) for (const r of this.idle.splice(0)) r();
        this.kick();
      });
  }

  private async finish(seq: number): Promise<void> {
    this.waiting.delete(seq);
    await this.o.queue.done(seq);
  }

  /** The steps of one change (update-message.ts); resolves with how it ended, throws StepFailure. */
  private async deliver(c: DnsChange): Promise<{ result: 'ok' | 'conflict' | 'absent'; detail: string }> {
    if (c.kind === 'add') {
      if (c.forward) {
        const first = await this.step('add-forward', c);
        if (first !== Rcode.NOERROR) {
          // YXDOMAIN: the name is in use; ours if its DHCID is ours (RFC 4703 §5.3.1).
          const second = await this.step('replace-forward', c);
          if (second !== Rcode.NOERROR) return { result: 'conflict', detail: `${c.fqdn} belongs to another client (${rcodeName(first)}, then ${rcodeName(second)} for our DHCID)` };
        }
      }
      if (c.reverse) await this.step('add-reverse', c);
      return { result: 'ok', detail: 'added' };
    }
    let absent = false;
    if (c.forward) absent = (await this.step('remove-forward', c)) !== Rcode.NOERROR;
    if (c.reverse) await this.step('remove-reverse', c);
    return absent ? { result: 'absent', detail: `${c.fqdn} has no DHCID of this client: its A record was left alone` } : { result: 'ok', detail: 'removed' };
  }

  /** Sends one step; resolves with NOERROR or a prerequisite rcode, throws StepFailure otherwise. */
  private async step(step: UpdateStep, c: DnsChange): Promise<number> {
    const id = this.o.nextId?.() ?? Math.floor(Math.random() * 0x10000);
    let message = encodeMessage(stepMessage(step, c, id));
    let mac: Buffer | undefined;
    let key: TsigKey | undefined;
    if (c.server.key !== undefined) {
      key = this.o.key(c.server.key);
      if (key === undefined) throw new StepFailure('refused', `no TSIG key named ${c.server.key}`);
      ({ message, mac } = signMessage(message, key, { now: Math.floor(this.o.clock.now() / 1000) }));
    }
    const where = `${step} ${c.fqdn} at ${c.server.address}:${c.server.port}`;
    const answer = await this.o.transport.exchange(c.server, message, this.o.timeoutMs);
    let rcode: number;
    try {
      const m = decodeMessage(answer);
      if (!m.flags.qr || m.id !== id) throw new Error('not the answer to our update');
      rcode = m.rcode;
    } catch (error) {
      throw new StepFailure('retry', `${where}: unreadable answer: ${(error as Error).message}`);
    }
    if (key !== undefined) {
      const ring = new TsigKeyring([key]);
      const verdict = verifyMessage(answer, (name, alg) => ring.find(name, alg), { now: Math.floor(this.o.clock.now() / 1000), requestMac: mac! });
      if (verdict === undefined) throw new StepFailure(rcode === Rcode.NOTAUTH ? 'refused' : 'retry', `${where}: ${rcodeName(rcode)} answer not signed`);
      if (!verdict.ok) {
        const refused = verdict.error === 'BADKEY' || verdict.error === 'BADSIG';
        throw new StepFailure(refused ? 'refused' : 'retry', `${where}: TSIG ${verdict.error}: ${verdict.detail}`);
      }
    }
    const kind = classifyRcode(rcode);
    if (kind === 'ok' || kind === 'prerequisite') {
      // A prerequisite rcode means something only where the step has one.
      if (kind === 'prerequisite' && (step === 'add-reverse' || step === 'remove-reverse')) throw new StepFailure('refused', `${where}: ${rcodeName(rcode)}`);
      return rcode;
    }
    throw new StepFailure(kind, `${where}: ${rcodeName(rcode)}`);
  }
}

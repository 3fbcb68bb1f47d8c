// NOTIFY out (RFC 1996, docs/dns.md "Reload and NOTIFY"): when a zone changes, each of
// its `notify` servers is sent a NOTIFY — opcode NOTIFY, AA, the question <zone> SOA IN,
// the new SOA in the answer section (§3.7: a hint the secondary may use) — over UDP,
// again every `intervalMs` until the matching response comes back or `tries` were
// sent. A response matches by id, source address, opcode and zone. One task per
// (zone, server) at a time: a newer NOTIFY supersedes one still waiting. States and
// events are notify-states.ts's table; every transition is reported. Clock and
// sending are injected, so retries run under fake time in tests.
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { encodeMessage } from '../../wire/dns/message.js';
import { nameKey } from '../../wire/dns/name.js';
import { Opcode, Rcode, RRClass, RRType, type DnsMessage } from '../../wire/dns/types.js';
import { nextNotifyState, type NotifyEvent, type NotifyState } from './notify-states.js';
import { soaSerial, type SoaRecord } from './zone-diff.js';

export interface NotifyTarget {
  readonly address: string;
  readonly port: number;
  /** The TSIG key NOTIFYs to it are signed with (dns.keys[].name). */
  readonly key?: string;
}

export interface NotifyTransition {
  readonly zone: string;
  readonly serial: number;
  readonly target: NotifyTarget;
  readonly from: NotifyState;
  readonly to: NotifyState;
  readonly event: NotifyEvent;
  /** Tries sent so far. */
  readonly tries: number;
  readonly cause: string;
}

export interface NotifySenderOptions {
  readonly clock: Clock;
  /** Sends one NOTIFY datagram (the service signs it here when the target has a key). */
  readonly send: (message: Buffer, target: NotifyTarget) => void;
  /** Datagrams per NOTIFY at most (default 5). */
  readonly tries?: number;
  /** Milliseconds between them (default 2000). */
  readonly intervalMs?: number;
  /** Message ids (default: random). */
  readonly nextId?: () => number;
  readonly onTransition?: (t: NotifyTransition) => void;
}

export const NOTIFY_TRIES = 5;
export const NOTIFY_INTERVAL_MS = 2000;

export class NotifyCounters {
  /** Datagrams sent, retries included. */
  sent = 0;
  acknowledged = 0;
  refused = 0;
  failed = 0;
}

interface Task {
  readonly zone: string;
  readonly serial: number;
  readonly target: NotifyTarget;
  readonly id: number;
  readonly message: Buffer;
  state: NotifyState;
  tries: number;
  timer?: TimerHandle;
}

export class NotifySender {
  readonly counters = new NotifyCounters();
  private readonly tasks = new Map<string, Task>();
  private readonly tries: number;
  private readonly intervalMs: number;
  private readonly nextId: () => number;

  constructor(private readonly opts: NotifySenderOptions) {
    this.tries = Math.max(1, opts.tries ?? NOTIFY_TRIES);
    this.intervalMs = opts.intervalMs ?? NOTIFY_INTERVAL_MS;
    this.nextId = opts.nextId ?? (() => randomInt(0x10000));
  }

  /** NOTIFYs still waiting for their response. */
  get waiting(): number {
    return this.tasks.size;
  }

  /** Tells each target that `zone` (its origin) is now at `soa`; sends the first try at once. */
  notify(zone: string, soa: SoaRecord, targets: readonly NotifyTarget[]): void {
    for (const target of targets) {
      const key = taskKey(zone, target);
      const previous = this.tasks.get(key);
      if (previous) this.move(previous, 'superseded', `serial ${soaSerial(soa)} to notify`);
      const id = this.nextId() & 0xffff;
      const message = encodeMessage(notifyMessage(id, zone, soa));
      const task: Task = { zone, serial: soaSerial(soa), target, id, message, state: 'waiting', tries: 0 };
      this.tasks.set(key, task);
      this.send(task);
    }
  }

  /** A NOTIFY response from `from` (the server's address and port): true when it ended a NOTIFY in flight. */
  onResponse(response: DnsMessage, from: { readonly address: string; readonly port: number }): boolean {
    if (!response.flags.qr || response.flags.opcode !== Opcode.NOTIFY || response.questions.length !== 1) return false;
    const q = response.questions[0]!;
    if (q.type !== RRType.SOA) return false;
    const task = this.tasks.get(taskKey(q.name, from));
    if (!task || task.id !== response.id) return false;
    if (response.rcode === Rcode.NOERROR) this.move(task, 'answered', 'response NOERROR');
    else this.move(task, 'answered-error', `response rcode ${response.rcode}`);
    return true;
  }

  /** Ends every NOTIFY still waiting (the service stops). */
  stop(): void {
    for (const task of [...this.tasks.values()]) this.move(task, 'stop', 'service stopping');
  }

  private send(task: Task): void {
    task.tries++;
    this.counters.sent++;
    this.opts.send(task.message, task.target);
    task.timer = this.opts.clock.setTimer(this.intervalMs, () => {
      if (task.tries < this.tries) {
        this.move(task, 'retry-due', `no response to try ${task.tries} within ${this.intervalMs} ms`);
        if (task.state === 'waiting') this.send(task);
      } else {
        this.move(task, 'last-try-expired', `no response to ${task.tries} tries`);
      }
    });
  }

  private move(task: Task, event: NotifyEvent, cause: string): void {
    const to = nextNotifyState(task.state, event);
    if (to === undefined) return;
    const from = task.state;
    task.state = to;
    if (to !== 'waiting') {
      task.timer?.cancel();
      const key = taskKey(task.zone, task.target);
      if (this.tasks.get(key) === task) this.tasks.delete(key);
      if (to === 'acknowledged') this.counters.acknowledged++;
      else if (to === 'refused') this.counters.refused++;
      else if (to === 'failed') this.counters.failed++;
    }
    this.opts.onTransition?.({ zone: task.zone, serial: task.serial, target: task.target, from, to, event, tries: task.tries, cause });
  }
}

/** The NOTIFY request of RFC 1996 §3.7 (AA set, as BIND and Knot send it). */
export function notifyMessage(id: number, zone: string, soa: SoaRecord): DnsMessage {
  return {
    id,
    flags: { qr: false, opcode: Opcode.NOTIFY, aa: true, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
    rcode: 0,
    questions: [{ name: zone, type: RRType.SOA, class: RRClass.IN }],
    answers: [soa],
    authorities: [],
    additionals: [],
  };
}

/** One task per zone and server: IPv4-mapped IPv6 as IPv4, the zone without case. */
function taskKey(zone: string, target: { readonly address: string; readonly port: number }): string {
  const a = target.address.toLowerCase();
  return `${nameKey(zone)}|${a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a}|${target.port}`;
}

// Event delivery (src/protocol/agent/delivery-states.ts, delivery.ts): every state × event
// against an independent statement of the rules, then the delivery loop with fake time,
// an in-memory outbox and a transport whose every answer the test gives by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { Transition } from '../../src/core/table-machine.js';
import { DELIVERY_EVENTS, DELIVERY_STATES, DELIVERY_TABLE, type DeliveryEvent, type DeliveryState } from '../../src/protocol/agent/delivery-states.js';
import { DeliveryFailed, EventDelivery, type BatchTransport, type DeliveryOptions, type OutboxSource } from '../../src/protocol/agent/delivery.js';
import type { EventBatch, SiteEvent } from '../../src/protocol/agent/events.js';
import { assertTransitionMatrix } from '../support/transition-matrix.js';

// state, event → next state; every pair not listed changes nothing. ANY: every state but stopped.
const RULES = `
idle      pending    sending
sending   acked      sending
sending   drained    idle
sending   failed     backoff
backoff   retry-due  sending
ANY       stop       stopped
`;

test('transition matrix: every state × event as the rules say', () => {
  assertTransitionMatrix(RULES, DELIVERY_STATES, DELIVERY_EVENTS, (s, e) => DELIVERY_TABLE[s][e], ['stopped']);
});

// --- the loop -------------------------------------------------------------------------

const STREAM = '0123456789abcdef0123456789abcdef';

/** The outbox in memory: event n has seq n; every appended event is durable at once. */
class MemorySource implements OutboxSource {
  readonly stream = STREAM;
  acked = 0;
  readonly events: SiteEvent[] = [];
  readonly reads: [after: number, maxEvents: number, maxBytes: number][] = [];
  readonly acks: number[] = [];

  constructor(count: number, private readonly clock: FakeClock) {
    this.append(count);
  }

  get durable(): number {
    return this.events.length;
  }

  append(count: number): void {
    for (let i = 0; i < count; i++) this.events.push({ seq: this.events.length + 1, at: this.clock.now(), kind: 'files.upload', data: { path: `backup/${this.events.length + 1}.cfg` } });
  }

  async read(after: number, maxEvents: number, maxBytes: number): Promise<SiteEvent[]> {
    this.reads.push([after, maxEvents, maxBytes]);
    return this.events.slice(after, after + maxEvents);
  }

  async ack(seq: number): Promise<void> {
    this.acks.push(seq);
    this.acked = seq;
  }
}

interface Call {
  readonly batch: EventBatch;
  readonly signal: AbortSignal;
  answer(body: unknown): void;
  fail(error: Error): void;
}

/** Every send waits until the test answers or fails it. */
class ScriptedTransport implements BatchTransport {
  readonly calls: Call[] = [];

  send(batch: EventBatch, signal: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ batch, signal, answer: resolve, fail: reject });
    });
  }

  get last(): Call {
    const c = this.calls.at(-1);
    assert.ok(c, 'a batch was sent');
    return c;
  }

  seqs(i = this.calls.length - 1): number[] {
    return this.calls[i]!.batch.events.map((e) => e.seq);
  }
}

/** Lets every pending promise continuation run (the source and transport answer in microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function rig(count: number, options: Partial<DeliveryOptions> = {}) {
  const clock = new FakeClock();
  const clock0 = clock.monotonic();
  const source = new MemorySource(count, clock);
  const transport = new ScriptedTransport();
  const transitions: string[] = [];
  const delivered: [number, number][] = [];
  const failed: [string, number][] = [];
  const delivery = new EventDelivery({
    site: 'branch-07', server: 'branch-07-a', source, transport, clock,
    random: () => 0.5,
    batchEvents: 2, batchBytes: 4096, retryMinMs: 1000, retryMaxMs: 8000,
    onTransition: (t: Transition<DeliveryState, DeliveryEvent>) => transitions.push(`${t.from}->${t.to} ${t.event} (${t.cause}) @${t.at - clock0}`),
    onDelivered: (events, acked) => delivered.push([events, acked]),
    onFailed: (f, wait) => failed.push([f.reason, wait]),
    ...options,
  });
  return { clock, source, transport, delivery, transitions, delivered, failed };
}

const unreachable = () => new DeliveryFailed('unreachable', 'connect ECONNREFUSED 127.0.0.1:8443');

test('events go out in order, in batches of batchEvents; each batch is acked only after its answer', async () => {
  const { source, transport, delivery, transitions, delivered } = rig(5);
  assert.equal(delivery.state, 'idle');
  delivery.wake('start');
  await settle();
  assert.equal(delivery.state, 'sending');
  assert.equal(transport.calls.length, 1);
  assert.deepEqual(transport.last.batch, { site: 'branch-07', server: 'branch-07-a', stream: STREAM, events: source.events.slice(0, 2) });
  assert.deepEqual(source.reads, [[0, 2, 4096]]);
  assert.deepEqual(source.acks, [], 'nothing acked before the manager answered');

  transport.last.answer({ acked: 2 });
  await settle();
  assert.deepEqual(source.acks, [2]);
  assert.deepEqual(transport.seqs(), [3, 4]);
  assert.deepEqual(source.reads.at(-1), [2, 2, 4096], 'read after the acknowledged event');

  transport.last.answer({ acked: 4 });
  await settle();
  assert.deepEqual(source.acks, [2, 4]);
  assert.deepEqual(transport.seqs(), [5]);

  transport.last.answer({ acked: 5 });
  await settle();
  assert.deepEqual(source.acks, [2, 4, 5]);
  assert.equal(transport.calls.length, 3, 'no batch after the last event');
  assert.equal(delivery.state, 'idle');
  assert.equal(delivery.delivered, 5);
  assert.deepEqual(delivered, [[2, 2], [2, 4], [1, 5]]);
  assert.deepEqual(transitions, [
    'idle->sending pending (start) @0',
    'sending->sending acked (events 1..2 acknowledged) @0',
    'sending->sending acked (events 3..4 acknowledged) @0',
    'sending->sending acked (events 5..5 acknowledged) @0',
    'sending->idle drained (every event up to 5 is acknowledged) @0',
  ]);
});

test('wake with nothing unacknowledged stays idle; events appended later are sent on the next wake', async () => {
  const { source, transport, delivery, transitions } = rig(0);
  delivery.wake('start');
  await settle();
  assert.equal(delivery.state, 'idle');
  assert.deepEqual([transport.calls.length, transitions.length], [0, 0]);
  source.append(1);
  delivery.wake('events appended');
  await settle();
  assert.deepEqual(transport.seqs(), [1]);
});

test('wake while a batch is on its way does not send a second one alongside it', async () => {
  const { source, transport, delivery } = rig(1);
  delivery.wake('start');
  await settle();
  source.append(2);
  delivery.wake('events appended');
  await settle();
  assert.equal(transport.calls.length, 1);
  transport.last.answer({ acked: 1 });
  await settle();
  assert.deepEqual(transport.seqs(), [2, 3], 'the events appended meanwhile follow in the next batch');
});

test('a failure backs off retryMin, then doubles up to retryMax; the same events are sent again; success resets the count', async () => {
  const { clock, source, transport, delivery, failed, transitions } = rig(3, { batchEvents: 10 });
  delivery.wake('start');
  await settle();
  const waits = [1000, 2000, 4000, 8000, 8000];
  for (const [n, wait] of waits.entries()) {
    transport.last.fail(unreachable());
    await settle();
    assert.equal(delivery.state, 'backoff');
    assert.deepEqual(failed.at(-1), ['unreachable', wait], `failure ${n + 1}`);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(wait - 1);
    await settle();
    assert.equal(transport.calls.length, n + 1, `not sent again before ${wait} ms`);
    clock.advance(1);
    await settle();
    assert.equal(transport.calls.length, n + 2, `sent again at ${wait} ms`);
    assert.equal(delivery.state, 'sending');
    assert.deepEqual(transport.seqs(), [1, 2, 3], 'the same events again: nothing skipped');
    assert.deepEqual(source.acks, [], 'nothing acked while failing');
  }
  assert.ok(transitions.includes('sending->backoff failed (unreachable: connect ECONNREFUSED 127.0.0.1:8443) @0'));
  assert.ok(transitions.includes('backoff->sending retry-due (1000 ms after failure 1) @1000'));
  assert.ok(transitions.includes('backoff->sending retry-due (8000 ms after failure 5) @23000'));

  transport.last.answer({ acked: 3 });
  await settle();
  assert.deepEqual(source.acks, [3]);
  assert.equal(delivery.state, 'idle');

  // After a success the next failure waits retryMin again, not 8000.
  source.append(1);
  delivery.wake('events appended');
  await settle();
  transport.last.fail(unreachable());
  await settle();
  assert.deepEqual(failed.at(-1), ['unreachable', 1000]);
});

test('the jitter spreads a wait over ±20 % of it', async () => {
  for (const [random, wait] of [[0, 800], [0.999999, 1200], [0.25, 900]] as const) {
    const { transport, delivery, failed } = rig(1, { random: () => random });
    delivery.wake('start');
    await settle();
    transport.last.fail(unreachable());
    await settle();
    assert.deepEqual(failed, [['unreachable', wait]], `random ${random}`);
  }
});

test('a failure is kept in lastError; lastContact is when a manager last answered', async () => {
  const { clock, transport, delivery } = rig(2);
  delivery.wake('start');
  await settle();
  assert.equal(delivery.lastContact, undefined);
  clock.advance(300);
  transport.last.fail(new Error('socket hang up'));
  await settle();
  assert.deepEqual(delivery.lastError, { reason: 'error', detail: 'socket hang up', at: clock.now() }, 'an unknown error is reason "error"');
  assert.equal(delivery.lastContact, undefined, 'no answer, no contact');
  clock.advance(1000);
  await settle();
  const sentAt = clock.now();
  clock.advance(250);
  transport.last.answer({ acked: 2 });
  await settle();
  assert.equal(delivery.lastContact, sentAt + 250, 'the time of the answer, not of the send');
});

test('an answer acknowledging less than the batch is a bad answer: nothing acked, the batch is sent again', async () => {
  for (const body of [{ acked: 2 }, { acked: 0 }, {}, { acked: 2.5 }, { acked: '3' }, null, 'ok']) {
    const { clock, source, transport, delivery, failed } = rig(3, { batchEvents: 3 });
    delivery.wake('start');
    await settle();
    clock.advance(40);
    transport.last.answer(body);
    await settle();
    const what = JSON.stringify(body);
    assert.equal(delivery.state, 'backoff', what);
    assert.deepEqual(source.acks, [], what);
    assert.deepEqual(failed, [['bad-answer', 1000]], what);
    assert.equal(delivery.lastError?.reason, 'bad-answer', what);
    assert.equal(delivery.lastContact, clock.now(), `${what}: a manager did answer`);
    clock.advance(1000);
    await settle();
    assert.deepEqual(transport.seqs(), [1, 2, 3], what);
  }
});

test('an answer acknowledging more than the batch acks only the batch\'s last event', async () => {
  const { source, transport, delivery, delivered } = rig(4);
  delivery.wake('start');
  await settle();
  transport.last.answer({ acked: 100 });
  await settle();
  assert.deepEqual(source.acks, [2]);
  assert.deepEqual(delivered, [[2, 2]]);
  assert.deepEqual(transport.seqs(), [3, 4], 'the rest is still sent');
});

test('wake during backoff does not send early; the retry takes the new events along', async () => {
  const { clock, source, transport, delivery, transitions } = rig(1, { batchEvents: 10 });
  delivery.wake('start');
  await settle();
  transport.last.fail(unreachable());
  await settle();
  const before = transitions.length;
  source.append(2);
  delivery.wake('events appended');
  clock.advance(999);
  await settle();
  assert.equal(transport.calls.length, 1);
  assert.equal(delivery.state, 'backoff');
  assert.equal(transitions.length, before);
  clock.advance(1);
  await settle();
  assert.deepEqual(transport.seqs(), [1, 2, 3]);
});

test('stop during a send aborts it; an answer that still comes is not acked', async () => {
  for (const late of ['rejects on abort', 'answers anyway'] as const) {
    const { clock, source, transport, delivery, transitions, failed } = rig(2);
    delivery.wake('start');
    await settle();
    const call = transport.last;
    assert.equal(call.signal.aborted, false);
    if (late === 'rejects on abort') call.signal.addEventListener('abort', () => call.fail(new Error('aborted')));
    const stopped = delivery.stop();
    assert.equal(call.signal.aborted, true, late);
    if (late === 'answers anyway') call.answer({ acked: 2 });
    await stopped;
    await settle();
    assert.equal(delivery.state, 'stopped', late);
    assert.deepEqual(source.acks, [], late);
    assert.deepEqual(failed, [], `${late}: a stop is not a failure`);
    assert.equal(delivery.lastError, undefined, late);
    assert.equal(clock.pendingTimers(), 0, `${late}: no retry after a stop`);
    assert.equal(transitions.at(-1), 'sending->stopped stop (the agent stops) @0');
    delivery.wake('events appended');
    await settle();
    assert.equal(transport.calls.length, 1, `${late}: a stopped delivery sends nothing`);
  }
});

test('stop during backoff cancels the retry', async () => {
  const { clock, transport, delivery } = rig(1);
  delivery.wake('start');
  await settle();
  transport.last.fail(unreachable());
  await settle();
  await delivery.stop();
  assert.equal(delivery.state, 'stopped');
  assert.equal(clock.pendingTimers(), 0);
  clock.advance(60_000);
  await settle();
  assert.equal(transport.calls.length, 1);
});

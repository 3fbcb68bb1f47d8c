// NOTIFY out (src/protocol/dns/notify-out.ts) under fake time: the message (RFC 1996
// §3.7), retries every interval until the matching response or the last try, what a
// response must match, refusals, superseding and stopping; and the state table
// (notify-states.ts) against an independent statement of the rules, pair by pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { NotifySender, type NotifyTarget, type NotifyTransition } from '../../src/protocol/dns/notify-out.js';
import { NOTIFY_EVENTS, NOTIFY_STATES, nextNotifyState, type NotifyEvent, type NotifyState } from '../../src/protocol/dns/notify-states.js';
import type { SoaRecord } from '../../src/protocol/dns/zone-diff.js';
import { decodeMessage, Opcode, Rcode, RRType, type DnsMessage, type SOAData } from '../../src/wire/dns/index.js';

const soa = (serial: number): SoaRecord => ({
  name: 'example.com.', type: RRType.SOA, class: 1, ttl: 3600,
  data: { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial, refresh: 3600, retry: 600, expire: 1209600, minimum: 300 },
});
const A: NotifyTarget = { address: '192.0.2.54', port: 53 };
const B: NotifyTarget = { address: '2001:db8::55', port: 5353 };

function rig(tries = 5) {
  const clock = new FakeClock();
  const sent: { message: DnsMessage; target: NotifyTarget; at: number }[] = [];
  const transitions: NotifyTransition[] = [];
  let id = 100;
  const sender = new NotifySender({
    clock, tries, intervalMs: 2000, nextId: () => id++,
    send: (bytes, target) => sent.push({ message: decodeMessage(bytes), target, at: clock.now() }),
    onTransition: (t) => transitions.push(t),
  });
  const reply = (to: { message: DnsMessage }, o: { rcode?: number; from?: string; port?: number; id?: number; zone?: string } = {}) => sender.onResponse({
    ...to.message, id: o.id ?? to.message.id, rcode: o.rcode ?? Rcode.NOERROR, flags: { ...to.message.flags, qr: true },
    questions: [{ name: o.zone ?? 'example.com.', type: RRType.SOA, class: 1 }], answers: [],
  }, { address: o.from ?? A.address, port: o.port ?? A.port });
  return { clock, sent, transitions, sender, reply };
}

test('the NOTIFY message: opcode NOTIFY, AA, the question <zone> SOA IN, the new SOA as answer', () => {
  const { sender, sent } = rig();
  sender.notify('example.com.', soa(7), [A, B]);
  assert.equal(sent.length, 2);
  const m = sent[0]!.message;
  assert.deepEqual([m.flags.opcode, m.flags.qr, m.flags.aa, m.id], [Opcode.NOTIFY, false, true, 100]);
  assert.deepEqual(m.questions, [{ name: 'example.com.', type: RRType.SOA, class: 1 }]);
  assert.equal((m.answers[0]!.data as SOAData).serial, 7);
  assert.deepEqual(sent.map((s) => s.target), [A, B]);
});

test('no response: sent again every 2 s, 5 tries in all, then failed', () => {
  const { clock, sender, sent, transitions } = rig();
  sender.notify('example.com.', soa(7), [A]);
  clock.advance(60_000);
  assert.deepEqual(sent.map((s) => s.at - sent[0]!.at), [0, 2000, 4000, 6000, 8000]);
  assert.ok(sent.every((s) => s.message.id === 100), 'one id for every try: a late response still counts');
  assert.deepEqual(transitions.map((t) => `${t.from}>${t.to}:${t.event}`), [
    ...Array<string>(4).fill('waiting>waiting:retry-due'), 'waiting>failed:last-try-expired',
  ]);
  assert.deepEqual({ ...sender.counters }, { sent: 5, acknowledged: 0, refused: 0, failed: 1 });
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(sender.waiting, 0);
});

test('the matching response ends the retries; a response that does not match changes nothing', () => {
  const { clock, sender, sent, reply } = rig();
  sender.notify('example.com.', soa(7), [A]);
  clock.advance(2000);
  assert.equal(sent.length, 2);
  assert.equal(reply(sent[0]!, { id: 999 }), false, 'other id');
  assert.equal(reply(sent[0]!, { from: '192.0.2.99' }), false, 'other server');
  assert.equal(reply(sent[0]!, { port: 1053 }), false, 'other port');
  assert.equal(reply(sent[0]!, { zone: 'example.org.' }), false, 'other zone');
  assert.equal(sender.onResponse({ ...sent[0]!.message }, { address: A.address, port: 53 }), false, 'not a response (QR clear)');
  assert.equal(reply(sent[0]!, { zone: 'EXAMPLE.com.' }), true, 'the zone without case');
  clock.advance(60_000);
  assert.equal(sent.length, 2);
  assert.deepEqual({ ...sender.counters }, { sent: 2, acknowledged: 1, refused: 0, failed: 0 });
  assert.equal(reply(sent[0]!), false, 'a second response: already ended');
});

test('an error RCODE ends it as refused; IPv4-mapped sources match', () => {
  const { sender, sent, reply, transitions } = rig();
  sender.notify('example.com.', soa(7), [A]);
  assert.equal(reply(sent[0]!, { rcode: Rcode.NOTAUTH, from: '::ffff:192.0.2.54' }), true);
  assert.deepEqual([transitions.at(-1)?.to, transitions.at(-1)?.event], ['refused', 'answered-error']);
  assert.equal(sender.counters.refused, 1);
});

test('a newer NOTIFY to the same server supersedes the one waiting; stop ends all', () => {
  const { clock, sender, sent, transitions, reply } = rig();
  sender.notify('example.com.', soa(7), [A, B]);
  clock.advance(1000);
  sender.notify('example.com.', soa(8), [A]);
  assert.deepEqual(transitions.map((t) => `${t.serial}:${t.to}`), ['7:superseded']);
  assert.equal(reply(sent[0]!), false, 'the superseded one no longer matches');
  assert.equal(reply(sent[2]!), true);
  assert.equal(sender.waiting, 1);
  sender.stop();
  assert.equal(sender.waiting, 0);
  assert.equal(transitions.at(-1)?.to, 'stopped');
  clock.advance(60_000);
  assert.equal(sent.length, 3, 'nothing sent after stop');
  assert.equal(clock.pendingTimers(), 0);
});

test('every (state × event) pair follows the rules', () => {
  // The rules, stated independently: only a waiting NOTIFY moves; a retry keeps it
  // waiting; the response ends it (acknowledged, or refused for an error); the last
  // try expiring fails it; a newer NOTIFY supersedes it; stop stops it.
  const expected = (s: NotifyState, e: NotifyEvent): NotifyState | undefined => {
    if (s !== 'waiting') return undefined;
    return ({ 'answered': 'acknowledged', 'answered-error': 'refused', 'retry-due': 'waiting', 'last-try-expired': 'failed', 'superseded': 'superseded', 'stop': 'stopped' } as const)[e];
  };
  for (const s of NOTIFY_STATES) for (const e of NOTIFY_EVENTS) assert.equal(nextNotifyState(s, e), expected(s, e), `${s} × ${e}`);
});

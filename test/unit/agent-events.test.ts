// The batch and answer shapes of event delivery (src/protocol/agent/events.ts) as the
// manager meets them from the network — hostile one field at a time, then a seeded fuzz
// run — and the manager's choice of what to store (src/protocol/agent/ingest.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAck, checkBatch, checkEventData, EVENT_KINDS, MAX_BATCH_EVENTS, type EventBatch, type SiteEvent } from '../../src/protocol/agent/events.js';
import { ingestBatch } from '../../src/protocol/agent/ingest.js';
import { seededRandom } from '../support/random.js';

type Editable = any;
const STREAM = '0123456789abcdef0123456789abcdef';

const event = (seq: number): SiteEvent => ({ seq, at: 1_767_225_600_000 + seq, kind: 'files.upload', data: { path: `backup/${seq}.cfg`, bytes: 3 } });
const events = (from: number, to: number): SiteEvent[] => Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

function valid(): Editable {
  return { site: 'branch-07', server: 'branch-07-a', stream: STREAM, events: events(1, 3) };
}

test('a valid batch passes as it is; numbering may start anywhere', () => {
  for (const body of [valid(), { ...valid(), events: events(41, 43) }, { ...valid(), events: [{ seq: 7, at: 0, kind: 'outbox.damaged', data: {} }] }]) {
    const r = checkBatch(body);
    assert.deepEqual(r, { ok: true, batch: body });
    assert.equal(r.ok && r.batch, body);
  }
  assert.equal(checkBatch({ ...valid(), events: events(1, MAX_BATCH_EVENTS) }).ok, true, 'exactly the most events');
  assert.equal(checkBatch({ ...valid(), site: 'a', server: `${'a'.repeat(62)}z` }).ok, true, 'one- and 63-character labels');
});

test('hostile batches, one fault each, are refused at the field at fault', () => {
  const KINDS = `one of ${Object.keys(EVENT_KINDS).join(', ')}`;
  const cases: [string, (b: Editable) => unknown, string, string][] = [
    ['null', () => null, '$', 'a batch is an object'],
    ['an array', (b) => [b], '$', 'a batch is an object'],
    ['a string', (b) => JSON.stringify(b), '$', 'a batch is an object'],
    ['unknown field', (b) => ({ ...b, token: 'x' }), '$.token', 'unknown field'],
    ['site missing', (b) => { delete b.site; return b; }, '$.site', 'a site name (a DNS label)'],
    ['site upper case', (b) => ({ ...b, site: 'Branch-07' }), '$.site', 'a site name (a DNS label)'],
    ['site leading hyphen', (b) => ({ ...b, site: '-branch' }), '$.site', 'a site name (a DNS label)'],
    ['site too long', (b) => ({ ...b, site: 'a'.repeat(64) }), '$.site', 'a site name (a DNS label)'],
    ['site a number', (b) => ({ ...b, site: 7 }), '$.site', 'a site name (a DNS label)'],
    ['server with a dot', (b) => ({ ...b, server: 'branch.a' }), '$.server', 'a server name (a DNS label)'],
    ['server empty', (b) => ({ ...b, server: '' }), '$.server', 'a server name (a DNS label)'],
    ['stream upper case', (b) => ({ ...b, stream: STREAM.toUpperCase() }), '$.stream', '32 lower-case hex digits'],
    ['stream 31 digits', (b) => ({ ...b, stream: STREAM.slice(1) }), '$.stream', '32 lower-case hex digits'],
    ['stream not hex', (b) => ({ ...b, stream: `${STREAM.slice(1)}g` }), '$.stream', '32 lower-case hex digits'],
    ['events an object', (b) => ({ ...b, events: { 0: event(1) } }), '$.events', 'an array'],
    ['no events', (b) => ({ ...b, events: [] }), '$.events', `1 to ${MAX_BATCH_EVENTS} events`],
    ['too many events', (b) => ({ ...b, events: events(1, MAX_BATCH_EVENTS + 1) }), '$.events', `1 to ${MAX_BATCH_EVENTS} events`],
    ['event null', (b) => { b.events[1] = null; return b; }, '$.events[1]', 'an event is an object'],
    ['event an array', (b) => { b.events[0] = [1]; return b; }, '$.events[0]', 'an event is an object'],
    ['event unknown field', (b) => { b.events[2].server = 'x'; return b; }, '$.events[2].server', 'unknown field'],
    ['seq 0', (b) => ({ ...b, events: [{ ...event(1), seq: 0 }] }), '$.events[0].seq', 'a positive integer'],
    ['seq negative', (b) => ({ ...b, events: [{ ...event(1), seq: -1 }] }), '$.events[0].seq', 'a positive integer'],
    ['seq a fraction', (b) => ({ ...b, events: [{ ...event(1), seq: 1.5 }] }), '$.events[0].seq', 'a positive integer'],
    ['seq a string', (b) => ({ ...b, events: [{ ...event(1), seq: '1' }] }), '$.events[0].seq', 'a positive integer'],
    ['seq past 2^53', (b) => ({ ...b, events: [{ ...event(1), seq: 2 ** 53 }] }), '$.events[0].seq', 'a positive integer'],
    ['seq skips one', (b) => ({ ...b, events: [event(1), event(3)] }), '$.events[1].seq', '3 does not follow 1'],
    ['seq repeated', (b) => ({ ...b, events: [event(1), event(2), event(2)] }), '$.events[2].seq', '2 does not follow 2'],
    ['seq backwards', (b) => ({ ...b, events: [event(2), event(1)] }), '$.events[1].seq', '1 does not follow 2'],
    ['at negative', (b) => { b.events[1].at = -1; return b; }, '$.events[1].at', 'milliseconds since the epoch'],
    ['at a fraction', (b) => { b.events[0].at = 0.5; return b; }, '$.events[0].at', 'milliseconds since the epoch'],
    ['at a date string', (b) => { b.events[0].at = '2026-01-01T00:00:00Z'; return b; }, '$.events[0].at', 'milliseconds since the epoch'],
    ['at missing', (b) => { delete b.events[0].at; return b; }, '$.events[0].at', 'milliseconds since the epoch'],
    ['unknown kind', (b) => { b.events[2].kind = 'files.delete'; return b; }, '$.events[2].kind', KINDS],
    ['kind from the prototype', (b) => { b.events[0].kind = 'toString'; return b; }, '$.events[0].kind', KINDS],
    ['kind a number', (b) => { b.events[0].kind = 1; return b; }, '$.events[0].kind', KINDS],
    ['data null', (b) => { b.events[0].data = null; return b; }, '$.events[0].data', 'an object'],
    ['data an array', (b) => { b.events[1].data = []; return b; }, '$.events[1].data', 'an object'],
    ['data a string', (b) => { b.events[0].data = '{}'; return b; }, '$.events[0].data', 'an object'],
    ['data missing', (b) => { delete b.events[0].data; return b; }, '$.events[0].data', 'an object'],
  ];
  for (const [what, edit, path, reason] of cases) {
    // structuredClone: every case edits its own copy of the valid batch.
    assert.deepEqual(checkBatch(edit(structuredClone(valid()))), { ok: false, path, reason }, what);
  }
});

test('an answer acks the batch when it reaches the batch\'s last event, never past it', () => {
  assert.deepEqual(checkAck({ acked: 3 }, 3), { ok: true, acked: 3 });
  assert.deepEqual(checkAck({ acked: 900 }, 3), { ok: true, acked: 3 }, 'a later number acks only what was sent');
  assert.deepEqual(checkAck({ acked: 2 }, 3), { ok: false, reason: 'acked 2 is before the batch\'s last event 3' });
  for (const body of [null, [], 'ok', {}, { acked: '3' }, { acked: 3.5 }, { acked: 2 ** 53 }, { ack: 3 }]) {
    assert.deepEqual(checkAck(body, 3), { ok: false, reason: 'the answer has no integer "acked"' }, JSON.stringify(body));
  }
});

test('ingest: new events stored, duplicates skipped, a gap reported, acked the highest stored', () => {
  const batch = (from: number, to: number): EventBatch => ({ site: 'branch-07', server: 'branch-07-a', stream: STREAM, events: events(from, to) });
  assert.deepEqual(ingestBatch(0, batch(1, 3)), { fresh: events(1, 3), duplicates: 0, acked: 3 }, 'the first batch');
  assert.deepEqual(ingestBatch(3, batch(4, 5)), { fresh: events(4, 5), duplicates: 0, acked: 5 }, 'the next batch');
  assert.deepEqual(ingestBatch(3, batch(1, 3)), { fresh: [], duplicates: 3, acked: 3 }, 'the same batch again (a lost answer)');
  assert.deepEqual(ingestBatch(9, batch(1, 3)), { fresh: [], duplicates: 3, acked: 9 }, 'an old batch: the answer keeps the higher number');
  assert.deepEqual(ingestBatch(2, batch(1, 4)), { fresh: events(3, 4), duplicates: 2, acked: 4 }, 'partial overlap');
  assert.deepEqual(ingestBatch(2, batch(6, 8)), { fresh: events(6, 8), duplicates: 0, gap: { from: 3, to: 5 }, acked: 8 }, 'a gap');
  assert.deepEqual(ingestBatch(0, batch(2, 2)), { fresh: events(2, 2), duplicates: 0, gap: { from: 1, to: 1 }, acked: 2 }, 'a gap of one');
});

// --- fuzz -----------------------------------------------------------------------------

function randomValue(rnd: () => number, depth: number): unknown {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  switch (int(depth > 0 ? 8 : 6)) {
    case 0: return null;
    case 1: return rnd() < 0.5;
    case 2: return pick([0, 1, -1, 1.5, 2 ** 53, -0, 1e308, Number.MAX_SAFE_INTEGER]);
    case 3: return int(2 ** 31) - 2 ** 30;
    case 4: return pick(['', 'a', STREAM, 'files.upload', 'outbox.overflow', '__proto__', 'constructor', 'Branch', '\u0000', 'x'.repeat(300)]);
    case 5: return String.fromCharCode(...Array.from({ length: int(12) }, () => int(0x3000)));
    case 6: return Array.from({ length: int(4) }, () => randomValue(rnd, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(4); i > 0; i--) o[pick(['site', 'server', 'stream', 'events', 'seq', 'at', 'kind', 'data', '__proto__', 'x'])] = randomValue(rnd, depth - 1);
      return o;
    }
  }
}

/** Replaces, deletes or adds one thing somewhere in a valid batch. */
function mutate(body: Editable, rnd: () => number): unknown {
  const int = (n: number) => Math.floor(rnd() * n);
  const paths: (string | number)[][] = [[]];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      const p = [...path, Array.isArray(v) ? Number(k) : k];
      paths.push(p);
      walk(child, p);
    }
  };
  walk(body, []);
  const path = paths[int(paths.length)]!;
  if (path.length === 0) return randomValue(rnd, 3);
  const parent = path.slice(0, -1).reduce((o: Editable, k) => o[k], body);
  const key = path.at(-1)!;
  const action = int(3);
  if (action === 0) parent[key] = randomValue(rnd, 2);
  else if (action === 1 && !Array.isArray(parent)) delete parent[key];
  else if (Array.isArray(parent)) parent.splice(int(parent.length + 1), 0, randomValue(rnd, 2));
  else parent[`k${int(3)}`] = randomValue(rnd, 1);
  return body;
}

test('3000 random and mutated bodies never throw; every refusal names a path, every pass is consecutive', () => {
  const rnd = seededRandom(0xa9e47);
  const seen = { ok: 0, refused: 0 };
  for (let i = 0; i < 3000; i++) {
    const body = i % 3 === 0 ? randomValue(rnd, 4) : mutate(valid(), rnd);
    // Through JSON as the manager receives it (drops undefined, -0, turns __proto__ into an own key).
    const input = JSON.parse(JSON.stringify(body) ?? 'null') as unknown;
    const r = checkBatch(input);
    if (r.ok) {
      seen.ok++;
      r.batch.events.forEach((e, j) => assert.equal(e.seq, r.batch.events[0]!.seq + j));
    } else {
      seen.refused++;
      assert.ok(r.path.startsWith('$') && r.reason.length > 0, JSON.stringify(r));
    }
  }
  // Both outcomes happen: the mutations reach past the first check and some leave a batch valid.
  assert.ok(seen.ok > 50 && seen.refused > 1000, JSON.stringify(seen));
});

test('the data of projected kinds (lease, failover, zone states) is checked field by field; other kinds are not the manager\'s to check', () => {
  const lease = { family: 4, address: '198.51.100.7', state: 'bound', hwAddress: '001b4f123456', clientId: '01001b4f123456', hostname: 'phone', startedAt: 1, expiresAt: 2 };
  assert.equal(checkEventData('lease.change', lease), undefined);
  const faults: [Record<string, unknown>, string][] = [
    [{ family: 5 }, 'family'], [{ address: '' }, 'address'], [{ state: 'offered' }, 'state'], [{ hwAddress: '00:1B' }, 'hwAddress'],
    [{ clientId: 'zz' }, 'clientId'], [{ hostname: 'x'.repeat(254) }, 'hostname'], [{ startedAt: -1 }, 'startedAt'], [{ expiresAt: 1.5 }, 'expiresAt'],
  ];
  for (const [change, field] of faults) assert.match(checkEventData('lease.change', { ...lease, ...change }) ?? '', new RegExp(`^${field}:`), JSON.stringify(change));
  const failover = { relationship: 'pair-1', state: 'partner-down', partnerState: 'unknown' };
  assert.equal(checkEventData('failover.state', failover), undefined);
  assert.match(checkEventData('failover.state', { ...failover, state: 'Normal!' }) ?? '', /^state:/);
  assert.match(checkEventData('failover.state', { ...failover, relationship: 7 }) ?? '', /^relationship:/);
  const zone = { zone: 'voice.example.', state: 'stale', serial: 4294967295, refreshedAt: 5 };
  assert.equal(checkEventData('zone.state', zone), undefined);
  assert.match(checkEventData('zone.state', { ...zone, serial: 4294967296 }) ?? '', /^serial:/);
  assert.match(checkEventData('zone.state', { ...zone, expiresAt: 'soon' }) ?? '', /^expiresAt:/);
  assert.equal(checkEventData('files.upload', { anything: true }), undefined);
});

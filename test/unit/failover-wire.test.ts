// The failover wire codec (src/wire/failover/, docs/wire-failover.md): every message
// kind round trips, frames with and without MAC, the incremental FrameReader fed
// byte by byte and in random chunks, sequence numbering and its restart, MAC checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import {
  BYE_REASON, FAILOVER_MODE, FAILOVER_ROLE, FAILOVER_STATE, FRAME_HEADER_BYTES, FRAME_MAC_BYTES, FrameReader, HELLO_RESULT, LEASE_STATE,
  MAX_BODY_BYTES, MAX_BODY_BYTES_OF, MAX_LEASE_BYTES, MESSAGE_CODECS, MESSAGE_TYPE, MIN_LEASE_BYTES, REJECT_REASON, STATE_COMMAND,
  WireDecodeError, WireEncodeError, decodeMessage, encodeFrame, encodeMessage, messageBodyLength, wireLease,
  type FailoverMessage, type Frame, type MessageKind, type WireEnum, type WireLease,
} from '../../src/wire/failover/index.js';
import { EXTREME_LEASE, LEASE, SESSION_KEY, bytes, handshakeFrames, lease, sampleMessages, sessionFrames } from '../support/failover-fixture.js';
import { seededRandom } from '../support/random.js';

const isReason = (reason: string) => (e: unknown) => e instanceof WireDecodeError && e.reason === reason;
const isEncode = (reason: string) => (e: unknown) => e instanceof WireEncodeError && e.reason === reason;

/** Splits data into chunks of random sizes (1..max). */
function chunks(data: Buffer, rnd: () => number, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(rnd() * max);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

test('every message kind round trips through encodeMessage / decodeMessage, and encodingLength is exact', () => {
  const kinds = new Set<MessageKind>();
  for (const m of sampleMessages()) {
    const { type, body } = encodeMessage(m);
    kinds.add(m.kind);
    assert.equal(type, MESSAGE_TYPE.code(m.kind));
    assert.equal(body.length, messageBodyLength(m), m.kind);
    assert.ok(body.length <= MAX_BODY_BYTES_OF[m.kind], `${m.kind}: ${body.length} within the type's maximum`);
    assert.deepEqual(decodeMessage(type, body), m, m.kind);
    assert.deepEqual(MESSAGE_CODECS[m.kind].decode(body), m);
  }
  assert.deepEqual([...kinds].sort(), [...MESSAGE_TYPE.names].sort(), 'the samples cover every kind');
});

test('the fixed layouts are as the spec writes them', () => {
  const hb = encodeMessage({ kind: 'heartbeat', state: 'partner-down', clock: 0x0102030405, unsynced: 0x0a0b0c0d });
  assert.equal(hb.type, 4);
  assert.equal(hb.body.toString('hex'), '06' + '0000000102030405' + '0a0b0c0d');
  const rr = encodeMessage({ kind: 'resync-request', subnetId: 1, after: 0xc0000200, limit: 5000 });
  assert.equal(rr.body.toString('hex'), '00000001' + 'c0000200' + '1388');
  const sc = encodeMessage({ kind: 'state-command', command: 'takeover', token: 9 });
  assert.deepEqual([sc.type, sc.body.toString('hex')], [9, '04' + '00000009']);
  const bye = encodeMessage({ kind: 'bye', reason: 'shutdown', text: 'é' });
  assert.deepEqual([bye.type, bye.body.toString('hex')], [10, '01' + '0002' + 'c3a9']);
  const lease = wireLease.encode({ ...LEASE, hostname: 'h', partnerExpiry: 2 });
  assert.equal(lease.toString('hex'), [
    'c0000264', '00000007', '01', (1_764_500_000_000).toString(16).padStart(16, '0'), (1_764_503_600_000).toString(16).padStart(16, '0'), '0000000000000002',
    '0011' + Buffer.from('id:01001122334455').toString('hex'), '000c' + Buffer.from('001122334455').toString('hex'), '0001' + '68',
  ].join(''));
  const hello = encodeMessage(sampleMessages()[0]!);
  // relationship, server name, role 1, mode 1, hash, clock, nonce
  assert.equal(hello.body.subarray(0, 12).toString('hex'), '0008' + Buffer.from('branch-7').toString('hex') + '0006');
  assert.equal(hello.body.length, 2 + 8 + 2 + 6 + 1 + 1 + 32 + 8 + 32);
});

test('the code maps: names ↔ codes as the spec numbers them, codes from 1', () => {
  assert.deepEqual(MESSAGE_TYPE.codes, { hello: 1, 'hello-reply': 2, auth: 3, heartbeat: 4, update: 5, 'update-ack': 6, 'resync-request': 7, 'resync-page': 8, 'state-command': 9, bye: 10 });
  assert.deepEqual(LEASE_STATE.codes, { bound: 1, released: 2, expired: 3, declined: 4 });
  assert.deepEqual(FAILOVER_STATE.names, ['startup', 'recovering', 'ready', 'normal', 'interrupted', 'partner-down', 'maintenance', 'terminated']);
  assert.deepEqual(FAILOVER_STATE.names.map((n) => FAILOVER_STATE.code(n)), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(FAILOVER_ROLE.codes, { primary: 1, standby: 2, secondary: 3 });
  assert.deepEqual(FAILOVER_MODE.codes, { 'hot-standby': 1, 'load-balancing': 2 });
  assert.deepEqual(HELLO_RESULT.names, ['ok', 'unknown-relationship', 'version', 'config-mismatch', 'clock-skew', 'busy', 'auth-failed']);
  assert.deepEqual(STATE_COMMAND.codes, { maintenance: 1, 'partner-down': 2, resume: 3, takeover: 4 });
  assert.deepEqual(REJECT_REASON.names, ['newer', 'unknown-subnet', 'invalid']);
  assert.deepEqual(BYE_REASON.names, ['shutdown', 'protocol-error', 'config-changed', 'timeout', 'replaced']);
  for (const e of [MESSAGE_TYPE, LEASE_STATE, FAILOVER_STATE, FAILOVER_ROLE, FAILOVER_MODE, HELLO_RESULT, STATE_COMMAND, REJECT_REASON, BYE_REASON] as readonly WireEnum<string>[]) {
    assert.equal(e.name(0), undefined, `${e.what}: 0 is never a code`);
    for (const n of e.names) assert.equal(e.name(e.code(n)), n);
  }
});

test('leases: a decoded WireLease is a protocol Lease (plus partnerExpiry); optional fields are omitted, "" and 0 mean none', () => {
  const decoded: WireLease = wireLease.decode(wireLease.encode(EXTREME_LEASE));
  const asLease: Lease & { partnerExpiry?: number } = decoded; // compile-time: assignable
  assert.deepEqual(asLease, EXTREME_LEASE);
  const storeLease: Lease = { ...LEASE };
  const bare = wireLease.decode(wireLease.encode(storeLease as WireLease));
  assert.deepEqual(Object.keys(bare), ['address', 'subnetId', 'clientKey', 'hwAddress', 'state', 'startedAt', 'expiresAt']);
  assert.deepEqual(wireLease.decode(wireLease.encode({ ...LEASE, hostname: '', partnerExpiry: 0 })), LEASE);
  assert.equal(wireLease.encode(LEASE).length, MIN_LEASE_BYTES + 'id:01001122334455'.length + 12);
  assert.equal(wireLease.encode(EXTREME_LEASE).length, MAX_LEASE_BYTES);
  assert.deepEqual([MIN_LEASE_BYTES, MAX_LEASE_BYTES], [39, 39 + 3 * 3072]);
});

test('encode refuses values the wire cannot carry', () => {
  const cases: [string, FailoverMessage | (() => unknown), string][] = [
    ['string of 256 bytes', { kind: 'bye', reason: 'shutdown', text: 'x'.repeat(256) }, 'too-long'],
    ['string of 256 UTF-8 bytes (128 characters)', { kind: 'bye', reason: 'shutdown', text: 'é'.repeat(128) }, 'too-long'],
    ['unpaired surrogate', { kind: 'bye', reason: 'shutdown', text: 'a\ud800' }, 'bad-value'],
    ['unknown state name', { kind: 'heartbeat', state: 'asleep' as never, clock: 0, unsynced: 0 }, 'bad-value'],
    ['unsafe time', { kind: 'heartbeat', state: 'normal', clock: Number.MAX_SAFE_INTEGER + 1, unsynced: 0 }, 'bad-value'],
    ['negative time', { kind: 'heartbeat', state: 'normal', clock: -1, unsynced: 0 }, 'bad-value'],
    ['fractional time', { kind: 'heartbeat', state: 'normal', clock: 1.5, unsynced: 0 }, 'bad-value'],
    ['u32 overflow', { kind: 'heartbeat', state: 'normal', clock: 0, unsynced: 2 ** 32 }, 'bad-value'],
    ['u16 overflow', { kind: 'resync-request', subnetId: 0, after: 0, limit: 65536 }, 'bad-value'],
    ['31-byte nonce', { kind: 'hello', relationship: 'r', serverName: 's', role: 'primary', mode: 'hot-standby', configHash: bytes(32, 0), clock: 0, nonce: bytes(31, 0) }, 'bad-value'],
    ['offered lease', { kind: 'update', batch: 0, leases: [{ ...LEASE, state: 'offered' as never }] }, 'bad-value'],
    ['lease with an unsafe partnerExpiry', { kind: 'update', batch: 0, leases: [{ ...LEASE, partnerExpiry: 2 ** 53 }] }, 'bad-value'],
    ['65536 leases', { kind: 'update', batch: 0, leases: new Array<WireLease>(65536).fill(LEASE) }, 'too-large'],
    ['a body over 4 MiB', { kind: 'resync-page', subnetId: 0, last: true, next: 0, leases: new Array<WireLease>(454).fill(EXTREME_LEASE) }, 'too-large'],
    ['unknown kind', { kind: 'gossip' } as never, 'bad-value'],
    ['frame type 0', () => encodeFrame({ type: 0, sequence: 0, body: Buffer.alloc(0) }), 'bad-value'],
    ['frame sequence 2^32', () => encodeFrame({ type: 1, sequence: 2 ** 32, body: Buffer.alloc(0) }), 'bad-value'],
    ['MAC\'d type without a key', () => encodeFrame({ type: 4, sequence: 0, body: Buffer.alloc(13) }), 'bad-value'],
    ['handshake type with a key', () => encodeFrame({ type: 3, sequence: 0, body: Buffer.alloc(32) }, SESSION_KEY), 'bad-value'],
    ['frame body over 4 MiB', () => encodeFrame({ type: 5, sequence: 0, body: Buffer.alloc(MAX_BODY_BYTES + 1) }, SESSION_KEY), 'too-large'],
  ];
  for (const [name, input, reason] of cases) {
    assert.throws(() => (typeof input === 'function' ? input() : encodeMessage(input)), isEncode(reason), name);
  }
  // 453 leases of the largest size are the most that fit: senders cut their messages by encoded size (leaseLength).
  assert.ok(encodeMessage({ kind: 'resync-page', subnetId: 0, last: true, next: 0, leases: new Array<WireLease>(453).fill(EXTREME_LEASE) }).body.length <= MAX_BODY_BYTES);
});

test('frames: header layout, MAC present exactly on types 4–10, HMAC-SHA256 of header ‖ body truncated to 16 bytes', () => {
  const body = Buffer.from('0400000000000000010000002a', 'hex');
  const plain = encodeFrame({ type: 3, sequence: 0x01020304, body: bytes(32, 7) });
  assert.equal(plain.toString('hex', 0, 12), '4f4601' + '03' + '01020304' + '00000020');
  assert.equal(plain.length, FRAME_HEADER_BYTES + 32);
  const macd = encodeFrame({ type: 4, sequence: 0, body }, SESSION_KEY);
  assert.equal(macd.length, FRAME_HEADER_BYTES + body.length + FRAME_MAC_BYTES);
  const expected = createHmac('sha256', SESSION_KEY).update(macd.subarray(0, 12 + body.length)).digest().subarray(0, 16);
  assert.deepEqual(macd.subarray(12 + body.length), expected);
  const empty = encodeFrame({ type: 1, sequence: 0, body: Buffer.alloc(0) });
  assert.equal(empty.length, 12);
});

function readAll(reader: FrameReader, parts: readonly Buffer[], key = SESSION_KEY): Frame[] {
  const out: Frame[] = [];
  for (const p of parts) {
    out.push(...reader.push(p));
    if (reader.awaitingSession) out.push(...reader.startSession(key));
  }
  return out;
}

test('FrameReader: a whole conversation byte by byte and in random chunks gives the same frames and messages', () => {
  const messages = sampleMessages().filter((m) => !['hello', 'hello-reply', 'auth'].includes(m.kind));
  const stream = Buffer.concat([...handshakeFrames(), ...sessionFrames(messages)]);
  const expected = [sampleMessages()[0]!, { kind: 'auth', proof: bytes(32, 4) }, ...messages];
  const check = (frames: Frame[], how: string) => {
    assert.equal(frames.length, expected.length, how);
    assert.deepEqual(frames.map((f) => f.sequence), [0, 1, ...messages.map((_, i) => i)], how);
    frames.forEach((f, i) => assert.deepEqual(decodeMessage(f.type, f.body), expected[i], `${how}: frame ${i}`));
  };
  check(readAll(new FrameReader(), [stream]), 'one chunk');
  const rnd = seededRandom(0xf0f0);
  for (const max of [1, 7, 100, 5000, 100_000]) {
    const reader = new FrameReader();
    const parts = max === 1 ? [...stream].map((b) => Buffer.from([b])) : chunks(stream, rnd, max);
    check(readAll(reader, parts), `chunks of up to ${max}`);
    assert.equal(reader.buffered, 0);
    reader.finish();
  }
});

test('FrameReader: bytes after AUTH wait for startSession, which returns what they complete', () => {
  const [hello, authFrame] = handshakeFrames();
  const hb = sessionFrames([{ kind: 'heartbeat', state: 'normal', clock: 5, unsynced: 0 }, { kind: 'heartbeat', state: 'normal', clock: 6, unsynced: 0 }]);
  const reader = new FrameReader();
  const first = reader.push(Buffer.concat([hello!, authFrame!, hb[0]!, hb[1]!.subarray(0, 10)]));
  assert.deepEqual(first.map((f) => f.type), [1, 3]);
  assert.ok(reader.awaitingSession);
  assert.deepEqual(reader.push(Buffer.alloc(0)), [], 'nothing is decoded before the session starts');
  const held = reader.startSession(SESSION_KEY);
  assert.deepEqual(held.map((f) => [f.type, f.sequence]), [[4, 0]]);
  assert.deepEqual(reader.push(hb[1]!.subarray(10)).map((f) => f.sequence), [1]);
  assert.ok(reader.inSession);
  assert.throws(() => reader.startSession(SESSION_KEY), /already started/);
});

test('FrameReader: the connector side starts its session without having received AUTH', () => {
  const reply = encodeFrame({ ...encodeMessage(sampleMessages()[3]!), sequence: 0 });
  const reader = new FrameReader();
  assert.deepEqual(reader.push(reply).map((f) => f.type), [2]);
  assert.deepEqual(reader.startSession(SESSION_KEY), []);
  assert.equal(reader.expectedSequence, 0);
  assert.deepEqual(reader.push(sessionFrames([{ kind: 'bye', reason: 'shutdown', text: '' }])[0]!).map((f) => f.type), [10]);
});

test('FrameReader: sequence numbers must follow one another; startSession restarts them at 0', () => {
  const hbs = (from: number, n: number) => sessionFrames(Array.from({ length: n }, (_, i) => ({ kind: 'heartbeat' as const, state: 'normal' as const, clock: i, unsynced: 0 })), SESSION_KEY, from);
  const started = () => {
    const r = new FrameReader();
    r.startSession(SESSION_KEY);
    return r;
  };
  const ok = started();
  assert.equal(ok.push(Buffer.concat(hbs(0, 3))).length, 3);
  assert.equal(ok.expectedSequence, 3);
  // A repeat, a gap, and a session that does not start at 0.
  const repeat = started();
  repeat.push(Buffer.concat(hbs(0, 2)));
  assert.throws(() => repeat.push(hbs(1, 1)[0]!), isReason('bad-sequence'));
  assert.throws(() => repeat.push(hbs(2, 1)[0]!), isReason('bad-sequence'), 'the first error is final');
  const gap = started();
  gap.push(hbs(0, 1)[0]!);
  assert.throws(() => gap.push(hbs(2, 1)[0]!), (e: unknown) => isReason('bad-sequence')(e) && (e as WireDecodeError).offset === 41 + 4);
  assert.throws(() => started().push(hbs(1, 1)[0]!), isReason('bad-sequence'));
  // The handshake counts from 0 too, and the session restarts the count.
  const [hello, auth] = handshakeFrames();
  assert.throws(() => new FrameReader().push(auth!), isReason('bad-sequence'), 'AUTH numbered 1 cannot come first');
  const r = new FrameReader();
  r.push(Buffer.concat([hello!, auth!]));
  assert.equal(r.expectedSequence, 2);
  r.startSession(SESSION_KEY);
  assert.equal(r.expectedSequence, 0);
  assert.equal(r.push(hbs(0, 1)[0]!).length, 1);
});

test('FrameReader: no sequence number is accepted twice under one key (no wrap-around after 2^32 − 1)', () => {
  const r = new FrameReader();
  r.startSession(SESSION_KEY);
  (r as unknown as { next: number }).next = 0xffffffff; // 2^32 − 1 frames later
  const hb = encodeMessage({ kind: 'heartbeat', state: 'normal', clock: 0, unsynced: 0 });
  assert.equal(r.push(encodeFrame({ ...hb, sequence: 0xffffffff }, SESSION_KEY)).length, 1);
  assert.throws(() => r.push(encodeFrame({ ...hb, sequence: 0 }, SESSION_KEY)), isReason('bad-sequence'));
});

test('FrameReader: a MAC made with another key is refused', () => {
  const r = new FrameReader();
  r.startSession(SESSION_KEY);
  const other = Buffer.from(SESSION_KEY);
  other[31]! ^= 1;
  const frame = sessionFrames([{ kind: 'heartbeat', state: 'normal', clock: 0, unsynced: 0 }], other)[0]!;
  assert.throws(() => r.push(frame), (e: unknown) => isReason('bad-mac')(e) && (e as WireDecodeError).offset === 12 + 13);
  const right = new FrameReader();
  right.startSession(other);
  assert.equal(right.push(frame).length, 1, 'the same frame passes with the key it was made with');
});

test('FrameReader: one changed bit anywhere in a MAC\'d frame is refused (bad-mac in body and MAC)', () => {
  const m: FailoverMessage = { kind: 'update', batch: 3, leases: [LEASE, lease(1), EXTREME_LEASE] };
  const frame = sessionFrames([m])[0]!;
  const reasons = new Map<string, number>();
  for (let bit = 0; bit < frame.length * 8; bit++) {
    const bad = Buffer.from(frame);
    bad[bit >> 3]! ^= 1 << (bit & 7);
    const r = new FrameReader();
    r.startSession(SESSION_KEY);
    let frames: Frame[] = [];
    try {
      frames = r.push(bad);
      r.finish();
    } catch (e) {
      assert.ok(e instanceof WireDecodeError, String(e));
      reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
      if (bit >= 12 * 8) assert.equal(e.reason, 'bad-mac', `bit ${bit} (body or MAC)`);
      continue;
    }
    assert.fail(`bit ${bit}: accepted ${frames.length} frames`);
  }
  assert.ok((reasons.get('bad-mac') ?? 0) >= (frame.length - 12) * 8, 'every body and MAC bit, and some length bits');
  assert.ok(reasons.size >= 4, `header bits fail their own checks too: ${[...reasons.keys()].join(', ')}`);
});

test('FrameReader: frame bodies are views of the pushed chunk when whole in it, copies otherwise', () => {
  const frame = encodeFrame({ ...encodeMessage({ kind: 'auth', proof: bytes(32, 1) }), sequence: 0 });
  const [one] = new FrameReader().push(frame);
  const r = new FrameReader();
  r.push(frame.subarray(0, 20));
  const [two] = r.push(frame.subarray(20));
  assert.deepEqual(two!.body, bytes(32, 1));
  frame[12] = 0xee;
  assert.equal(one!.body[0], 0xee, 'a view of the chunk');
  assert.equal(two!.body[0], 1, 'a copy');
});

test('FrameReader: a large UPDATE (5000 leases, ~190 KB) fed in 1-byte and random chunks', () => {
  const m: FailoverMessage = { kind: 'update', batch: 1, leases: Array.from({ length: 5000 }, (_, i) => lease(i)) };
  const frame = sessionFrames([m])[0]!;
  const rnd = seededRandom(0xbeef);
  for (const max of [1, 3, 1500, 65536]) {
    const r = new FrameReader();
    r.startSession(SESSION_KEY);
    const out: Frame[] = [];
    for (const c of max === 1 ? [...frame].map((b) => Buffer.from([b])) : chunks(frame, rnd, max)) out.push(...r.push(c));
    assert.equal(out.length, 1);
    assert.deepEqual(decodeMessage(out[0]!.type, out[0]!.body), m);
  }
});

test('decoded byte fields are copies, not views of the frame', () => {
  const { type, body } = encodeMessage(sampleMessages()[0]!);
  const m = decodeMessage(type, body) as Extract<FailoverMessage, { kind: 'hello' }>;
  body.fill(0);
  assert.deepEqual(m.nonce, bytes(32, 1));
  assert.deepEqual(m.configHash, bytes(32, 0xab));
  assert.equal(m.relationship, 'branch-7');
});

// Hostile failover input, one case at a time: each must be refused with a
// WireDecodeError whose reason is the stable name the site layer counts closed
// connections by — never another exception. Stream cases go through FrameReader
// (header checks before any body is buffered), body cases through decodeMessage.
// Every failover reason is exercised here and documented in docs/wire-failover.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAILOVER_DECODE_REASONS, FrameReader, MAX_BODY_BYTES, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, WireDecodeError, decodeMessage, encodeFrame, encodeMessage,
  type FailoverMessage, type WireDecodeReason,
} from '../../src/wire/failover/index.js';
import { repoRoot } from '../support/paths.js';
import { LEASE, SESSION_KEY, bytes, handshakeFrames, sampleMessages, sessionFrames } from '../support/failover-fixture.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** The reasons the failover codec throws: its own and the three it shares with the datagram codecs. */
const FAILOVER_REASONS: readonly WireDecodeReason[] = [...(Object.keys(FAILOVER_DECODE_REASONS) as WireDecodeReason[]), 'truncated', 'oversized', 'bad-magic'];

const HB: FailoverMessage = { kind: 'heartbeat', state: 'normal', clock: 1_764_500_000_000, unsynced: 3 };
const body = (m: FailoverMessage) => encodeMessage(m).body;
/** A copy of b with bytes written at an offset. */
const patch = (b: Buffer, at: number, data: string) => {
  const c = Buffer.from(b);
  hex(data).copy(c, at);
  return c;
};
/** A 12-byte frame header. */
const header = (type: number, sequence: number, length: number, magic = '4f46', version = '01') =>
  hex(magic + version + type.toString(16).padStart(2, '0') + sequence.toString(16).padStart(8, '0') + length.toString(16).padStart(8, '0'));

/** UPDATE of one lease; the lease starts at byte 6 (address 6, subnet 10, state 14, started 15, expires 23, partnerExpiry 31, clientKey 39). */
const UPDATE1 = body({ kind: 'update', batch: 1, leases: [LEASE] });
const BYE = body({ kind: 'bye', reason: 'shutdown', text: 'bye' });

interface Case {
  readonly name: string;
  readonly reason: WireDecodeReason;
  /** The offset the error must report, when the case pins one. */
  readonly offset?: number;
  /** Stream bytes for a FrameReader (pushed as given, then finish()). */
  readonly stream?: readonly Buffer[];
  /** Start the reader's session first (MAC'd frames expected). */
  readonly session?: boolean;
  /** A message body for decodeMessage. */
  readonly body?: readonly [type: number, body: Buffer];
}

const CASES: Case[] = [
  // bad-magic: refused at the first wrong byte.
  { name: 'an HTTP request', stream: [Buffer.from('GET / HTTP/1.1\r\n\r\n')], reason: 'bad-magic', offset: 0 },
  { name: 'a single wrong first byte', stream: [hex('47')], reason: 'bad-magic', offset: 0 },
  { name: '"OX"', stream: [hex('4f58')], reason: 'bad-magic', offset: 1 },
  { name: 'a TLS ClientHello', stream: [hex('160301020001')], reason: 'bad-magic' },
  { name: 'a second frame with a bad magic', stream: [Buffer.concat([handshakeFrames()[0]!, hex('4f47')])], reason: 'bad-magic', offset: handshakeFrames()[0]!.length + 1 },
  // bad-version
  { name: 'version 0', stream: [header(1, 0, 0, '4f46', '00')], reason: 'bad-version', offset: 2 },
  { name: 'version 2 (refused from its first 3 bytes)', stream: [hex('4f4602')], reason: 'bad-version', offset: 2 },
  { name: 'version 255', stream: [header(4, 0, 13, '4f46', 'ff')], session: true, reason: 'bad-version' },
  // unknown-type
  { name: 'type 0', stream: [header(0, 0, 0)], reason: 'unknown-type', offset: 3 },
  { name: 'type 11', stream: [hex('4f46010b')], reason: 'unknown-type', offset: 3 },
  { name: 'type 255 in session', stream: [header(255, 0, 0)], session: true, reason: 'unknown-type' },
  { name: 'decodeMessage of type 11', body: [11, Buffer.alloc(0)], reason: 'unknown-type' },
  // unexpected-type
  { name: 'HEARTBEAT before the handshake', stream: [header(4, 0, 13)], reason: 'unexpected-type', offset: 3 },
  { name: 'UPDATE before the handshake', stream: [hex('4f460105')], reason: 'unexpected-type', offset: 3 },
  { name: 'HELLO after the session started', stream: [handshakeFrames()[0]!], session: true, reason: 'unexpected-type', offset: 3 },
  { name: 'AUTH after the session started', stream: [header(3, 0, 32)], session: true, reason: 'unexpected-type' },
  // oversized: refused from the header alone, before the body arrives.
  { name: 'UPDATE of 4 MiB + 1 (header only pushed)', stream: [header(5, 0, MAX_BODY_BYTES + 1)], session: true, reason: 'oversized', offset: 8 },
  { name: 'RESYNC-PAGE of 0xffffffff bytes', stream: [header(8, 0, 0xffffffff)], session: true, reason: 'oversized', offset: 8 },
  { name: 'HELLO longer than any HELLO (589 bytes) before authentication', stream: [header(1, 0, 589)], reason: 'oversized', offset: 8 },
  { name: 'AUTH of 33 bytes', stream: [header(3, 0, 33)], reason: 'oversized' },
  { name: 'HEARTBEAT of 14 bytes', stream: [header(4, 0, 14)], session: true, reason: 'oversized' },
  { name: 'more than one frame after AUTH before startSession', stream: [Buffer.concat(handshakeFrames()), Buffer.alloc(MAX_BODY_BYTES + 29, 0x4f)], reason: 'oversized' },
  // bad-sequence
  { name: 'a first frame numbered 1', stream: [encodeFrame({ ...encodeMessage(sampleMessages()[0]!), sequence: 1 })], reason: 'bad-sequence', offset: 4 },
  { name: 'a repeated sequence number', stream: [...sessionFrames([HB]), ...sessionFrames([HB])], session: true, reason: 'bad-sequence', offset: 41 + 4 },
  { name: 'a skipped sequence number', stream: [...sessionFrames([HB]), ...sessionFrames([HB], SESSION_KEY, 2)], session: true, reason: 'bad-sequence' },
  { name: 'session frames numbered on from the handshake', stream: [...sessionFrames([HB], SESSION_KEY, 2)], session: true, reason: 'bad-sequence' },
  // bad-mac
  { name: 'a MAC made with another key', stream: sessionFrames([HB], bytes(32, 0x11)), session: true, reason: 'bad-mac', offset: 12 + 13 },
  { name: 'a zeroed MAC', stream: [patch(sessionFrames([HB])[0]!, 25, '00'.repeat(16))], session: true, reason: 'bad-mac' },
  { name: 'a changed body byte', stream: [patch(sessionFrames([HB])[0]!, 12, '07')], session: true, reason: 'bad-mac' },
  // truncated: the stream ends inside a frame, or a body inside a field.
  { name: 'the stream ends inside a header', stream: [hex('4f4601')], reason: 'truncated', offset: 3 },
  { name: 'the stream ends inside a body', stream: [handshakeFrames()[0]!.subarray(0, 40)], reason: 'truncated', offset: 40 },
  { name: 'the stream ends inside a MAC', stream: [sessionFrames([HB])[0]!.subarray(0, 35)], session: true, reason: 'truncated' },
  { name: 'empty HEARTBEAT body', body: [4, Buffer.alloc(0)], reason: 'truncated', offset: 0 },
  { name: 'HEARTBEAT of 12 bytes', body: [4, body(HB).subarray(0, 12)], reason: 'truncated', offset: 9 },
  { name: 'HEARTBEAT cut inside its clock', body: [4, body(HB).subarray(0, 5)], reason: 'truncated', offset: 1 },
  { name: 'AUTH with a 31-byte proof', body: [3, bytes(31, 1)], reason: 'truncated' },
  { name: 'HELLO cut inside its nonce', body: [1, body(sampleMessages()[0]!).subarray(0, -1)], reason: 'truncated' },
  { name: 'UPDATE with no count', body: [5, hex('00000001')], reason: 'truncated', offset: 4 },
  { name: 'RESYNC-REQUEST of 9 bytes', body: [7, Buffer.alloc(9)], reason: 'truncated' },
  { name: 'STATE-COMMAND without its token', body: [9, hex('01')], reason: 'truncated' },
  // trailing-bytes
  { name: 'HEARTBEAT with a 14th byte', body: [4, Buffer.concat([body(HB), hex('00')])], reason: 'trailing-bytes', offset: 13 },
  { name: 'UPDATE with a byte after its last lease', body: [5, Buffer.concat([UPDATE1, hex('00')])], reason: 'trailing-bytes', offset: UPDATE1.length },
  { name: 'UPDATE of count 0 with a lease after it', body: [5, patch(UPDATE1, 4, '0000')], reason: 'trailing-bytes', offset: 6 },
  { name: 'BYE with bytes after its text', body: [10, Buffer.concat([BYE, hex('0000')])], reason: 'trailing-bytes' },
  { name: 'RESYNC-REQUEST of 11 bytes', body: [7, Buffer.alloc(11)], reason: 'trailing-bytes', offset: 10 },
  // bad-count: checked before any entry is read.
  { name: 'UPDATE count 2 with one lease', body: [5, patch(UPDATE1, 4, '0002')], reason: 'bad-count', offset: 4 },
  { name: 'UPDATE count 65535 in a 6-byte body', body: [5, hex('00000001 ffff')], reason: 'bad-count', offset: 4 },
  { name: 'RESYNC-PAGE count 1 and no lease', body: [8, hex('00000007 01 00000000 0001')], reason: 'bad-count', offset: 9 },
  { name: 'UPDATE-ACK count 1 with 43 bytes (an entry takes at least 5 + 39)', body: [6, Buffer.concat([hex('00000001 0001'), Buffer.alloc(43)])], reason: 'bad-count', offset: 4 },
  // string-overrun
  { name: 'BYE text of 10 bytes with 3 left', body: [10, hex('01 000a 616263')], reason: 'string-overrun', offset: 1 },
  { name: 'BYE text length 255 with none left', body: [10, hex('01 00ff')], reason: 'string-overrun' },
  { name: 'HELLO relationship past the end', body: [1, hex('0010 6162')], reason: 'string-overrun', offset: 0 },
  { name: 'lease clientKey past the end', body: [5, patch(UPDATE1, 39, '00ff')], reason: 'string-overrun', offset: 39 },
  { name: 'lease hostname length past the end', body: [5, Buffer.concat([UPDATE1.subarray(0, -2), hex('0001')])], reason: 'string-overrun' },
  // bad-string
  { name: 'a 256-byte string', body: [10, Buffer.concat([hex('01 0100'), Buffer.alloc(256, 0x61)])], reason: 'bad-string', offset: 1 },
  { name: 'a 65535-byte string', body: [10, Buffer.concat([hex('01 ffff'), Buffer.alloc(65535, 0x61)])], reason: 'bad-string' },
  { name: 'byte 0xff (never UTF-8)', body: [10, hex('01 0003 61ff62')], reason: 'bad-string', offset: 3 },
  { name: 'an overlong NUL (c0 80)', body: [10, hex('01 0002 c080')], reason: 'bad-string' },
  { name: 'an encoded UTF-16 surrogate (ed a0 80)', body: [10, hex('01 0003 eda080')], reason: 'bad-string' },
  { name: 'a multi-byte character cut by the length (e2 82)', body: [10, hex('01 0002 e282')], reason: 'bad-string' },
  { name: 'a lease hwAddress in Latin-1', body: [5, patch(UPDATE1, 39 + 2 + 17 + 2, 'e9')], reason: 'bad-string' },
  // bad-enum
  { name: 'lease state 0', body: [5, patch(UPDATE1, 14, '00')], reason: 'bad-enum', offset: 14 },
  { name: 'lease state 5', body: [5, patch(UPDATE1, 14, '05')], reason: 'bad-enum', offset: 14 },
  { name: 'HEARTBEAT state 9', body: [4, patch(body(HB), 0, '09')], reason: 'bad-enum', offset: 0 },
  { name: 'HEARTBEAT state 0', body: [4, patch(body(HB), 0, '00')], reason: 'bad-enum' },
  { name: 'HELLO role 4', body: [1, patch(body(sampleMessages()[0]!), 18, '04')], reason: 'bad-enum', offset: 18 },
  { name: 'HELLO mode 3 (split-scope has no partner traffic)', body: [1, patch(body(sampleMessages()[0]!), 19, '03')], reason: 'bad-enum', offset: 19 },
  { name: 'HELLO-REPLY result 0', body: [2, patch(body(sampleMessages()[3]!), 0, '00')], reason: 'bad-enum', offset: 0 },
  { name: 'STATE-COMMAND 5', body: [9, hex('05 00000001')], reason: 'bad-enum' },
  { name: 'BYE reason 0', body: [10, hex('00 0000')], reason: 'bad-enum' },
  { name: 'UPDATE-ACK reject reason 4', body: [6, patch(body({ kind: 'update-ack', batch: 1, rejected: [{ address: 1, reason: 'newer', lease: LEASE }] }), 10, '04')], reason: 'bad-enum', offset: 10 },
  { name: 'RESYNC-PAGE last flag 2', body: [8, hex('00000007 02 00000000 0000')], reason: 'bad-enum', offset: 4 },
  // bad-time
  { name: 'lease started at 2^53', body: [5, patch(UPDATE1, 15, '0020000000000000')], reason: 'bad-time', offset: 15 },
  { name: 'lease expires at 2^64 − 1', body: [5, patch(UPDATE1, 23, 'ffffffffffffffff')], reason: 'bad-time', offset: 23 },
  { name: 'lease partnerExpiry at 2^63', body: [5, patch(UPDATE1, 31, '8000000000000000')], reason: 'bad-time', offset: 31 },
  { name: 'HEARTBEAT clock at 2^53', body: [4, patch(body(HB), 1, '0020000000000000')], reason: 'bad-time', offset: 1 },
];

test('the bases the cases break are valid', () => {
  assert.deepEqual(decodeMessage(5, UPDATE1), { kind: 'update', batch: 1, leases: [LEASE] });
  assert.equal(decodeMessage(4, patch(body(HB), 1, '001fffffffffffff')).kind, 'heartbeat', 'Number.MAX_SAFE_INTEGER is a valid time');
  assert.equal(decodeMessage(10, Buffer.concat([hex('01 00ff'), Buffer.alloc(255, 0x61)])).kind, 'bye', 'a 255-byte string is valid');
  assert.deepEqual(decodeMessage(10, hex('01 0007 e282ac f09f938e')), { kind: 'bye', reason: 'shutdown', text: '€\u{1f4ce}' }, 'multi-byte UTF-8 is valid');
});

function run(c: Case): unknown {
  try {
    if (c.body) {
      decodeMessage(...c.body);
    } else {
      const reader = new FrameReader();
      if (c.session === true) reader.startSession(SESSION_KEY);
      for (const part of c.stream ?? []) reader.push(part);
      reader.finish();
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

for (const c of CASES) {
  test(`refused with ${c.reason}: ${c.name}`, () => {
    const caught = run(c);
    assert.ok(caught instanceof WireDecodeError, `expected a WireDecodeError, got ${String(caught)}`);
    assert.equal(caught.reason, c.reason, caught.message);
    assert.ok(Number.isInteger(caught.offset) && caught.offset >= 0, 'an offset');
    if (c.offset !== undefined) assert.equal(caught.offset, c.offset, caught.message);
    assert.match(caught.message, new RegExp(`^${c.reason} at byte \\d+: .+`));
  });
}

test('header checks need no body: an oversized UPDATE is refused on its 12th byte, having buffered 11', () => {
  const reader = new FrameReader();
  reader.startSession(SESSION_KEY);
  const h = header(5, 0, MAX_BODY_BYTES + 1);
  assert.deepEqual(reader.push(h.subarray(0, 11)), []);
  assert.equal(reader.buffered, 11);
  assert.throws(() => reader.push(h.subarray(11)), (e: unknown) => e instanceof WireDecodeError && e.reason === 'oversized');
  assert.equal(reader.buffered, 0, 'a failed reader lets go of its bytes');
  assert.throws(() => reader.push(Buffer.alloc(0)), (e: unknown) => e instanceof WireDecodeError && e.reason === 'oversized', 'and keeps refusing');
  assert.throws(() => reader.finish(), (e: unknown) => e instanceof WireDecodeError && e.reason === 'oversized');
});

test('a valid frame with a bad body passes the reader and is refused by decodeMessage', () => {
  const reader = new FrameReader();
  reader.startSession(SESSION_KEY);
  const frame = encodeFrame({ type: 5, sequence: 0, body: patch(UPDATE1, 14, '09') }, SESSION_KEY);
  const [f] = reader.push(frame);
  assert.throws(() => decodeMessage(f!.type, f!.body), (e: unknown) => e instanceof WireDecodeError && e.reason === 'bad-enum' && e.offset === 14);
});

test('every failover decode reason (and the three shared ones) is exercised by a hostile case above', () => {
  const used = new Set(CASES.map((c) => c.reason));
  assert.deepEqual(FAILOVER_REASONS.filter((r) => !used.has(r)), []);
  assert.deepEqual([...used].filter((r) => !FAILOVER_REASONS.includes(r)), [], 'no datagram-only reason is thrown');
});

test('docs/wire-failover.md documents every reason the failover codec throws with the registry\'s wording', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'wire-failover.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const r of FAILOVER_REASONS) assert.equal(rows.get(r), WIRE_DECODE_REASONS[r], `decode reason ${r}`);
  for (const r of ['bad-value', 'too-long', 'too-large'] as const) assert.equal(rows.get(r), WIRE_ENCODE_REASONS[r], `encode reason ${r}`);
});

// Fuzz runs of the failover codec with a seeded PRNG (repeatable from the seed):
// mutated streams and mutated bodies go through FrameReader (in random chunks) and
// decodeMessage. Each must be refused with a WireDecodeError carrying a reason of
// the failover codec, or decode to messages that re-encode to the very same body.
// Never another exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FAILOVER_DECODE_REASONS, FrameReader, WireDecodeError, decodeMessage, encodeFrame, encodeMessage, type FailoverMessage, type Frame, type WireDecodeReason,
} from '../../src/wire/failover/index.js';
import { SESSION_KEY, lease, sampleMessages } from '../support/failover-fixture.js';
import { seededRandom } from '../support/random.js';

const STREAM_MUTATIONS = 60_000;
const BODY_MUTATIONS = 60_000;
const REASONS = new Set<string>([...Object.keys(FAILOVER_DECODE_REASONS), 'truncated', 'oversized', 'bad-magic']);
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x1f, 0x20, 0x3f, 0x40, 0x4f, 0x46, 0x7f, 0x80, 0xc0, 0xe2, 0xed, 0xf0, 0xfe, 0xff];

/** Messages small enough to mutate many times (the 5000-lease samples are left out), plus a 20-lease UPDATE. */
function seeds(): FailoverMessage[] {
  return [
    ...sampleMessages().filter((m) => encodeMessage(m).body.length < 4000),
    { kind: 'update', batch: 5, leases: Array.from({ length: 20 }, (_, i) => lease(i)) },
  ];
}
const HANDSHAKE = new Set(['hello', 'hello-reply', 'auth']);

function mutate(input: Buffer, rnd: () => number, headerBias: boolean): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  let b = Buffer.from(input);
  for (let e = 1 + int(3); e > 0; e--) {
    const at = headerBias && rnd() < 0.5 ? int(Math.min(12, b.length + 1)) : int(b.length + 1);
    switch (int(9)) {
      case 0:
        if (at < b.length) b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1:
        if (at < b.length) b[at] = int(256);
        break;
      case 2:
        if (at < b.length) b[at] = pick(INTERESTING);
        break;
      case 3:
        b = b.subarray(0, int(b.length + 1));
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(6) }, () => pick(INTERESTING))), b.subarray(at)]);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
        break;
      case 6: {
        // A u16 length or count set to an edge.
        if (at + 2 <= b.length) b.writeUInt16BE(pick([0, 1, 2, 0xfe, 0xff, 0x100, 0x101, 0x7fff, 0xffff]), at);
        break;
      }
      case 7: {
        // A u64 time set to an edge of Number.MAX_SAFE_INTEGER.
        if (at + 8 <= b.length) b.set(Buffer.from(pick(['001fffffffffffff', '0020000000000000', 'ffffffffffffffff', '0000000000000000']), 'hex'), at);
        break;
      }
      default: {
        const from = int(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + int(40)), b.subarray(at)]);
        break;
      }
    }
  }
  return b;
}

function chunked(data: Buffer, rnd: () => number): Buffer[] {
  const parts: Buffer[] = [];
  const max = rnd() < 0.2 ? 1 : 1 + Math.floor(rnd() * 64);
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(rnd() * max);
    parts.push(data.subarray(i, i + n));
    i += n;
  }
  return parts;
}

interface Tally {
  accepted: number;
  reasons: Map<string, number>;
}

/** Reads a stream in chunks and decodes every frame: either all pass and re-encode exactly, or one WireDecodeError. */
function consume(stream: Buffer, session: boolean, rnd: () => number, tally: Tally, what: string): void {
  const reader = new FrameReader();
  if (session) reader.startSession(SESSION_KEY);
  try {
    const frames: Frame[] = [];
    for (const part of chunked(stream, rnd)) {
      frames.push(...reader.push(part));
      if (reader.awaitingSession) frames.push(...reader.startSession(SESSION_KEY));
    }
    reader.finish();
    for (const f of frames) {
      const msg = decodeMessage(f.type, f.body);
      const again = encodeMessage(msg);
      if (again.type !== f.type || !again.body.equals(f.body)) assert.fail(`${what}: ${msg.kind} re-encodes differently\ninput: ${stream.toString('hex')}`);
    }
    tally.accepted++;
  } catch (err) {
    if (!(err instanceof WireDecodeError) || !REASONS.has(err.reason) || !Number.isInteger(err.offset) || err.offset < 0) {
      assert.fail(`${what}: not a failover WireDecodeError\ninput: ${stream.toString('hex')}\n${err instanceof Error ? err.stack : String(err)}`);
    }
    tally.reasons.set(err.reason, (tally.reasons.get(err.reason) ?? 0) + 1);
  }
}

const summary = (t: Tally, n: number) => `${t.accepted} accepted, ${n - t.accepted} refused (${[...t.reasons.entries()].sort((a, b) => b[1] - a[1]).map(([r, k]) => `${r} ${k}`).join(', ')})`;

test(`${STREAM_MUTATIONS} mutated streams (handshake and MAC'd frames) through FrameReader + decodeMessage: only WireDecodeError`, () => {
  const rnd = seededRandom(0xf417);
  const messages = seeds();
  const handshake = messages.filter((m) => HANDSHAKE.has(m.kind));
  const session = messages.filter((m) => !HANDSHAKE.has(m.kind));
  const tally: Tally = { accepted: 0, reasons: new Map() };
  for (let i = 0; i < STREAM_MUTATIONS; i++) {
    let stream: Buffer;
    let inSession: boolean;
    if (i % 3 === 0) {
      // HELLO, AUTH and the first session frames, as one stream.
      const hello = handshake[Math.floor(rnd() * handshake.length)]!;
      const m = session[Math.floor(rnd() * session.length)]!;
      stream = Buffer.concat([
        encodeFrame({ ...encodeMessage(hello), sequence: 0 }),
        encodeFrame({ ...encodeMessage({ kind: 'auth', proof: Buffer.alloc(32, 4) }), sequence: 1 }),
        encodeFrame({ ...encodeMessage(m), sequence: 0 }, SESSION_KEY),
      ]);
      inSession = false;
    } else {
      const picks = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => session[Math.floor(rnd() * session.length)]!);
      stream = Buffer.concat(picks.map((m, k) => encodeFrame({ ...encodeMessage(m), sequence: k }, SESSION_KEY)));
      inSession = true;
    }
    consume(mutate(stream, rnd, true), inSession, rnd, tally, `stream ${i}`);
  }
  console.log(`failover stream fuzz: ${summary(tally, STREAM_MUTATIONS)}`);
  assert.ok(tally.reasons.size >= 8, `only ${tally.reasons.size} distinct reasons`);
});

test(`${BODY_MUTATIONS} mutated bodies, correctly framed and MAC'd, through FrameReader + decodeMessage: only WireDecodeError, accepted ones re-encode exactly`, () => {
  const rnd = seededRandom(0xb0d7);
  const messages = seeds();
  const tally: Tally = { accepted: 0, reasons: new Map() };
  for (let i = 0; i < BODY_MUTATIONS; i++) {
    const m = messages[Math.floor(rnd() * messages.length)]!;
    const { type: original, body } = encodeMessage(m);
    // Now and then a body read as another kind.
    const type = rnd() < 0.1 ? 1 + Math.floor(rnd() * 10) : original;
    const mutated = mutate(body, rnd, false);
    const handshake = type <= 3;
    let frame: Buffer;
    try {
      frame = encodeFrame({ type, sequence: 0, body: mutated }, handshake ? undefined : SESSION_KEY);
    } catch (err) {
      assert.fail(`body ${i}: encodeFrame refused a body of ${mutated.length} bytes: ${String(err)}`);
    }
    consume(frame, !handshake, rnd, tally, `body ${i}`);
  }
  console.log(`failover body fuzz: ${summary(tally, BODY_MUTATIONS)}`);
  assert.ok(tally.accepted > BODY_MUTATIONS / 20, `only ${tally.accepted} mutated bodies decoded`);
  const want: WireDecodeReason[] = ['truncated', 'trailing-bytes', 'bad-count', 'string-overrun', 'bad-string', 'bad-enum', 'bad-time'];
  assert.deepEqual(want.filter((r) => !tally.reasons.has(r)), [], 'every body reason turns up');
});

// The ICMP echo codec (ping before offer): captured packets, round trip, the RFC 1071
// checksum, hostile input, and a fuzz run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, WireDecodeError, WireEncodeError, icmpEcho, internetChecksum } from '../../src/wire/icmp4/index.js';
import { seededRandom } from '../support/random.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Captured with tcpdump on lo (2026-11-22): `busybox ping -c 1 127.0.0.1` (BusyBox
// v1.35.0, Debian 12) and the Linux 6.18 kernel's reply; the ICMP part of each frame.
const CAPTURES = {
  'busybox-ping-request': hex('080045c85cba0000c32d924f' + '00'.repeat(52)),
  'linux-kernel-reply': hex('00004dc85cba0000c32d924f' + '00'.repeat(52)),
};

test('captured echo request and reply decode, carry a valid checksum and re-encode byte for byte', () => {
  const request = icmpEcho.decode(CAPTURES['busybox-ping-request']);
  const reply = icmpEcho.decode(CAPTURES['linux-kernel-reply']);
  assert.deepEqual([request.type, request.code, request.identifier, request.sequence, request.payload.length], [ICMP_ECHO_REQUEST, 0, 23738, 0, 56]);
  assert.deepEqual([reply.type, reply.identifier, reply.sequence], [ICMP_ECHO_REPLY, 23738, 0]);
  assert.deepEqual(reply.payload, request.payload, 'the kernel echoes the payload');
  for (const [name, bytes] of Object.entries(CAPTURES)) {
    assert.equal(internetChecksum(bytes), 0, `${name}: a message with its checksum in place sums to 0`);
    assert.deepEqual(icmpEcho.encode(icmpEcho.decode(bytes)), bytes, name);
    assert.equal(icmpEcho.encodingLength(icmpEcho.decode(bytes)), bytes.length);
  }
});

test('internetChecksum: the RFC 1071 §3 example and an odd length', () => {
  // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 has the one's complement sum 0xddf2, so the checksum 0x220d.
  assert.equal(internetChecksum(hex('0001f203f4f5f6f7')), 0x220d);
  assert.equal(internetChecksum(hex('01')), ~0x0100 & 0xffff, 'an odd last byte is padded with a zero byte');
  assert.equal(internetChecksum(Buffer.alloc(0)), 0xffff);
});

test('encode writes type, identifier, sequence and payload with a checksum that verifies', () => {
  const m = { type: ICMP_ECHO_REQUEST, code: 0, identifier: 0xbeef, sequence: 65535, payload: Buffer.from('outpost!') };
  const bytes = icmpEcho.encode(m);
  assert.equal(bytes.length, 16);
  assert.equal(internetChecksum(bytes), 0);
  assert.deepEqual(icmpEcho.decode(bytes), m);
});

test('hostile input: shorter than the header is truncated; bad values refuse to encode', () => {
  for (const length of [0, 1, 7]) {
    assert.throws(() => icmpEcho.decode(Buffer.alloc(length)), (e: unknown) => e instanceof WireDecodeError && e.reason === 'truncated' && e.offset === length);
  }
  assert.deepEqual(icmpEcho.decode(Buffer.alloc(8)).payload.length, 0, 'a bare header is a valid echo');
  const base = { type: 8, code: 0, identifier: 1, sequence: 1, payload: Buffer.alloc(0) };
  for (const bad of [{ type: 256 }, { code: -1 }, { identifier: 0x10000 }, { sequence: 1.5 }]) {
    assert.throws(() => icmpEcho.encode({ ...base, ...bad }), (e: unknown) => e instanceof WireEncodeError && e.reason === 'bad-value', JSON.stringify(bad));
  }
  assert.throws(() => icmpEcho.encode({ ...base, payload: Buffer.alloc(65508) }), (e: unknown) => e instanceof WireEncodeError && e.reason === 'too-long');
});

test('fuzz: 100k mutated captures and random datagrams decode or throw WireDecodeError, and decodes re-encode to their input', () => {
  const random = seededRandom(0x1c3b);
  const seeds = Object.values(CAPTURES);
  for (let i = 0; i < 100_000; i++) {
    let data: Buffer;
    if (i % 4 === 0) {
      data = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
    } else {
      data = Buffer.from(seeds[i % seeds.length]!.subarray(0, Math.floor(random() * 70)));
      for (let k = Math.floor(random() * 4); k > 0 && data.length > 0; k--) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
    }
    let decoded;
    try {
      decoded = icmpEcho.decode(data);
    } catch (error) {
      assert.ok(error instanceof WireDecodeError, `datagram ${i}: ${String(error)}`);
      continue;
    }
    // The checksum is not checked on decode (see echo.ts): compare all but its two bytes.
    const again = icmpEcho.encode(decoded);
    assert.deepEqual([again.subarray(0, 2), again.subarray(4)], [data.subarray(0, 2), data.subarray(4)], `datagram ${i}`);
  }
});

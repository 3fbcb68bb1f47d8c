// Fuzz runs of the DNS codec with a seeded PRNG (repeatable from the seed): mutated
// captures and synthetic messages must decode — and then re-encode to a message that
// decodes equal — or be refused with a WireDecodeError carrying a registered reason.
// Never another exception. Random messages must survive encode → decode, with and
// without compression, and a size-limited encode of each must stay within its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RRType, WIRE_DECODE_REASONS, WireDecodeError, decodeMessage, encodeMessage, encodeResponse, type DnsMessage, type Edns, type RData,
  type ResourceRecord,
} from '../../src/wire/dns/index.js';
import { dnsFixtures, everyType, message, rr, sameValue } from '../support/dns-fixture.js';
import { mutateBytes } from '../support/byte-mutate.js';
import { seededRandom } from '../support/random.js';

const MUTATIONS = 200_000;
const RANDOM_MESSAGES = 10_000;
const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 0x0c, 0x10, 0x1c, 0x21, 0x29, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xfa, 0xfe, 0xff];

function synthetic(): Buffer[] {
  const tsig = rr('tsig-key.example.', RRType.TSIG, { algorithm: 'hmac-sha256.', timeSigned: 1764547200, fudge: 300, mac: Buffer.alloc(32, 7), originalId: 1, error: 0, other: Buffer.alloc(6) }, 0, 255);
  const edns: Edns = { udpSize: 1232, version: 0, do: true, z: 0, options: [{ code: 10, data: Buffer.alloc(24, 3) }, { code: 9, data: Buffer.alloc(4) }, { code: 3, data: Buffer.from('nsid') }] };
  const q = { name: 'example.com.', type: 255, class: 1 };
  return [
    encodeMessage(message({ flags: { qr: true, aa: true }, questions: [q], answers: everyType(), additionals: [tsig], edns })),
    encodeMessage(message({ questions: [q], authorities: everyType(), edns }), { compress: false }),
    encodeMessage(message({ flags: { opcode: 5 }, questions: [{ name: 'example.com.', type: 6, class: 1 }], answers: [rr('a.example.com.', 1, { opaque: Buffer.alloc(0) }, 0, 255)], authorities: [rr('a.example.com.', 28, { opaque: Buffer.alloc(0) }, 0, 254)] })),
  ];
}

/** The generic byte edits, and DNS's own: a compression pointer, a header count, a 16-bit field nudged, an interesting type code. */
function mutate(input: Buffer, rnd: () => number): Buffer {
  const field = (b: Buffer, at: number) => Math.min(at, b.length - 2);
  return mutateBytes(input, rnd, {
    interesting: INTERESTING, maxEdits: 3, maxInsert: 6, maxDelete: 12, maxSplice: 40,
    extra: [
      (b, at, { int }) => { if (b.length > 2) b.writeUInt16BE(0xc000 | int(Math.min(b.length + 4, 0x3fff)), field(b, at)); return b; },
      (b, _at, { int, rnd: r }) => { if (b.length >= 12) b.writeUInt16BE(r() < 0.7 ? int(4) : int(65536), 4 + 2 * int(4)); return b; },
      (b, at, { pick }) => { if (b.length > 2) b.writeUInt16BE((b.readUInt16BE(field(b, at)) + pick([1, -1, 2, 255, 256])) & 0xffff, field(b, at)); return b; },
      (b, at, { pick }) => { if (b.length > 2) b.writeUInt16BE(pick([41, 250, 257, 39, 33, 35, 16, 6, 28, 2, 46, 255, 254]), field(b, at)); return b; },
    ],
  });
}

function fail(what: string, input: Buffer, err: unknown): never {
  assert.fail(`${what}\ninput: ${input.toString('hex')}\n${err instanceof Error ? err.stack : String(err)}`);
}

test(`${MUTATIONS} mutated messages: a WireDecodeError with a registered reason, or a message that re-encodes to an equal one`, () => {
  const rnd = seededRandom(0xd45c0dec);
  const captures = dnsFixtures().map((f) => f.bytes);
  const small = [...captures.filter((b) => b.length < 1024), ...synthetic()];
  const large = captures.filter((b) => b.length >= 1024);
  const reasons = new Map<string, number>();
  let accepted = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const seed = rnd() < 0.02 ? large[Math.floor(rnd() * large.length)]! : small[Math.floor(rnd() * small.length)]!;
    const input = mutate(seed, rnd);
    let msg: DnsMessage;
    try {
      msg = decodeMessage(input);
    } catch (err) {
      if (!(err instanceof WireDecodeError) || !(err.reason in WIRE_DECODE_REASONS) || !Number.isInteger(err.offset) || err.offset < 0) fail(`mutation ${i}: not a WireDecodeError`, input, err);
      reasons.set(err.reason, (reasons.get(err.reason) ?? 0) + 1);
      continue;
    }
    accepted++;
    try {
      const again = decodeMessage(encodeMessage(msg, { compress: (i & 1) === 0 }));
      if (!sameValue(msg, again)) fail(`mutation ${i}: re-encoded message differs`, input, null);
    } catch (err) {
      fail(`mutation ${i}: a decoded message failed to re-encode`, input, err);
    }
  }
  const summary = [...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  console.log(`dns fuzz: ${accepted} accepted, ${MUTATIONS - accepted} refused (${summary})`);
  assert.ok(accepted > MUTATIONS / 10, `only ${accepted} mutations decoded`);
  assert.ok(MUTATIONS - accepted > MUTATIONS / 10, 'mutations should often break the message');
  assert.ok(reasons.size >= 12, `only ${reasons.size} distinct reasons: ${summary}`);
});

/** A byte as presentation text writes it (src/wire/dns-name.ts nameToText), so decoded text equals it. */
function canonicalByte(v: number): string {
  if (v === 0x2e || v === 0x5c) return `\\${String.fromCharCode(v)}`;
  if (v >= 0x21 && v <= 0x7e) return String.fromCharCode(v);
  return `\\${String(v).padStart(3, '0')}`;
}

/** A random name: mostly letters of mixed case, sometimes any byte, sometimes a shared suffix. */
function randomName(rnd: () => number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  if (rnd() < 0.05) return '.';
  const labels: string[] = [];
  const n = 1 + int(4);
  for (let i = 0; i < n; i++) {
    let l = '';
    const len = i === 0 && rnd() < 0.05 ? 63 : 1 + int(10);
    for (let j = 0; j < len; j++) {
      const r = rnd();
      l += r < 0.85 ? String.fromCharCode((rnd() < 0.3 ? 0x41 : 0x61) + int(26)) : r < 0.9 ? String(int(10)) : canonicalByte(int(256));
    }
    labels.push(l);
  }
  const suffix = ['example.com.', 'Example.COM.', 'example.net.', 'test.', 'example.'][int(5)]!;
  return `${labels.join('.')}.${suffix}`;
}

function randomRecord(rnd: () => number, tsigOk: boolean): ResourceRecord {
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (max: number) => Buffer.from(Array.from({ length: int(max + 1) }, () => int(256)));
  const name = () => randomName(rnd);
  const types = [1, 2, 5, 6, 12, 13, 15, 16, 28, 33, 35, 39, 257, 46, 48, 65280, ...(tsigOk ? [250] : [])];
  const type = types[int(types.length)]!;
  const u16 = () => int(65536);
  const u32 = () => int(2 ** 32);
  const dataOf: Record<number, () => RData> = {
    1: () => ({ address: `${['192.0.2', '198.51.100', '203.0.113'][int(3)]!}.${int(256)}` }),
    2: () => ({ host: name() }),
    5: () => ({ target: name() }),
    6: () => ({ mname: name(), rname: name(), serial: u32(), refresh: u32(), retry: u32(), expire: u32(), minimum: u32() }),
    12: () => ({ host: name() }),
    13: () => ({ cpu: bytes(20), os: bytes(20) }),
    15: () => ({ preference: u16(), exchange: name() }),
    16: () => ({ strings: Array.from({ length: 1 + int(3) }, () => bytes(rnd() < 0.05 ? 255 : 20)) }),
    28: () => ({ address: `2001:db8:${Array.from({ length: 6 }, () => (rnd() < 0.4 ? 0 : int(65536)).toString(16)).join(':')}` }),
    33: () => ({ priority: u16(), weight: u16(), port: u16(), target: name() }),
    35: () => ({ order: u16(), preference: u16(), flags: bytes(2), services: bytes(10), regexp: bytes(20), replacement: name() }),
    39: () => ({ target: name() }),
    257: () => ({ flags: int(256), tag: ['issue', 'issuewild', 'iodef', 'Tag0'][int(4)]!, value: bytes(30) }),
    250: () => ({ algorithm: name(), timeSigned: int(2 ** 48), fudge: u16(), mac: bytes(32), originalId: u16(), error: u16(), other: bytes(6) }),
  };
  const data = dataOf[type]?.() ?? { opaque: bytes(40) };
  return { name: name(), type, class: [1, 3, 255, 254][int(4)]!, ttl: u32(), data };
}

function randomMessage(rnd: () => number): DnsMessage {
  const int = (n: number) => Math.floor(rnd() * n);
  const list = (n: number, tsig = false) => Array.from({ length: int(n) }, () => randomRecord(rnd, tsig));
  const edns: Edns | undefined = rnd() < 0.6 ? {
    udpSize: int(65536), version: int(256), do: rnd() < 0.5, z: int(0x8000),
    options: Array.from({ length: int(3) }, () => {
      const code = [3, 8, 9, 10, 12, 65001][int(6)]!;
      const len = code === 10 ? [8, 16, 40][int(3)]! : code === 9 ? [0, 4][int(2)]! : int(20);
      return { code, data: Buffer.alloc(len, int(256)) };
    }),
  } : undefined;
  const additionals = list(4);
  if (rnd() < 0.2) additionals.push({ ...randomRecord(rnd, true), type: 250, data: { algorithm: 'hmac-sha256.', timeSigned: int(2 ** 48), fudge: 300, mac: Buffer.alloc(int(64), 1), originalId: int(65536), error: int(65536), other: Buffer.alloc(0) } });
  return {
    id: int(65536),
    flags: { qr: rnd() < 0.5, opcode: int(16), aa: rnd() < 0.5, tc: rnd() < 0.5, rd: rnd() < 0.5, ra: rnd() < 0.5, z: rnd() < 0.5, ad: rnd() < 0.5, cd: rnd() < 0.5 },
    rcode: edns === undefined ? int(16) : int(4096),
    questions: Array.from({ length: int(3) }, () => ({ name: randomName(rnd), type: int(65536), class: int(65536) })),
    answers: list(6),
    authorities: list(4),
    additionals,
    ...(edns === undefined ? {} : { edns }),
  };
}

test(`${RANDOM_MESSAGES} random messages: encode → decode gives the same message, with and without compression; size-limited encodes fit`, () => {
  const rnd = seededRandom(0x5eed5);
  for (let i = 0; i < RANDOM_MESSAGES; i++) {
    const m = randomMessage(rnd);
    const msg = m;
    let wire: Buffer;
    try {
      wire = encodeMessage(msg, { compress: (i & 1) === 0 });
    } catch (err) {
      fail(`random message ${i}: encode`, Buffer.alloc(0), err);
    }
    let back: DnsMessage;
    try {
      back = decodeMessage(wire);
    } catch (err) {
      fail(`random message ${i}: decode`, wire, err);
    }
    const canonical = decodeMessage(encodeMessage(back));
    if (!sameValue(back, canonical)) fail(`random message ${i}: second round trip differs`, wire, null);
    if (!sameWithoutAaaaText(msg, back)) fail(`random message ${i}: decoded differs from the original`, wire, null);
    const limit = 12 + Math.floor(rnd() * wire.length * 1.2);
    try {
      const limited = encodeResponse(msg, limit);
      if (limited.length > limit) fail(`random message ${i}: limited to ${limit}, got ${limited.length}`, wire, null);
      decodeMessage(limited);
    } catch (err) {
      if (!(err instanceof Error && /too-large/.test(err.message))) fail(`random message ${i}: encodeResponse(${limit})`, wire, err);
    }
  }
});

/** Equal but for AAAA text, which decode writes in RFC 5952 form. */
function sameWithoutAaaaText(a: DnsMessage, b: DnsMessage): boolean {
  const strip = (m: DnsMessage): DnsMessage => ({
    ...m,
    answers: m.answers.map(noAaaa),
    authorities: m.authorities.map(noAaaa),
    additionals: m.additionals.map(noAaaa),
  });
  return sameValue(strip(a), strip(b));
}

function noAaaa(r: ResourceRecord): ResourceRecord {
  return r.type === RRType.AAAA && !('opaque' in r.data) ? { ...r, data: { address: '' } } : r;
}

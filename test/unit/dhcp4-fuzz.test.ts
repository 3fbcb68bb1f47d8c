// Fuzz runs of the DHCPv4 codec with a seeded PRNG (repeatable from the seed):
// mutated captures and synthetic packets must decode — and then re-encode to the
// same message — or be refused with a WireDecodeError carrying a registered
// reason. Never another exception. The typed option codecs get random data too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DHCP4_OPTIONS,
  MAX_UDP_PAYLOAD,
  WIRE_DECODE_REASONS,
  WireDecodeError,
  decode,
  decodeOption,
  encode,
  encodeOption,
  newMessage,
  relayAgentSubOption,
  userClassesLenient,
  vendorSubOptions,
  type Dhcp4Message,
  type KnownOptionCode,
} from '../../src/wire/dhcp4/index.js';
import { repoRoot } from '../support/paths.js';
import { seededRandom } from '../support/random.js';

const MUTATIONS = 200_000;
const TYPED_PER_OPTION = 3_000;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function captured(): Buffer[] {
  const dir = join(repoRoot, 'test', 'fixtures', 'dhcp4');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => hex(readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('')));
}

/** Packets with what captures lack: overloaded fields, split options, every structured option. */
function synthetic(): Buffer[] {
  const base = { op: 1, htype: 1, hlen: 6, xid: 7, chaddr: hex('0a0b0c0d0e0f') };
  const rich = newMessage({
    ...base,
    options: new Map<number, Buffer>([
      [53, hex('03')],
      [61, hex('ff0a0b0c0d000100013295')],
      [77, hex('05766f696365056c6f626279')],
      [81, hex('050000 0570686f6e65 076578616d706c65 03636f6d 00')],
      [82, hex('0106657468302f31 0208737769746368 2d61 0504c6336400')],
      [119, encodeOption(119, ['voice.example.com', 'example.com', 'lab.voice.example.com'])],
      [121, hex('18c63364c0000201 00c0000201')],
      [43, hex('f104c0000205 00 0203616263 ff')],
      [12, Buffer.alloc(300, 0x61)],
    ]),
  });
  return [encode(rich, { maxLength: 1500 }), encode(rich, { maxLength: 576 }), encode(newMessage({ ...base, options: new Map([[43, Buffer.alloc(420, 0x42)]]) }))];
}

const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 52, 53, 61, 77, 81, 82, 119, 121, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xfe, 0xff];
const CODES = [...DHCP4_OPTIONS.keys(), 0, 52, 255, 224];

function mutate(input: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  let b = Buffer.from(input);
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const at = b.length === 0 ? 0 : int(b.length);
    // Edits land in the option area (and sname/file) more often than in the header.
    const optAt = b.length > 240 && rnd() < 0.7 ? 240 + int(b.length - 240) : at;
    switch (int(10)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1:
        if (b.length > 0) b[optAt] = int(256);
        break;
      case 2:
        if (b.length > 0) b[optAt] = pick(INTERESTING);
        break;
      case 3:
        b = b.subarray(0, int(b.length + 1));
        break;
      case 4: {
        const ins = Buffer.from(Array.from({ length: 1 + int(8) }, () => (rnd() < 0.5 ? pick(INTERESTING) : int(256))));
        b = Buffer.concat([b.subarray(0, optAt), ins, b.subarray(optAt)]);
        break;
      }
      case 5:
        b = Buffer.concat([b.subarray(0, optAt), b.subarray(optAt + 1 + int(16))]);
        break;
      case 6: {
        const from = int(b.length + 1);
        b = Buffer.concat([b.subarray(0, optAt), b.subarray(from, from + int(64)), b.subarray(optAt)]);
        break;
      }
      case 7: {
        // A whole option with a catalogued (or framing) code and random data.
        const len = rnd() < 0.2 ? int(256) : int(12);
        const opt = Buffer.from([pick(CODES), len, ...Array.from({ length: len }, () => (rnd() < 0.3 ? pick(INTERESTING) : int(256)))]);
        b = Buffer.concat([b.subarray(0, optAt), opt, b.subarray(optAt)]);
        break;
      }
      case 8:
        // Header fields the decoder checks.
        if (b.length > 3) b[int(3)] = rnd() < 0.5 ? pick(INTERESTING) : int(256);
        break;
      default:
        // Overload bits and field contents.
        if (b.length >= 243) b.set(Buffer.from([52, 1, int(5)]), 240 + int(b.length - 242));
        if (b.length >= 236 && rnd() < 0.5) b.set(Buffer.from([pick(CODES), int(20), int(256)]), 44 + int(190));
        break;
    }
  }
  return b;
}

function sameMessage(a: Dhcp4Message, b: Dhcp4Message): boolean {
  for (const k of ['op', 'htype', 'hlen', 'hops', 'xid', 'secs', 'flags', 'ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) if (a[k] !== b[k]) return false;
  if (!a.chaddr.equals(b.chaddr) || !a.sname.equals(b.sname) || !a.file.equals(b.file) || a.options.size !== b.options.size) return false;
  for (const [code, data] of a.options) if (!b.options.get(code)?.equals(data)) return false;
  return true;
}

function fail(what: string, input: Buffer, err: unknown): never {
  assert.fail(`${what}\ninput: ${input.toString('hex')}\n${err instanceof Error ? err.stack : String(err)}`);
}

test(`${MUTATIONS} mutated packets: a WireDecodeError with a registered reason, or a message that re-encodes to itself`, () => {
  const rnd = seededRandom(0xd4c0dec);
  const seeds = [...captured(), ...synthetic()];
  const reasons = new Map<string, number>();
  let accepted = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const input = mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd);
    let msg: Dhcp4Message;
    try {
      msg = decode(input, { validate: true });
    } catch (err) {
      if (!(err instanceof WireDecodeError) || !(err.reason in WIRE_DECODE_REASONS) || !Number.isInteger(err.offset)) fail(`mutation ${i}: not a WireDecodeError`, input, err);
      reasons.set(err.reason, (reasons.get(err.reason) ?? 0) + 1);
      continue;
    }
    accepted++;
    try {
      const again = decode(encode(msg, { maxLength: MAX_UDP_PAYLOAD, minLength: 0 }), { validate: true, maxLength: MAX_UDP_PAYLOAD });
      if (!sameMessage(msg, again)) fail(`mutation ${i}: re-encoded message differs`, input, null);
      // What the server does with some options on top of decode must not throw anything else either.
      const vendor = msg.options.get(43);
      if (vendor !== undefined) {
        try {
          vendorSubOptions.decode(vendor);
        } catch (err) {
          if (!(err instanceof WireDecodeError)) throw err;
        }
      }
      const relay = msg.options.get(82);
      if (relay !== undefined) relayAgentSubOption(relay, 1);
      const uc = msg.options.get(77);
      if (uc !== undefined) userClassesLenient(uc);
    } catch (err) {
      fail(`mutation ${i}: a decoded message failed afterwards`, input, err);
    }
  }
  const summary = [...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  console.log(`dhcp4 fuzz: ${accepted} accepted, ${MUTATIONS - accepted} refused (${summary})`);
  assert.ok(accepted > MUTATIONS / 10, `only ${accepted} mutations decoded`);
  assert.ok(MUTATIONS - accepted > MUTATIONS / 10, 'mutations should often break the packet');
  assert.ok(reasons.size >= 12, `only ${reasons.size} distinct reasons: ${summary}`);
});

test(`typed option codecs: ${TYPED_PER_OPTION} random values each decode → encode → decode to the same value, or a WireDecodeError`, () => {
  const rnd = seededRandom(0x0b71);
  const int = (n: number) => Math.floor(rnd() * n);
  for (const code of DHCP4_OPTIONS.keys()) {
    for (let i = 0; i < TYPED_PER_OPTION; i++) {
      const len = rnd() < 0.1 ? int(400) : int(24);
      const data = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.3 ? INTERESTING[int(INTERESTING.length)]! : rnd() < 0.5 ? 0x61 + int(26) : int(256))));
      let v: unknown;
      try {
        v = decodeOption(code, data);
      } catch (err) {
        if (!(err instanceof WireDecodeError) || !(err.reason in WIRE_DECODE_REASONS)) fail(`option ${code}: not a WireDecodeError`, data, err);
        continue;
      }
      try {
        assert.deepEqual(decodeOption(code, encodeOption(code as KnownOptionCode, v as never)), v);
      } catch (err) {
        fail(`option ${code}: typed round trip`, data, err);
      }
    }
  }
});

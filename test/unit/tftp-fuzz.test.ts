// Fuzz runs of the TFTP codec with a seeded PRNG (repeatable from the seed): mutated
// captures and synthetic packets must decode — and then re-encode to a packet that
// decodes equal — or be refused with a WireDecodeError carrying a TFTP reason. Never
// another exception. Random packets must survive encode → decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TFTP_DECODE_REASONS, WireDecodeError, decodePacket, encodePacket, type TftpOption, type TftpPacket } from '../../src/wire/tftp/index.js';
import { mutateBytes } from '../support/byte-mutate.js';
import { seededRandom } from '../support/random.js';
import { tftpFixtures } from '../support/tftp-fixture.js';

const MUTATIONS = 100_000;
const RANDOM_PACKETS = 10_000;
const REASONS = new Set<string>(['truncated', 'oversized', ...Object.keys(TFTP_DECODE_REASONS)]);
const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 7, 0x30, 0x39, 0x41, 0x61, 0x7f, 0x80, 0xc3, 0xff];

function synthetic(): Buffer[] {
  const opts: TftpOption[] = [{ name: 'blksize', value: '1428' }, { name: 'tsize', value: '0' }, { name: 'timeout', value: '1' }, { name: 'windowsize', value: '16' }];
  return [
    encodePacket({ op: 'rrq', filename: 'firmware/SIP88xx.loads', mode: 'octet', options: opts }),
    encodePacket({ op: 'wrq', filename: 'backup/SEP001122334455.cfg', mode: 'netascii', options: opts.slice(0, 2) }),
    encodePacket({ op: 'data', block: 7, data: Buffer.from('firmware bytes') }),
    encodePacket({ op: 'ack', block: 65535 }),
    encodePacket({ op: 'error', code: 8, message: 'option negotiation refused' }),
    encodePacket({ op: 'oack', options: opts }),
  ];
}

/** The generic byte edits, and TFTP's own: the opcode rewritten, a NUL planted (a string ended early or split). */
function mutate(input: Buffer, rnd: () => number): Buffer {
  return mutateBytes(input, rnd, {
    interesting: INTERESTING, maxEdits: 3, maxInsert: 6, maxDelete: 8, maxSplice: 16,
    extra: [
      (b, _at, { int }) => { if (b.length >= 2) b.writeUInt16BE(int(8), 0); return b; },
      (b, at) => { if (b.length > 0) b[at] = 0; return b; },
    ],
  });
}

function fail(what: string, input: Buffer, err: unknown): never {
  assert.fail(`${what}\ninput: ${input.toString('hex')}\n${err instanceof Error ? err.stack : String(err)}`);
}

test(`${MUTATIONS} mutated packets: a WireDecodeError with a TFTP reason, or a packet that re-encodes to an equal one`, () => {
  const rnd = seededRandom(0x7f7b);
  const seeds = [...tftpFixtures().map((f) => f.bytes), ...synthetic()];
  const reasons = new Map<string, number>();
  let accepted = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const input = mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd);
    let p: TftpPacket;
    try {
      p = decodePacket(input);
    } catch (err) {
      if (!(err instanceof WireDecodeError) || !REASONS.has(err.reason) || !Number.isInteger(err.offset) || err.offset < 0) fail(`mutation ${i}: not a WireDecodeError with a TFTP reason`, input, err);
      reasons.set(err.reason, (reasons.get(err.reason) ?? 0) + 1);
      continue;
    }
    accepted++;
    try {
      assert.deepEqual(decodePacket(encodePacket(p)), p);
    } catch (err) {
      fail(`mutation ${i}: a decoded packet did not re-encode to an equal one`, input, err);
    }
  }
  const summary = [...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  console.log(`tftp fuzz: ${accepted} accepted, ${MUTATIONS - accepted} refused (${summary})`);
  assert.ok(accepted > MUTATIONS / 10, `only ${accepted} mutations decoded`);
  assert.ok(MUTATIONS - accepted > MUTATIONS / 10, 'mutations should often break the packet');
  assert.equal(reasons.size, REASONS.size - 1, `every reason but oversized: ${summary}`);
});

test(`${RANDOM_PACKETS} random packets survive encode → decode`, () => {
  const rnd = seededRandom(0x7f7c);
  const int = (n: number) => Math.floor(rnd() * n);
  const text = (max: number) => Array.from({ length: int(max + 1) }, () => String.fromCodePoint(rnd() < 0.9 ? 0x20 + int(0x5f) : 0xa0 + int(0x2000))).join('');
  const options = (): TftpOption[] => {
    const names = new Set<string>();
    const out: TftpOption[] = [];
    for (let k = int(5); k > 0; k--) {
      const name = (text(10) || 'x').toLowerCase();
      if (names.has(name)) continue;
      names.add(name);
      out.push({ name, value: text(12) });
    }
    return out;
  };
  for (let i = 0; i < RANDOM_PACKETS; i++) {
    let p: TftpPacket;
    switch (int(6)) {
      case 0: p = { op: 'rrq', filename: text(40), mode: (['octet', 'netascii', 'mail'] as const)[int(3)]!, options: options() }; break;
      case 1: p = { op: 'wrq', filename: text(40), mode: 'octet', options: options() }; break;
      case 2: p = { op: 'data', block: int(65536), data: Buffer.from(Array.from({ length: int(1500) }, () => int(256))) }; break;
      case 3: p = { op: 'ack', block: int(65536) }; break;
      case 4: p = { op: 'error', code: int(65536), message: text(60) }; break;
      default: p = { op: 'oack', options: options() };
    }
    assert.deepEqual(decodePacket(encodePacket(p)), p, JSON.stringify(p));
  }
});

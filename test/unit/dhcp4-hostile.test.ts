// Hostile datagrams, one at a time: each must be refused with a WireDecodeError
// whose reason is the stable name the server counts drops by — never another
// exception. Every reason of the registry is exercised here and documented in
// docs/wire-dhcp4.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATAGRAM_DECODE_REASONS, WIRE_ENCODE_REASONS, WireDecodeError, decode, encode, newMessage, type WireDecodeReason } from '../../src/wire/dhcp4/index.js';
import { repoRoot } from '../support/paths.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A valid DISCOVER: 240-byte header, then `options` (hex) as the option area. */
function packet(options: string, patch: (b: Buffer) => void = () => {}): Buffer {
  const head = encode(newMessage({ op: 1, htype: 1, hlen: 6, xid: 0x01020304, chaddr: hex('001122334455') }), { minLength: 0 }).subarray(0, 240);
  const b = Buffer.concat([head, hex(options)]);
  patch(b);
  return b;
}

const OK = packet('350101 ff');
/** Five 63-byte labels: 321 bytes in wire form. */
const LONG_NAME = Buffer.concat([...Array.from({ length: 5 }, () => Buffer.concat([hex('3f'), Buffer.alloc(63, 0x61)])), hex('00')]);

interface Case {
  readonly name: string;
  readonly input: Buffer;
  readonly reason: WireDecodeReason;
  /** Offset the error must report, when the case pins one. */
  readonly offset?: number;
  /** Needs decode's typed validation (structured options). */
  readonly validate?: boolean;
  readonly maxLength?: number;
}

const CASES: Case[] = [
  // truncated
  { name: 'empty datagram', input: Buffer.alloc(0), reason: 'truncated', offset: 0 },
  { name: 'one byte', input: hex('01'), reason: 'truncated' },
  { name: 'BOOTP header without magic cookie', input: OK.subarray(0, 236), reason: 'truncated', offset: 236 },
  { name: 'one byte short of the cookie', input: OK.subarray(0, 239), reason: 'truncated' },
  // oversized
  { name: 'a 4097-byte datagram', input: Buffer.concat([OK, Buffer.alloc(4097 - OK.length)]), reason: 'oversized' },
  { name: 'a 65535-byte datagram', input: Buffer.concat([OK, Buffer.alloc(65535 - OK.length)]), reason: 'oversized' },
  { name: 'longer than a caller\'s maxLength', input: OK, reason: 'oversized', maxLength: 243 },
  // wrong op
  { name: 'op 0', input: packet('350101ff', (b) => (b[0] = 0)), reason: 'bad-op', offset: 0 },
  { name: 'op 3', input: packet('350101ff', (b) => (b[0] = 3)), reason: 'bad-op', offset: 0 },
  { name: 'op 255', input: packet('350101ff', (b) => (b[0] = 255)), reason: 'bad-op' },
  // wrong htype / hlen
  { name: 'htype 0', input: packet('350101ff', (b) => (b[1] = 0)), reason: 'bad-htype', offset: 1 },
  { name: 'htype 42 (unassigned)', input: packet('350101ff', (b) => (b[1] = 42)), reason: 'bad-htype' },
  { name: 'htype 255', input: packet('350101ff', (b) => (b[1] = 255)), reason: 'bad-htype' },
  { name: 'hlen 17', input: packet('350101ff', (b) => (b[2] = 17)), reason: 'bad-hlen', offset: 2 },
  { name: 'hlen 255', input: packet('350101ff', (b) => (b[2] = 255)), reason: 'bad-hlen' },
  // magic cookie
  { name: 'cookie of zeros (BOOTP without vendor extensions)', input: packet('350101ff', (b) => b.writeUInt32BE(0, 236)), reason: 'bad-magic', offset: 236 },
  { name: 'cookie byte-swapped', input: packet('350101ff', (b) => b.writeUInt32LE(0x63825363, 236)), reason: 'bad-magic' },
  // option framing
  { name: 'option length past the datagram', input: packet('350101 0c10 6162'), reason: 'option-overrun', offset: 243 },
  { name: 'option code without its length byte at the end', input: packet('350101 0c'), reason: 'option-overrun', offset: 243 },
  { name: 'length 255 at the very end', input: packet('35ff'), reason: 'option-overrun' },
  { name: 'option in file running past file', input: packet('350101 340101 ff', (b) => b.set(hex('0c7f'), 108 + 126)), reason: 'option-overrun', offset: 234 },
  { name: 'option in sname running into file', input: packet('350101 340102 ff', (b) => b.set(hex('0c05'), 44 + 61)), reason: 'option-overrun' },
  // malformed options
  { name: 'message type of 2 bytes', input: packet('35020101 ff'), reason: 'bad-option-length' },
  { name: 'message type of 0 bytes', input: packet('3500 ff'), reason: 'bad-option-length' },
  { name: 'two message types (concatenated to 2 bytes)', input: packet('350101 350103 ff'), reason: 'bad-option-length' },
  { name: 'requested address of 3 bytes', input: packet('350103 3203c00002 ff'), reason: 'bad-option-length' },
  { name: 'routers of 5 bytes', input: packet('350102 0305c000020101 ff'), reason: 'bad-option-length' },
  { name: 'routers of 0 bytes', input: packet('350102 0300 ff'), reason: 'bad-option-length' },
  { name: 'lease time of 2 bytes', input: packet('350105 33020e10 ff'), reason: 'bad-option-length' },
  { name: 'max message size of 1 byte', input: packet('350101 390105 ff'), reason: 'bad-option-length' },
  { name: 'client identifier of 1 byte', input: packet('350101 3d0101 ff'), reason: 'bad-option-length' },
  { name: 'client FQDN of 2 bytes', input: packet('350101 51020500 ff'), reason: 'bad-option-length' },
  { name: 'overload of 2 bytes', input: packet('350101 34020101 ff'), reason: 'bad-option-length' },
  { name: 'overload in file of 2 bytes after concatenation', input: packet('350101 340101 ff', (b) => b.set(hex('3501 01 ff'), 108)), reason: 'bad-option-length' },
  { name: 'link-selection of 3 bytes in option 82', input: packet('350101 5205 0503c63364 ff'), reason: 'bad-option-length', validate: true },
  // overload
  { name: 'overload value 0', input: packet('350101 340100 ff'), reason: 'bad-overload', offset: 245 },
  { name: 'overload value 4', input: packet('350101 340104 ff'), reason: 'bad-overload' },
  { name: 'overload value 255', input: packet('350101 3401ff ff'), reason: 'bad-overload' },
  // option loops
  { name: 'overload inside file (file would hold options again)', input: packet('350101 340101 ff', (b) => b.set(hex('340103 ff'), 108)), reason: 'overload-loop', offset: 108 },
  { name: 'overload inside sname', input: packet('350101 340103 ff', (b) => b.set(hex('340101 ff'), 44)), reason: 'overload-loop', offset: 44 },
  { name: 'domain search pointing at itself', input: packet('350105 7702 c000 ff'), reason: 'bad-pointer', validate: true },
  { name: 'domain search names pointing at each other', input: packet('350105 7705 00 c003 c001 ff'), reason: 'bad-pointer', validate: true },
  { name: 'domain search forward pointer', input: packet('350105 7705 0161 c004 00 ff'), reason: 'bad-pointer', validate: true },
  // structured option contents
  { name: 'relay sub-option past the option', input: packet('350101 5204 0109 6162 ff'), reason: 'suboption-overrun', validate: true },
  { name: 'user class past the option', input: packet('350101 4d03 056162 ff'), reason: 'suboption-overrun', validate: true },
  { name: 'classless route past the option', input: packet('350105 7906 18c63364c000 ff'), reason: 'suboption-overrun', validate: true },
  { name: 'FQDN name past the option', input: packet('350101 5106 050000 0a6162 ff'), reason: 'suboption-overrun', validate: true },
  { name: 'classless route wider than /32', input: packet('350105 7909 21c0000201c0000201 ff'), reason: 'bad-option-value', validate: true },
  { name: 'empty user class', input: packet('350101 4d02 0061 ff'), reason: 'bad-option-value', validate: true },
  { name: 'FQDN with bytes after its root label', input: packet('350101 5107 050000 016100 ff ff'), reason: 'bad-option-value', validate: true },
  { name: 'FQDN label of type 0x40', input: packet('350101 5105 050000 4161 ff'), reason: 'bad-label', validate: true },
  { name: 'FQDN with a compression pointer', input: packet('350101 5105 050000 c000 ff'), reason: 'bad-label', validate: true },
  { name: 'domain search label of type 0x80', input: packet('350105 7703 816100 ff'), reason: 'bad-label', validate: true },
  { name: 'domain search name of 321 bytes (split per RFC 3396)', input: packet(`350105 ${splitOption(0x77, LONG_NAME)} ff`), reason: 'name-too-long', validate: true },
];

function splitOption(code: number, data: Buffer): string {
  let s = '';
  for (let i = 0; i < data.length; i += 255) {
    const part = data.subarray(i, i + 255);
    s += Buffer.from([code, part.length]).toString('hex') + part.toString('hex');
  }
  return s;
}

test('a well-formed packet decodes (the base every case breaks)', () => {
  assert.equal(decode(OK).options.get(53)![0], 1);
});

for (const c of CASES) {
  test(`refused with ${c.reason}: ${c.name}`, () => {
    let caught: unknown;
    try {
      decode(c.input, { validate: c.validate === true, ...(c.maxLength === undefined ? {} : { maxLength: c.maxLength }) });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof WireDecodeError, `expected a WireDecodeError, got ${String(caught)}`);
    assert.equal(caught.reason, c.reason, caught.message);
    assert.ok(Number.isInteger(caught.offset) && caught.offset >= 0, 'an offset');
    if (c.offset !== undefined) assert.equal(caught.offset, c.offset, caught.message);
    assert.match(caught.message, new RegExp(`^${c.reason} at byte \\d+: .+`));
    if (c.validate === true) assert.doesNotThrow(() => decode(c.input), 'structured options are checked only when asked');
  });
}

test('every datagram decode reason is exercised by a hostile case above (the failover stream\'s are in failover-wire.test.ts)', () => {
  const used = new Set(CASES.map((c) => c.reason));
  assert.deepEqual(Object.keys(DATAGRAM_DECODE_REASONS).filter((r) => !used.has(r as WireDecodeReason)), []);
});

test('docs/wire-dhcp4.md documents every datagram decode reason and every encode reason with the registry\'s wording', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'wire-dhcp4.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const [r, text] of [...Object.entries(DATAGRAM_DECODE_REASONS), ...Object.entries(WIRE_ENCODE_REASONS)]) {
    assert.equal(rows.get(r), text, `reason ${r}`);
  }
});


// Hostile TFTP packets, one at a time: each is the smallest packet that breaks one
// rule, and must be refused with a WireDecodeError whose reason is the stable name the
// server counts refusals by. Every reason the TFTP codec throws is exercised here and
// documented in docs/wire-tftp.md with the registry's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TFTP_DECODE_REASONS, WIRE_DECODE_REASONS, WireDecodeError, decodePacket, type WireDecodeReason } from '../../src/wire/tftp/index.js';
import { repoRoot } from '../support/paths.js';

const TFTP_REASONS: readonly WireDecodeReason[] = ['truncated', 'oversized', ...(Object.keys(TFTP_DECODE_REASONS) as WireDecodeReason[])];
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const z = (s: string) => `${Buffer.from(s).toString('hex')}00`;

interface Case { readonly name: string; readonly input: Buffer; readonly reason: WireDecodeReason; readonly offset?: number }

const CASES: readonly Case[] = [
  { name: 'empty', input: hex(''), reason: 'truncated', offset: 0 },
  { name: 'one byte', input: hex('00'), reason: 'truncated', offset: 0 },
  { name: 'DATA without its block number', input: hex('0003 00'), reason: 'truncated', offset: 2 },
  { name: 'ACK without its block number', input: hex('0004'), reason: 'truncated', offset: 2 },
  { name: 'ERROR without its code', input: hex('0005 01'), reason: 'truncated', offset: 2 },
  { name: 'DATA of 65465 bytes', input: Buffer.concat([hex('0003 0001'), Buffer.alloc(65465)]), reason: 'oversized' },
  { name: 'opcode 0', input: hex(`0000 ${z('a')} ${z('octet')}`), reason: 'bad-opcode', offset: 0 },
  { name: 'opcode 7', input: hex('0007 0001'), reason: 'bad-opcode', offset: 0 },
  { name: 'opcode 0x0100 (byte order)', input: hex(`0100 ${z('a')} ${z('octet')}`), reason: 'bad-opcode' },
  { name: 'RRQ whose file name has no NUL', input: hex(`0001 ${Buffer.from('a').toString('hex')}`), reason: 'unterminated-string', offset: 2 },
  { name: 'RRQ without a mode', input: hex(`0001 ${z('a')}`), reason: 'unterminated-string', offset: 4 },
  { name: 'RRQ whose mode has no NUL', input: hex(`0001 ${z('a')} ${Buffer.from('octet').toString('hex')}`), reason: 'unterminated-string', offset: 4 },
  { name: 'option value without NUL', input: hex(`0001 ${z('a')} ${z('octet')} ${z('blksize')} 31 34`), reason: 'unterminated-string' },
  { name: 'ERROR whose message has no NUL', input: hex(`0005 0001 ${Buffer.from('nope').toString('hex')}`), reason: 'unterminated-string', offset: 4 },
  { name: 'mode binary', input: hex(`0001 ${z('a')} ${z('binary')}`), reason: 'bad-mode', offset: 4 },
  { name: 'empty mode', input: hex(`0001 ${z('a')} 00`), reason: 'bad-mode', offset: 4 },
  { name: 'option without a value', input: hex(`0001 ${z('a')} ${z('octet')} ${z('blksize')}`), reason: 'bad-option' },
  { name: 'option with an empty name', input: hex(`0001 ${z('a')} ${z('octet')} 00 ${z('1')}`), reason: 'bad-option', offset: 10 },
  { name: 'option given twice, in other case', input: hex(`0001 ${z('a')} ${z('octet')} ${z('tsize')} ${z('0')} ${z('TSIZE')} ${z('0')}`), reason: 'bad-option' },
  { name: 'OACK with an option without value', input: hex(`0006 ${z('blksize')}`), reason: 'bad-option' },
  { name: 'ACK of 5 bytes', input: hex('0004 0001 00'), reason: 'excess-bytes', offset: 4 },
  { name: 'bytes after an ERROR message', input: hex(`0005 0000 ${z('x')} 41`), reason: 'excess-bytes', offset: 6 },
];

for (const c of CASES) {
  test(`hostile: ${c.name} → ${c.reason}`, () => {
    let caught: unknown;
    try {
      decodePacket(c.input);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof WireDecodeError, `expected a WireDecodeError, got ${String(caught)}`);
    assert.equal(caught.reason, c.reason, caught.message);
    assert.ok(Number.isInteger(caught.offset) && caught.offset >= 0 && caught.offset <= Math.max(c.input.length, 65468), 'an offset');
    if (c.offset !== undefined) assert.equal(caught.offset, c.offset, caught.message);
    assert.match(caught.message, new RegExp(`^${c.reason} at byte \\d+: .+`));
  });
}

test('every reason the TFTP codec throws is exercised by a case above, and no other', () => {
  const used = new Set(CASES.map((c) => c.reason));
  assert.deepEqual(TFTP_REASONS.filter((r) => !used.has(r)), []);
  assert.deepEqual([...used].filter((r) => !TFTP_REASONS.includes(r)), []);
});

test('docs/wire-tftp.md documents every TFTP decode reason with the registry\'s wording', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'wire-tftp.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const r of TFTP_REASONS) assert.equal(rows.get(r), WIRE_DECODE_REASONS[r], `decode reason ${r}`);
});

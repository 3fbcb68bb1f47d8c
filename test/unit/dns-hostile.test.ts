// Hostile DNS messages, one at a time: each is the smallest message that breaks one
// rule, and must be refused with a WireDecodeError whose reason is the stable name a
// server counts drops by. Every reason the DNS codec throws is exercised here and
// documented in docs/wire-dns.md with the registry's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DNS_DECODE_REASONS, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, WireDecodeError, decodeMessage, type WireDecodeReason,
} from '../../src/wire/dns/index.js';
import { repoRoot } from '../support/paths.js';
import { hex } from '../support/dns-fixture.js';

/** The reasons the DNS codec shares with the other codecs. */
const SHARED: readonly WireDecodeReason[] = ['truncated', 'oversized', 'bad-label', 'bad-pointer', 'name-too-long'];
const DNS_REASONS: readonly WireDecodeReason[] = [...SHARED, ...(Object.keys(DNS_DECODE_REASONS) as WireDecodeReason[])];

const u16 = (n: number) => n.toString(16).padStart(4, '0');
const u32 = (n: number) => n.toString(16).padStart(8, '0');
const H = (qd: number, an: number, ns: number, ar: number) => `0001 0100 ${u16(qd)} ${u16(an)} ${u16(ns)} ${u16(ar)}`;
/** A name in wire form, uncompressed. */
const N = (name: string) => (name === '.' ? '00' : `${name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]).toString('hex')).join('')}00`);
/** The question "a.example. A IN" at offset 12 (its name is 11 bytes: a pointer to it is c00c). */
const QA = `${N('a.example.')} 0001 0001`;
const RR = (owner: string, type: number, cls: number, rdata: string, ttl = 3600) => {
  const rd = rdata.replace(/\s+/g, '');
  return `${owner} ${u16(type)} ${u16(cls)} ${u32(ttl)} ${u16(rd.length / 2)} ${rd}`;
};
const OPT = (rdata = '', owner = '00') => RR(owner, 41, 1232, rdata, 0);
const TSIG = RR(N('tsig-key.example.'), 250, 255, `${N('hmac-sha256.')} 000000000001 012c 0000 0001 0000 0000`, 0);
const msg = (...parts: string[]) => hex(parts.join(''));
const LABEL63 = `3f${'61'.repeat(63)}`;

interface Case {
  readonly name: string;
  readonly input: Buffer;
  readonly reason: WireDecodeReason;
  readonly offset?: number;
}

const CASES: Case[] = [
  // truncated
  { name: 'empty input', input: Buffer.alloc(0), reason: 'truncated', offset: 0 },
  { name: 'an 11-byte header', input: msg(H(0, 0, 0, 0)).subarray(0, 11), reason: 'truncated', offset: 11 },
  { name: 'a question without QTYPE and QCLASS', input: msg(H(1, 0, 0, 0), N('a.example.')), reason: 'truncated', offset: 23 },
  { name: 'a question name cut inside a label', input: msg(H(1, 0, 0, 0), '05616263'), reason: 'truncated', offset: 12 },
  { name: 'a compression pointer cut after its first byte', input: msg(H(1, 0, 0, 0), 'c0'), reason: 'truncated', offset: 12 },
  { name: 'a record cut inside its TTL', input: msg(H(1, 1, 0, 0), QA, 'c00c 0001 0001 0000'), reason: 'truncated', offset: 33 },
  // oversized
  { name: 'a 65536-byte message', input: Buffer.concat([msg(H(0, 0, 0, 0)), Buffer.alloc(65536 - 12)]), reason: 'oversized', offset: 65535 },
  // count-overrun
  { name: 'QDCOUNT 1 and no question', input: msg(H(1, 0, 0, 0)), reason: 'count-overrun', offset: 12 },
  { name: 'ANCOUNT 2 and one answer', input: msg(H(1, 2, 0, 0), QA, RR('c00c', 1, 1, 'c0000201')), reason: 'count-overrun', offset: 43 },
  { name: 'ARCOUNT 1 and nothing after the question', input: msg(H(1, 0, 0, 1), QA), reason: 'count-overrun', offset: 27 },
  // trailing-data
  { name: 'one byte after the last record', input: msg(H(1, 0, 0, 0), QA, '00'), reason: 'trailing-data', offset: 27 },
  { name: 'a whole extra record the counts do not announce', input: msg(H(1, 0, 0, 0), QA, RR('c00c', 1, 1, 'c0000201')), reason: 'trailing-data', offset: 27 },
  // rdata-overrun
  { name: 'RDLENGTH 10 with 4 bytes left', input: msg(H(1, 1, 0, 0), QA, 'c00c 0001 0001 00000e10 000a c0000201'), reason: 'rdata-overrun', offset: 37 },
  // bad-rdata-length
  { name: 'A of 5 bytes', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 1, 1, 'c000020100')), reason: 'bad-rdata-length', offset: 43 },
  { name: 'AAAA of 15 bytes', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 28, 1, '20010db80000000000000000000000')), reason: 'bad-rdata-length' },
  { name: 'A of 0 bytes in class IN', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 1, 1, '')), reason: 'bad-rdata-length' },
  { name: 'TXT of 0 bytes in class IN', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 16, 1, '')), reason: 'bad-rdata-length' },
  { name: 'TXT string running past RDLENGTH', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 16, 1, '05616263'), ''), reason: 'bad-rdata-length' },
  { name: 'MX exchange without its root label inside RDLENGTH', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 15, 1, '000a 04 6d61696c'), N('example.')), reason: 'bad-rdata-length' },
  { name: 'SOA without MINIMUM', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 6, 1, 'c00c c00c 00000001 00000002 00000003 00000004')), reason: 'bad-rdata-length' },
  { name: 'NS with a byte after its name', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 2, 1, 'c00c 00')), reason: 'bad-rdata-length' },
  { name: 'HINFO with the CPU only', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 13, 1, '03783836')), reason: 'bad-rdata-length' },
  { name: 'CAA without a tag length', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 257, 1, '00')), reason: 'bad-rdata-length' },
  { name: 'TSIG MAC size past RDLENGTH', input: msg(H(1, 0, 0, 1), QA, RR(N('k.'), 250, 255, `${N('hmac-sha256.')} 000000000001 012c 0020 00`)), reason: 'bad-rdata-length' },
  // bad-rdata
  { name: 'CAA with an empty tag', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 257, 1, '00 00 6361')), reason: 'bad-rdata' },
  { name: 'CAA tag "is-sue"', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 257, 1, '00 06 69732d737565 6361')), reason: 'bad-rdata', offset: 40 },
  // bad-label
  { name: 'question label of type 0x40', input: msg(H(1, 0, 0, 0), '4161 00 0001 0001'), reason: 'bad-label', offset: 12 },
  { name: 'owner label of type 0x80', input: msg(H(1, 1, 0, 0), QA, RR('8161 00', 1, 1, 'c0000201')), reason: 'bad-label', offset: 27 },
  { name: 'DNAME target compressed (RFC 6672 §2.1)', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 39, 1, 'c00c')), reason: 'bad-label', offset: 39 },
  { name: 'TSIG algorithm compressed', input: msg(H(1, 0, 0, 1), QA, RR('c00c', 250, 255, 'c00c 000000000001 012c 0000 0001 0000 0000', 0)), reason: 'bad-label' },
  // bad-pointer
  { name: 'question name pointing at itself', input: msg(H(1, 0, 0, 0), 'c00c 0001 0001'), reason: 'bad-pointer', offset: 12 },
  { name: 'a label then a pointer back to it (a loop)', input: msg(H(1, 0, 0, 0), '0161 c00c 0001 0001'), reason: 'bad-pointer', offset: 14 },
  { name: 'owner pointing forward', input: msg(H(1, 1, 0, 0), QA, RR('c040', 1, 1, 'c0000201')), reason: 'bad-pointer', offset: 27 },
  { name: 'CNAME target pointing at the RDATA itself', input: msg(H(1, 1, 0, 0), QA, RR('c00c', 5, 1, 'c027')), reason: 'bad-pointer', offset: 39 },
  // name-too-long
  { name: 'a question of five 63-byte labels', input: msg(H(1, 0, 0, 0), LABEL63.repeat(5), '00 0001 0001'), reason: 'name-too-long' },
  { name: 'three 63-byte labels and a pointer to a 129-byte name', input: msg(H(2, 0, 0, 0), LABEL63.repeat(2), '00 0001 0001', LABEL63.repeat(3), 'c00c 0001 0001'), reason: 'name-too-long' },
  // multiple-opt
  { name: 'two OPT records', input: msg(H(1, 0, 0, 2), QA, OPT(), OPT()), reason: 'multiple-opt', offset: 38 },
  // bad-opt
  { name: 'OPT in the answer section', input: msg(H(1, 1, 0, 0), QA, OPT()), reason: 'bad-opt', offset: 27 },
  { name: 'OPT in the authority section', input: msg(H(1, 0, 1, 0), QA, OPT()), reason: 'bad-opt' },
  { name: 'OPT owned by a.example.', input: msg(H(1, 0, 0, 1), QA, OPT('', 'c00c')), reason: 'bad-opt', offset: 27 },
  // bad-edns-option
  { name: 'an option header of 3 bytes', input: msg(H(1, 0, 0, 1), QA, OPT('000300')), reason: 'bad-edns-option', offset: 38 },
  { name: 'an option length past the OPT RDATA', input: msg(H(1, 0, 0, 1), QA, OPT('0003 0005 6162')), reason: 'bad-edns-option', offset: 38 },
  { name: 'EXPIRE of 3 bytes', input: msg(H(1, 0, 0, 1), QA, OPT('0009 0003 000000')), reason: 'bad-edns-option' },
  // bad-cookie
  { name: 'COOKIE of 7 bytes', input: msg(H(1, 0, 0, 1), QA, OPT(`000a 0007 ${'01'.repeat(7)}`)), reason: 'bad-cookie', offset: 38 },
  { name: 'COOKIE of 12 bytes (a 4-byte server cookie)', input: msg(H(1, 0, 0, 1), QA, OPT(`000a 000c ${'01'.repeat(12)}`)), reason: 'bad-cookie' },
  { name: 'COOKIE of 41 bytes', input: msg(H(1, 0, 0, 1), QA, OPT(`000a 0029 ${'01'.repeat(41)}`)), reason: 'bad-cookie' },
  // misplaced-tsig
  { name: 'TSIG in the answer section', input: msg(H(1, 1, 0, 0), QA, TSIG), reason: 'misplaced-tsig', offset: 27 },
  { name: 'TSIG before an A record', input: msg(H(1, 0, 0, 2), QA, TSIG, RR('c00c', 1, 1, 'c0000201')), reason: 'misplaced-tsig', offset: 27 },
  { name: 'TSIG before the OPT record', input: msg(H(1, 0, 0, 2), QA, TSIG, OPT()), reason: 'misplaced-tsig' },
  { name: 'two TSIG records', input: msg(H(1, 0, 0, 2), QA, TSIG, TSIG), reason: 'misplaced-tsig' },
];

test('the well-formed messages the cases break decode', () => {
  const ok = [
    msg(H(1, 0, 0, 0), QA),
    msg(H(1, 1, 0, 0), QA, RR('c00c', 1, 1, 'c0000201')),
    msg(H(1, 0, 0, 3), QA, RR('c00c', 1, 1, 'c0000201'), OPT(`000a 0008 ${'01'.repeat(8)} 0009 0000`), TSIG),
    msg(H(1, 1, 0, 0), QA, RR('c00c', 257, 1, '00 05 6973737565 6361')),
  ];
  for (const m of ok) assert.doesNotThrow(() => decodeMessage(m));
});

test('compressed names are accepted in SRV and NAPTR (RFC 3597 §4: receivers SHOULD decompress them)', () => {
  const srv = decodeMessage(msg(H(1, 1, 0, 0), QA, RR('c00c', 33, 1, '0001 0002 13c4 03706278 c00e')));
  assert.deepEqual(srv.answers[0]!.data, { priority: 1, weight: 2, port: 5060, target: 'pbx.example.' });
  const naptr = decodeMessage(msg(H(1, 1, 0, 0), QA, RR('c00c', 35, 1, '0064 000a 0153 075349502b443255 00 c00c')));
  assert.deepEqual(naptr.answers[0]!.data, { order: 100, preference: 10, flags: Buffer.from('S'), services: Buffer.from('SIP+D2U'), regexp: Buffer.alloc(0), replacement: 'a.example.' });
});

for (const c of CASES) {
  test(`refused with ${c.reason}: ${c.name}`, () => {
    let caught: unknown;
    try {
      decodeMessage(c.input);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof WireDecodeError, `expected a WireDecodeError, got ${String(caught)}`);
    assert.equal(caught.reason, c.reason, caught.message);
    assert.ok(Number.isInteger(caught.offset) && caught.offset >= 0 && caught.offset <= Math.max(c.input.length, 65535), 'an offset');
    if (c.offset !== undefined) assert.equal(caught.offset, c.offset, caught.message);
    assert.match(caught.message, new RegExp(`^${c.reason} at byte \\d+: .+`));
  });
}

test('every reason the DNS codec throws is exercised by a case above, and no other', () => {
  const used = new Set(CASES.map((c) => c.reason));
  assert.deepEqual(DNS_REASONS.filter((r) => !used.has(r)), []);
  assert.deepEqual([...used].filter((r) => !DNS_REASONS.includes(r)), []);
});

test('docs/wire-dns.md documents every DNS decode reason and every encode reason with the registry\'s wording', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'wire-dns.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const r of DNS_REASONS) assert.equal(rows.get(r), WIRE_DECODE_REASONS[r], `decode reason ${r}`);
  for (const [r, text] of Object.entries(WIRE_ENCODE_REASONS)) assert.equal(rows.get(r), text, `encode reason ${r}`);
});

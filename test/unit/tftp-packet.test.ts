// The TFTP codec (src/wire/tftp/): every packet type survives encode → decode, with the
// exact bytes RFC 1350 and RFC 2347 give; option names come back in lower case; DATA
// of every size from empty to 65464 bytes; block numbers 0 and 65535; the encoder
// refuses what it cannot put on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TFTP_MAX_BLKSIZE, WireEncodeError, decodePacket, encodeDataHeader, encodeInto, encodePacket, findOption, packetLength, tftpPacket, type TftpPacket, type TftpRequest,
} from '../../src/wire/tftp/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const z = (s: string) => `${Buffer.from(s).toString('hex')}00`;

test('an RRQ with options: the bytes of RFC 2347 §2, names in lower case on decode', () => {
  const bytes = hex(`0001 ${z('firmware/SIP88xx.loads')} ${z('octet')} ${z('blksize')} ${z('1428')} ${z('tsize')} ${z('0')} ${z('windowsize')} ${z('16')}`);
  const p: TftpPacket = { op: 'rrq', filename: 'firmware/SIP88xx.loads', mode: 'octet', options: [{ name: 'blksize', value: '1428' }, { name: 'tsize', value: '0' }, { name: 'windowsize', value: '16' }] };
  assert.deepEqual(decodePacket(bytes), p);
  assert.deepEqual(encodePacket(p), bytes);
  assert.equal(packetLength(p), bytes.length);
  const upper = hex(`0002 ${z('backup/SEP0011.cfg')} ${z('OCTET')} ${z('BlkSize')} ${z('512')}`);
  assert.deepEqual(decodePacket(upper), { op: 'wrq', filename: 'backup/SEP0011.cfg', mode: 'octet', options: [{ name: 'blksize', value: '512' }] });
  assert.equal(findOption((decodePacket(upper) as TftpRequest).options, 'blksize'), '512');
});

test('a request without options, in netascii and mail mode', () => {
  for (const mode of ['netascii', 'mail'] as const) {
    const p: TftpPacket = { op: 'rrq', filename: 'a', mode, options: [] };
    assert.deepEqual(decodePacket(encodePacket(p)), p);
  }
  assert.deepEqual(decodePacket(hex(`0001 00 ${z('octet')}`)), { op: 'rrq', filename: '', mode: 'octet', options: [] }, 'an empty name is the path check\'s to refuse');
});

test('DATA from empty to 65464 bytes, block numbers 0 to 65535; the data is a view of the packet', () => {
  for (const size of [0, 1, 511, 512, 1428, TFTP_MAX_BLKSIZE]) {
    for (const block of [0, 1, 65535]) {
      const data = Buffer.alloc(size, size & 0xff);
      const bytes = encodePacket({ op: 'data', block, data });
      assert.equal(bytes.length, 4 + size);
      assert.deepEqual(bytes.subarray(0, 4), hex(`0003 ${block.toString(16).padStart(4, '0')}`));
      const d = decodePacket(bytes);
      assert.deepEqual(d, { op: 'data', block, data });
      assert.equal((d as { data: Buffer }).data.buffer, bytes.buffer, 'not a copy');
    }
  }
  const inPlace = Buffer.alloc(4 + 3, 7);
  encodeDataHeader(inPlace, 258);
  assert.deepEqual(decodePacket(inPlace), { op: 'data', block: 258, data: Buffer.alloc(3, 7) });
});

test('ACK, ERROR and OACK', () => {
  const cases: [TftpPacket, string][] = [
    [{ op: 'ack', block: 0 }, '0004 0000'],
    [{ op: 'ack', block: 65535 }, '0004 ffff'],
    [{ op: 'error', code: 1, message: 'File not found' }, `0005 0001 ${z('File not found')}`],
    [{ op: 'error', code: 8, message: '' }, '0005 0008 00'],
    [{ op: 'oack', options: [{ name: 'blksize', value: '1428' }, { name: 'tsize', value: '10485760' }] }, `0006 ${z('blksize')} ${z('1428')} ${z('tsize')} ${z('10485760')}`],
    [{ op: 'oack', options: [] }, '0006'],
  ];
  for (const [p, h] of cases) {
    assert.deepEqual(encodePacket(p), hex(h), p.op);
    assert.deepEqual(decodePacket(hex(h)), p, p.op);
    assert.equal(tftpPacket.encodingLength(p), hex(h).length);
  }
});

test('UTF-8 names and messages round-trip; bytes that are not UTF-8 become U+FFFD', () => {
  const p: TftpPacket = { op: 'rrq', filename: 'sonneries/été.wav', mode: 'octet', options: [] };
  assert.deepEqual(decodePacket(encodePacket(p)), p);
  const bad = decodePacket(hex(`0001 61ff62 00 ${z('octet')}`));
  assert.equal((bad as { filename: string }).filename, 'a\uFFFDb');
});

test('encodeInto writes at an offset and refuses a buffer too small', () => {
  const p: TftpPacket = { op: 'error', code: 2, message: 'no' };
  const buf = Buffer.alloc(16, 0xee);
  assert.equal(encodeInto(p, buf, 3), 7);
  assert.deepEqual(buf.subarray(3, 10), encodePacket(p));
  assert.equal(buf[10], 0xee);
  assert.throws(() => encodeInto(p, Buffer.alloc(6)), (e: unknown) => e instanceof WireEncodeError && e.reason === 'no-space');
});

test('the encoder refuses values it cannot put on the wire', () => {
  const bad: [unknown, string][] = [
    [{ op: 'rrq', filename: 'a\0b', mode: 'octet', options: [] }, 'bad-value'],
    [{ op: 'rrq', filename: 'a', mode: 'binary', options: [] }, 'bad-value'],
    [{ op: 'rrq', filename: 'a', mode: 'octet', options: [{ name: '', value: '1' }] }, 'bad-value'],
    [{ op: 'rrq', filename: 'a', mode: 'octet', options: [{ name: 'blksize', value: '1' }, { name: 'BLKSIZE', value: '2' }] }, 'bad-value'],
    [{ op: 'oack', options: [{ name: 'tsize', value: '1\u00002' }] }, 'bad-value'],
    [{ op: 'data', block: 65536, data: Buffer.alloc(0) }, 'bad-value'],
    [{ op: 'data', block: 1, data: Buffer.alloc(TFTP_MAX_BLKSIZE + 1) }, 'too-long'],
    [{ op: 'ack', block: -1 }, 'bad-value'],
    [{ op: 'error', code: 70000, message: '' }, 'bad-value'],
    [{ op: 'nak' }, 'bad-value'],
  ];
  for (const [p, reason] of bad) {
    assert.throws(() => encodePacket(p as TftpPacket), (e: unknown) => e instanceof WireEncodeError && e.reason === reason, JSON.stringify(p));
  }
  assert.throws(() => encodeDataHeader(Buffer.alloc(3), 1), WireEncodeError);
});

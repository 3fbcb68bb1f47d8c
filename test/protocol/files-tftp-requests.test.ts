// What a TFTP server port makes of a datagram (src/protocol/files/tftp-request.ts) and
// the options it grants (tftp-options.ts): requests with checked paths, the ERROR
// each refusal gets, and RFC 2347–2349 / RFC 7440 negotiation limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, type TftpLimits } from '../../src/protocol/files/tftp-options.js';
import { judgeRequest } from '../../src/protocol/files/tftp-request.js';
import { encodePacket, type TftpOption } from '../../src/wire/tftp/index.js';

const LIMITS: TftpLimits = { maxBlksize: 1468, maxWindowsize: 64, timeoutMs: 1000, maxWriteBytes: 1 << 20 };
const writable = (p: string) => p.startsWith('backup/');
const rrq = (filename: string, options: TftpOption[] = [], mode: 'octet' | 'netascii' | 'mail' = 'octet') => encodePacket({ op: 'rrq', filename, mode, options });
const wrq = (filename: string) => encodePacket({ op: 'wrq', filename, mode: 'octet', options: [] });
const z = (s: string) => `${Buffer.from(s).toString('hex')}00`;

test('a read request: the checked path, leading "/" dropped and "\\" read as "/"', () => {
  assert.deepEqual(judgeRequest(rrq('/SEP001122334455.cnf.xml', [{ name: 'tsize', value: '0' }]), writable), {
    kind: 'rrq', path: 'SEP001122334455.cnf.xml', filename: '/SEP001122334455.cnf.xml', mode: 'octet', options: [{ name: 'tsize', value: '0' }],
  });
  assert.equal((judgeRequest(rrq('firmware\\a.loads'), writable) as { path: string }).path, 'firmware/a.loads');
  assert.equal(judgeRequest(wrq('backup/SEP0011.cfg'), writable).kind, 'wrq');
});

test('refusals: the ERROR code and the reason counted', () => {
  const cases: [Buffer, string, number][] = [
    [rrq('../etc/passwd'), 'dot-segment', 2],
    [rrq('firmware/../../etc/passwd'), 'dot-segment', 2],
    [rrq('a//b'), 'empty-segment', 2],
    [rrq(''), 'empty', 2],
    [rrq('a\u0001b'), 'control-character', 2],
    [Buffer.from(`000161ff00${z('octet')}`, 'hex'), 'not-utf8', 2],
    [rrq('firmware/'), 'not-a-file', 1],
    [wrq('backup/'), 'not-writable', 2],
    [wrq('SEP0011.cfg'), 'not-writable', 2],
    [wrq('../backup/x'), 'dot-segment', 2],
    [rrq('a', [], 'mail'), 'mail-mode', 4],
    [Buffer.from(`0001${z('a')}${z('octet')}${z('blksize')}`, 'hex'), 'bad-option', 8],
    [Buffer.from(`0002${z('a')}${z('octet')}${z('tsize')}${z('1')}${z('TSIZE')}${z('2')}`, 'hex'), 'bad-option', 8],
    [Buffer.from(`0001${z('a')}${z('binary')}`, 'hex'), 'bad-mode', 4],
    [Buffer.from('000161', 'hex'), 'unterminated-string', 4],
    [Buffer.from('0009', 'hex'), 'bad-opcode', 4],
    [Buffer.from('01', 'hex'), 'truncated', 4],
  ];
  for (const [input, reason, code] of cases) {
    const d = judgeRequest(input, writable);
    assert.equal(d.kind, 'refuse', `${reason}: ${JSON.stringify(d)}`);
    assert.equal((d as { reason: string }).reason, reason);
    assert.equal((d as { code: number }).code, code, reason);
  }
});

test('packets that are not requests are ignored, never answered: DATA, ACK, OACK, ERROR, broken or not', () => {
  for (const p of [
    encodePacket({ op: 'ack', block: 1 }), encodePacket({ op: 'data', block: 1, data: Buffer.alloc(3) }), encodePacket({ op: 'oack', options: [] }),
    encodePacket({ op: 'error', code: 0, message: 'x' }), Buffer.from('0005000178', 'hex'), Buffer.from('000400010203', 'hex'),
  ]) {
    assert.equal(judgeRequest(p, writable).kind, 'ignore', p.toString('hex'));
  }
});

test('negotiation: no options, no OACK, RFC 1350 defaults', () => {
  const r = negotiate({ op: 'rrq', mode: 'octet', options: [], size: 10 }, LIMITS);
  assert.deepEqual(r, { ok: true, agreed: { blksize: 512, windowsize: 1, timeoutMs: 1000, oack: [], ignored: [] } });
});

test('negotiation: blksize 8..65464 granted up to maxBlksize; timeout 1..255; tsize the size; windowsize up to maxWindowsize; in the client\'s order', () => {
  const r = negotiate({ op: 'rrq', mode: 'octet', size: 10_485_760, options: [
    { name: 'windowsize', value: '128' }, { name: 'tsize', value: '0' }, { name: 'blksize', value: '65464' }, { name: 'timeout', value: '3' },
  ] }, LIMITS);
  assert.ok(r.ok);
  assert.deepEqual(r.agreed.oack, [{ name: 'windowsize', value: '64' }, { name: 'tsize', value: '10485760' }, { name: 'blksize', value: '1468' }, { name: 'timeout', value: '3' }]);
  assert.deepEqual([r.agreed.blksize, r.agreed.windowsize, r.agreed.timeoutMs], [1468, 64, 3000]);
  const edges = negotiate({ op: 'rrq', mode: 'octet', size: 0, options: [{ name: 'blksize', value: '8' }, { name: 'timeout', value: '255' }, { name: 'windowsize', value: '1' }] }, LIMITS);
  assert.ok(edges.ok);
  assert.deepEqual([edges.agreed.blksize, edges.agreed.timeoutMs, edges.agreed.windowsize], [8, 255_000, 1]);
});

test('negotiation: values out of range or not integers, and unknown options, are left out of the OACK', () => {
  const r = negotiate({ op: 'rrq', mode: 'octet', size: 5, options: [
    { name: 'blksize', value: '7' }, { name: 'timeout', value: '0' }, { name: 'windowsize', value: '65536' }, { name: 'tsize', value: '-1' },
    { name: 'multicast', value: '' }, { name: 'utimeout', value: '500' },
  ] }, LIMITS);
  assert.ok(r.ok);
  assert.deepEqual(r.agreed.oack, []);
  assert.deepEqual([r.agreed.blksize, r.agreed.windowsize, r.agreed.timeoutMs], [512, 1, 1000]);
  assert.deepEqual(r.agreed.ignored.map((i) => i.name), ['blksize', 'timeout', 'windowsize', 'tsize', 'multicast', 'utimeout']);
  for (const v of ['65465', '1e3', ' 512', '+512', '0x200', '']) {
    const x = negotiate({ op: 'rrq', mode: 'octet', size: 5, options: [{ name: 'blksize', value: v }] }, LIMITS);
    assert.ok(x.ok && x.agreed.oack.length === 0, `blksize ${JSON.stringify(v)}`);
  }
});

test('negotiation: no tsize in netascii (the size is not known in advance)', () => {
  const r = negotiate({ op: 'rrq', mode: 'netascii', options: [{ name: 'tsize', value: '0' }] }, LIMITS);
  assert.ok(r.ok && r.agreed.oack.length === 0);
});

test('negotiation of a write: tsize echoed, refused with ERROR 3 over the limit; windowsize not granted', () => {
  const ok = negotiate({ op: 'wrq', mode: 'octet', options: [{ name: 'tsize', value: '2000' }, { name: 'windowsize', value: '8' }, { name: 'blksize', value: '1024' }] }, LIMITS);
  assert.ok(ok.ok);
  assert.deepEqual(ok.agreed.oack, [{ name: 'tsize', value: '2000' }, { name: 'blksize', value: '1024' }]);
  assert.equal(ok.agreed.windowsize, 1);
  const big = negotiate({ op: 'wrq', mode: 'octet', options: [{ name: 'tsize', value: String((1 << 20) + 1) }] }, LIMITS);
  assert.deepEqual(big, { ok: false, code: 3, message: 'file of 1048577 bytes is larger than the 1048576 allowed', reason: 'too-large' });
});

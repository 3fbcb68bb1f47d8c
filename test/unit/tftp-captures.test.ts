// Codec round trips over packets captured from real programs (test/fixtures/tftp/,
// written by test/lab/tools/capture-tftp.ts): tftp-hpa's and atftp's requests, with
// and without options, their ACKs and DATA, and tftpd-hpa's OACKs, DATA and ERRORs.
// Each decodes, re-encodes to the same bytes, and carries what its program was asked
// to send; the server's judgement of each request is what it should be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRequest } from '../../src/protocol/files/tftp-request.js';
import { negotiate } from '../../src/protocol/files/tftp-options.js';
import { decodePacket, encodePacket, type TftpPacket } from '../../src/wire/tftp/index.js';
import { tftpFixtures } from '../support/tftp-fixture.js';

const all = tftpFixtures();
const load = (prefix: string): TftpPacket => {
  const f = all.find((x) => x.name.startsWith(prefix));
  assert.ok(f, `fixture ${prefix}`);
  return decodePacket(f.bytes);
};

test('captures from tftp-hpa, atftp and tftpd-hpa are stored with their origin', () => {
  assert.ok(all.length >= 20, `${all.length} fixtures`);
  for (const p of ['tftp-hpa', 'atftp']) {
    assert.ok(all.some((f) => f.name.startsWith(`${p}-`) && f.name.endsWith('-rrq.hex')), `no RRQ from ${p}`);
    assert.ok(all.some((f) => f.name.startsWith(`${p}-`) && f.name.endsWith('-wrq.hex')), `no WRQ from ${p}`);
  }
  assert.ok(all.some((f) => f.name.endsWith('-tftpd-oack.hex')), 'no OACK from tftpd-hpa');
  for (const f of all) {
    assert.match(f.header[0] ?? '', /^# TFTP (RRQ|WRQ|DATA|ACK|ERROR|OACK) sent by (tftp|atftp|in\.tftpd) \((tftp-hpa|atftp|tftpd-hpa) [^)]+\) to /, `${f.name}: sender and version`);
    assert.match(f.header[1] ?? '', /^# 192\.0\.2\.\d+:\d+ -> 192\.0\.2\.\d+:\d+, \d+ bytes .*captured \d{4}-\d\d-\d\d/, `${f.name}: addresses, size, date`);
    assert.match(f.header[3] ?? '', /Command: (tftp|atftp) /, `${f.name}: command`);
    assert.equal(Number(/, (\d+) bytes/.exec(f.header[1]!)![1]), f.bytes.length, `${f.name}: size in the header`);
    assert.equal(decodePacket(f.bytes).op, /-([a-z]+)\.hex$/.exec(f.name)![1], `${f.name}: opcode in the name`);
  }
});

test('every capture decodes and re-encodes to the same bytes', () => {
  for (const f of all) assert.equal(encodePacket(decodePacket(f.bytes)).toString('hex'), f.bytes.toString('hex'), f.name);
});

test('tftp-hpa asks without options in octet or netascii mode; atftp sends options in its own order', () => {
  assert.deepEqual(load('tftp-hpa-01-get-octet-1-rrq'), { op: 'rrq', filename: 'SEP001122334455.cnf.xml', mode: 'octet', options: [] });
  assert.deepEqual(load('tftp-hpa-02-get-netascii-1-rrq'), { op: 'rrq', filename: 'SEP001122334455.cnf.xml', mode: 'netascii', options: [] });
  assert.deepEqual(load('atftp-05-get-1-rrq'), { op: 'rrq', filename: 'SEP001122334455.cnf.xml', mode: 'octet', options: [] });
  assert.deepEqual(load('atftp-06-get-options-1-rrq'), {
    op: 'rrq', filename: 'firmware/SIP88xx.loads', mode: 'octet',
    options: [{ name: 'tsize', value: '0' }, { name: 'timeout', value: '2' }, { name: 'blksize', value: '1428' }],
  });
  assert.deepEqual((load('atftp-07-get-windowsize-1-rrq') as { options: unknown }).options, [{ name: 'blksize', value: '1024' }, { name: 'windowsize', value: '8' }]);
  assert.deepEqual(load('atftp-08-put-options-1-wrq'), {
    op: 'wrq', filename: 'backup/SEP665544332211.cfg', mode: 'octet', options: [{ name: 'tsize', value: '24' }, { name: 'blksize', value: '512' }],
  });
});

test('tftpd-hpa: OACK in the client\'s order, windowsize not granted (5.2), ERROR 1 "File not found", netascii DATA with CR LF', () => {
  assert.deepEqual(load('atftp-06-get-options-2-tftpd-oack'), { op: 'oack', options: [{ name: 'tsize', value: '42' }, { name: 'timeout', value: '2' }, { name: 'blksize', value: '1428' }] });
  assert.deepEqual(load('atftp-07-get-windowsize-2-tftpd-oack'), { op: 'oack', options: [{ name: 'blksize', value: '1024' }] });
  assert.deepEqual(load('tftp-hpa-03-get-missing-2-tftpd-error'), { op: 'error', code: 1, message: 'File not found' });
  const data = load('tftp-hpa-02-get-netascii-2-tftpd-data') as { block: number; data: Buffer };
  assert.equal(data.block, 1);
  assert.ok(data.data.includes('\r\n') && !/[^\r]\n/.test(data.data.toString('latin1')));
});

test('the server\'s own answer to each captured request: atftp\'s options granted here, windowsize included', () => {
  const limits = { maxBlksize: 1468, maxWindowsize: 64, timeoutMs: 1000, maxWriteBytes: 1 << 20 };
  const writable = (p: string) => p.startsWith('backup/');
  for (const f of all.filter((x) => /-(rrq|wrq)\.hex$/.test(x.name))) {
    const d = judgeRequest(f.bytes, writable);
    assert.ok(d.kind === 'rrq' || d.kind === 'wrq', `${f.name}: ${JSON.stringify(d)}`);
  }
  const d = judgeRequest(all.find((x) => x.name.startsWith('atftp-07-get-windowsize-1-rrq'))!.bytes, writable);
  assert.ok(d.kind === 'rrq');
  const n = negotiate({ op: 'rrq', mode: d.mode, options: d.options, size: 42 }, limits);
  assert.ok(n.ok);
  assert.deepEqual(n.agreed.oack, [{ name: 'blksize', value: '1024' }, { name: 'windowsize', value: '8' }]);
});

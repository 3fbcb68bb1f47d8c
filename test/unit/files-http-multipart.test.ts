// The streaming multipart/form-data reader (src/protocol/files/http-multipart.ts): the
// body curl -F sends (captured below, boundary and all), read whole and split at every
// byte; parts, fields, file names (filename*, quoted escapes); the delimiter spread over
// chunks and look-alikes inside the data; hostile bodies one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipartError, MultipartReader, multipartBoundary, type MultipartEvent } from '../../src/protocol/files/http-multipart.js';

const BOUNDARY = '------------------------3e4f1c2b9a8d7e6f';
/** What curl 7.88 sends for `-F mac=0011 -F file=@SEP0011.cfg` (the file: two lines of settings). */
const CURL_BODY = [
  `--${BOUNDARY}`, 'Content-Disposition: form-data; name="mac"', '', '0011',
  `--${BOUNDARY}`, 'Content-Disposition: form-data; name="file"; filename="SEP0011.cfg"', 'Content-Type: application/octet-stream', '',
  'volume=5\r\nring=classic', `--${BOUNDARY}--`, '',
].join('\r\n');

interface Part { headers: Record<string, string>; data: string }

function read(body: Buffer, chunkSizes: (i: number) => number, boundary = BOUNDARY): Part[] {
  const reader = new MultipartReader(boundary);
  const events: MultipartEvent[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.max(1, chunkSizes(i));
    events.push(...reader.write(body.subarray(at, at + n)));
    at += n;
  }
  reader.finish();
  const parts: Part[] = [];
  for (const e of events) {
    if (e.type === 'part') parts.push({ headers: { ...e.headers }, data: '' });
    else if (e.type === 'data') parts.at(-1)!.data += e.data.toString('latin1');
  }
  assert.equal(events.at(-1)?.type, 'end');
  return parts;
}

const refusal = (body: string | Buffer, reason: string, boundary = BOUNDARY) => {
  assert.throws(() => {
    const reader = new MultipartReader(boundary, { maxHeaderBytes: 256, maxParts: 4, maxPreamble: 512 });
    reader.write(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'));
    reader.finish();
  }, (e: unknown) => e instanceof MultipartError && e.reason === reason, reason);
};

test('multipart: curl -F body read whole and in chunks of every size', () => {
  const want: Part[] = [
    { headers: { name: 'mac' }, data: '0011' },
    { headers: { name: 'file', filename: 'SEP0011.cfg', contentType: 'application/octet-stream' }, data: 'volume=5\r\nring=classic' },
  ];
  const body = Buffer.from(CURL_BODY);
  assert.deepEqual(read(body, () => body.length), want);
  for (let size = 1; size <= 64; size++) assert.deepEqual(read(body, () => size), want, `chunks of ${size}`);
  let seed = 7;
  assert.deepEqual(read(body, () => (seed = (seed * 48271) % 2147483647) % 9), want, 'irregular chunks');
});

test('multipart: data that looks like the delimiter, binary data, empty parts, preamble and epilogue, padding after the delimiter', () => {
  const binary = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37) % 256));
  const lookalike = `\r\n--${BOUNDARY.slice(0, -1)}X\r\n-${BOUNDARY}\n--${BOUNDARY}\r--${BOUNDARY}\r\n--${BOUNDARY.slice(0, -1)}`;
  const body = Buffer.concat([
    Buffer.from(`preamble to skip\r\n--${BOUNDARY}  \t\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n`),
    binary, Buffer.from(lookalike),
    Buffer.from(`\r\n--${BOUNDARY}\r\n\r\n\r\n--${BOUNDARY}--\r\nepilogue, ignored --${BOUNDARY}\r\n`),
  ]);
  for (const size of [1, 2, 3, 50, body.length]) {
    const parts = read(body, () => size);
    assert.equal(parts.length, 2);
    assert.deepEqual(Buffer.from(parts[0]!.data, 'latin1'), Buffer.concat([binary, Buffer.from(lookalike)]));
    assert.deepEqual(parts[1], { headers: {}, data: '' }, 'a part without headers or data');
  }
});

test('multipart: file names from filename* (RFC 8187) first, quoted escapes undone, parameters in any case', () => {
  const one = (disposition: string) => read(Buffer.from(`--b\r\nContent-Disposition: ${disposition}\r\n\r\nx\r\n--b--`), () => 1000, 'b')[0]!.headers;
  assert.deepEqual(one(`form-data; name="file"; filename="plain.cfg"; filename*=UTF-8''caf%C3%A9.cfg`), { name: 'file', filename: 'café.cfg' });
  assert.deepEqual(one('form-data; NAME=file; FileName="a \\"b\\".cfg"'), { name: 'file', filename: 'a "b".cfg' });
  assert.deepEqual(one('form-data; name=file; filename="C:\\phone\\SEP01.cfg"'), { name: 'file', filename: 'C:\\phone\\SEP01.cfg' }, 'a browser\'s unescaped backslashes');
  assert.deepEqual(one('form-data; name=file; filename="C:\\\\phone\\\\SEP01.cfg"'), { name: 'file', filename: 'C:\\phone\\SEP01.cfg' }, 'curl\'s escaped ones');
  assert.deepEqual(one('form-data; name=file; filename=C:\\phone\\SEP01.cfg'), { name: 'file', filename: 'C:\\phone\\SEP01.cfg' }, 'a token value kept as sent; the caller takes its last segment');
  assert.deepEqual(one("form-data; name=f; filename*=latin1''x.cfg"), { name: 'f' }, 'only UTF-8 ext-values');
});

test('multipart boundary: from the Content-Type, token or quoted, RFC 2046 characters, 1–70 of them', () => {
  assert.equal(multipartBoundary(`multipart/form-data; boundary=${BOUNDARY}`), BOUNDARY);
  assert.equal(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), 'a b:c');
  assert.equal(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(70)}`), 'x'.repeat(70));
  for (const bad of [undefined, 'multipart/form-data', 'multipart/mixed; boundary=x', 'text/plain; boundary=x', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="a "',
    `multipart/form-data; boundary=${'x'.repeat(71)}`, 'multipart/form-data; boundary="x\\"y"', 'multipart/form-data; boundary="unterminated']) {
    assert.equal(multipartBoundary(bad), undefined, String(bad));
  }
});

test('multipart: hostile bodies refused with their reason', () => {
  refusal(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno closing delimiter`, 'truncated');
  refusal('', 'truncated');
  refusal(`--${BOUNDARY}`, 'truncated');
  refusal(`${'x'.repeat(600)}`, 'preamble-too-long');
  refusal(`--${BOUNDARY}junk\r\n\r\n`, 'bad-delimiter');
  refusal(`--${BOUNDARY}${' '.repeat(100)}\r\n`, 'bad-delimiter');
  refusal(`--${BOUNDARY}\r\nX: ${'a'.repeat(300)}`, 'header-too-long');
  refusal(`--${BOUNDARY}\r\nX: ${'a'.repeat(300)}\r\n\r\n`, 'header-too-long');
  refusal(`--${BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--${BOUNDARY}--`, 'bad-header');
  refusal(`--${BOUNDARY}\r\n: empty name\r\n\r\nx\r\n--${BOUNDARY}--`, 'bad-header');
  refusal(`--${BOUNDARY}\r\n folded: line\r\n\r\nx\r\n--${BOUNDARY}--`, 'bad-header');
  refusal(`--${BOUNDARY}\r\nContent-Disposition: form-data; filename="unterminated\r\n\r\nx\r\n--${BOUNDARY}--`, 'bad-header');
  refusal(`--${BOUNDARY}\r\nContent-Disposition: form-data; =x\r\n\r\nx\r\n--${BOUNDARY}--`, 'bad-header');
  refusal(`${Array.from({ length: 5 }, () => `--${BOUNDARY}\r\n\r\nx\r\n`).join('')}--${BOUNDARY}--`, 'too-many-parts');
  // After the end nothing more is read, and nothing is refused.
  const reader = new MultipartReader('b');
  assert.deepEqual(reader.write(Buffer.from('--b--')).map((e) => e.type), ['end']);
  assert.deepEqual(reader.write(Buffer.from('anything at all')), []);
  assert.equal(reader.done, true);
  reader.finish();
});

// Byte ranges (src/protocol/files/http-range.ts): the forms of RFC 9110 §14.1.1, the
// decisions nginx 1.22 makes (checked by hand against it: docs/files.md "HTTP"), hostile
// headers, and the multipart/byteranges framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, layoutByteranges, planRanges, unsatisfiedRange } from '../../src/protocol/files/http-range.js';

const SIZE = 1000;
const partial = (...ranges: [number, number][]) => ({ kind: 'partial', ranges: ranges.map(([start, end]) => ({ start, end })) });
const WHOLE = { kind: 'whole' };
const UNSATISFIABLE = { kind: 'unsatisfiable' };

test('ranges: first-last, first-, -suffix, clipped at the end', () => {
  assert.deepEqual(planRanges('bytes=0-99', SIZE), partial([0, 99]));
  assert.deepEqual(planRanges('bytes=990-', SIZE), partial([990, 999]));
  assert.deepEqual(planRanges('bytes=-10', SIZE), partial([990, 999]));
  assert.deepEqual(planRanges('bytes=-5000', SIZE), partial([0, 999]), 'a suffix longer than the file is the whole file, as a range');
  assert.deepEqual(planRanges('bytes=900-5000', SIZE), partial([900, 999]));
  assert.deepEqual(planRanges('bytes=999-999', SIZE), partial([999, 999]));
  assert.deepEqual(planRanges('BYTES=0-9', SIZE), partial([0, 9]), 'the unit is case-insensitive');
  assert.deepEqual(planRanges('bytes= 0 - 9', SIZE), partial([0, 9]), 'spaces around numbers, as nginx reads them');
  assert.deepEqual(planRanges('bytes=00000000000000000000000001-2', SIZE), partial([1, 2]), 'leading zeros');
});

test('ranges: several are kept in the order asked; those past the end are dropped', () => {
  assert.deepEqual(planRanges('bytes=20-29,0-9', SIZE), partial([20, 29], [0, 9]));
  assert.deepEqual(planRanges('bytes=0-9,2000-3000', SIZE), partial([0, 9]));
  assert.deepEqual(planRanges('bytes=0-0,-1', SIZE), partial([0, 0], [999, 999]));
  assert.deepEqual(planRanges('bytes=0-9,,20-29,', SIZE), partial([0, 9], [20, 29]), 'empty list elements are skipped (RFC 9110 §5.6.1)');
});

test('ranges: no Range, another unit or a denial-of-service pattern → the whole file', () => {
  assert.deepEqual(planRanges(undefined, SIZE), WHOLE);
  assert.deepEqual(planRanges('items=0-9', SIZE), WHOLE);
  assert.deepEqual(planRanges('0-9', SIZE), WHOLE, 'no unit at all');
  assert.deepEqual(planRanges('bytes=0-999,0-999', SIZE), WHOLE, 'overlapping ranges adding up to more than the file');
  assert.deepEqual(planRanges(`bytes=${Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(',')}`, SIZE), WHOLE, 'more than 16 ranges');
  assert.deepEqual(planRanges(`bytes=${Array.from({ length: 16 }, (_, i) => `${i}-${i}`).join(',')}`, SIZE).kind, 'partial', '16 ranges are served');
  assert.deepEqual(planRanges('bytes=0-', 0), WHOLE, 'a file of 0 bytes asked from 0');
  assert.deepEqual(planRanges('bytes=-5', 0), WHOLE);
});

test('ranges: unsatisfiable or malformed → 416 (as nginx)', () => {
  for (const h of [
    'bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=5-2', 'bytes=abc', 'bytes=0-9,abc', 'bytes=-', 'bytes=', 'bytes=1-2-3', 'bytes=0x10-20',
    'bytes=99999999999999999999-', 'bytes=0-99999999999999999999', 'bytes=1e3-', 'bytes=+1-2', 'bytes=-1-', 'bytes=0-9;x', 'bytes=1 2-3',
    `bytes=${'9'.repeat(5000)}-`,
  ]) {
    assert.deepEqual(planRanges(h, SIZE), UNSATISFIABLE, h.slice(0, 40));
  }
  assert.deepEqual(planRanges('bytes=0-', 0), WHOLE);
  assert.deepEqual(planRanges('bytes=1-', 0), UNSATISFIABLE);
  assert.equal(unsatisfiedRange(SIZE), 'bytes */1000');
});

test('multipart/byteranges: framing and Content-Length add up to the bytes sent', () => {
  const layout = layoutByteranges([{ start: 0, end: 1 }, { start: 4, end: 5 }], 12, 'text/plain', 'B0UND');
  assert.equal(layout.contentType, 'multipart/byteranges; boundary=B0UND');
  assert.equal(layout.parts[0]!.head.toString(), '\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/12\r\n\r\n');
  assert.equal(layout.parts[1]!.head.toString(), '\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-5/12\r\n\r\n');
  assert.equal(layout.tail.toString(), '\r\n--B0UND--\r\n');
  const file = Buffer.from('hello world\n');
  const body = Buffer.concat([...layout.parts.flatMap((p) => [p.head, file.subarray(p.range.start, p.range.end + 1)]), layout.tail]);
  assert.equal(layout.length, body.length);
  // nginx 1.22 sent 198 bytes for this request of a 12-byte text file, with a 20-digit boundary (3 times, 15 longer than ours).
  assert.equal(layout.length, 198 - 3 * 15);
  assert.equal(contentRange({ start: 990, end: 999 }, SIZE), 'bytes 990-999/1000');
});

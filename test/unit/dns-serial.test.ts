// RFC 1982 serial arithmetic at the edges: equality, the wrap-around at 2^32, the
// undefined pair 2^31 apart, addition with wrap, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSerial, serialAdd, serialGreater } from '../../src/protocol/dns/serial.js';

const MAX = 0xffffffff;

test('newer, older and the same, far from the wrap', () => {
  assert.equal(compareSerial(2026113002, 2026113001), 'newer');
  assert.equal(compareSerial(2026113001, 2026113002), 'older');
  assert.equal(compareSerial(7, 7), 'same');
  assert.ok(serialGreater(1, 0));
  assert.ok(!serialGreater(0, 0));
});

test('the wrap-around: 0 is newer than 2^32 − 1, 1 than 2^32 − 2; and not the other way', () => {
  assert.equal(compareSerial(0, MAX), 'newer');
  assert.equal(compareSerial(MAX, 0), 'older');
  assert.equal(compareSerial(1, MAX - 1), 'newer');
  assert.equal(compareSerial(100, MAX - 100), 'newer');
  assert.ok(serialGreater(serialAdd(MAX, 1), MAX));
});

test('up to 2^31 − 1 ahead is newer; exactly 2^31 apart is undefined both ways; 2^31 + 1 ahead is older', () => {
  const half = 2 ** 31;
  assert.equal(compareSerial(half - 1, 0), 'newer');
  assert.equal(compareSerial(half, 0), 'undefined');
  assert.equal(compareSerial(0, half), 'undefined');
  assert.equal(compareSerial(half + 1, 0), 'older');
  assert.equal(compareSerial(5, 5 + half), 'undefined');
  assert.ok(!serialGreater(half, 0) && !serialGreater(0, half), 'neither is greater (RFC 1982 §3.2)');
});

test('serialAdd wraps at 2^32 and takes 0 .. 2^31 − 1 only; bad serials are refused', () => {
  assert.equal(serialAdd(MAX, 1), 0);
  assert.equal(serialAdd(MAX - 1, 5), 3);
  assert.equal(serialAdd(10, 2 ** 31 - 1), 10 + 2 ** 31 - 1);
  assert.throws(() => serialAdd(1, 2 ** 31), RangeError);
  assert.throws(() => serialAdd(1, -1), RangeError);
  assert.throws(() => compareSerial(2 ** 32, 0), RangeError);
  assert.throws(() => compareSerial(-1, 0), RangeError);
  assert.throws(() => compareSerial(1.5, 0), RangeError);
});

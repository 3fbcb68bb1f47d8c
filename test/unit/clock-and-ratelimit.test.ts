import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { RateLimitedLog } from '../../src/runtime/rate-limited-log.js';
import { memoryLogger } from '../support/memory-log.js';

test('fake clock fires timers in due order, only when advanced, and not when cancelled', () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimer(200, () => fired.push('b'));
  clock.setTimer(100, () => { fired.push('a'); clock.setTimer(50, () => fired.push('a+50')); });
  const c = clock.setTimer(120, () => fired.push('cancelled'));
  c.cancel();
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(101);
  assert.deepEqual(fired, ['a', 'a+50', 'b']);
  assert.equal(clock.now(), 200);
  assert.equal(clock.pendingTimers(), 0);
});

test('rate-limited log lets 10 lines a minute through and counts the rest', () => {
  const clock = new FakeClock(0);
  const { log, lines } = memoryLogger();
  const limited = new RateLimitedLog(log, 'STATUS_REQUEST_FAILED', clock, 10, 60_000);
  for (let i = 0; i < 25; i++) limited.event({ i });
  assert.equal(lines().length, 10);
  clock.advance(60_000);
  limited.event({ i: 25 });
  const last = lines().at(-1);
  assert.equal(lines().length, 11);
  assert.equal(last?.code, 'STATUS_REQUEST_FAILED');
  assert.equal(last?.suppressed, 15);
  assert.equal(last?.total, 26);
});

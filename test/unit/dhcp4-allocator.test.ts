import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator, PoolBits } from '../../src/protocol/dhcp/allocator.js';
import { EMPTY_LAYER } from '../../src/protocol/dhcp/model.js';
import { ip, subnet } from '../support/dhcp4-fixture.js';

const pool = (first: string, last: string) => new PoolBits({ first: ip(first), last: ip(last), options: EMPTY_LAYER });

test('hands out every address once, round-robin, then reports the pool full', () => {
  const p = pool('192.0.2.10', '192.0.2.109');
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const a = p.next();
    assert.ok(a !== undefined && !seen.has(a));
    seen.add(a);
    p.take(a);
  }
  assert.equal(p.next(), undefined);
  assert.equal(p.taken, 100);
  p.free(ip('192.0.2.50'));
  assert.equal(p.next(), ip('192.0.2.50'));
});

test('the search resumes after the last address handed out, so a freed one is reused last', () => {
  const p = pool('192.0.2.0', '192.0.2.3');
  const a = p.next()!;
  p.take(a);
  p.free(a);
  assert.equal(p.next(), ip('192.0.2.1'));
});

test('skips whole taken words and wraps around in a large pool', () => {
  const p = pool('198.18.0.0', '198.19.255.255'); // /15: 131072 addresses
  for (let i = 0; i < 131_000; i++) p.take(ip('198.18.0.0') + i);
  const found = new Set<number>();
  for (let i = 0; i < 72; i++) { const a = p.next()!; found.add(a); p.take(a); }
  assert.equal(found.size, 72);
  assert.equal(p.next(), undefined);
  assert.equal(p.capacity, 131_072);
});

test('excluded addresses inside a pool are never handed out', () => {
  const s = subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.10-192.0.2.12'], excluded: ['192.0.2.11'] });
  const alloc = new Allocator([s]);
  const bits = alloc.pools(1)[0]!;
  const got = [bits.next()!, (bits.take(ip('192.0.2.10')), bits.next())];
  assert.deepEqual(got, [ip('192.0.2.10'), ip('192.0.2.12')]);
});

// The in-memory lease store of the protocol tier through the shared lease store
// suite, and the pieces only it exposes: the expiry heap, the reclaim helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryHeap, LeaseIndex, MemoryLeaseStore, leaseProblem, makeLease, reclaimedLease } from '../../src/protocol/dhcp/memory-lease-store.js';
import { ADDR, T0, leaseStoreSuite, makeTestLease } from '../support/lease-store-suite.js';
import { seededRandom } from '../support/random.js';

leaseStoreSuite('memory', { create: async () => new MemoryLeaseStore() });

test('the expiry heap agrees with a brute-force model over random pushes, changes and scans (seeded)', () => {
  const rnd = seededRandom(42);
  const heap = new ExpiryHeap();
  const model = new Map<number, number>(); // key → current expiresAt
  const current = (k: number, t: number) => model.get(k) === t;
  for (let i = 0; i < 50_000; i++) {
    const key = Math.floor(rnd() * 800) - 400; // negative keys too: addresses above 2^31 are stored as int32
    if (rnd() < 0.8) {
      const t = T0 + Math.floor(rnd() * 1000) * 37; // repeated times: ties and back-and-forth changes
      model.set(key, t);
      heap.push(key, t);
    } else {
      model.delete(key);
    }
    if (i % 5000 === 4999) heap.rebuild(current);
    if (i % 89 === 0) {
      const now = T0 + Math.floor(rnd() * 1000) * 37;
      const limit = rnd() < 0.4 ? 1 + Math.floor(rnd() * 8) : 1e9;
      const got = heap.due(now, limit, current);
      const want = [...model].filter(([, t]) => t <= now).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      assert.equal(new Set(got).size, got.length, 'no key twice');
      assert.equal(got.length, Math.min(limit, want.length));
      for (let j = 1; j < got.length; j++) assert.ok(model.get(got[j - 1]!)! <= model.get(got[j]!)!, 'earliest first');
      if (got.length > 0) {
        const worst = model.get(got.at(-1)!)!;
        const gotSet = new Set(got);
        for (const [k, t] of want) if (!gotSet.has(k)) assert.ok(t >= worst, 'nothing earlier left out');
      }
    }
  }
});

test('the expiry heap stays bounded: renewals leave stale entries that rebuilds drop', () => {
  const idx = new LeaseIndex();
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 2000; i++) idx.set(makeLease(makeTestLease(0, { address: ADDR(0) + i, clientKey: `k${i}`, expiresAt: T0 + round * 1e6 + i })));
  }
  const heapLength = (idx as unknown as { expiry: ExpiryHeap }).expiry.length;
  assert.ok(heapLength <= 3 * 2000 + 4096, `the heap holds ${heapLength} entries for 2000 leases after 100000 renewals`);
  assert.equal(idx.dueForExpiry(T0 + 49e6 + 999, 1e9).length, 1000);
});

test('reclaimedLease keeps the binding and marks it expired from now', () => {
  const l = makeTestLease(3, { hostname: 'ap-3' });
  const r = reclaimedLease(l, T0 + 99);
  assert.deepEqual(r, { ...l, state: 'expired', startedAt: T0 + 99, expiresAt: T0 + 99 });
  assert.equal(leaseProblem(r), undefined);
  assert.ok(Object.isFrozen(r));
});

test('the engine\'s reclaim loop: scan, commit expired, scan again finds nothing', async () => {
  const s = new MemoryLeaseStore();
  for (let i = 0; i < 50; i++) await s.commit(makeTestLease(i, { expiresAt: T0 + i * 1000 }));
  const now = T0 + 25_000;
  let reclaimed = 0;
  for (;;) {
    const due = s.dueForExpiry(now, 8);
    if (due.length === 0) break;
    for (const l of due) await s.commit(reclaimedLease(l, now));
    reclaimed += due.length;
  }
  assert.equal(reclaimed, 26);
  assert.equal(s.get(ADDR(25))!.state, 'expired');
  assert.equal(s.get(ADDR(26))!.state, 'bound');
});

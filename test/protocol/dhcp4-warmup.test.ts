// The DHCPv4 service's JIT warm-up (src/site/dhcp-warmup.ts) completes real DORA
// exchanges over the site's own model, and touches nothing of the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { compileDhcp } from '../../src/protocol/dhcp/compile.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { warmUpDhcp4 } from '../../src/site/dhcp-warmup.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import { FailoverPolicy } from '../../src/protocol/failover/policy.js';
import { ReplicatedLeaseStore } from '../../src/protocol/failover/replicated-store.js';
import { repoRoot } from '../support/paths.js';
import { openWarmPair } from '../../src/site/failover-warmup.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import type { RelationshipModel } from '../../src/protocol/failover/model.js';

function model() {
  const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', 'single-site.jsonc'), 'utf8'));
  assert.ok(r.ok && r.loaded.config.dhcp);
  return compileDhcp(r.loaded.config.dhcp);
}

test('warm-up: runs the requested number of full exchanges through a throwaway engine', async () => {
  const m = model();
  const r = await warmUpDhcp4(m, new FakeClock(), { exchanges: 200, budgetMs: 10_000 });
  assert.equal(r.exchanges, 200);
  // A second run over the same model allocates from the start again: nothing was kept.
  const again = await warmUpDhcp4(m, new FakeClock(), { exchanges: 200, budgetMs: 10_000 });
  assert.equal(again.exchanges, 200);
});

test('warm-up: zero exchanges, or a model without pools, warms nothing', async () => {
  assert.deepEqual(await warmUpDhcp4(model(), new FakeClock(), { exchanges: 0 }), { exchanges: 0, ms: 0 });
  const noPools = { ...model(), subnets: [] };
  assert.deepEqual(await warmUpDhcp4(noPools, new FakeClock()), { exchanges: 0, ms: 0 });
});

test('warm-up: runs over throwaway stores from the given factory, disposes of each, and falls back to memory when it fails', async () => {
  const m = model();
  const opened: MemoryLeaseStore[] = [];
  let disposed = 0;
  const r = await warmUpDhcp4(m, new FakeClock(), {
    exchanges: 300, budgetMs: 10_000,
    store: async () => {
      const store = new MemoryLeaseStore();
      opened.push(store);
      return { store, dispose: async () => { disposed++; await store.close(); } };
    },
  });
  assert.deepEqual([r.exchanges, r.store], [300, 'throwaway']);
  assert.ok(opened.length >= 1 && opened.reduce((n, s) => n + s.size, 0) > 0, 'the leases went to the throwaway stores');
  assert.equal(disposed, opened.length, 'every throwaway store disposed of');
  const failing = await warmUpDhcp4(m, new FakeClock(), { exchanges: 100, budgetMs: 10_000, store: () => Promise.reject(new Error('no temp dir')) });
  assert.deepEqual([failing.exchanges, failing.store], [100, 'memory']);
});

test('warm-up under failover without a warm partner: the engine runs over the wrapped store with the policy, as the real one does, and completes every exchange', async () => {
  const m = model();
  const policy = new FailoverPolicy([]);
  const wrapped: ReplicatedLeaseStore[] = [];
  const inner: MemoryLeaseStore[] = [];
  const r = await warmUpDhcp4(m, new FakeClock(), {
    exchanges: 300, budgetMs: 10_000,
    store: async () => {
      const store = new MemoryLeaseStore();
      inner.push(store);
      return { store, dispose: () => store.close() };
    },
    failover: {
      open: async (s) => {
        const w = new ReplicatedLeaseStore(s, policy);
        wrapped.push(w);
        return { store: w, policy, dispose: () => Promise.resolve() };
      },
    },
  });
  assert.deepEqual([r.exchanges, r.store], [300, 'throwaway']);
  assert.equal(wrapped.length, inner.length, 'every throwaway store wrapped');
  // A policy without relationships replicates nothing: the bindings land in the throwaway stores.
  assert.ok(inner.reduce((n, s) => n + s.size, 0) > 0);
});

for (const [name, clock] of [['fake', () => new FakeClock()], ['system', () => systemClock]] as const) {
  test(`warm-up with a warm partner (${name} clock): every ACKed binding went through the codec link to the partner's store, and the pair stops`, async () => {
    const m = model();
    const rm: RelationshipModel = {
      name: 'real', mode: 'load-balancing', role: 'standby', partnerName: 'p', subnetIds: [], split: 50, standbyReserve: 10,
      mcltMs: 3_600_000, heartbeatMs: 1000, missedHeartbeats: 3, updateTimeoutMs: 2000, pageSize: 1000, startupWaitMs: 5000, maxClockSkewMs: 5000,
      confirm: { refused: true, unansweredClients: 0, ackDelaySeconds: 10 }, failback: { automatic: false, delayMs: 60_000 },
    };
    const engineStores: MemoryLeaseStore[] = [];
    const partnerStores: MemoryLeaseStore[] = [];
    let pairs = 0;
    let disposed = 0;
    const openPartner = async () => {
      const store = new MemoryLeaseStore();
      partnerStores.push(store);
      return { store, dispose: () => store.close() };
    };
    const c = clock();
    const r = await warmUpDhcp4(m, c, {
      exchanges: 300, budgetMs: 10_000,
      store: async () => {
        const store = new MemoryLeaseStore();
        engineStores.push(store);
        return { store, dispose: () => store.close() };
      },
      failover: {
        open: async (s) => {
          const pair = await openWarmPair(rm, m.subnets.map((x) => x.id), s, openPartner, c);
          assert.ok(pair, 'the warm pair reached normal');
          pairs++;
          return { ...pair, dispose: async () => { disposed++; await pair.dispose(); } };
        },
      },
    });
    assert.equal(r.exchanges, 300);
    assert.ok(pairs >= 1 && disposed === pairs, `every pair disposed of (${disposed}/${pairs})`);
    const bound = (stores: MemoryLeaseStore[]) => stores.flatMap((s) => [...s.all()].filter((l) => l.state === 'bound').map((l) => `${l.address}/${l.clientKey}`)).sort();
    const acked = bound(engineStores);
    assert.ok(acked.length > 0);
    assert.deepEqual(bound(partnerStores), acked, 'the partner holds every binding the warm engine ACKed');
  });
}

// The one test suite every DHCPv4 lease store passes (BRIEF practice 7): the
// in-memory store of the protocol tier, the fsynced journal, later the failover
// replica. A backend gives a factory; durable backends also say how to reopen a
// store from what it persisted, and every test that can also checks after a reopen.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, LeaseState } from '../../src/protocol/dhcp/lease.js';
import type { LeaseStore } from '../../src/protocol/dhcp/lease-store.js';
import { EXPIRING_STATES, MAX_CLIENT_KEY_LENGTH, MAX_HOSTNAME_LENGTH, MAX_HW_ADDRESS_LENGTH } from '../../src/protocol/dhcp/memory-lease-store.js';
import { seededRandom } from './random.js';

export interface LeaseStoreFactory {
  /** A fresh, empty store. */
  create(): Promise<LeaseStore>;
  /** Durable backends: closes the store and opens it again from what it persisted. */
  reopen?(store: LeaseStore): Promise<LeaseStore>;
  /** Removes whatever create() made (temporary directories). */
  cleanup?(): Promise<void>;
}

export const T0 = Date.UTC(2026, 0, 1);
export const ADDR = (n: number): number => (0xc0000200 + n) >>> 0; // 192.0.2.n

export function makeTestLease(n: number, over: Partial<Lease> = {}): Lease {
  return {
    address: ADDR(n),
    subnetId: 1,
    clientKey: `hw:0200000000${n.toString(16).padStart(2, '0')}`,
    hwAddress: `0200000000${n.toString(16).padStart(2, '0')}`,
    state: 'bound',
    startedAt: T0,
    expiresAt: T0 + 3_600_000,
    ...over,
  };
}

/** Everything observable about a store, for comparisons before and after a reopen. */
export function storeView(s: LeaseStore): { leases: Lease[]; clients: string[]; due: number[] } {
  const leases = [...s.all()].map((l) => ({ ...l })).sort((a, b) => a.address - b.address);
  const clients = leases
    .map((l) => s.findByClient(l.subnetId, l.clientKey))
    .filter((l): l is Lease => l !== undefined)
    .map((l) => `${l.subnetId}/${l.clientKey}→${l.address}`);
  const due = s.dueForExpiry(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((l) => l.address).sort((a, b) => a - b);
  return { leases, clients: [...new Set(clients)].sort(), due };
}

export async function rejectsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.equal((e as { code?: string }).code, code, `expected ${code}, got ${String(e)}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  });
}

export function leaseStoreSuite(name: string, factory: LeaseStoreFactory): void {
  const durable = factory.reopen !== undefined;

  /** Runs `body` on a fresh store, closes it whatever happens; `reopen` swaps in the reopened store. */
  const withStore = async (body: (s: LeaseStore, reopen: () => Promise<LeaseStore>) => Promise<void>) => {
    let store = await factory.create();
    const reopen = async () => {
      if (!factory.reopen) return store;
      store = await factory.reopen(store);
      return store;
    };
    try {
      await body(store, reopen);
    } finally {
      await store.close().catch(() => undefined);
    }
  };

  describe(`lease store suite: ${name}`, () => {
    after(async () => { await factory.cleanup?.(); });

    test('a new store is empty', () => withStore(async (s) => {
      assert.equal(s.size, 0);
      assert.equal(s.get(ADDR(1)), undefined);
      assert.equal(s.findByClient(1, 'hw:020000000001'), undefined);
      assert.deepEqual([...s.all()], []);
      assert.deepEqual(s.dueForExpiry(T0 + 1e12, 100), []);
    }));

    test('commit then get, findByClient, all and size see the lease' + (durable ? ' (and after a reopen)' : ''), () => withStore(async (s, reopen) => {
      const l = makeTestLease(1, { hostname: 'phone-1' });
      await s.commit(l);
      for (const st of [s, await reopen()]) {
        assert.deepEqual(st.get(l.address), l);
        assert.deepEqual(st.findByClient(1, l.clientKey), l);
        assert.equal(st.findByClient(2, l.clientKey), undefined, 'client keys are per subnet');
        assert.deepEqual([...st.all()], [l]);
        assert.equal(st.size, 1);
      }
    }));

    test('the stored lease is a copy: changing the caller\'s object afterwards changes nothing', () => withStore(async (s) => {
      const l = { ...makeTestLease(2) } as { -readonly [K in keyof Lease]: Lease[K] };
      await s.commit(l);
      l.state = 'released';
      l.expiresAt = 0;
      assert.equal(s.get(ADDR(2))!.state, 'bound');
      assert.equal(s.get(ADDR(2))!.expiresAt, T0 + 3_600_000);
    }));

    test('every field round-trips: all stored states, extreme numbers, unicode and maximal strings', () => withStore(async (s, reopen) => {
      const leases: Lease[] = [
        makeTestLease(0, { address: 0, subnetId: 0, state: 'bound' }),
        makeTestLease(1, { address: 0xffffffff, subnetId: 0xffffffff, state: 'released', startedAt: -1.5, expiresAt: 8.64e15 }),
        makeTestLease(2, { state: 'expired', hostname: '' }),
        makeTestLease(3, { state: 'declined', hostname: 'téléphone-accueil-☎-𝄞', hwAddress: '' }),
        makeTestLease(4, { clientKey: 'f'.repeat(MAX_CLIENT_KEY_LENGTH), hwAddress: 'a'.repeat(MAX_HW_ADDRESS_LENGTH), hostname: 'h'.repeat(MAX_HOSTNAME_LENGTH) }),
        makeTestLease(5, { clientKey: '☎'.repeat(MAX_CLIENT_KEY_LENGTH), hostname: '𝄞'.repeat(MAX_HOSTNAME_LENGTH / 2), startedAt: 1234.5678, expiresAt: 0.1 }),
        // failover's partnerExpiry, with and without a host name, 0 included
        makeTestLease(6, { partnerExpiry: T0 + 7_200_000 }),
        makeTestLease(7, { state: 'released', hostname: 'phone-7', partnerExpiry: 0 }),
      ];
      for (const l of leases) await s.commit(l);
      for (const st of [s, await reopen()]) {
        for (const l of leases) assert.deepEqual(st.get(l.address), l);
        assert.equal(st.get(ADDR(2))!.hostname, '');
        assert.ok(!('hostname' in st.get(0)!), 'an absent host name stays absent');
        assert.ok(!('partnerExpiry' in st.get(0)!), 'an absent partnerExpiry stays absent');
      }
    }));

    test('a commit replaces the lease of its address; a new client takes over the address', () => withStore(async (s, reopen) => {
      await s.commit(makeTestLease(1));
      const taken = makeTestLease(1, { clientKey: 'hw:0a0000000001', hwAddress: '0a0000000001', startedAt: T0 + 5 });
      await s.commit(taken);
      for (const st of [s, await reopen()]) {
        assert.equal(st.size, 1);
        assert.deepEqual(st.get(ADDR(1)), taken);
        assert.equal(st.findByClient(1, 'hw:020000000001'), undefined, 'the old client no longer holds it');
        assert.deepEqual(st.findByClient(1, 'hw:0a0000000001'), taken);
      }
    }));

    test('a client that moves to another address is found at the new one; the old lease stays under its address', () => withStore(async (s, reopen) => {
      const old = makeTestLease(1, { state: 'released' });
      const moved = makeTestLease(2, { clientKey: old.clientKey, hwAddress: old.hwAddress });
      await s.commit(old);
      await s.commit(moved);
      for (const st of [s, await reopen()]) {
        assert.deepEqual(st.findByClient(1, old.clientKey), moved);
        assert.deepEqual(st.get(ADDR(1)), old);
        assert.equal(st.size, 2);
      }
      // Replacing or removing the lease that holds the client's entry forgets the entry (no promotion).
      const cur = await reopen();
      await cur.remove(ADDR(2));
      assert.equal(cur.findByClient(1, old.clientKey), undefined);
      const st = await reopen();
      assert.equal(st.findByClient(1, old.clientKey), undefined);
      assert.deepEqual(st.get(ADDR(1)), old);
    }));

    test('the same client key in two subnets makes two independent entries', () => withStore(async (s, reopen) => {
      const a = makeTestLease(1, { subnetId: 1 });
      const b = makeTestLease(2, { subnetId: 2, clientKey: a.clientKey });
      await Promise.all([s.commit(a), s.commit(b)]);
      for (const st of [s, await reopen()]) {
        assert.deepEqual(st.findByClient(1, a.clientKey), a);
        assert.deepEqual(st.findByClient(2, a.clientKey), b);
      }
    }));

    test('remove forgets an address durably; removing an unknown address is harmless', () => withStore(async (s, reopen) => {
      await s.commit(makeTestLease(1));
      await s.commit(makeTestLease(2));
      await s.remove(ADDR(1));
      await s.remove(ADDR(99));
      for (const st of [s, await reopen()]) {
        assert.equal(st.get(ADDR(1)), undefined);
        assert.equal(st.findByClient(1, makeTestLease(1).clientKey), undefined);
        assert.equal(st.size, 1);
        assert.deepEqual([...st.all()].map((l) => l.address), [ADDR(2)]);
      }
    }));

    test('commits resolve in call order and the last one wins (also across removes)', () => withStore(async (s, reopen) => {
      const resolved: number[] = [];
      const ps: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) {
        const p = i % 7 === 3 ? s.remove(ADDR(i % 5)) : s.commit(makeTestLease(i % 5, { startedAt: T0 + i }));
        ps.push(p.then(() => { resolved.push(i); }));
      }
      await Promise.all(ps);
      assert.deepEqual(resolved, [...resolved].sort((a, b) => a - b));
      const expected = new Map<number, number | undefined>();
      for (let i = 0; i < 300; i++) expected.set(i % 5, i % 7 === 3 ? undefined : T0 + i);
      for (const st of [s, await reopen()]) {
        for (const [n, started] of expected) assert.equal(st.get(ADDR(n))?.startedAt, started, `address ${n}`);
      }
    }));

    test('an unstorable lease is refused with DHCP_LEASE_INVALID and changes nothing', () => withStore(async (s, reopen) => {
      await s.commit(makeTestLease(1));
      const bad: [string, unknown][] = [
        ['offered', makeTestLease(1, { state: 'offered' })],
        ['unknown state', makeTestLease(1, { state: 'leased' as LeaseState })],
        ['negative address', makeTestLease(1, { address: -1 })],
        ['address above 32 bits', makeTestLease(1, { address: 2 ** 32 })],
        ['fractional address', makeTestLease(1, { address: 1.5 })],
        ['address as string', makeTestLease(1, { address: '192.0.2.1' as unknown as number })],
        ['subnet NaN', makeTestLease(1, { subnetId: Number.NaN })],
        ['empty client key', makeTestLease(1, { clientKey: '' })],
        ['client key too long', makeTestLease(1, { clientKey: 'a'.repeat(MAX_CLIENT_KEY_LENGTH + 1) })],
        ['hw address too long', makeTestLease(1, { hwAddress: 'a'.repeat(MAX_HW_ADDRESS_LENGTH + 1) })],
        ['host name too long', makeTestLease(1, { hostname: 'a'.repeat(MAX_HOSTNAME_LENGTH + 1) })],
        ['host name not a string', makeTestLease(1, { hostname: 42 as unknown as string })],
        ['host name with a lone surrogate', makeTestLease(1, { hostname: 'phone-\uD83D' })],
        ['startedAt infinite', makeTestLease(1, { startedAt: Number.POSITIVE_INFINITY })],
        ['expiresAt missing', { ...makeTestLease(1), expiresAt: undefined }],
        ['null', null],
      ];
      for (const [what, l] of bad) {
        await rejectsWith(s.commit(l as Lease), 'DHCP_LEASE_INVALID');
        assert.deepEqual(s.get(ADDR(1)), makeTestLease(1), what);
      }
      await rejectsWith(s.remove(-5), 'DHCP_LEASE_INVALID');
      await rejectsWith(s.commit(makeTestLease(1, { state: 'offered' })), 'DHCP_LEASE_INVALID', /offered/);
      const st = await reopen();
      assert.deepEqual([...st.all()], [makeTestLease(1)]);
    }));

    test('dueForExpiry: bound and declined leases past expiresAt, earliest first, within a limit, until reclaimed', () => withStore(async (s, reopen) => {
      const H = 3_600_000;
      await s.commit(makeTestLease(1, { expiresAt: T0 + 3 * H }));
      await s.commit(makeTestLease(2, { expiresAt: T0 + 1 * H }));
      await s.commit(makeTestLease(3, { expiresAt: T0 + 2 * H, state: 'declined' }));
      await s.commit(makeTestLease(4, { expiresAt: T0 + 1 * H, state: 'released' }));
      await s.commit(makeTestLease(5, { expiresAt: T0 + 1 * H, state: 'expired' }));
      await s.commit(makeTestLease(6, { expiresAt: T0 + 9 * H }));
      let st = await reopen();
      const due = (now: number, limit = 100) => st.dueForExpiry(now, limit).map((l) => l.address);
      assert.deepEqual(due(T0), []);
      assert.deepEqual(due(T0 + H - 1), []);
      assert.deepEqual(due(T0 + H), [ADDR(2)], 'expiresAt ≤ now is due; released and expired never are');
      assert.deepEqual(due(T0 + 3 * H), [ADDR(2), ADDR(3), ADDR(1)]);
      assert.deepEqual(due(T0 + 3 * H, 2), [ADDR(2), ADDR(3)]);
      assert.deepEqual(due(T0 + 3 * H, 0), []);
      assert.deepEqual(due(T0 + 3 * H), [ADDR(2), ADDR(3), ADDR(1)], 'a scan removes nothing');
      // Reclaim 2, renew 1, remove 3: none is due any more.
      await st.commit(makeTestLease(2, { state: 'expired', startedAt: T0 + 3 * H, expiresAt: T0 + 3 * H }));
      await st.commit(makeTestLease(1, { expiresAt: T0 + 5 * H }));
      await st.remove(ADDR(3));
      assert.deepEqual(due(T0 + 3 * H), []);
      st = await reopen();
      assert.deepEqual(due(T0 + 3 * H), []);
      assert.deepEqual(due(T0 + 10 * H), [ADDR(1), ADDR(6)]);
    }));

    test('dueForExpiry is exact to the millisecond and strictly earliest first', () => withStore(async (s) => {
      const base = T0 + 1e6;
      await s.commit(makeTestLease(1, { expiresAt: base + 2 }));
      await s.commit(makeTestLease(2, { expiresAt: base + 1 }));
      await s.commit(makeTestLease(3, { expiresAt: base + 3 }));
      assert.deepEqual(s.dueForExpiry(base, 10), []);
      assert.deepEqual(s.dueForExpiry(base + 1, 10).map((l) => l.address), [ADDR(2)]);
      assert.deepEqual(s.dueForExpiry(base + 2, 10).map((l) => l.address), [ADDR(2), ADDR(1)]);
      assert.deepEqual(s.dueForExpiry(base + 3, 1).map((l) => l.address), [ADDR(2)]);
      assert.deepEqual(s.dueForExpiry(base + 3, 10).map((l) => l.address), [ADDR(2), ADDR(1), ADDR(3)]);
    }));

    test('an expiry time that moves back and forth is due once, at its current value', () => withStore(async (s, reopen) => {
      for (let i = 0; i < 50; i++) await s.commit(makeTestLease(1, { expiresAt: T0 + (i % 2 ? 5000 : 1000), startedAt: T0 + i }));
      await s.commit(makeTestLease(1, { expiresAt: T0 + 1000, state: 'declined' }));
      for (const st of [s, await reopen()]) {
        assert.deepEqual(st.dueForExpiry(T0 + 999, 10), []);
        assert.deepEqual(st.dueForExpiry(T0 + 1000, 10).map((l) => [l.address, l.state]), [[ADDR(1), 'declined']]);
        assert.deepEqual(st.dueForExpiry(T0 + 9999, 10).map((l) => [l.address, l.state]), [[ADDR(1), 'declined']]);
      }
    }));

    test('after close, commit and remove are refused with DHCP_LEASE_STORE_CLOSED; close twice is fine', async () => {
      const s = await factory.create();
      await s.commit(makeTestLease(1));
      await s.close();
      await rejectsWith(s.commit(makeTestLease(2)), 'DHCP_LEASE_STORE_CLOSED');
      await rejectsWith(s.remove(ADDR(1)), 'DHCP_LEASE_STORE_CLOSED');
      await s.close();
    });

    test('close resolves only after every commit made before it is durable', () => withStore(async (s, reopen) => {
      const ps = Array.from({ length: 100 }, (_, i) => s.commit(makeTestLease(i)));
      const settled = Promise.allSettled(ps);
      await s.close();
      assert.ok((await settled).every((r) => r.status === 'fulfilled'));
      if (durable) {
        const st = await reopen();
        assert.equal(st.size, 100);
      }
    }));

    test('random operations agree with a model of the rules (seeded)' + (durable ? ', with reopens' : ''), () => withStore(async (s, reopen) => {
      const rnd = seededRandom(20260101);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const model = new Map<number, Lease>();
      const clientOf = new Map<string, number>();
      const ck = (subnet: number, key: string) => `${subnet}\u0000${key}`;
      const unlink = (addr: number) => {
        const prev = model.get(addr);
        if (prev && clientOf.get(ck(prev.subnetId, prev.clientKey)) === addr) clientOf.delete(ck(prev.subnetId, prev.clientKey));
      };
      const states: LeaseState[] = ['bound', 'bound', 'released', 'expired', 'declined'];
      let st = s;
      const check = (now: number) => {
        assert.equal(st.size, model.size);
        for (let n = 0; n < 64; n++) assert.deepEqual(st.get(ADDR(n)), model.get(ADDR(n)), `address ${n}`);
        for (const subnet of [1, 2, 3]) {
          for (let c = 0; c < 40; c++) {
            const key = `c${c}`;
            const a = clientOf.get(ck(subnet, key));
            assert.deepEqual(st.findByClient(subnet, key), a === undefined ? undefined : model.get(a), `client ${subnet}/${key}`);
          }
        }
        const want = [...model.values()].filter((l) => EXPIRING_STATES.has(l.state) && l.expiresAt <= now).map((l) => l.address).sort((a, b) => a - b);
        const got = st.dueForExpiry(now, 1e9);
        assert.deepEqual(got.map((l) => l.address).sort((a, b) => a - b), want, 'due leases');
        for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.expiresAt <= got[i]!.expiresAt, 'earliest first');
      };
      let pending: Promise<void>[] = [];
      for (let i = 0; i < 3000; i++) {
        const addr = ADDR(Math.floor(rnd() * 64));
        if (rnd() < 0.1) {
          unlink(addr);
          model.delete(addr);
          pending.push(st.remove(addr));
        } else {
          const subnet = 1 + Math.floor(rnd() * 3);
          const key = `c${Math.floor(rnd() * 40)}`;
          const l: Lease = {
            address: addr, subnetId: subnet, clientKey: key, hwAddress: key.padStart(12, '0'), state: pick(states),
            startedAt: T0 + i, expiresAt: T0 + Math.floor(rnd() * 100) * 997,
            ...(rnd() < 0.3 ? { hostname: `host-${i}` } : {}),
          };
          unlink(addr);
          model.set(addr, l);
          clientOf.set(ck(subnet, key), addr);
          pending.push(st.commit(l));
        }
        if (rnd() < 0.05) {
          await Promise.all(pending);
          pending = [];
          check(T0 + Math.floor(rnd() * 100) * 997);
        }
        if (durable && i % 600 === 599) {
          await Promise.all(pending);
          pending = [];
          st = await reopen();
          check(T0 + 50 * 997);
        }
      }
      await Promise.all(pending);
      check(T0 + 100 * 997);
      if (durable) {
        st = await reopen();
        check(T0 + 100 * 997);
      }
    }));

    if (durable) {
      test('reopen restores every lease, client entry and due lease exactly', () => withStore(async (s, reopen) => {
        const rnd = seededRandom(7);
        const ps: Promise<void>[] = [];
        for (let i = 0; i < 2000; i++) {
          const n = Math.floor(rnd() * 500);
          ps.push(s.commit(makeTestLease(n % 250, { address: ADDR(n), clientKey: `k${Math.floor(rnd() * 300)}`, startedAt: T0 + i, expiresAt: T0 + Math.floor(rnd() * 1e7), state: rnd() < 0.8 ? 'bound' : 'released' })));
          if (rnd() < 0.05) ps.push(s.remove(ADDR(Math.floor(rnd() * 500))));
        }
        await Promise.all(ps);
        const before = storeView(s);
        const st = await reopen();
        assert.deepEqual(storeView(st), before);
      }));
    }
  });
}

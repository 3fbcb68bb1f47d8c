// The manager's IPAM storage suite, run against every backend (SQLite in the system tier,
// a real PostgreSQL server in the lab tier): the subnet tree, next-free subnets and
// addresses, their free-space rows checked against a brute force after random changes,
// concurrent callers, idempotency keys, the audit log, errors that name object, field
// and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { formatAddress, formatPrefix, hexKey, parsePrefix, prefixEnd, type Family } from '../../src/protocol/ipam/address.js';
import { complement, normalize, rangeToPrefixes, usableRange } from '../../src/protocol/ipam/free-space.js';
import type { ManagerDatabase } from '../../src/storage/manager/database.js';
import { SYSTEM } from '../../src/manager/audit.js';
import { ManagerError } from '../../src/manager/errors.js';
import { Addresses } from '../../src/manager/ipam/addresses.js';
import { IpSpaces } from '../../src/manager/ipam/spaces.js';
import { IpRanges } from '../../src/manager/ipam/ranges.js';
import { Subnets } from '../../src/manager/ipam/subnets.js';
import { subnetPrefix } from '../../src/manager/ipam/free-space-rows.js';
import { Manager } from '../../src/manager/manager.js';
import { seededRandom } from './random.js';

export interface Backend {
  readonly name: string;
  /** A fresh, empty database. */
  open(): Promise<ManagerDatabase>;
}

interface Rig { m: ManagerDatabase; spaces: IpSpaces; subnets: Subnets; addresses: Addresses; ranges: IpRanges; clock: FakeClock }

async function rig(b: Backend): Promise<Rig> {
  const m = await b.open();
  const clock = new FakeClock();
  return { m, clock, spaces: new IpSpaces(m, clock), subnets: new Subnets(m, clock), addresses: new Addresses(m, clock), ranges: new IpRanges(m, clock) };
}

async function refused(p: Promise<unknown>, code: string, field?: string): Promise<ManagerError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof ManagerError, String(error));
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.field, field);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** Every subnet's free blocks and free ranges equal what its children, addresses and ranges leave. */
async function checkFreeSpace(m: ManagerDatabase): Promise<void> {
  const subnets = await m.db.selectFrom('subnet').selectAll().execute();
  for (const s of subnets) {
    const family = s.family as Family;
    const p = subnetPrefix(s);
    const children = normalize(subnets.filter((c) => c.parent_id === s.id).map((c) => ({ start: BigInt(`0x${c.start_hex}`), end: BigInt(`0x${c.end_hex}`) })));
    const addresses = await m.db.selectFrom('address').select('addr_hex').where('subnet_id', '=', s.id).execute();
    const ranges = await m.db.selectFrom('ip_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id).execute();
    const used = normalize([...children, ...addresses.map((a) => ({ start: BigInt(`0x${a.addr_hex}`), end: BigInt(`0x${a.addr_hex}`) })), ...ranges.map((r) => ({ start: BigInt(`0x${r.start_hex}`), end: BigInt(`0x${r.end_hex}`) }))]);
    const blocks = complement(p.start, prefixEnd(p), used).flatMap((g) => rangeToPrefixes(family, g.start, g.end)).map((b) => `${hexKey(family, b.start)}/${b.length}`);
    const stored = (await m.db.selectFrom('free_block').select(['start_hex', 'length']).where('subnet_id', '=', s.id).orderBy('start_hex').execute()).map((b) => `${b.start_hex}/${b.length}`);
    assert.deepEqual(stored, blocks, `free blocks of ${s.prefix}`);
    const usable = usableRange(p)!;
    const free = complement(usable.start, usable.end, used).map((r) => `${hexKey(family, r.start)}-${hexKey(family, r.end)}`);
    const storedFree = (await m.db.selectFrom('free_range').select(['start_hex', 'end_hex']).where('subnet_id', '=', s.id).orderBy('start_hex').execute()).map((r) => `${r.start_hex}-${r.end_hex}`);
    assert.deepEqual(storedFree, free, `free ranges of ${s.prefix}`);
  }
}

export function ipamSuite(b: Backend): void {
  test(`${b.name}: the subnet tree: a subnet hangs under the smallest that contains it and adopts what it contains`, async () => {
    const r = await rig(b);
    try {
      const space = await r.spaces.create(SYSTEM, 'corp');
      const top = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/15' });
      const leaf = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.7.0/24' });
      assert.equal(leaf.parentId, top.id);
      const mid = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/16' });
      assert.equal(mid.parentId, top.id);
      assert.equal((await r.subnets.get(leaf.id)).parentId, mid.id, 'adopted');
      // An address of the /16 inside a new /20 moves with it.
      const a = await r.addresses.create(SYSTEM, space.id, '198.18.16.9', { kind: 'static', hostname: 'printer' });
      assert.equal(a.subnetId, mid.id);
      const twenty = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.16.0/20' });
      assert.equal((await r.m.db.selectFrom('address').select('subnet_id').where('id', '=', a.id).executeTakeFirstOrThrow()).subnet_id, twenty.id);
      await checkFreeSpace(r.m);
      await r.subnets.delete(SYSTEM, mid.id);
      assert.equal((await r.subnets.get(leaf.id)).parentId, top.id, 'children move up');
      await checkFreeSpace(r.m);
      // The same prefix in another IP space is another subnet.
      const lab = await r.spaces.create(SYSTEM, 'lab');
      await r.subnets.create(SYSTEM, { spaceId: lab.id, prefix: '198.18.7.0/24' });
      const dup = await refused(r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.7.0/24' }), 'MANAGER_CONFLICT', 'prefix');
      assert.match(dup.message, /^198\.18\.7\.0\/24 exists already in this IP space/);
      const bad = await refused(r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.7.1/24' }), 'MANAGER_INVALID', 'prefix');
      assert.equal(bad.message, '198.18.7.1/24 has host bits set: the prefix is 198.18.7.0/24');
      assert.equal(bad.object, 'subnet 198.18.7.1/24');
      await refused(r.subnets.create(SYSTEM, { spaceId: 999, prefix: '198.18.7.0/24' }), 'MANAGER_NOT_FOUND', 'spaceId');
      await refused(r.subnets.delete(SYSTEM, twenty.id), 'MANAGER_IN_USE');
      // A new subnet would make a pool of its parent hold its broadcast address: refused.
      const pools = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.19.0.0/24' });
      await r.ranges.create(SYSTEM, pools.id, { kind: 'pool', start: '198.19.0.16', end: '198.19.0.31' });
      const edge = await refused(r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.19.0.16/28' }), 'MANAGER_CONFLICT', 'prefix');
      assert.match(edge.message, /^range 198\.19\.0\.16-198\.19\.0\.31 of 198\.19\.0\.0\/24 would hold an address 198\.19\.0\.16\/28 cannot hand out/);
      await refused(r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.19.0.64/26', siteId: 999 }), 'MANAGER_NOT_FOUND', 'siteId');
      await refused(r.subnets.delete(SYSTEM, leaf.id, 7), 'MANAGER_VERSION_MISMATCH');
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: next-free subnets: the lowest aligned block, split and merged back, exhausted at the end`, async () => {
    const r = await rig(b);
    try {
      const space = await r.spaces.create(SYSTEM, 'corp');
      const parent = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.51.100.0/24' });
      const got: string[] = [];
      for (const l of [26, 28, 27, 26, 28]) got.push((await r.subnets.nextFree(SYSTEM, parent.id, l)).prefix);
      assert.deepEqual(got, ['198.51.100.0/26', '198.51.100.64/28', '198.51.100.96/27', '198.51.100.128/26', '198.51.100.80/28']);
      await checkFreeSpace(r.m);
      const gone = await r.m.db.selectFrom('subnet').select('id').where('prefix', '=', '198.51.100.64/28').executeTakeFirstOrThrow();
      await r.subnets.delete(SYSTEM, gone.id);
      assert.equal((await r.subnets.nextFree(SYSTEM, parent.id, 27)).prefix, '198.51.100.192/27');
      assert.equal((await r.subnets.nextFree(SYSTEM, parent.id, 28)).prefix, '198.51.100.64/28', 'the freed block is found again');
      await refused(r.subnets.nextFree(SYSTEM, parent.id, 26), 'MANAGER_EXHAUSTED', 'length');
      await refused(r.subnets.nextFree(SYSTEM, parent.id, 24), 'MANAGER_INVALID', 'length');
      await refused(r.subnets.nextFree(SYSTEM, parent.id, 33), 'MANAGER_INVALID', 'length');
      // IPv6: /64s out of a /48.
      const v6 = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '2001:db8:5::/48' });
      assert.equal((await r.subnets.nextFree(SYSTEM, v6.id, 64)).prefix, '2001:db8:5::/64');
      assert.equal((await r.subnets.nextFree(SYSTEM, v6.id, 56)).prefix, '2001:db8:5:100::/56');
      assert.equal((await r.subnets.nextFree(SYSTEM, v6.id, 64)).prefix, '2001:db8:5:1::/64');
      await checkFreeSpace(r.m);
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: next-free addresses skip child subnets, addresses, pools and exclusions; a deleted one comes back`, async () => {
    const r = await rig(b);
    try {
      const space = await r.spaces.create(SYSTEM, 'corp');
      const s = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '192.0.2.0/28' });
      await r.addresses.create(SYSTEM, space.id, '192.0.2.2', { kind: 'reservation', mac: '00:11:22:33:44:55' });
      await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '192.0.2.4/30' });
      const pool = await r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '192.0.2.10', end: '192.0.2.12' });
      await r.ranges.create(SYSTEM, s.id, { kind: 'exclusion', start: '192.0.2.14', end: '192.0.2.14' });
      // A reservation may sit in a pool; a static address may not, and nothing in an exclusion.
      await r.addresses.create(SYSTEM, space.id, '192.0.2.11', { kind: 'reservation', mac: '00:11:22:33:44:66' });
      await refused(r.addresses.create(SYSTEM, space.id, '192.0.2.12', { kind: 'static' }), 'MANAGER_CONFLICT', 'address');
      await refused(r.addresses.create(SYSTEM, space.id, '192.0.2.14', { kind: 'reservation', mac: '00:11:22:33:44:77' }), 'MANAGER_CONFLICT', 'address');
      await refused(r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '192.0.2.12', end: '192.0.2.13' }), 'MANAGER_CONFLICT', 'start');
      await refused(r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '192.0.2.3', end: '192.0.2.5' }), 'MANAGER_CONFLICT', 'start');
      await refused(r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '192.0.2.13', end: '192.0.2.15' }), 'MANAGER_INVALID', 'end');
      await refused(r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '192.0.2.9', end: '192.0.2.8' }), 'MANAGER_INVALID', 'end');
      await refused(r.ranges.create(SYSTEM, s.id, { kind: 'pool', start: '2001:db8::1', end: '192.0.2.8' }), 'MANAGER_INVALID', 'start');
      await checkFreeSpace(r.m);
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push((await r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' })).address);
      assert.deepEqual(got, ['192.0.2.1', '192.0.2.3', '192.0.2.8', '192.0.2.9', '192.0.2.13']);
      await refused(r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' }), 'MANAGER_EXHAUSTED');
      await r.ranges.delete(SYSTEM, pool.id);
      assert.equal((await r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' })).address, '192.0.2.10', 'a deleted pool frees its addresses (but the reservation)');
      assert.equal((await r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' })).address, '192.0.2.12');
      const nine = await r.m.db.selectFrom('address').select('id').where('address', '=', '192.0.2.9').executeTakeFirstOrThrow();
      await r.addresses.delete(SYSTEM, nine.id);
      await checkFreeSpace(r.m);
      assert.equal((await r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' })).address, '192.0.2.9');
      await refused(r.addresses.create(SYSTEM, space.id, '192.0.2.9', { kind: 'static' }), 'MANAGER_CONFLICT', 'address');
      await refused(r.addresses.create(SYSTEM, space.id, '203.0.113.9', { kind: 'static' }), 'MANAGER_INVALID', 'address');
      await refused(r.addresses.create(SYSTEM, space.id, '192.0.2.300', { kind: 'static' }), 'MANAGER_INVALID', 'address');
      await refused(r.addresses.create(SYSTEM, space.id, '192.0.2.15', { kind: 'reservation' }), 'MANAGER_INVALID', 'mac');
      const v6 = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '2001:db8:9::/126' });
      assert.deepEqual([(await r.addresses.nextFree(SYSTEM, v6.id, { kind: 'static' })).address, (await r.addresses.nextFree(SYSTEM, v6.id, { kind: 'static' })).address], ['2001:db8:9::1', '2001:db8:9::2']);
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: after 300 random changes every free block and free range is what a brute force says`, async () => {
    const r = await rig(b);
    try {
      const random = seededRandom(20261201);
      const space = await r.spaces.create(SYSTEM, 'corp');
      const root = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '203.0.113.0/24' });
      const refusals = new Map<string, number>();
      let rangesMade = 0;
      let noFree = 0;
      for (let i = 0; i < 300; i++) {
        const subnets = await r.m.db.selectFrom('subnet').selectAll().execute();
        const pick = subnets[Math.floor(random() * subnets.length)]!;
        const op = random();
        try {
          if (op < 0.25) await r.subnets.nextFree(SYSTEM, pick.id, Math.min(32, pick.length + 1 + Math.floor(random() * 4)));
          else if (op < 0.4) {
            const p = parsePrefix(pick.prefix);
            if (!p.ok) throw new Error(p.reason);
            const length = Math.min(32, p.prefix.length + 1 + Math.floor(random() * 6));
            const start = (p.prefix.start + BigInt(Math.floor(random() * Number(prefixEnd(p.prefix) - p.prefix.start + 1n)))) & ~((1n << BigInt(32 - length)) - 1n);
            await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: formatPrefix({ family: 4, start, length }) });
          } else if (op < 0.6) await r.addresses.nextFree(SYSTEM, pick.id, { kind: 'static' });
          else if (op < 0.68 && pick.id !== root.id) await r.subnets.delete(SYSTEM, pick.id);
          else if (op < 0.85) {
            // Mostly inside a free range of the subnet (so it is taken), sometimes reaching past it (so it is refused).
            const free = await r.m.db.selectFrom('free_range').selectAll().where('subnet_id', '=', pick.id).execute();
            const f = free[Math.floor(random() * free.length)];
            if (f) {
              const lo = BigInt(`0x${f.start_hex}`);
              const at = lo + BigInt(Math.floor(random() * Number(BigInt(`0x${f.end_hex}`) - lo + 1n)));
              const to = at + BigInt(Math.floor(random() * 4));
              await r.ranges.create(SYSTEM, pick.id, { kind: random() < 0.5 ? 'pool' : 'exclusion', start: formatAddress(4, at), end: formatAddress(4, to) });
              rangesMade++;
            } else noFree++;
          } else if (op < 0.9) {
            const victims = await r.m.db.selectFrom('ip_range').select('id').execute();
            if (victims.length > 0) await r.ranges.delete(SYSTEM, victims[Math.floor(random() * victims.length)]!.id);
          }
          else {
            const victims = await r.m.db.selectFrom('address').select('id').execute();
            if (victims.length > 0) await r.addresses.delete(SYSTEM, victims[Math.floor(random() * victims.length)]!.id);
          }
        } catch (error) {
          if (!(error instanceof ManagerError)) throw error;
          assert.ok(['MANAGER_EXHAUSTED', 'MANAGER_CONFLICT', 'MANAGER_IN_USE', 'MANAGER_INVALID'].includes(error.code), error.message);
          refusals.set(error.code, (refusals.get(error.code) ?? 0) + 1);
        }
        if (i % 50 === 49) await checkFreeSpace(r.m);
      }
      await checkFreeSpace(r.m);
      // The walk did reach every kind of row and was not mostly refused.
      const count = async (t: 'subnet' | 'address' | 'ip_range') => (await r.m.db.selectFrom(t).select('id').execute()).length;
      assert.ok(await count('subnet') > 10 && await count('address') > 10 && rangesMade > 10 && await count('ip_range') > 0, `rows: ${await count('subnet')} subnets, ${await count('address')} addresses, ${await count('ip_range')} ranges (${rangesMade} made, ${noFree} picks without free addresses); refused ${JSON.stringify([...refusals])}`);
      assert.ok([...refusals.values()].reduce((a, b) => a + b, 0) < 200, JSON.stringify([...refusals]));
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: 100 concurrent next-free addresses in one subnet are 100 distinct addresses; 40 concurrent /24s never overlap`, async () => {
    const r = await rig(b);
    try {
      const space = await r.spaces.create(SYSTEM, 'corp');
      const s = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/24' });
      const got = await Promise.all(Array.from({ length: 100 }, () => r.addresses.nextFree(SYSTEM, s.id, { kind: 'static' })));
      assert.equal(new Set(got.map((a) => a.address)).size, 100);
      assert.deepEqual(got.map((a) => a.address).sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3])), Array.from({ length: 100 }, (_, i) => `198.18.0.${i + 1}`));
      const parent = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.19.0.0/16' });
      const nets = await Promise.all(Array.from({ length: 40 }, () => r.subnets.nextFree(SYSTEM, parent.id, 24)));
      assert.equal(new Set(nets.map((n) => n.prefix)).size, 40);
      // Addresses and subnets of one parent at once (PostgreSQL: the locks of both kinds meet, and foreign keys check the rows locked).
      const mixed = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.1.0/24' });
      const both = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? r.addresses.nextFree(SYSTEM, mixed.id, { kind: 'static' }) : r.subnets.nextFree(SYSTEM, mixed.id, 30))));
      assert.deepEqual(both.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason)), []);
      await checkFreeSpace(r.m);
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: an idempotency key gives the first answer again; reused with another body it is refused; every write is audited`, async () => {
    const r = await rig(b);
    try {
      const space = await r.spaces.create(SYSTEM, 'corp');
      const s = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.1.0/24' });
      const body = { kind: 'static' as const, hostname: 'cam-1' };
      const first = await r.addresses.nextFree({ name: 'user:alice' }, s.id, body, { key: 'k-1', request: body });
      const again = await Promise.all(Array.from({ length: 5 }, () => r.addresses.nextFree({ name: 'user:alice' }, s.id, body, { key: 'k-1', request: body })));
      for (const a of again) assert.deepEqual(a, first);
      assert.equal((await r.m.db.selectFrom('address').select('id').execute()).length, 1);
      await refused(r.addresses.nextFree({ name: 'user:alice' }, s.id, { kind: 'static', hostname: 'cam-2' }, { key: 'k-1', request: { kind: 'static', hostname: 'cam-2' } }), 'MANAGER_IDEMPOTENCY_MISMATCH', 'Idempotency-Key');
      const log = await r.m.db.selectFrom('audit').selectAll().orderBy('id').execute();
      assert.deepEqual(log.map((l) => `${l.actor} ${l.action} ${l.object_type}`), ['system create ip_space', 'system create subnet', 'user:alice create address']);
      assert.equal(JSON.parse(log[2]!.after!).hostname, 'cam-1');
      assert.equal(log[2]!.before, null);
    } finally {
      await r.m.close();
    }
  });

  test(`${b.name}: a bulk CSV import of addresses leaves every free block and free range as a brute force says`, async () => {
    const r = await rig(b);
    try {
      const manager = new Manager(r.m, r.clock);
      const space = await r.spaces.create(SYSTEM, 'bulk');
      const parent = await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/20' });
      for (let i = 0; i < 8; i++) await r.subnets.nextFree(SYSTEM, parent.id, 24);
      await r.ranges.create(SYSTEM, (await r.subnets.nextFree(SYSTEM, parent.id, 24)).id, { kind: 'pool', start: '198.18.8.100', end: '198.18.8.199' });
      await r.addresses.create(SYSTEM, space.id, '198.18.0.5', { kind: 'static', hostname: 'before' });
      const lines = ['address,kind,mac,hostname', '198.18.0.5,static,,before'];
      for (let i = 0; i < 600; i++) lines.push(`198.18.${i % 9}.${10 + Math.floor(i / 9)},${i % 9 === 8 ? 'reservation' : 'static'},${i % 9 === 8 ? `00:1b:4f:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` : ''},h${i}`);
      lines.push('198.18.12.1,static,,in-the-parent');
      const report = await manager.csv.importAddresses(SYSTEM, space.id, lines.join('\n'), false);
      assert.deepEqual([report.applied, report.created, report.unchanged, report.errors], [true, 601, 1, []]);
      await checkFreeSpace(r.m);
      // And it is the same as the single writes: next-free goes on after what the file took.
      assert.equal((await r.addresses.nextFree(SYSTEM, parent.id, { kind: 'static' })).address, '198.18.9.0');
    } finally {
      await r.m.close();
    }
  });
  test(`${b.name}: a bulk CSV import of subnets (more than 50 rows) reports every row as the row-by-row path does and leaves the same tree, addresses and free space`, async () => {
    const r = await rig(b);
    try {
      const manager = new Manager(r.m, r.clock);
      await manager.sites.create(SYSTEM, { name: 'bulk-site' });
      // The same IP space twice: one imported by the bulk path, one by the row-by-row path.
      const prepare = async (name: string) => {
        const space = await r.spaces.create(SYSTEM, name);
        await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.0.0/16' });
        await r.subnets.create(SYSTEM, { spaceId: space.id, prefix: '198.18.2.0/24' }); // adopted by a new /23
        await r.addresses.create(SYSTEM, space.id, '198.18.1.5', { kind: 'static' }); // moves two levels down, into a new /26
        await r.addresses.create(SYSTEM, space.id, '198.18.1.200', { kind: 'static' }); // moves into the new /24
        return space;
      };
      const bulk = await prepare('bulk-subnets');
      const rowByRow = await prepare('row-by-row');
      const good = ['prefix,site,description', '198.18.128.0/25,,a child before its parent', '198.18.128.0/24,bulk-site,'];
      for (let i = 10; i < 70; i++) good.push(`198.18.${i}.0/24,bulk-site,"row ${i}, data"`);
      good.push('198.18.1.0/26,,', '198.18.2.0/23,,adopts a recorded /24', '198.18.1.0/24,,takes an address', '198.18.2.0/24,,', '198.19.0.0/16,,a new top', '2001:db8::/48,,', '2001:db8:0:1::/64,,');
      // A twice-listed prefix sends a file the row-by-row way: the same file plus one such row.
      const twice = (rows: string[]) => [...rows, rows[1]!].join('\n');
      const bad = [...good];
      bad.splice(5, 0, 'nonsense,,');
      bad.splice(9, 0, '198.18.3.1/24,,', '198.18.5.0/24,nowhere,');
      bad.push('198.18.0.0/16,bulk-site,other values'); // the recorded /16 with other values
      const count = async (spaceId: number) => (await r.m.db.selectFrom('subnet').select('id').where('space_id', '=', spaceId).execute()).length;

      const refusedBulk = await manager.csv.importSubnets(SYSTEM, bulk.id, bad.join('\n'), false);
      const refusedRows = await manager.csv.importSubnets(SYSTEM, rowByRow.id, twice(bad), false);
      assert.deepEqual(refusedBulk.errors.map((e) => [e.line, e.code, e.field]), [
        [6, 'MANAGER_INVALID', 'prefix'], [10, 'MANAGER_INVALID', 'prefix'], [11, 'MANAGER_NOT_FOUND', 'site'], [74, 'MANAGER_CONFLICT', 'prefix'],
      ]);
      const ids = (errors: typeof refusedBulk.errors) => errors.map((e) => ({ ...e, message: e.message.replace(/\(subnet \d+\)/, '(subnet N)') })); // two spaces, two ids
      assert.deepEqual(ids(refusedBulk.errors), ids(refusedRows.errors), 'the same errors, lines and messages');
      assert.deepEqual([refusedBulk.applied, refusedBulk.rows, refusedBulk.created, refusedBulk.unchanged], [false, bad.length - 1, good.length - 2, 1]);
      assert.deepEqual([refusedRows.applied, refusedRows.created, refusedRows.unchanged], [false, refusedBulk.created, refusedBulk.unchanged + 1]);
      assert.deepEqual([await count(bulk.id), await count(rowByRow.id)], [2, 2], 'a file in error writes nothing');

      const dry = await manager.csv.importSubnets(SYSTEM, bulk.id, good.join('\n'), true);
      assert.deepEqual(dry, { dryRun: true, applied: false, rows: good.length - 1, created: good.length - 2, unchanged: 1, errors: [] });
      assert.equal(await count(bulk.id), 2, 'a dry run writes nothing');

      const done = await manager.csv.importSubnets(SYSTEM, bulk.id, good.join('\n'), false);
      assert.deepEqual([done.applied, done.created, done.unchanged, done.errors], [true, good.length - 2, 1, []]);
      const doneRows = await manager.csv.importSubnets(SYSTEM, rowByRow.id, twice(good), false);
      assert.deepEqual([doneRows.applied, doneRows.created, doneRows.unchanged], [true, good.length - 2, 2]);
      // The same tree (each subnet's parent, site, description), the same addresses where they belong.
      const tree = async (spaceId: number) => {
        const rows = await r.m.db.selectFrom('subnet').selectAll().where('space_id', '=', spaceId).execute();
        const prefixOf = new Map(rows.map((s) => [s.id, s.prefix]));
        return rows.map((s) => `${s.prefix} in ${s.parent_id === null ? '-' : prefixOf.get(s.parent_id)} site ${s.site_id} "${s.description}"`).sort();
      };
      assert.deepEqual(await tree(bulk.id), await tree(rowByRow.id));
      const placed = async (spaceId: number) => (await r.m.db.selectFrom('address').innerJoin('subnet', 'subnet.id', 'address.subnet_id')
        .select(['address.address', 'subnet.prefix']).where('address.space_id', '=', spaceId).orderBy('address.addr_hex').execute()).map((a) => `${a.address} in ${a.prefix}`);
      assert.deepEqual(await placed(bulk.id), ['198.18.1.5 in 198.18.1.0/26', '198.18.1.200 in 198.18.1.0/24']);
      assert.deepEqual(await placed(rowByRow.id), await placed(bulk.id));
      const adopted = await r.m.db.selectFrom('subnet').select(['id', 'version', 'parent_id']).where('space_id', '=', bulk.id).where('prefix', '=', '198.18.2.0/24').executeTakeFirstOrThrow();
      assert.equal(adopted.version, 2, 'an adopted subnet changed');
      // Ids follow the file; every new subnet is audited.
      const created = await r.m.db.selectFrom('subnet').select(['id', 'prefix']).where('space_id', '=', bulk.id).where('id', '>', adopted.id).orderBy('id').execute();
      assert.deepEqual(created.slice(0, 3).map((s) => s.prefix), ['198.18.128.0/25', '198.18.128.0/24', '198.18.10.0/24']);
      const audited = await r.m.db.selectFrom('audit').select('object_id').where('object_type', '=', 'subnet').where('action', '=', 'create').where('object_id', 'in', created.map((s) => String(s.id))).execute();
      assert.equal(audited.length, created.length);
      await checkFreeSpace(r.m);
      // And next-free goes on from there, as after single writes.
      const top = await r.m.db.selectFrom('subnet').select('id').where('space_id', '=', bulk.id).where('prefix', '=', '198.18.0.0/16').executeTakeFirstOrThrow();
      assert.deepEqual([(await r.subnets.nextFree(SYSTEM, top.id, 24)).prefix, (await r.subnets.nextFree(SYSTEM, top.id, 24)).prefix], ['198.18.0.0/24', '198.18.4.0/24']);
      const slash24 = await r.m.db.selectFrom('subnet').select('id').where('space_id', '=', bulk.id).where('prefix', '=', '198.18.128.0/24').executeTakeFirstOrThrow();
      assert.equal((await r.addresses.nextFree(SYSTEM, slash24.id, { kind: 'static' })).address, '198.18.128.128');
      await checkFreeSpace(r.m);
    } finally {
      await r.m.close();
    }
  });
}

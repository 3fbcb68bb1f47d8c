// Issue 4 acceptance, many-to-one and load-balancing, with real `outpost site run`s.
// Many-to-one: five branch primaries and one failover server (standby in five
// independent relationships); two primaries are killed: their clients are served by
// the failover server, the other three branches are unaffected; both recover.
// Load-balancing: both servers answer about their split of the clients; one is
// killed, the other answers all.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, missingPrograms, withLab, type Netns } from './index.js';
import { LOAD, LOAD_GIADDR_LARGE, STATUS, failoverLab, parseAcks, type Ack, type FailoverServer, type SubnetSpec } from './support/failover-pair.js';

const CHECK = fileURLToPath(new URL('./support/dhcp4-lease-check.js', import.meta.url));
const skip = labUnavailableReason() ?? false;

/** A short burst of DORA exchanges from the load namespace, relayed from giaddr to `servers`; the ACKs seen. */
async function burst(load: Netns, dir: string, servers: readonly FailoverServer[], giaddr: string, tag: number, clients: number): Promise<Ack[]> {
  const file = join(dir, `acks-${tag}.txt`);
  const p = load.spawn(process.execPath, [LOAD, servers.map((s) => s.address).join(','), giaddr, String(tag), '8', String(clients), '8000', file]);
  await p.waitForLine(/"done":true/, 20_000);
  return parseAcks(readFileSync(file, 'utf8'));
}

async function assertHeld(server: FailoverServer, acks: readonly Ack[], dir: string): Promise<void> {
  const file = join(dir, `check-${server.name}-${acks.length}.txt`);
  writeFileSync(file, acks.map((x) => `${x.address} ${x.mac}`).join('\n') + '\n');
  const r = await server.ns.run(process.execPath, [CHECK, STATUS, file], { timeoutMs: 60_000 });
  assert.deepEqual((JSON.parse(r.stdout) as { bad: unknown[] }).bad, [], `${server.name} lacks ACKed leases`);
}

const BRANCHES = 5;
const branchSubnets: SubnetSpec[] = Array.from({ length: BRANCHES }, (_, i) => ({ id: 100 + i, subnet: `198.18.${i + 1}.0/24`, pools: [{ start: `198.18.${i + 1}.10`, end: `198.18.${i + 1}.250` }] }));
const giaddrOf = (i: number) => `198.18.${i + 1}.1`;

test('many-to-one: 5 primaries and 1 failover server; kill 2 primaries, their clients are served by the failover server, the others are unaffected; both recover', { skip, timeout: 300_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'curl']), []);
  await withLab({ tag: 'fo-many' }, async (lab) => {
    const hub = BRANCHES; // server index of the failover server
    const f = await failoverLab(lab, BRANCHES + 1,
      branchSubnets.map((s, i) => ({ name: `branch-${i + 1}`, mode: 'hot-standby' as const, primary: i, partner: hub, subnets: [s.id] })),
      { subnets: branchSubnets, loadAddresses: branchSubnets.map((_, i) => giaddrOf(i)) });
    const servers = f.servers;
    const failover = servers[hub]!;
    const dir = failover.dir;
    await Promise.all(servers.map((s) => s.start()));
    for (let i = 0; i < BRANCHES; i++) {
      await servers[i]!.waitForState(`branch-${i + 1}`, ['normal'], 30_000);
      await failover.waitForState(`branch-${i + 1}`, ['normal'], 30_000);
    }
    // Each branch's clients are relayed to its primary and to the failover server; the primary answers.
    const first: Ack[][] = [];
    for (let i = 0; i < BRANCHES; i++) {
      const acks = await burst(f.load, dir, [servers[i]!, failover], giaddrOf(i), 10 + i, 40);
      assert.equal(acks.length, 40, `branch ${i + 1}: every client bound`);
      assert.ok(acks.every((x) => x.server === servers[i]!.address), `branch ${i + 1}: answered by its primary`);
      first.push(acks);
    }
    await servers[0]!.kill();
    await servers[1]!.kill();
    await failover.waitForState('branch-1', ['partner-down'], 10_000);
    await failover.waitForState('branch-2', ['partner-down'], 10_000);
    for (let i = 2; i < BRANCHES; i++) assert.equal(await failover.state(`branch-${i + 1}`), 'normal', `branch ${i + 1} unaffected`);
    await assertHeld(failover, [...first[0]!, ...first[1]!], dir);
    for (let i = 0; i < BRANCHES; i++) {
      const acks = await burst(f.load, dir, [servers[i]!, failover], giaddrOf(i), 20 + i, 20);
      assert.equal(acks.length, 20, `branch ${i + 1}: every client bound after the kills`);
      const expected = i < 2 ? failover : servers[i]!;
      assert.ok(acks.every((x) => x.server === expected.address), `branch ${i + 1}: answered by ${expected.name}`);
    }
    // Both primaries return, resync from the failover server and take their branches back.
    await servers[0]!.start();
    await servers[1]!.start();
    for (const i of [0, 1]) {
      await servers[i]!.waitForState(`branch-${i + 1}`, ['normal'], 30_000);
      await failover.waitForState(`branch-${i + 1}`, ['normal'], 30_000);
      const acks = await burst(f.load, dir, [servers[i]!, failover], giaddrOf(i), 30 + i, 20);
      assert.ok(acks.length === 20 && acks.every((x) => x.server === servers[i]!.address), `branch ${i + 1}: its primary answers again`);
    }
    const statuses = await failover.relationships();
    assert.deepEqual(statuses.map((r) => [r.name, r.state]), branchSubnets.map((_, i) => [`branch-${i + 1}`, 'normal']));
  });
});

test('load-balancing: both answer about their split of the clients; kill one, the other answers all', { skip, timeout: 180_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'curl']), []);
  await withLab({ tag: 'fo-lb' }, async (lab) => {
    const f = await failoverLab(lab, 2, [{ name: 'branch', mode: 'load-balancing', primary: 0, partner: 1, subnets: [10, 20, 30], extra: { split: 70 } }]);
    const [a, b] = f.servers as [FailoverServer, FailoverServer];
    await Promise.all([a.start(), b.start()]);
    await a.waitForState('branch', ['normal']);
    await b.waitForState('branch', ['normal']);
    const acks = await burst(f.load, a.dir, [a, b], LOAD_GIADDR_LARGE, 40, 1000);
    assert.equal(acks.length, 1000);
    const share = acks.filter((x) => x.server === a.address).length / acks.length;
    console.log(`# load-balancing split 70: the primary answered ${(share * 100).toFixed(1)} % of 1000 clients`);
    assert.ok(share > 0.62 && share < 0.78, `primary's share ${share}`);
    await b.kill();
    await a.waitForState('branch', ['partner-down'], 10_000);
    const after = await burst(f.load, a.dir, [a, b], LOAD_GIADDR_LARGE, 41, 300);
    assert.ok(after.length === 300 && after.every((x) => x.server === a.address), 'the survivor answers every client');
    await assertHeld(a, acks, a.dir);
  });
});

test('split-scope: no partner traffic; each server hands out only its share of the pool (split 80); with one down the other serves from its own share', { skip, timeout: 120_000 }, async () => {
  await withLab({ tag: 'fo-split' }, async (lab) => {
    const f = await failoverLab(lab, 2, [{ name: 'split', mode: 'split-scope', primary: 0, partner: 1, subnets: [20], extra: { split: 80 } }]);
    const [a, b] = f.servers as [FailoverServer, FailoverServer];
    await Promise.all([a.start(/"code":"DHCP_LISTENING"/), b.start(/"code":"DHCP_LISTENING"/)]);
    for (const s of [a, b]) assert.match(s.daemon!.output(), /"code":"FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED"/, `${s.name} warns about its share`);
    const last = (x: Ack) => Number(x.address.split('.')[3]);
    const acks = await burst(f.load, a.dir, [a, b], '203.0.113.250', 50, 60);
    assert.equal(acks.length, 60);
    const holder = new Map(acks.map((x) => [x.address, x.mac]));
    assert.equal(holder.size, 60, 'no address given twice');
    assert.ok(acks.every((x) => (x.server === a.address ? last(x) >= 100 && last(x) <= 179 : last(x) >= 180 && last(x) <= 199)), 'each server within its share: 100–179 and 180–199');
    assert.ok(acks.some((x) => x.server === a.address) && acks.some((x) => x.server === b.address), 'both served');
    await a.kill();
    const fromB = acks.filter((x) => x.server === b.address).length;
    const after = await burst(f.load, a.dir, [a, b], '203.0.113.250', 51, 20 - fromB);
    assert.ok(after.length === 20 - fromB && after.every((x) => x.server === b.address && last(x) >= 180), `the secondary serves the rest of its share (${after.length} of ${20 - fromB})`);
  });
});

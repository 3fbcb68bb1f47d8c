// Issue 4 acceptance, recovery: the standby served alone and holds 100 000 leases the
// returning primary has never seen. The primary starts with an empty journal, pulls
// them all (per subnet, in pages) in at most 5 s, while the standby keeps answering
// clients throughout; then the primary takes over again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Dhcp4LeaseJournal } from '../../src/storage/dhcp4-lease-journal.js';
import { ipv4FromString } from '../../src/wire/dhcp4/index.js';
import { memoryLogger } from '../support/memory-log.js';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { LOAD, LOAD_GIADDR_LARGE, failoverLab, parseAcks, sleep } from './support/failover-pair.js';

const skip = labUnavailableReason() ?? false;
const LEASES = 100_000;

for (const primaryDisk of ['its 100 000 leases', 'an empty disk'] as const) test(`recovery: the primary restarts with ${primaryDisk}; the resync with the standby's ${LEASES} leases (10 000 renewed meanwhile) takes ≤ 5 s while the standby serves throughout, then it fails back`, { skip, timeout: 240_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'curl']), []);
  await withLab({ tag: 'fo-resync' }, async (lab) => {
    const f = await failoverLab(lab, 2, [{ name: 'branch', mode: 'hot-standby', primary: 0, partner: 1, subnets: [10, 20, 30], extra: { failback: { mode: 'automatic', delay: 2 } } }]);
    const [a, b] = f.servers as [NonNullable<typeof f.servers[0]>, NonNullable<typeof f.servers[1]>];
    // 100 000 bindings in 198.18.0.0/15 both servers held when the primary died; the
    // standby renewed 10 000 of them while it served alone (newer records the primary must take).
    const now = Date.now();
    const first = ipv4FromString('198.18.1.0');
    const fill = async (dir: string, renewed: boolean) => {
      const journal = await Dhcp4LeaseJournal.open({ dir: join(dir, 'leases'), log: memoryLogger().log });
      const commits: Promise<void>[] = [];
      for (let i = 0; i < LEASES; i++) {
        const hw = `02bb${(i >>> 16).toString(16).padStart(2, '0')}${(i & 0xffff).toString(16).padStart(4, '0')}00`.slice(0, 12);
        const later = renewed && i % 10 === 0;
        commits.push(journal.commit({ address: first + i, subnetId: 30, clientKey: `hw:1:${hw}`, hwAddress: hw, state: 'bound', startedAt: later ? now - 1_000 : now - 60_000, expiresAt: (later ? now + 600_000 : now) + 86_400_000 }));
      }
      await Promise.all(commits);
      await journal.close();
    };
    await fill(b.dir, true);
    if (primaryDisk === 'its 100 000 leases') await fill(a.dir, false);

    await b.start();
    await b.waitForState('branch', ['partner-down'], 20_000); // the primary's port refuses: it is not running
    // Clients keep arriving (relayed to both servers) from before the primary starts until after the failback.
    const acksFile = join(b.dir, 'acks.txt');
    const load = f.load.spawn(process.execPath, [LOAD, `${a.address},${b.address}`, LOAD_GIADDR_LARGE, '3', '4', '1000000', '20000', acksFile]);
    await load.waitForLine(/"ready":true/, 10_000);
    await sleep(1500);
    await a.start();
    const done = JSON.parse(await a.daemon!.waitForLine(/"code":"FAILOVER_RESYNC_DONE"/, 30_000)) as { time: string; received: number; applied: number; ms: number };
    const connected = JSON.parse(a.daemon!.output().split('\n').find((l) => l.includes('"code":"FAILOVER_CONNECTED"'))!) as { time: string };
    console.log(`# resync: ${done.received} records received, ${done.applied} applied, in ${Math.round(done.ms)} ms`);
    assert.ok(done.received >= LEASES && done.applied >= (primaryDisk === 'an empty disk' ? LEASES : LEASES / 10), JSON.stringify(done));
    assert.ok(done.ms <= 5000, `resync took ${done.ms} ms`);
    await a.waitForState('branch', ['normal'], 20_000);
    await b.waitForState('branch', ['normal'], 10_000);
    await load.waitForLine(/"done":true/, 40_000);

    // The standby answered before, during and after the resync: no silence longer than 1 s until the failback.
    const acks = parseAcks(readFileSync(acksFile, 'utf8'));
    const [from, to] = [Date.parse(connected.time), Date.parse(done.time)];
    const byStandby = acks.filter((x) => x.server === b.address).map((x) => x.at);
    assert.ok(byStandby.some((t) => t < from) && byStandby.some((t) => t >= from && t <= to), `the standby answered during the resync (${from}..${to})`);
    let longest = 0;
    for (let i = 1; i < byStandby.length; i++) if (byStandby[i]! <= to) longest = Math.max(longest, byStandby[i]! - byStandby[i - 1]!);
    console.log(`# standby: ${byStandby.length} ACKs, the longest silence up to the end of the resync ${longest} ms; the primary answered ${acks.filter((x) => x.server === a.address).length} after failing back`);
    assert.ok(longest <= 1000, `the standby was silent for ${longest} ms`);
    assert.ok(acks.some((x) => x.server === a.address && x.at > to), `the primary answers again after failing back; load: ${load.output().slice(-500)}\n${a.daemon!.output().split("\n").filter((l) => /DHCP_DROPPED|FAILOVER_STATE|DHCP_LISTENING/.test(l)).slice(-12).join("\n")}`);
    assert.ok(a.daemon!.output().includes('"from":"ready","to":"normal"'));
  });
});

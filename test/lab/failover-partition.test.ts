// Issue 4 acceptance, partition: the link between the two servers is cut (their
// packets to each other vanish; both still hear every client through the relay) for
// longer than every timeout, with clients arriving at both. The relationship is set to
// take over on suspicion alone, so both servers serve at once — the worst case. No
// address may be ACKed to two clients, and after healing the union of both lease sets
// (their journals) has no address bound to two clients; every ACKed lease is on both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Dhcp4LeaseJournal } from '../../src/storage/dhcp4-lease-journal.js';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import { ipv4ToString } from '../../src/wire/dhcp4/index.js';
import { memoryLogger } from '../support/memory-log.js';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { LOAD, LOAD_GIADDR_LARGE, failoverLab, parseAcks, sleep } from './support/failover-pair.js';

const skip = labUnavailableReason() ?? false;

async function journal(dir: string): Promise<Lease[]> {
  const j = await Dhcp4LeaseJournal.open({ dir: join(dir, 'leases'), log: memoryLogger().log });
  const all = [...j.all()];
  await j.close();
  return all;
}

for (const mode of ['hot-standby', 'load-balancing'] as const) {
  test(`partition (${mode}): both servers serve while cut off from each other; no address is ACKed to two clients, and the healed union has none`, { skip, timeout: 180_000 }, async () => {
    assert.deepEqual(missingPrograms(['dhcrelay', 'curl']), []);
    await withLab({ tag: `fo-partition-${mode === 'hot-standby' ? 'hs' : 'lb'}` }, async (lab) => {
      const f = await failoverLab(lab, 2, [{
        name: 'branch', mode, primary: 0, partner: 1, subnets: [10, 20, 30],
        // Take over on suspicion alone (no confirmation): both serve during the cut. Short MCLT.
        extra: { confirm: { refused: false, unansweredClients: 0, ackDelay: 1 }, mclt: 30, heartbeatInterval: 500, missedHeartbeats: 2 },
      }]);
      const [a, b] = f.servers as [NonNullable<typeof f.servers[0]>, NonNullable<typeof f.servers[1]>];
      await Promise.all([a.start(), b.start()]);
      await a.waitForState('branch', ['normal']);
      await b.waitForState('branch', ['normal']);

      const acksFile = join(a.dir, 'acks.txt');
      const load = f.load.spawn(process.execPath, [LOAD, `${a.address},${b.address}`, LOAD_GIADDR_LARGE, '2', '16', '1000000', '14000', acksFile]);
      await load.waitForLine(/"ready":true/, 10_000);
      await sleep(2000);
      const cutAt = Date.now();
      await lab.partition(a.ns, b.ns);
      await a.waitForState('branch', ['partner-down'], 10_000);
      await b.waitForState('branch', ['partner-down'], 10_000);
      await sleep(5000); // both serve, cut off from each other
      const healAt = Date.now();
      await lab.heal(a.ns, b.ns);
      await a.waitForState('branch', ['normal'], 30_000);
      await b.waitForState('branch', ['normal'], 30_000);
      await load.waitForLine(/"done":true/, 30_000);

      const acks = parseAcks(readFileSync(acksFile, 'utf8'));
      const during = acks.filter((x) => x.at > cutAt && x.at < healAt);
      const bySender = (s: string) => during.filter((x) => x.server === s).length;
      console.log(`# ${mode}: ${acks.length} ACKs; during the cut ${bySender(a.address)} from ${a.name}, ${bySender(b.address)} from ${b.name}`);
      assert.ok(bySender(a.address) > 0 && bySender(b.address) > 0, 'both servers answered during the cut');
      const holder = new Map<string, string>();
      for (const x of acks) {
        const other = holder.get(x.address);
        assert.ok(other === undefined || other === x.mac, `${x.address} ACKed to ${other} and to ${x.mac}`);
        holder.set(x.address, x.mac);
      }

      await a.daemon!.stop();
      await b.daemon!.stop();
      const [la, lb] = [await journal(a.dir), await journal(b.dir)];
      const union = new Map<number, Set<string>>();
      for (const l of [...la, ...lb]) {
        if (l.state !== 'bound') continue;
        const clients = union.get(l.address) ?? new Set<string>();
        clients.add(l.clientKey);
        union.set(l.address, clients);
      }
      const doubly = [...union].filter(([, c]) => c.size > 1).map(([address, c]) => `${ipv4ToString(address)}: ${[...c].join(', ')}`);
      assert.deepEqual(doubly, [], 'addresses bound to two clients in the union of both lease sets');
      const byAddress = (ls: Lease[]) => new Map(ls.map((l) => [ipv4ToString(l.address), l]));
      const [ma, mb] = [byAddress(la), byAddress(lb)];
      const missing = acks.filter((x) => ![ma, mb].every((m) => m.get(x.address)?.hwAddress === x.mac.replaceAll(':', '') && m.get(x.address)?.state === 'bound'));
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} ACKed leases not bound to their client on both servers after healing`);
    });
  });
}

// Issue 3 acceptance: the real `outpost site run` is killed with SIGKILL at seeded
// random moments while a relay-style load client (test/lab/support/dhcp4-load.ts)
// runs DORA exchanges for many distinct MACs, then restarted on the same lease
// directory. Every (address, MAC) a client saw in a DHCPACK must be a bound lease of
// that MAC after the restart (asked over GET /leases on the status port), and no
// address may ever be ACKed to two different clients — over CYCLES kill/restart cycles.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Dhcp4LeaseJournal } from '../../src/storage/dhcp4-lease-journal.js';
import { ipv4FromString } from '../../src/wire/dhcp4/index.js';
import { memoryLogger } from '../support/memory-log.js';
import { seededRandom } from '../support/random.js';
import { writeSiteConfig } from './support/dhcp4-site.js';
import { labUnavailableReason, withLab, type LabProcess } from './index.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const LOAD = fileURLToPath(new URL('./support/dhcp4-load.js', import.meta.url));
const CHECK = fileURLToPath(new URL('./support/dhcp4-lease-check.js', import.meta.url));
const skip = labUnavailableReason() ?? false;
const CYCLES = Number(process.env.OUTPOST_CRASH_CYCLES ?? 20);
const SEED = Number(process.env.OUTPOST_CRASH_SEED ?? 0x0c4a5e);
const SERVER = '198.18.0.1';
const CLIENT = '198.18.0.2';
const STATUS = 'http://127.0.0.1:9180';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`SIGKILL under load, ${CYCLES} cycles: every acknowledged lease survives the restart, no address is ACKed twice`, { skip, timeout: 240_000 }, async () => {
  await withLab({ tag: 'dhcp4-crash' }, async (lab) => {
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: `${SERVER}/15`, b: `${CLIENT}/15` });
    const dir = await lab.tempDir();
    writeSiteConfig(dir, {
      interfaces: [{ name: ends.a, address: SERVER }],
      leaseTime: 86_400, // nothing expires during the test: every ACKed lease must still be bound
      subnets: [{ id: 1, subnet: '198.18.0.0/15', interface: ends.a, pools: [{ start: '198.18.1.0', end: '198.19.255.254' }] }],
    });

    const rnd = seededRandom(SEED);
    const owner = new Map<string, string>(); // address → MAC, over all cycles
    const duplicates: string[] = [];
    const lost: unknown[] = [];
    let totalAcks = 0;
    let truncated = 0;
    const killDelays: number[] = [];
    const start = async (): Promise<LabProcess> => {
      const p = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
      await p.waitForLine(/"code":"DHCP_LISTENING"/, 20_000);
      return p;
    };
    const check = async (file: string) => {
      const r = await server.run(process.execPath, [CHECK, STATUS, file], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `lease check failed: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout) as { checked: number; bad: unknown[] };
    };

    let daemon = await start();
    const began = Date.now();
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const acksFile = join(dir, `acks-${cycle}.txt`);
      const load = client.spawn(process.execPath, [LOAD, SERVER, CLIENT, String(cycle), '32', String(0xffffff), '30000', acksFile]);
      await load.waitForLine(/"ready":true/, 10_000);
      // Kill at a seeded moment 50–1000 ms into the load (after the first ACK, so it is under load).
      const t0 = Date.now();
      while (!(existsSync(acksFile) && readFileSync(acksFile, 'utf8').length > 0) && Date.now() - t0 < 10_000) await sleep(5);
      assert.ok(readFileSync(acksFile, 'utf8').length > 0, `cycle ${cycle}: no ACK within 10 s\n${load.output()}\n${daemon.output().slice(-3000)}`);
      const delay = Math.round(50 + rnd() * 950);
      killDelays.push(delay);
      await sleep(delay);
      process.kill(-daemon.pid, 'SIGKILL');
      const died = await daemon.wait();
      assert.equal(died.signal, 'SIGKILL', `cycle ${cycle}: the server ended before the kill: ${daemon.output().slice(-2000)}`);
      await sleep(300); // replies already on the wire reach the client
      await load.stop();

      const tr = Date.now();
      daemon = await start();
      const tc = Date.now();
      truncated += (daemon.output().match(/"code":"DHCP_JOURNAL_TRUNCATED"/g) ?? []).length;
      const lines = existsSync(acksFile) ? readFileSync(acksFile, 'utf8').split('\n').filter(Boolean) : [];
      for (const line of lines) {
        const [address, mac] = line.split(' ') as [string, string];
        const had = owner.get(address);
        if (had !== undefined && had !== mac) duplicates.push(`${address}: ${had} and ${mac}`);
        owner.set(address, mac);
      }
      totalAcks += lines.length;
      const r = await check(acksFile);
      assert.equal(r.checked, lines.length);
      lost.push(...r.bad);
      if (process.env.OUTPOST_CRASH_VERBOSE) console.log(`# cycle ${cycle}: ${lines.length} ACKs, kill after ${delay} ms, restart ${tc - tr} ms, check ${Date.now() - tc} ms`);
      assert.ok(lines.length > 0, `cycle ${cycle}: no ACK before the kill`);
      assert.deepEqual(r.bad, [], `cycle ${cycle}: acknowledged leases lost after SIGKILL + restart`);
    }
    // After all the restarts, every lease acknowledged in any cycle is still there:
    // the server is stopped and its lease directory opened by the store itself (the
    // same recovery the daemon runs), which is much faster than 10⁵ HTTP queries.
    await daemon.stop();
    const store = await Dhcp4LeaseJournal.open({ dir: join(dir, 'leases'), log: memoryLogger().log });
    const finalBad: string[] = [];
    try {
      for (const [address, mac] of owner) {
        const l = store.get(ipv4FromString(address));
        if (!l || l.state !== 'bound' || l.hwAddress !== mac.replaceAll(':', '')) finalBad.push(`${address} ${mac}: ${JSON.stringify(l ?? null)}`);
      }
    } finally {
      await store.close();
    }
    const seconds = (Date.now() - began) / 1000;
    console.log(`# ${CYCLES} SIGKILL cycles in ${seconds.toFixed(1)} s (seed ${SEED}): ${totalAcks} ACKs seen by clients (${owner.size} addresses), all checked over /leases after the restart that followed their kill and again in the lease directory at the end: ${lost.length + finalBad.length} lost, ${duplicates.length} duplicates, ${truncated} torn journal tails cut; kill delays ${Math.min(...killDelays)}–${Math.max(...killDelays)} ms`);
    assert.equal(owner.size, totalAcks, 'each client MAC is used once, so each ACK names a distinct address');
    assert.deepEqual(finalBad, [], 'acknowledged leases lost');
    assert.deepEqual(duplicates, [], 'an address was ACKed to two clients');
    assert.deepEqual(lost, []);
  });
});

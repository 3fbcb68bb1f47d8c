// Lab self-test with real DHCP: Kea's kea-dhcp4 in one namespace, ISC dhclient in
// another, across a veth pair. dhclient must report a lease, the address must really be
// on its interface, and Kea's memfile must record it.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/lab/fixtures/', import.meta.url));

function keaConfig(iface: string, dir: string): object {
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [iface], 'dhcp-socket-type': 'raw' },
      'lease-database': { type: 'memfile', persist: true, name: join(dir, 'kea-leases4.csv'), 'lfc-interval': 0 },
      'valid-lifetime': 600,
      'renew-timer': 300,
      'rebind-timer': 500,
      subnet4: [{ id: 1, subnet: '192.0.2.0/24', interface: iface, pools: [{ pool: '192.0.2.100 - 192.0.2.199' }] }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'INFO' }],
    },
  };
}

test('dhclient gets a lease from kea-dhcp4 across the lab', { skip: labUnavailableReason() ?? false, timeout: 60_000 }, async () => {
  const missing = missingPrograms(['kea-dhcp4', 'dhclient']);
  assert.deepEqual(missing, [], `install Debian packages kea-dhcp4-server and isc-dhcp-client (missing: ${missing.join(', ')})`);

  await withLab({ tag: 'kea' }, async (lab) => {
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: '192.0.2.1/24' });
    const dir = await lab.tempDir();

    writeFileSync(join(dir, 'kea-dhcp4.json'), JSON.stringify(keaConfig(ends.a, dir), null, 2));
    const kea = server.spawn('kea-dhcp4', ['-c', join(dir, 'kea-dhcp4.json')], {
      env: { KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir },
    });
    await kea.waitForLine(/DHCP4_STARTED/, 15_000);

    // Copied so the exec bit does not depend on how the repository was checked out.
    const script = join(dir, 'dhclient-script.sh');
    copyFileSync(join(FIXTURES, 'dhclient-script.sh'), script);
    const dhclientArgs = ['-d', '-v', '-1', '-cf', join(FIXTURES, 'dhclient.conf'), '-sf', script];
    const dhclient = client.spawn('dhclient', [...dhclientArgs, '-lf', join(dir, 'dhclient.leases'), '-pf', join(dir, 'dhclient.pid'), ends.b]);
    const bound = await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000);
    const leased = /bound to (\S+)/.exec(bound)?.[1] ?? '';

    const lastOctet = Number(leased.split('.')[3]);
    assert.ok(leased.startsWith('192.0.2.') && lastOctet >= 100 && lastOctet <= 199, `leased ${leased} is in the pool`);
    await dhclient.waitForLine(new RegExp(`lab-dhclient-script: reason=BOUND .*address=${leased.replaceAll('.', '\\.')}/`), 5_000);
    assert.match(await client.ip('-o', '-4', 'addr', 'show', 'dev', ends.b), new RegExp(`inet ${leased.replaceAll('.', '\\.')}/24 `));

    const mac = JSON.parse(await client.ip('-j', 'link', 'show', 'dev', ends.b))[0].address as string;
    const leases = readFileSync(join(dir, 'kea-leases4.csv'), 'utf8');
    assert.match(leases, new RegExp(`^${leased.replaceAll('.', '\\.')},${mac},`, 'm'), `lease file:\n${leases}`);
    await kea.waitForLine(new RegExp(`DHCP4_LEASE_ALLOC .*${mac}.*${leased.replaceAll('.', '\\.')}`), 5_000);

    await dhclient.stop();
    const keaExit = await kea.stop();
    assert.equal(keaExit.code, 0, `kea-dhcp4 exits cleanly on SIGTERM:\n${kea.output()}`);
  });
});

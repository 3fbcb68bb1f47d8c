// End to end: DNS objects made over the manager's API, rendered (renderDns) into a site
// config's dns section and its zone files, served by the real `outpost site run` on
// loopback, and asked with BIND's dig: the manual records, the A and PTR records made
// from addresses, and the SOA serial the manager chose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MANAGER_DB_FILE } from '../../src/cli/manager-run.js';
import { renderDns } from '../../src/manager/render/dns.js';
import { openManagerDatabase } from '../../src/storage/manager/database.js';
import { startChild } from '../support/child.js';
import { client, startManager } from '../support/manager-api-suite.js';
import { outpostBin } from '../support/paths.js';
import { freeUdpPort } from '../support/ports.js';

const hasDig = spawnSync('dig', ['-v']).status === 0;

test('a zone rendered by the manager is served by `outpost site run` and answered to dig, with the records made from addresses', { skip: hasDig ? false : 'dig is not installed', timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-manager-dns-serve-'));
  const m = await startManager();
  try {
    const api = client(`${m.url}/api/v1`, m.adminToken);
    const ok = async (path: string, body: unknown) => {
      const r = await api('POST', path, body);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as { id: number };
    };
    const port = await freeUdpPort();
    const site = await ok('/sites', { name: 'hub' });
    const server = await ok('/servers', { siteId: site.id, name: 'hub-dns', address: '127.0.0.1', roles: ['dns'], dnsPort: port, dataDir: join(dir, 'data') });
    const zone = await ok('/dns-zones', { name: 'voice.example.com', primaryServerId: server.id, nameservers: ['ns1.voice.example.com'] });
    await ok('/dns-zones', { name: '2.0.192.in-addr.arpa', primaryServerId: server.id, nameservers: ['ns1.voice.example.com'] });
    await ok('/dns-records', { zoneId: zone.id, name: 'sip', type: 'CNAME', rdata: 'pbx' });
    await ok('/dns-records', { zoneId: zone.id, name: '_sip._udp', type: 'SRV', rdata: '10 60 5060 pbx' });
    const space = await ok('/ip-spaces', { name: 'corp' });
    await ok('/subnets', { spaceId: space.id, prefix: '192.0.2.0/24' });
    await ok('/addresses', { spaceId: space.id, address: '192.0.2.53', kind: 'static', dnsName: 'ns1.voice.example.com' });
    await ok('/addresses', { spaceId: space.id, address: '192.0.2.11', kind: 'static', dnsName: 'pbx.voice.example.com' });

    const db = await openManagerDatabase({ kind: 'sqlite', file: join(m.dir, MANAGER_DB_FILE) });
    const rendered = await renderDns(db.db, server.id).finally(() => db.close());
    assert.deepEqual(rendered.problems, []);
    for (const f of rendered.files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content);
    }
    const config = join(dir, 'site.json');
    writeFileSync(config, JSON.stringify({ version: 1, site: { name: 'hub' }, server: { name: 'hub-dns' }, status: { port: 0 }, dns: rendered.section }));
    const daemon = startChild(process.execPath, [outpostBin, 'site', 'run', '--config', config]);
    try {
      await daemon.waitFor(/"code":"DNS_LISTENING"/, 20_000);
      const dig = (...args: string[]) => {
        const r = spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=2', '+tries=1', '+noall', '+answer', ...args], { encoding: 'utf8', timeout: 15_000 });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(' '));
      };
      assert.deepEqual(dig('pbx.voice.example.com', 'A'), ['pbx.voice.example.com. IN A 192.0.2.11']);
      assert.deepEqual(dig('sip.voice.example.com', 'A'), ['sip.voice.example.com. IN CNAME pbx.voice.example.com.', 'pbx.voice.example.com. IN A 192.0.2.11']);
      assert.deepEqual(dig('-x', '192.0.2.11'), ['11.2.0.192.in-addr.arpa. IN PTR pbx.voice.example.com.']);
      assert.deepEqual(dig('_sip._udp.voice.example.com', 'SRV'), ['_sip._udp.voice.example.com. IN SRV 10 60 5060 pbx.voice.example.com.']);
      const soa = dig('voice.example.com', 'SOA')[0]!.split(' ');
      const file = rendered.files.find((f) => f.path.endsWith('/voice.example.com.zone'))!.content;
      assert.ok(file.includes(` ${soa[6]} `), `the serial ${soa[6]} is the rendered one:\n${file}`);
    } finally {
      daemon.proc.kill('SIGTERM');
      await daemon.exit().catch(() => daemon.kill());
    }
  } finally {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

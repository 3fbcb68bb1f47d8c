// Lab self-test with real DNS: knotd serving lab.example. in one namespace, kdig in
// another across a veth pair, over UDP and TCP; answers must be authoritative (AA).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/lab/fixtures/', import.meta.url));
const SERVER = '203.0.113.53';

function knotConfig(dir: string): string {
  return `server:
    rundir: "${join(dir, 'run')}"
    listen: ${SERVER}@53
database:
    storage: "${join(dir, 'db')}"
log:
  - target: stdout
    any: info
zone:
  - domain: lab.example.
    storage: "${join(dir, 'zones')}"
    file: lab.example.zone
`;
}

test('kdig gets an authoritative answer from knotd across the lab', { skip: labUnavailableReason() ?? false, timeout: 60_000 }, async () => {
  const missing = missingPrograms(['knotd', 'kdig']);
  assert.deepEqual(missing, [], `install Debian packages knot and knot-dnsutils (missing: ${missing.join(', ')})`);

  await withLab({ tag: 'knot' }, async (lab) => {
    const server = await lab.namespace('dns');
    const client = await lab.namespace('client');
    await lab.link(server, client, { a: `${SERVER}/24`, b: '203.0.113.10/24' });
    const dir = await lab.tempDir();
    for (const sub of ['run', 'db', 'zones']) mkdirSync(join(dir, sub));
    copyFileSync(join(FIXTURES, 'lab.example.zone'), join(dir, 'zones', 'lab.example.zone'));
    writeFileSync(join(dir, 'knot.conf'), knotConfig(dir));

    const knotd = server.spawn('knotd', ['-c', join(dir, 'knot.conf')]);
    await knotd.waitForLine(/server started/, 15_000);
    await server.waitForPort(53, { proto: 'udp', timeoutMs: 5_000 });
    await server.waitForPort(53, { proto: 'tcp', timeoutMs: 5_000 });

    for (const transport of ['+notcp', '+tcp']) {
      const r = await client.run('kdig', [`@${SERVER}`, 'www.lab.example.', 'A', '+norec', transport, '+timeout=2', '+retry=1'], { timeoutMs: 10_000 });
      assert.equal(r.code, 0, `kdig ${transport}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /;; Flags: qr aa;/, `authoritative answer over ${transport}:\n${r.stdout}`);
      assert.match(r.stdout, /status: NOERROR/);
      assert.match(r.stdout, /^www\.lab\.example\.\s+300\s+IN\s+A\s+203\.0\.113\.80$/m);
    }

    const nx = await client.run('kdig', [`@${SERVER}`, 'nope.lab.example.', 'A', '+norec', '+timeout=2', '+retry=1'], { timeoutMs: 10_000 });
    assert.match(nx.stdout, /status: NXDOMAIN/, nx.stdout);
    assert.match(nx.stdout, /;; Flags: qr aa;/);

    const exit = await knotd.stop();
    assert.equal(exit.code, 0, `knotd exits cleanly on SIGTERM:\n${knotd.output()}`);
  });
});

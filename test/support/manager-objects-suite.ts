// Service objects and rendering over HTTP against a running `outpost manager run`, for
// every backend (SQLite in the system tier, a real PostgreSQL server in the lab tier):
// servers, twin pairs, VLANs, option sets with VoIP templates, client classes, failover
// relationships and DHCP scopes — each refusal with its code and field, merge patches
// under If-Match, deletes refused while in use, secrets never read back; then a server's
// rendered site config, accepted by the real `outpost site check`, deterministic, and the
// plan against what was deployed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, type RunningManager } from './manager-api-suite.js';
import { outpostBin } from './paths.js';

export function objectsSuite(name: string, start: () => Promise<RunningManager>): void {
  let m: RunningManager;
  let admin: ReturnType<typeof client>;
  let dir: string;
  before(async () => {
    m = await start();
    admin = client(`${m.url}/api/v1`, m.adminToken);
    dir = mkdtempSync(join(tmpdir(), 'outpost-objects-'));
  });
  after(async () => {
    await m?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = async (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) => {
    const r = await admin(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const refused = async (method: string, path: string, body: unknown, status: number, code: string, field?: string) => {
    const r = await admin(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, JSON.stringify(r.body));
    if (field !== undefined) assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    return r.body.error as { message: string; object?: string };
  };

  test(`${name}: servers, twin pairs and VLANs: references, uniqueness and in-use checks name the field`, async () => {
    const site = await ok('POST', '/sites', { name: 'obj-hq' });
    const other = await ok('POST', '/sites', { name: 'obj-branch' });
    const a = await ok('POST', '/servers', { siteId: site.id, name: 'obj-hq-a', address: '192.0.2.2', roles: ['dhcp', 'dns'] });
    assert.deepEqual([a.statusPort, a.failoverPort, a.maxFailoverPrimaries, a.dataDir], [9180, 647, 5, '/var/lib/outpost'], 'defaults filled in');
    const b = await ok('POST', '/servers', { siteId: site.id, name: 'obj-hq-b', address: '192.0.2.3', roles: ['dhcp'] });
    const far = await ok('POST', '/servers', { siteId: other.id, name: 'obj-branch-a', address: '198.51.100.2', roles: ['files'] });
    await refused('POST', '/servers', { siteId: site.id, name: 'obj-hq-a', address: '192.0.2.4' }, 409, 'MANAGER_CONFLICT', 'name');
    await refused('POST', '/servers', { siteId: 999, name: 'obj-x', address: '192.0.2.4' }, 422, 'MANAGER_INVALID', 'siteId');
    await refused('POST', '/servers', { siteId: site.id, name: 'Bad_Name', address: '192.0.2.4' }, 400, 'API_INVALID_REQUEST', 'body.name');
    await refused('POST', '/servers', { siteId: site.id, name: 'obj-x', address: '192.0.2.4', roles: ['dhcp'], colour: 'red' }, 400, 'API_INVALID_REQUEST', 'body.colour');

    await refused('POST', '/twin-pairs', { siteId: site.id, name: 'obj-twins', serverAId: a.id, serverBId: a.id, virtualAddress: '192.0.2.1' }, 422, 'MANAGER_INVALID', 'serverBId');
    await refused('POST', '/twin-pairs', { siteId: site.id, name: 'obj-twins', serverAId: a.id, serverBId: far.id, virtualAddress: '192.0.2.1' }, 422, 'MANAGER_INVALID', 'serverBId');
    const pair = await ok('POST', '/twin-pairs', { siteId: site.id, name: 'obj-twins', serverAId: a.id, serverBId: b.id, virtualAddress: '192.0.2.1' });
    await refused('POST', '/twin-pairs', { siteId: site.id, name: 'obj-twins-2', serverAId: b.id, serverBId: a.id, virtualAddress: '192.0.2.1' }, 409, 'MANAGER_CONFLICT', 'serverAId');
    const inUse = await refused('DELETE', `/servers/${a.id}`, undefined, 409, 'MANAGER_IN_USE');
    assert.match(inUse.message, /twin pair/);

    const voice = await ok('POST', '/vlans', { siteId: site.id, vid: 20, name: 'voice' });
    await ok('POST', '/vlans', { vid: 20, name: 'voice everywhere' });
    await refused('POST', '/vlans', { siteId: site.id, vid: 20, name: 'again' }, 409, 'MANAGER_CONFLICT', 'vid');
    await refused('POST', '/vlans', { siteId: site.id, vid: 4095, name: 'too high' }, 400, 'API_INVALID_REQUEST', 'body.vid');

    const listed = await ok('GET', `/servers?siteId=${site.id}`);
    assert.deepEqual(listed.items.map((s: { name: string }) => s.name), ['obj-hq-a', 'obj-hq-b']);
    const page1 = await ok('GET', '/servers?limit=2');
    const page2 = await ok('GET', `/servers?limit=2&after=${page1.next}`);
    assert.deepEqual([...page1.items, ...page2.items].map((s: { id: number }) => s.id), [a.id, b.id, far.id]);

    await ok('DELETE', `/twin-pairs/${pair.id}`, undefined, 204);
    await ok('DELETE', `/vlans/${voice.id}`, undefined, 204);
    const trail = await ok('GET', `/audit?objectType=twin%20pair&objectId=${pair.id}`);
    assert.deepEqual(trail.items.map((e: { action: string }) => e.action), ['create', 'delete']);
    assert.equal(trail.items[1].before.virtualAddress, '192.0.2.1');
  });

  test(`${name}: option sets and classes: VoIP templates checked by the site's own option renderer; merge patch under If-Match`, async () => {
    const avaya = await ok('POST', '/option-sets', { name: 'obj-avaya', options: { avaya: { mcIpAdd: ['192.0.2.10'], httpSrvr: ['192.0.2.11'], l2qVlan: 20 }, routers: ['198.51.100.1'] } });
    assert.deepEqual(avaya.options.avaya.codes, [242], 'the template\'s default filled in');
    const long = Array.from({ length: 16 }, (_, i) => `callserver-${i}.voice.example.com`);
    await refused('POST', '/option-sets', { name: 'obj-too-long', options: { avaya: { mcIpAdd: long } } }, 422, 'MANAGER_INVALID', 'options.avaya');
    await refused('POST', '/option-sets', { name: 'obj-bad-vlan', options: { avaya: { l2qVlan: 5000 } } }, 400, 'API_INVALID_REQUEST', 'body.options.avaya.l2qVlan');
    await refused('POST', '/option-sets', { name: 'obj-custom', options: { custom: [{ name: 'no-such-option', value: 'x' }] } }, 422, 'MANAGER_INVALID');

    const stale = await admin('PATCH', `/option-sets/${avaya.id}`, { description: 'x' }, { 'if-match': '"7"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'MANAGER_VERSION_MISMATCH');
    const changed = await admin('PATCH', `/option-sets/${avaya.id}`, { description: '96xx phones', options: { routers: ['198.51.100.254'], avaya: { l2qVlan: 30 } } }, { 'if-match': `"${avaya.version}"` });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.headers.get('etag'), '"2"');
    assert.deepEqual(changed.body.options.routers, ['198.51.100.254']);
    assert.deepEqual(changed.body.options.avaya.mcIpAdd, ['192.0.2.10'], 'a merge patch keeps what it does not name');
    assert.equal(changed.body.options.avaya.l2qVlan, 30);
    const removed = await ok('PATCH', `/option-sets/${avaya.id}`, { description: null });
    assert.equal(removed.description, undefined, 'null removes a field');
    await refused('PATCH', `/option-sets/${avaya.id}`, { options: { avaya: { l2qVlan: 9999 } } }, 400, 'API_INVALID_REQUEST');
    await refused('PATCH', `/option-sets/${avaya.id}`, { name: null }, 422, 'MANAGER_INVALID', 'name');

    await ok('POST', '/client-classes', { name: 'obj-aruba', priority: 10, match: { vendorClass: [{ equals: 'ArubaAP' }] }, options: { aruba: { controller: '192.0.2.20' } } });
    await ok('POST', '/client-classes', { name: 'obj-avaya-phones', match: { vendorClass: [{ prefix: 'ccp.avaya.com' }] }, optionSetId: avaya.id });
    await refused('POST', '/client-classes', { name: 'obj-nowhere', optionSetId: 9999 }, 422, 'MANAGER_INVALID', 'optionSetId');
    await refused('DELETE', `/option-sets/${avaya.id}`, undefined, 409, 'MANAGER_IN_USE');
  });

  test(`${name}: failover relationships: a generated key never read back; one per pair; a standby backs up at most its maxFailoverPrimaries`, async () => {
    const site = await ok('POST', '/sites', { name: 'obj-m2o' });
    const server = (n: string, extra: object = {}) => ok('POST', '/servers', { siteId: site.id, name: n, address: `203.0.113.${10 + n.length}`, roles: ['dhcp'], ...extra });
    const standby = await ok('POST', '/servers', { siteId: site.id, name: 'obj-m2o-standby', address: '203.0.113.2', roles: ['dhcp'], maxFailoverPrimaries: 2 });
    const p1 = await server('obj-p1');
    const p2 = await server('obj-p22');
    const p3 = await server('obj-p333');
    const filesOnly = await ok('POST', '/servers', { siteId: site.id, name: 'obj-files-only', address: '203.0.113.3', roles: ['files'] });
    const r1 = await ok('POST', '/failover-relationships', { name: 'obj-r1', mode: 'hot-standby', primaryServerId: p1.id, secondaryServerId: standby.id });
    assert.equal(r1.key, undefined, 'the key is never read back');
    assert.equal(r1.mclt, 3600);
    await refused('POST', '/failover-relationships', { name: 'obj-r1b', mode: 'load-balancing', primaryServerId: standby.id, secondaryServerId: p1.id }, 409, 'MANAGER_CONFLICT', 'secondaryServerId');
    await ok('POST', '/failover-relationships', { name: 'obj-r2', mode: 'hot-standby', primaryServerId: p2.id, secondaryServerId: standby.id });
    const third = await refused('POST', '/failover-relationships', { name: 'obj-r3', mode: 'hot-standby', primaryServerId: p3.id, secondaryServerId: standby.id }, 422, 'MANAGER_INVALID', 'secondaryServerId');
    assert.match(third.message, /3 primaries, more than its maxFailoverPrimaries \(2\)/);
    await refused('POST', '/failover-relationships', { name: 'obj-r4', mode: 'hot-standby', primaryServerId: p3.id, secondaryServerId: filesOnly.id }, 422, 'MANAGER_INVALID', 'secondaryServerId');
    await refused('POST', '/failover-relationships', { name: 'obj-r5', mode: 'hot-standby', primaryServerId: p3.id, secondaryServerId: p3.id }, 422, 'MANAGER_INVALID', 'secondaryServerId');
    await refused('POST', '/failover-relationships', { name: 'obj-r6', mode: 'hot-standby', primaryServerId: p3.id, secondaryServerId: standby.id, key: 'c2hvcnQ=' }, 400, 'API_INVALID_REQUEST', 'body.key');
  });

  test(`${name}: a server's rendered site config: the real \`outpost site check\` accepts it, it is deterministic, and plan shows what changed since it was deployed`, async () => {
    const space = await ok('POST', '/ip-spaces', { name: 'obj-render' });
    const site = await ok('POST', '/sites', { name: 'obj-render' });
    const a = await ok('POST', '/servers', { siteId: site.id, name: 'obj-render-a', address: '192.0.2.66', roles: ['dhcp', 'files'], dhcpInterfaces: [{ name: 'eth0' }] });
    const b = await ok('POST', '/servers', { siteId: site.id, name: 'obj-render-b', address: '192.0.2.67', roles: ['dhcp'] });
    const phones = await ok('POST', '/option-sets', { name: 'obj-render-phones', options: { avaya: { mcIpAdd: ['192.0.2.10'], l2qVlan: 20 }, ciscoTftp: { servers: ['192.0.2.11'] } } });
    const pair = await ok('POST', '/failover-relationships', { name: 'obj-render', mode: 'hot-standby', primaryServerId: a.id, secondaryServerId: b.id });
    const subnet = await ok('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/24', siteId: site.id });
    await ok('POST', `/subnets/${subnet.id}/ranges`, { kind: 'pool', start: '198.51.100.100', end: '198.51.100.199' });
    await ok('POST', '/addresses', { spaceId: space.id, address: '198.51.100.10', kind: 'reservation', mac: '00:1b:4f:12:34:56', hostname: 'printer' });

    await refused('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: a.id, failoverId: pair.id }, 422, 'MANAGER_INVALID', 'failoverId');
    await refused('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: a.id, interface: 'eth9' }, 422, 'MANAGER_INVALID', 'interface');
    await refused('POST', '/dhcp-scopes', { subnetId: subnet.id, failoverId: pair.id, classes: ['no-such-class'] }, 422, 'MANAGER_INVALID', 'classes.0');
    const v6 = await ok('POST', '/subnets', { spaceId: space.id, prefix: '2001:db8:66::/64' });
    await refused('POST', '/dhcp-scopes', { subnetId: v6.id, serverId: a.id }, 422, 'MANAGER_INVALID', 'subnetId');
    const scope = await ok('POST', '/dhcp-scopes', { subnetId: subnet.id, failoverId: pair.id, optionSetId: phones.id, options: { routers: ['198.51.100.1'] } });
    await refused('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: a.id }, 409, 'MANAGER_CONFLICT', 'subnetId');

    // b has no DHCP interface: its config is refused by the site daemon's parser, and the problem names the path.
    const bConfig = await ok('GET', `/servers/${b.id}/config`);
    assert.deepEqual(bConfig.problems.map((p: { path: string }) => p.path), ['$.dhcp.interfaces']);
    await ok('PATCH', `/servers/${b.id}`, { dhcpInterfaces: [{ name: 'eth1' }] });

    const shown = await ok('GET', `/servers/${a.id}/config`);
    assert.deepEqual(shown.problems, []);
    assert.equal(shown.config.failover.relationships[0].key, '(secret)', 'secrets are masked unless asked for');
    const full = await ok('GET', `/servers/${a.id}/config?secrets=true`);
    assert.equal(full.hash, shown.hash);
    assert.match(full.config.failover.relationships[0].key, /^[A-Za-z0-9+/]{43}=$/);
    const again = await ok('GET', `/servers/${a.id}/config?secrets=true`);
    assert.equal(JSON.stringify(again), JSON.stringify(full), 'the same database renders the same bytes');
    const subnetConfig = full.config.dhcp.subnets[0];
    assert.equal(subnetConfig.subnet, '198.51.100.0/24');
    assert.deepEqual(subnetConfig.pools, [{ start: '198.51.100.100', end: '198.51.100.199' }]);
    assert.deepEqual(subnetConfig.reservations, [{ hwAddress: '00:1b:4f:12:34:56', address: '198.51.100.10', hostname: 'printer' }]);
    assert.deepEqual(subnetConfig.options.routers, ['198.51.100.1']);
    assert.equal(subnetConfig.options.avaya.l2qVlan, 20, 'the option set is rendered under the scope\'s own options');

    // Both partners' configs pass the real `outpost site check`, and name each other.
    const bFull = await ok('GET', `/servers/${b.id}/config?secrets=true`);
    for (const [n, r] of [['a', full], ['b', bFull]] as const) {
      const file = join(dir, `render-${n}.json`);
      writeFileSync(file, JSON.stringify(r.config, null, 2));
      const check = spawnSync(process.execPath, [outpostBin, 'site', 'check', '--config', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, `site check of ${n}: ${check.stdout}${check.stderr}`);
    }
    assert.equal(bFull.config.failover.relationships[0].role, 'standby');
    assert.equal(bFull.config.failover.relationships[0].partner.address, '192.0.2.66');
    assert.equal(bFull.config.failover.relationships[0].key, full.config.failover.relationships[0].key);

    const readOnly = await ok('POST', '/users', { name: 'obj-viewer', role: 'read-only' });
    const token = await ok('POST', `/users/${readOnly.id}/tokens`, { name: 'view', scope: 'read' });
    const viewer = client(`${m.url}/api/v1`, token.secret);
    assert.equal((await viewer('GET', `/servers/${a.id}/config`)).status, 200);
    assert.equal((await viewer('GET', `/servers/${a.id}/config?secrets=true`)).status, 403);

    // Plan: never deployed → everything is new; deploy the hash planned; a change shows as its path only.
    let plan = (await ok('GET', `/plan?serverId=${a.id}`)).servers[0];
    assert.equal(plan.deployedHash, null);
    assert.equal(plan.changed, true);
    await refused('POST', `/servers/${a.id}/deployed`, { hash: `sha256:${'0'.repeat(64)}` }, 409, 'MANAGER_CONFLICT', 'hash');
    await ok('POST', `/servers/${a.id}/deployed`, { hash: plan.hash }, 200);
    plan = (await ok('GET', `/plan?siteId=${site.id}`)).servers.find((p: { serverId: number }) => p.serverId === a.id);
    assert.deepEqual([plan.changed, plan.changes], [false, []]);
    await ok('PATCH', `/dhcp-scopes/${scope.id}`, { leaseTime: 3600 });
    await ok('PATCH', `/failover-relationships/${pair.id}`, { key: Buffer.alloc(32, 7).toString('base64') });
    plan = (await ok('GET', `/plan?serverId=${a.id}`)).servers[0];
    assert.equal(plan.changed, true);
    assert.deepEqual(plan.changes, [{ op: 'add', path: `$.dhcp.subnets[id=${subnet.id}].leaseTime`, after: 3600 }],
      'only the new lease time: the new key changes the hash but is never shown');
    assert.notEqual(plan.hash, plan.deployedHash);
  });

  test(`${name}: pools and reservations carry their own DHCP options and classes into the rendered config; subnets name their VLAN`, async () => {
    const space = await ok('POST', '/ip-spaces', { name: 'obj-extras' });
    const site = await ok('POST', '/sites', { name: 'obj-extras' });
    const other = await ok('POST', '/sites', { name: 'obj-extras-far' });
    const server = await ok('POST', '/servers', { siteId: site.id, name: 'obj-extras-a', address: '192.0.2.70', roles: ['dhcp'], dhcpInterfaces: [{ name: 'eth0' }] });

    // Subnets on a VLAN: one of their own site's or one of every site's, never another site's.
    const voice = await ok('POST', '/vlans', { siteId: site.id, vid: 30, name: 'voice' });
    const farVoice = await ok('POST', '/vlans', { siteId: other.id, vid: 30, name: 'voice' });
    const everywhere = await ok('POST', '/vlans', { vid: 31, name: 'aps' });
    const subnet = await ok('POST', '/subnets', { spaceId: space.id, prefix: '203.0.113.0/24', siteId: site.id, vlanId: voice.id });
    assert.equal(subnet.vlanId, voice.id);
    const far = await refused('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/25', siteId: site.id, vlanId: farVoice.id }, 422, 'MANAGER_INVALID', 'vlanId');
    assert.match(far.message, /VLAN 30 \(voice\) is local to site \d+; the subnet is at site obj-extras/);
    await refused('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/25', vlanId: voice.id }, 422, 'MANAGER_INVALID', 'vlanId');
    await refused('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/25', vlanId: 9999 }, 404, 'MANAGER_NOT_FOUND', 'vlanId');
    const aps = await ok('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/25', vlanId: everywhere.id });
    await ok('POST', `/subnets/${aps.id}/next-free-subnet`, { length: 28, siteId: other.id, vlanId: everywhere.id });
    await refused('POST', `/subnets/${aps.id}/next-free-subnet`, { length: 28, siteId: other.id, vlanId: voice.id }, 422, 'MANAGER_INVALID', 'vlanId');
    assert.deepEqual((await ok('GET', `/subnets?vlanId=${voice.id}`)).items.map((x: { id: number }) => x.id), [subnet.id]);
    await refused('PATCH', `/subnets/${subnet.id}`, { siteId: other.id }, 422, 'MANAGER_INVALID', 'vlanId');
    const moved = await ok('PATCH', `/subnets/${aps.id}`, { vlanId: null });
    assert.deepEqual([moved.vlanId, moved.version], [null, 2]);
    await refused('DELETE', `/vlans/${voice.id}`, undefined, 409, 'MANAGER_IN_USE');

    // A pool's and a reservation's options and classes: checked like a scope's, kept, patched, rendered.
    await ok('POST', '/client-classes', { name: 'obj-extras-phones', match: { vendorClass: [{ prefix: 'ccp.avaya.com' }] } });
    await ok('POST', '/client-classes', { name: 'obj-extras-aps', match: { vendorClass: [{ equals: 'ArubaAP' }] } });
    const phoneOptions = { avaya: { mcIpAdd: ['192.0.2.10'], l2qVlan: 30 } };
    const long = Array.from({ length: 16 }, (_, i) => `callserver-${i}.voice.example.com`);
    const ranges = `/subnets/${subnet.id}/ranges`;
    await refused('POST', ranges, { kind: 'pool', start: '203.0.113.100', end: '203.0.113.199', options: { avaya: { mcIpAdd: long } } }, 422, 'MANAGER_INVALID', 'options.avaya');
    await refused('POST', ranges, { kind: 'pool', start: '203.0.113.100', end: '203.0.113.199', classes: ['obj-extras-phones', 'no-such-class'] }, 422, 'MANAGER_INVALID', 'classes.1');
    await refused('POST', ranges, { kind: 'pool', start: '203.0.113.100', end: '203.0.113.199', options: { avaya: { l2qVlan: 5000 } } }, 400, 'API_INVALID_REQUEST', 'body.options.avaya.l2qVlan');
    await refused('POST', ranges, { kind: 'exclusion', start: '203.0.113.250', end: '203.0.113.254', classes: ['obj-extras-phones'] }, 422, 'MANAGER_INVALID', 'classes');
    assert.deepEqual((await ok('GET', ranges)).items, [], 'nothing was written');
    const phones = await ok('POST', ranges, { kind: 'pool', start: '203.0.113.100', end: '203.0.113.149', options: phoneOptions, classes: ['obj-extras-phones'] });
    assert.deepEqual([phones.classes, phones.options.avaya.mcIpAdd], [['obj-extras-phones'], ['192.0.2.10']]);
    const open = await ok('POST', ranges, { kind: 'pool', start: '203.0.113.150', end: '203.0.113.199' });
    assert.deepEqual([open.options, open.classes], [undefined, undefined]);
    const stale = await admin('PATCH', `/ranges/${open.id}`, { classes: ['obj-extras-aps'] }, { 'if-match': '"7"' });
    assert.equal(stale.status, 412);
    const apsPool = await admin('PATCH', `/ranges/${open.id}`, { classes: ['obj-extras-aps'], options: { ntpServers: ['192.0.2.123'] } }, { 'if-match': `"${open.version}"` });
    assert.equal(apsPool.status, 200, JSON.stringify(apsPool.body));
    assert.equal(apsPool.headers.get('etag'), '"2"');
    const v6 = await ok('POST', '/subnets', { spaceId: space.id, prefix: '2001:db8:70::/64' });
    await refused('POST', `/subnets/${v6.id}/ranges`, { kind: 'pool', start: '2001:db8:70::100', end: '2001:db8:70::1ff', classes: ['obj-extras-phones'] }, 422, 'MANAGER_INVALID', 'classes');

    await refused('POST', '/addresses', { spaceId: space.id, address: '203.0.113.5', kind: 'static', options: { routers: ['203.0.113.1'] } }, 422, 'MANAGER_INVALID', 'options');
    await refused('POST', '/addresses', { spaceId: space.id, address: '203.0.113.20', kind: 'reservation', mac: '00:1b:4f:00:00:20', classes: ['nope'] }, 422, 'MANAGER_INVALID', 'classes.0');
    const phone = await ok('POST', '/addresses', { spaceId: space.id, address: '203.0.113.20', kind: 'reservation', mac: '00:1b:4f:00:00:20', classes: ['obj-extras-phones'], options: { ciscoTftp: { servers: ['192.0.2.11'] } } });
    const plain = await ok('POST', '/addresses', { spaceId: space.id, address: '203.0.113.21', kind: 'reservation', mac: '00:1b:4f:00:00:21' });
    const printer = await ok('POST', '/addresses', { spaceId: space.id, address: '203.0.113.6', kind: 'static', hostname: 'printer' });
    await refused('PATCH', `/addresses/${printer.id}`, { classes: ['obj-extras-phones'] }, 422, 'MANAGER_INVALID', 'classes');
    const ap = await ok('PATCH', `/addresses/${plain.id}`, { classes: ['obj-extras-aps'] });
    assert.deepEqual([ap.classes, ap.version], [['obj-extras-aps'], 2]);
    const trail = await ok('GET', `/audit?objectType=ip_range&objectId=${open.id}`);
    assert.deepEqual([trail.items[1].before.classes, trail.items[1].after.classes], [undefined, ['obj-extras-aps']]);

    await ok('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: server.id, interface: 'eth0', options: { routers: ['203.0.113.1'] } });
    const rendered = await ok('GET', `/servers/${server.id}/config`);
    assert.deepEqual(rendered.problems, []);
    const s = rendered.config.dhcp.subnets[0];
    assert.deepEqual(s.pools.map((p: { classes?: string[] }) => p.classes), [['obj-extras-phones'], ['obj-extras-aps']]);
    assert.deepEqual(s.pools[0].options.avaya.mcIpAdd, ['192.0.2.10']);
    assert.deepEqual(s.pools[1].options.ntpServers, ['192.0.2.123']);
    assert.deepEqual(s.reservations.map((r: { address: string; classes?: string[] }) => [r.address, r.classes]), [['203.0.113.20', ['obj-extras-phones']], ['203.0.113.21', ['obj-extras-aps']]]);
    assert.deepEqual(s.reservations[0].options.ciscoTftp.servers, ['192.0.2.11']);
    const file = join(dir, 'render-extras.json');
    writeFileSync(file, JSON.stringify(rendered.config, null, 2));
    const check = spawnSync(process.execPath, [outpostBin, 'site', 'check', '--config', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `site check: ${check.stdout}${check.stderr}`);

    // A class named by a pool or a reservation is neither deleted nor renamed under it; removing the names frees it.
    const classes = (await ok('GET', '/client-classes?name=obj-extras-phones')).items;
    const used = await refused('DELETE', `/client-classes/${classes[0].id}`, undefined, 409, 'MANAGER_IN_USE');
    assert.match(used.message, /pool 203\.0\.113\.100-203\.0\.113\.149/);
    await refused('PATCH', `/client-classes/${classes[0].id}`, { name: 'obj-extras-voice' }, 409, 'MANAGER_IN_USE', 'name');
    await ok('PATCH', `/ranges/${phones.id}`, { classes: [] });
    const stillUsed = await refused('DELETE', `/client-classes/${classes[0].id}`, undefined, 409, 'MANAGER_IN_USE');
    assert.match(stillUsed.message, /reservation 203\.0\.113\.20/);
    await ok('PATCH', `/addresses/${phone.id}`, { classes: [] });
    await ok('DELETE', `/client-classes/${classes[0].id}`, undefined, 204);
  });

}

// The manager's DNS objects (docs/manager.md "DNS") over HTTP against a running `outpost
// manager run`, for every backend (SQLite in the system tier, PostgreSQL in the lab
// tier): TSIG keys (the secret shown once), zones and records with every refusal's code
// and field, merge patches under If-Match, deletes refused while used, the records CSV,
// and the rendering of a server's dns section and zone files — read back by the real
// zone file parser, deterministic, and accepted by the site config parser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MANAGER_DB_FILE } from '../../src/cli/manager-run.js';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { renderDns } from '../../src/manager/render/dns.js';
import { parseZoneFile } from '../../src/protocol/dns/zone-file/reader.js';
import { openManagerDatabase, type ManagerDatabase } from '../../src/storage/manager/database.js';
import { RRType } from '../../src/wire/dns/types.js';
import { client, type RunningManager } from './manager-api-suite.js';

type Api = ReturnType<typeof client>;

/** Refused with this status, code and field. */
async function refused(p: Promise<{ status: number; body: any }>, status: number, code: string, field?: string): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await p;
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  if (field !== undefined) assert.equal(r.body.error.field, field, JSON.stringify(r.body));
  assert.ok(r.body.error.message.length > 5);
}

export function dnsSuite(name: string, start: () => Promise<RunningManager>): void {
  let m: RunningManager;
  let api: Api;
  let db: ManagerDatabase;
  const ids: Record<string, number> = {};
  const csv = { 'content-type': 'text/csv' };

  before(async () => {
    m = await start();
    api = client(`${m.url}/api/v1`, m.adminToken);
    db = await openManagerDatabase(m.database ? { kind: 'postgres', connectionString: m.database } : { kind: 'sqlite', file: join(m.dir, MANAGER_DB_FILE) });
    const made = async (path: string, body: unknown) => {
      const r = await api('POST', path, body);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      return r.body.id as number;
    };
    ids.hub = await made('/sites', { name: 'hub', survivability: 'dependent' });
    ids.branch = await made('/sites', { name: 'branch-07', survivability: 'survivable' });
    ids.p = await made('/servers', { siteId: ids.hub, name: 'hub-dns', address: '192.0.2.53', roles: ['dns'], dnsPort: 5353, dataDir: '/var/lib/outpost-hub' });
    ids.s1 = await made('/servers', { siteId: ids.branch, name: 'branch-07-a', address: '198.51.100.53', roles: ['dns', 'dhcp'] });
    ids.s2 = await made('/servers', { siteId: ids.hub, name: 'hub-dns-2', address: '203.0.113.53', roles: ['dns'] });
    ids.dhcp = await made('/servers', { siteId: ids.branch, name: 'branch-07-dhcp', address: '198.51.100.67', roles: ['dhcp'] });
    ids.twin = await made('/servers', { siteId: ids.hub, name: 'hub-dns-twin', address: '192.0.2.53', roles: ['dns'], dnsPort: 5353 });
  });
  after(async () => {
    await db?.close();
    await m?.stop();
  });

  test(`${name}: a TSIG key's secret is shown once, in the create answer, and never read back`, async () => {
    const made = await api('POST', '/tsig-keys', { name: 'XFR.voice.example.com.' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.name, 'xfr.voice.example.com');
    assert.equal(made.body.algorithm, 'hmac-sha256');
    assert.equal(Buffer.from(made.body.secret, 'base64').length, 32);
    const secret = made.body.secret as string;
    ids.key = made.body.id;
    const got = await api('GET', `/tsig-keys/${ids.key}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined);
    assert.equal(got.headers.get('etag'), '"1"');
    const listed = await api('GET', '/tsig-keys?name=xfr.voice.example.com');
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].secret, undefined);
    const changed = await api('PATCH', `/tsig-keys/${ids.key}`, { description: 'transfers to the branches' }, { 'if-match': '"1"' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.secret, undefined);
    const audit = await api('GET', `/audit?objectType=TSIG key&objectId=${ids.key}`);
    assert.equal(audit.body.items.length, 2);
    assert.ok(!JSON.stringify(audit.body).includes(secret), 'the audit log never holds the secret');
    const given = await api('POST', '/tsig-keys', { name: 'update.voice.example.com', algorithm: 'hmac-sha512', secret: Buffer.alloc(64, 7).toString('base64') });
    assert.equal(given.status, 201);
    ids.updateKey = given.body.id;
    await refused(api('POST', '/tsig-keys', { name: 'short.example.com', secret: 'AAAA' }), 422, 'MANAGER_INVALID', 'secret');
    await refused(api('POST', '/tsig-keys', { name: 'bad..name' }), 422, 'MANAGER_INVALID', 'name');
    await refused(api('POST', '/tsig-keys', { name: 'xfr.VOICE.example.com' }), 409, 'MANAGER_CONFLICT', 'name');
    await refused(api('POST', '/tsig-keys', { name: 'x.example.com', algorithm: 'md5' }), 400, 'API_INVALID_REQUEST', 'body.algorithm');
  });

  test(`${name}: zones: a primary and secondaries that run DNS and can reach it; every refusal names its field`, async () => {
    const voice = await api('POST', '/dns-zones', {
      name: 'Voice.Example.com.', primaryServerId: ids.p, secondaryServerIds: [ids.s2, ids.s1], nameservers: ['ns1.voice.example.com'], transferKeyId: ids.key, updateKeyId: ids.updateKey,
    });
    assert.equal(voice.status, 201, JSON.stringify(voice.body));
    assert.equal(voice.body.name, 'voice.example.com');
    assert.equal(voice.body.kind, 'forward');
    assert.deepEqual(voice.body.secondaryServerIds, [ids.s1!, ids.s2!].sort((a, b) => a - b));
    assert.deepEqual(voice.body.soa, { refresh: 3600, retry: 600, expire: 1209600, minimum: 300 });
    ids.voice = voice.body.id;
    const reverse = await api('POST', '/dns-zones', { name: '2.0.192.in-addr.arpa', primaryServerId: ids.p, secondaryServerIds: [ids.s1], nameservers: ['ns1.voice.example.com'] });
    assert.equal(reverse.status, 201, JSON.stringify(reverse.body));
    assert.equal(reverse.body.kind, 'reverse');
    ids.reverse = reverse.body.id;
    const base = { primaryServerId: ids.p, nameservers: ['ns1.example.net'] };
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', primaryServerId: ids.dhcp }), 422, 'MANAGER_INVALID', 'primaryServerId');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', primaryServerId: 9999 }), 422, 'MANAGER_INVALID', 'primaryServerId');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', secondaryServerIds: [ids.p] }), 422, 'MANAGER_INVALID', 'secondaryServerIds.0');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', secondaryServerIds: [ids.s1, ids.dhcp] }), 422, 'MANAGER_INVALID', 'secondaryServerIds.1');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', secondaryServerIds: [9999] }), 422, 'MANAGER_INVALID', 'secondaryServerIds.0');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', secondaryServerIds: [ids.twin] }), 422, 'MANAGER_INVALID', 'secondaryServerIds.0');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', secondaryServerIds: [ids.s1, ids.s1] }), 400, 'API_INVALID_REQUEST', 'body.secondaryServerIds');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', kind: 'reverse' }), 422, 'MANAGER_INVALID', 'kind');
    await refused(api('POST', '/dns-zones', { ...base, name: 'exa mple.net' }), 422, 'MANAGER_INVALID', 'name');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', nameservers: ['-ns.example.net'] }), 422, 'MANAGER_INVALID', 'nameservers.0');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', soa: { rname: 'hostmaster@example.net' } }), 422, 'MANAGER_INVALID', 'soa.rname');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', transferKeyId: 9999 }), 422, 'MANAGER_INVALID', 'transferKeyId');
    await refused(api('POST', '/dns-zones', { ...base, name: 'voice.EXAMPLE.com' }), 409, 'MANAGER_CONFLICT', 'name');
    await refused(api('POST', '/dns-zones', { ...base, name: 'a.example.net', nameservers: [] }), 400, 'API_INVALID_REQUEST', 'body.nameservers');

    // In use: servers, keys.
    await refused(api('DELETE', `/servers/${ids.p}`), 409, 'MANAGER_IN_USE');
    await refused(api('DELETE', `/servers/${ids.s2}`), 409, 'MANAGER_IN_USE');
    await refused(api('PATCH', `/servers/${ids.s1}`, { roles: ['dhcp'] }), 422, 'MANAGER_INVALID', 'roles');
    await refused(api('DELETE', `/tsig-keys/${ids.key}`), 409, 'MANAGER_IN_USE');

    // A merge patch under If-Match.
    const patched = await api('PATCH', `/dns-zones/${ids.voice}`, { soa: { refresh: 7200 }, secondaryServerIds: [ids.s1] }, { 'if-match': '"1"' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.soa, { refresh: 7200, retry: 600, expire: 1209600, minimum: 300 });
    assert.deepEqual(patched.body.secondaryServerIds, [ids.s1]);
    assert.equal(patched.headers.get('etag'), '"2"');
    await refused(api('PATCH', `/dns-zones/${ids.voice}`, { ttl: 60 }, { 'if-match': '"1"' }), 412, 'MANAGER_VERSION_MISMATCH');
  });

  test(`${name}: records: name syntax, known types whose data parses, CNAME exclusivity, inside the zone and not in a child or below a delegation`, async () => {
    const rec = (body: Record<string, unknown>) => api('POST', '/dns-records', { zoneId: ids.voice, ...body });
    const www = await rec({ name: 'WWW', type: 'a', rdata: '192.0.2.80' });
    assert.equal(www.status, 201, JSON.stringify(www.body));
    assert.deepEqual([www.body.name, www.body.type], ['www', 'A']);
    ids.www = www.body.id;
    const mx = await rec({ name: 'voice.example.com.', type: 'MX', rdata: '10 mail', ttl: 600 });
    assert.equal(mx.status, 201, JSON.stringify(mx.body));
    assert.equal(mx.body.name, '@');
    const alias = await rec({ name: 'alias', type: 'CNAME', rdata: 'www' });
    assert.equal(alias.status, 201);
    assert.equal((await rec({ name: '_sip._udp', type: 'SRV', rdata: '10 60 5060 pbx' })).status, 201);
    assert.equal((await rec({ name: '*.phones', type: 'TXT', rdata: '"wildcard"' })).status, 201);
    assert.equal((await rec({ name: 'deleg', type: 'NS', rdata: 'ns.example.net.' })).status, 201);

    await refused(rec({ name: 'x', type: 'BOGUS', rdata: '1' }), 422, 'MANAGER_INVALID', 'type');
    await refused(rec({ name: 'x', type: 'SOA', rdata: 'a. b. 1 2 3 4 5' }), 422, 'MANAGER_INVALID', 'type');
    await refused(rec({ name: 'x', type: 'A', rdata: '300.1.1.1' }), 422, 'MANAGER_INVALID', 'rdata');
    await refused(rec({ name: 'x', type: 'MX', rdata: 'mail' }), 422, 'MANAGER_INVALID', 'rdata');
    await refused(rec({ name: 'a..b', type: 'A', rdata: '192.0.2.1' }), 422, 'MANAGER_INVALID', 'name');
    await refused(rec({ name: 'bad-', type: 'A', rdata: '192.0.2.1' }), 422, 'MANAGER_INVALID', 'name');
    await refused(rec({ name: 'a.*', type: 'A', rdata: '192.0.2.1' }), 422, 'MANAGER_INVALID', 'name');
    await refused(rec({ name: 'www.example.org.', type: 'A', rdata: '192.0.2.1' }), 422, 'MANAGER_INVALID', 'name');
    await refused(rec({ name: 'www', type: 'CNAME', rdata: 'elsewhere.example.net.' }), 409, 'MANAGER_CONFLICT', 'type');
    await refused(rec({ name: 'alias', type: 'TXT', rdata: '"x"' }), 409, 'MANAGER_CONFLICT', 'type');
    await refused(rec({ name: 'alias', type: 'CNAME', rdata: 'other' }), 409, 'MANAGER_CONFLICT', 'type');
    await refused(rec({ name: '@', type: 'CNAME', rdata: 'www' }), 422, 'MANAGER_INVALID', 'type');
    await refused(rec({ name: 'www', type: 'A', rdata: '192.0.2.80' }), 409, 'MANAGER_CONFLICT', 'rdata');
    await refused(rec({ name: 'y.deleg', type: 'TXT', rdata: '"hidden"' }), 422, 'MANAGER_INVALID', 'name');
    await refused(rec({ zoneId: 9999, name: 'x', type: 'A', rdata: '192.0.2.1' }), 422, 'MANAGER_INVALID', 'zoneId');
    // A managed child zone owns its names.
    const child = await api('POST', '/dns-zones', { name: 'branch.voice.example.com', primaryServerId: ids.p, nameservers: ['ns1.voice.example.com'] });
    assert.equal(child.status, 201, JSON.stringify(child.body));
    await refused(rec({ name: 'x.branch', type: 'TXT', rdata: '"x"' }), 422, 'MANAGER_INVALID', 'name');
    assert.equal((await rec({ name: 'branch', type: 'NS', rdata: 'ns1' })).status, 201, 'the delegation to the child is the parent\'s');
    await refused(api('POST', '/dns-zones', { name: 'alias.voice.example.com', primaryServerId: ids.p, nameservers: ['ns1.voice.example.com'] }), 409, 'MANAGER_CONFLICT', 'name');
    // A CNAME where an address publishes its name.
    const space = (await api('POST', '/ip-spaces', { name: 'dns' })).body;
    ids.space = space.id;
    assert.equal((await api('POST', '/subnets', { spaceId: space.id, prefix: '192.0.2.0/24' })).status, 201);
    assert.equal((await api('POST', '/subnets', { spaceId: space.id, prefix: '2001:db8::/64' })).status, 201);
    for (const [address, dnsName] of [['192.0.2.11', 'phone1.voice.example.com'], ['2001:db8::10', 'phone1.voice.example.com'], ['192.0.2.53', 'ns1.voice.example.com.']]) {
      const a = await api('POST', '/addresses', { spaceId: space.id, address, kind: 'static', dnsName });
      assert.equal(a.status, 201, JSON.stringify(a.body));
    }
    await refused(rec({ name: 'phone1', type: 'CNAME', rdata: 'www' }), 409, 'MANAGER_CONFLICT', 'type');

    // Filters and keyset pages.
    const seen: number[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page = await api('GET', `/dns-records?zoneId=${ids.voice}&limit=2&after=${after}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((r: { id: number }) => r.id));
      after = page.body.next;
    }
    assert.equal(seen.length, 7);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    assert.deepEqual((await api('GET', `/dns-records?zoneId=${ids.voice}&type=A`)).body.items.map((r: { name: string }) => r.name), ['www']);
    // Patch and delete under If-Match; a zone with records is in use.
    await refused(api('PATCH', `/dns-records/${ids.www}`, { ttl: 60 }, { 'if-match': '"7"' }), 412, 'MANAGER_VERSION_MISMATCH');
    const ttl = await api('PATCH', `/dns-records/${ids.www}`, { ttl: 60 }, { 'if-match': '"1"' });
    assert.deepEqual([ttl.status, ttl.body.ttl, ttl.body.rdata], [200, 60, '192.0.2.80']);
    await refused(api('PATCH', `/dns-records/${alias.body.id}`, { name: 'www' }), 409, 'MANAGER_CONFLICT', 'type');
    await refused(api('DELETE', `/dns-zones/${ids.voice}`), 409, 'MANAGER_IN_USE');
    const tmp = (await rec({ name: 'tmp', type: 'TXT', rdata: '"gone soon"' })).body;
    await refused(api('DELETE', `/dns-records/${tmp.id}`, undefined, { 'if-match': '"2"' }), 412, 'MANAGER_VERSION_MISMATCH');
    assert.equal((await api('DELETE', `/dns-records/${tmp.id}`, undefined, { 'if-match': '"1"' })).status, 204);
    assert.equal((await api('GET', `/dns-records/${tmp.id}`)).status, 404);
  });

  test(`${name}: records CSV: a dry run writes nothing, a row in error keeps the file out with every error's line and field, export gives it back`, async () => {
    const good = 'zone,name,type,ttl,data\nvoice.example.com,pbx,A,,192.0.2.60\nvoice.example.com.,pbx-alias,CNAME,300,pbx\n';
    const dry = await api('POST', '/import/records?dryRun=true', good, csv);
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body, { dryRun: true, applied: false, rows: 2, created: 2, unchanged: 0, errors: [] });
    assert.equal((await api('GET', `/dns-records?zoneId=${ids.voice}&name=pbx`)).body.items.length, 0, 'a dry run writes nothing');
    const bad = [
      'zone,name,type,ttl,data',
      'voice.example.com,ok,A,,192.0.2.61',
      'nowhere.example.com,x,A,,192.0.2.1',
      'voice.example.com,y,A,,192.0.2.999',
      'voice.example.com,ok,CNAME,,www',
      'voice.example.com,z,A,soon,192.0.2.1',
      'voice.example.com,q,NOPE,,1',
      'voice.example.com,-x,A,,192.0.2.1',
    ].join('\n');
    const no = await api('POST', '/import/records', bad, csv);
    assert.equal(no.status, 422, JSON.stringify(no.body));
    assert.equal(no.body.applied, false);
    assert.deepEqual(no.body.errors.map((e: { line: number; code: string; field?: string }) => [e.line, e.code, e.field]), [
      [3, 'MANAGER_NOT_FOUND', 'zone'], [4, 'MANAGER_INVALID', 'data'], [5, 'MANAGER_CONFLICT', 'type'], [6, 'MANAGER_INVALID', 'ttl'], [7, 'MANAGER_INVALID', 'type'], [8, 'MANAGER_INVALID', 'name'],
    ]);
    assert.equal((await api('GET', `/dns-records?zoneId=${ids.voice}&name=ok`)).body.items.length, 0, 'all or nothing');
    const done = await api('POST', '/import/records', good, csv);
    assert.deepEqual([done.status, done.body.applied, done.body.created], [200, true, 2]);
    const again = await api('POST', '/import/records', good, csv);
    assert.deepEqual([again.body.created, again.body.unchanged], [0, 2]);
    const other = await api('POST', '/import/records', 'zone,name,type,ttl,data\nvoice.example.com,pbx,A,5,192.0.2.60\n', csv);
    assert.deepEqual(other.body.errors.map((e: { line: number; field?: string }) => [e.line, e.field]), [[2, 'ttl']]);
    const exported = await fetch(`${m.url}/api/v1/export/records?zone=voice.example.com`, { headers: { authorization: `Bearer ${m.adminToken}` } });
    assert.match(exported.headers.get('content-type') ?? '', /^text\/csv/);
    const text = await exported.text();
    assert.equal(text.split('\r\n')[0], 'zone,name,type,ttl,data,description');
    assert.ok(text.includes('\r\nvoice.example.com,pbx,A,,192.0.2.60,\r\n'), text);
    assert.ok(text.includes('\r\nvoice.example.com,pbx-alias,CNAME,300,pbx,\r\n'), text);
    assert.ok(text.includes('\r\nvoice.example.com,_sip._udp,SRV,,10 60 5060 pbx,\r\n'), text);
    const round = await api('POST', '/import/records', text, csv);
    assert.equal(round.status, 200, JSON.stringify(round.body));
    assert.equal(round.body.created, 0);
    assert.equal(round.body.unchanged, text.trim().split('\r\n').length - 1, 'the export imports back unchanged');
    await refused(api('GET', '/export/records?zone=nowhere.example.com'), 404, 'MANAGER_NOT_FOUND', 'zone');
  });

  test(`${name}: rendering: zone files with the records made from addresses that the zone file parser reads back, the same bytes twice, a dns section the site config accepts`, async () => {
    const first = await renderDns(db.db, ids.p!);
    assert.deepEqual(first.problems.filter((p) => p.severity === 'error'), []);
    const second = await renderDns(db.db, ids.p!);
    assert.deepEqual(second, first, 'the same database renders the same');
    const section = first.section!;
    assert.deepEqual(section.listen, [{ address: '192.0.2.53', port: 5353 }]);
    assert.equal(section.dataDir, '/var/lib/outpost-hub/dns');
    assert.deepEqual(section.zones.map((z) => [z.name, z.type]), [['2.0.192.in-addr.arpa', 'primary'], ['branch.voice.example.com', 'primary'], ['voice.example.com', 'primary']]);
    const voice = section.zones.find((z) => z.name === 'voice.example.com')!;
    assert.equal(voice.file, '/var/lib/outpost-hub/dns/zones/voice.example.com.zone');
    assert.deepEqual(voice.notify, [{ address: '198.51.100.53', port: 53, key: 'xfr.voice.example.com' }]);
    assert.deepEqual(voice.allowTransfer, [{ from: ['198.51.100.53'], key: 'xfr.voice.example.com' }]);
    assert.deepEqual(voice.allowUpdate, [{ key: 'update.voice.example.com' }]);
    assert.deepEqual(section.keys.map((k) => [k.name, k.algorithm, Buffer.from(k.secret!, 'base64').length]), [['update.voice.example.com', 'hmac-sha512', 64], ['xfr.voice.example.com', 'hmac-sha256', 32]]);
    assert.deepEqual(first.files.map((f) => f.path), section.zones.map((z) => z.file));
    // The same section and files come back from the server's whole rendered site config over HTTP, with the secrets masked.
    const whole = await api('GET', `/servers/${ids.p!}/config`);
    assert.equal(whole.status, 200, JSON.stringify(whole.body));
    assert.deepEqual(whole.body.files, first.files);
    assert.deepEqual(whole.body.config.dns.zones, section.zones);
    assert.deepEqual(whole.body.config.dns.keys.map((k: { secret: string }) => k.secret), ['(secret)', '(secret)']);

    const file = first.files.find((f) => f.path === voice.file)!.content;
    const read = parseZoneFile(file, { origin: 'voice.example.com.' }).records;
    const has = (name: string, type: number, data: object) => read.some((r) => r.name === name && r.type === type && JSON.stringify(r.data) === JSON.stringify(data));
    assert.ok(has('phone1.voice.example.com.', RRType.A, { address: '192.0.2.11' }), file);
    assert.ok(has('phone1.voice.example.com.', RRType.AAAA, { address: '2001:db8::10' }), file);
    assert.ok(has('ns1.voice.example.com.', RRType.A, { address: '192.0.2.53' }), file);
    assert.ok(has('voice.example.com.', RRType.NS, { host: 'ns1.voice.example.com.' }), file);
    assert.ok(has('www.voice.example.com.', RRType.A, { address: '192.0.2.80' }), file);
    assert.ok(has('alias.voice.example.com.', RRType.CNAME, { target: 'www.voice.example.com.' }), file);
    assert.ok(read.some((r) => r.name === 'www.voice.example.com.' && r.ttl === 60));
    const soa = read.find((r) => r.type === RRType.SOA)!.data as { serial: number; refresh: number; mname: string; rname: string };
    assert.deepEqual([soa.mname, soa.rname, soa.refresh], ['ns1.voice.example.com.', 'hostmaster.voice.example.com.', 7200]);
    assert.ok(soa.serial > 1_600_000_000 && soa.serial < 2 ** 32, String(soa.serial));
    const reverse = parseZoneFile(first.files.find((f) => f.path.endsWith('/2.0.192.in-addr.arpa.zone'))!.content, { origin: '2.0.192.in-addr.arpa.' }).records;
    assert.ok(reverse.some((r) => r.name === '11.2.0.192.in-addr.arpa.' && r.type === RRType.PTR && JSON.stringify(r.data) === JSON.stringify({ host: 'phone1.voice.example.com.' })));
    assert.ok(reverse.some((r) => r.name === '53.2.0.192.in-addr.arpa.' && r.type === RRType.PTR));

    const site = (dns: unknown) => parseSiteConfig(JSON.stringify({ version: 1, site: { name: 'x' }, server: { name: 'y' }, dns }));
    const parsed = site(section);
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));

    // The secondaries: expiry never at the survivable branch, soa at the dependent hub.
    const s1 = await renderDns(db.db, ids.s1!);
    const copy = s1.section!.zones.find((z) => z.name === 'voice.example.com')!;
    assert.deepEqual([copy.type, copy.expiry, copy.primaries], ['secondary', 'never', [{ address: '192.0.2.53', port: 5353, key: 'xfr.voice.example.com' }]]);
    assert.deepEqual(s1.files, []);
    assert.deepEqual(s1.section!.keys.map((k) => k.name), ['xfr.voice.example.com']);
    assert.ok(site(s1.section).ok, JSON.stringify(site(s1.section)));
    assert.equal((await api('PATCH', `/dns-zones/${ids.reverse}`, { secondaryServerIds: [ids.s1, ids.s2] })).status, 200);
    const s2 = await renderDns(db.db, ids.s2!);
    assert.deepEqual(s2.section!.zones.map((z) => [z.name, z.type, z.expiry]), [['2.0.192.in-addr.arpa', 'secondary', 'soa']]);
    assert.equal((await api('PATCH', `/dns-zones/${ids.reverse}`, { expiry: 'never' })).status, 200);
    assert.equal((await renderDns(db.db, ids.s2!)).section!.zones[0]!.expiry, 'never', 'a zone\'s expiry applies to every secondary');
    assert.equal((await renderDns(db.db, ids.dhcp!)).section, undefined, 'no DNS role: no dns section');

    // A change moves the serial up; a manual record that collides with a generated one is a problem and keeps the zone out.
    await new Promise((r) => setTimeout(r, 1100));
    const later = await api('POST', '/dns-records', { zoneId: ids.voice, name: 'later', type: 'CNAME', rdata: 'www' });
    assert.equal(later.status, 201);
    const bumped = await renderDns(db.db, ids.p!);
    const serialOf = (r: typeof bumped) => (parseZoneFile(r.files.find((f) => f.path === voice.file)!.content, { origin: 'voice.example.com.' }).records.find((x) => x.type === RRType.SOA)!.data as { serial: number }).serial;
    assert.ok(serialOf(bumped) > soa.serial, `${serialOf(bumped)} > ${soa.serial}`);
    const clash = await api('POST', '/addresses', { spaceId: ids.space, address: '192.0.2.77', kind: 'static', dnsName: 'later.voice.example.com' });
    assert.equal(clash.status, 201);
    const broken = await renderDns(db.db, ids.p!);
    const problem = broken.problems.find((p) => p.severity === 'error');
    assert.ok(problem && /CNAME and other data/.test(problem.reason), JSON.stringify(broken.problems));
    assert.ok(['address', 'DNS record'].some((o) => problem.object.startsWith(o)), problem.object);
    assert.ok(!broken.section!.zones.some((z) => z.name === 'voice.example.com'), 'a zone with an error is left out');
    assert.ok(broken.section!.zones.some((z) => z.name === '2.0.192.in-addr.arpa'), 'the others are rendered');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await api('DELETE', `/addresses/${clash.body.id}`)).status, 204);
    const fixed = await renderDns(db.db, ids.p!);
    assert.deepEqual(fixed.problems.filter((p) => p.severity === 'error'), []);
    assert.ok(serialOf(fixed) > serialOf(bumped), 'a deletion moves the serial too');
  });
}

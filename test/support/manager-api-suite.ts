// The manager's REST API over HTTP against a running `outpost manager run`, for every
// backend (SQLite in the system tier, a real PostgreSQL server in the lab tier): access
// (deny by default, roles, scopes, sessions), bad input (unknown fields, wrong types,
// invalid JSON, oversize bodies, wrong media type, stale ETags), ETag/If-Match, audit,
// 100 concurrent next-free calls, idempotency keys, keyset pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.js';
import { outpostBin } from './paths.js';

export interface RunningManager {
  readonly url: string;
  /** The manager's data directory (its SQLite file is there unless `database` is given). */
  readonly dir: string;
  /** The --database given, if any. */
  readonly database?: string;
  readonly adminToken: string;
  readonly stdout: () => string;
  stop(): Promise<void>;
}

/** Starts `outpost manager run` on a fresh data directory (and `database`, when given). */
export async function startManager(database?: string, extraArgs: readonly string[] = []): Promise<RunningManager> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-manager-api-'));
  const child: Child = startChild(process.execPath, [outpostBin, 'manager', 'run', '--data-dir', dir, '--port', '0', ...(database ? ['--database', database] : []), ...extraArgs]);
  try {
    const url = (await child.waitFor(/^Outpost manager: (\S+)\/api\/v1 /m, 30_000))[1]!;
    await child.waitFor(/^Admin API token written to /m);
    return {
      url, dir, ...(database ? { database } : {}), adminToken: readFileSync(join(dir, 'admin.token'), 'utf8').trim(), stdout: () => child.stdout(),
      async stop() {
        child.proc.kill('SIGTERM');
        await child.exit().catch(() => child.kill());
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Answer { status: number; body: any; headers: Headers } // eslint-disable-line @typescript-eslint/no-explicit-any

export function client(url: string, token?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

export function apiSuite(name: string, start: () => Promise<RunningManager>): void {
  let m: RunningManager;
  let admin: ReturnType<typeof client>;
  before(async () => {
    m = await start();
    admin = client(`${m.url}/api/v1`, m.adminToken);
  });
  after(async () => { await m?.stop(); });

  test(`${name}: the first start prints the URL and a random admin password once; the password logs in`, async () => {
    const password = /^First start: user admin, password (\S+) /m.exec(m.stdout())?.[1];
    assert.ok(password && password.length >= 20, m.stdout());
    assert.doesNotMatch(m.stdout().replace(/^First start:.*$/m, ''), new RegExp(password.replace(/[-_]/g, '.')), 'the password is printed once, never logged');
    const open = client(`${m.url}/api/v1`);
    assert.equal((await open('POST', '/session', { name: 'admin', password: 'wrong-password-1' })).status, 401);
    const s = await open('POST', '/session', { name: 'admin', password });
    assert.equal(s.status, 201);
    const session = client(`${m.url}/api/v1`, s.body.token);
    assert.equal((await session('GET', '/ip-spaces')).status, 200);
    assert.equal((await session('DELETE', '/session')).status, 204);
    assert.equal((await session('GET', '/ip-spaces')).status, 401, 'the session ended');
  });

  test(`${name}: deny by default; roles and token scopes limit what a caller may do`, async () => {
    const open = client(`${m.url}/api/v1`);
    const none = await open('GET', '/subnets');
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'API_UNAUTHORIZED');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="outpost"');
    assert.equal((await client(`${m.url}/api/v1`, 'opt_not-a-real-token')('GET', '/subnets')).status, 401);
    assert.equal((await open('GET', '/ip-spaces', undefined, { authorization: `bearer ${m.adminToken}` })).status, 200, 'the scheme is case-insensitive');
    const ro = await admin('POST', '/users', { name: 'auditor', role: 'read-only' });
    assert.equal(ro.status, 201);
    const op = await admin('POST', '/users', { name: 'noc', role: 'operator' });
    const roToken = (await admin('POST', `/users/${ro.body.id}/tokens`, { name: 'ro', scope: 'admin' })).body.secret as string;
    const opToken = (await admin('POST', `/users/${op.body.id}/tokens`, { name: 'op', scope: 'write' })).body.secret as string;
    const opReadToken = (await admin('POST', `/users/${op.body.id}/tokens`, { name: 'op-read', scope: 'read' })).body.secret as string;
    const asRo = client(`${m.url}/api/v1`, roToken);
    const asOp = client(`${m.url}/api/v1`, opToken);
    const asOpRead = client(`${m.url}/api/v1`, opReadToken);
    assert.equal((await asRo('GET', '/ip-spaces')).status, 200);
    const denied = await asRo('POST', '/ip-spaces', { name: 'nope' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'API_FORBIDDEN');
    assert.equal((await asOp('POST', '/ip-spaces', { name: 'noc-space' })).status, 201);
    assert.equal((await asOpRead('POST', '/ip-spaces', { name: 'noc-space-2' })).status, 403, 'a read token of an operator cannot write');
    assert.equal((await asOp('POST', '/users', { name: 'x', role: 'admin' })).status, 403, 'operators do not administer access');
    assert.equal((await asOp('GET', '/users')).status, 403);
    const audit = await admin('GET', '/audit?objectType=ip_space');
    assert.ok(audit.body.items.some((e: { actor: string; after: { name: string } }) => e.actor === 'token:op(noc)' && e.after.name === 'noc-space'));
  });

  test(`${name}: bad input gets a precise 4xx with a stable code and writes nothing`, async () => {
    const cases: [string, string, unknown, Record<string, string>, number, string, string?][] = [
      ['POST', '/ip-spaces', { name: 'a', colour: 'red' }, {}, 400, 'API_INVALID_REQUEST', 'body.colour'],
      ['POST', '/ip-spaces', { name: 7 }, {}, 400, 'API_INVALID_REQUEST', 'body.name'],
      ['POST', '/ip-spaces', '{"name": ', { 'content-type': 'application/json' }, 400, 'API_INVALID_JSON'],
      ['POST', '/ip-spaces', 'name=a', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      ['POST', '/ip-spaces', JSON.stringify({ name: 'a', description: 'x'.repeat(1_100_000) }), { 'content-type': 'application/json' }, 413, 'API_BODY_TOO_LARGE'],
      ['POST', '/subnets', { spaceId: 1, prefix: '2001:db8::1/64' }, {}, 422, 'MANAGER_INVALID', 'prefix'],
      ['POST', '/subnets', { spaceId: 999999, prefix: '198.18.0.0/24' }, {}, 404, 'MANAGER_NOT_FOUND', 'spaceId'],
      ['GET', '/subnets?limit=5000', undefined, {}, 400, 'API_INVALID_REQUEST', 'querystring.limit'],
      ['GET', '/subnets?contains=nope', undefined, {}, 422, 'MANAGER_INVALID', 'contains'],
      ['GET', '/subnets/abc', undefined, {}, 400, 'API_INVALID_REQUEST', 'params.id'],
      ['GET', '/subnets/424242', undefined, {}, 404, 'MANAGER_NOT_FOUND'],
      ['GET', '/no-such-thing', undefined, {}, 404, 'API_NO_ROUTE'],
      ['GET', '/ip-spaces?colour=red', undefined, {}, 400, 'API_INVALID_REQUEST', 'querystring.colour'],
      ['POST', '/ip-spaces', '{"name":"t"}', { 'content-type': 'text/plain' }, 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      ['POST', '/subnets', { spaceId: 1, prefix: '198.18.200.0/24', siteId: 999 }, {}, 404, 'MANAGER_NOT_FOUND', 'siteId'],
      ['GET', '/subnets/424242/ranges', undefined, {}, 404, 'MANAGER_NOT_FOUND'],
      ['POST', '/users', { name: 'limited', role: 'operator', sites: [999_999] }, {}, 422, 'MANAGER_INVALID', 'sites'],
      ['POST', '/users', { name: 'limited', role: 'operator', sites: [] }, {}, 422, 'MANAGER_INVALID', 'sites'],
    ];
    const before = (await admin('GET', '/audit?limit=1000')).body.items.length;
    for (const [method, path, body, headers, status, code, field] of cases) {
      const r = await admin(method, path, body, headers);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, `${method} ${path}`);
      assert.ok(r.body.error.message.length > 5);
      if (field) assert.equal(r.body.error.field, field, `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await admin('GET', '/audit?limit=1000')).body.items.length, before, 'nothing was written');
  });

  test(`${name}: ETag and If-Match: a stale version is refused with 412, the current one changes the subnet; audit keeps before and after`, async () => {
    const space = (await admin('POST', '/ip-spaces', { name: 'etag' })).body;
    const created = await admin('POST', '/subnets', { spaceId: space.id, prefix: '203.0.113.0/24' });
    assert.equal(created.headers.get('etag'), '"1"');
    const id = created.body.id;
    const got = await admin('GET', `/subnets/${id}`);
    assert.equal(got.headers.get('etag'), '"1"');
    const changed = await admin('PATCH', `/subnets/${id}`, { description: 'voice' }, { 'if-match': '"1"' });
    assert.equal(changed.status, 200);
    assert.equal(changed.headers.get('etag'), '"2"');
    // Two changes made against the same version at once: one wins, the other is told.
    const race = await Promise.all(['a', 'b', 'c'].map((d) => admin('PATCH', `/subnets/${id}`, { description: d }, { 'if-match': '"2"' })));
    assert.deepEqual(race.map((x) => x.status).sort(), [200, 412, 412]);
    const winner = race.find((x) => x.status === 200)!.body.description as string;
    assert.equal((await admin('PATCH', `/subnets/${id}`, { description: 'voice' }, { 'if-match': '"3"' })).status, 200);
    const stale = await admin('PATCH', `/subnets/${id}`, { description: 'data' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'MANAGER_VERSION_MISMATCH');
    assert.equal((await admin('PATCH', `/subnets/${id}`, { description: 'x' }, { 'if-match': 'yesterday' })).status, 400);
    assert.equal((await admin('DELETE', `/subnets/${id}`, undefined, { 'if-match': '"1"' })).status, 412);
    assert.equal((await admin('GET', `/subnets/${id}`)).body.description, 'voice');
    const log = (await admin('GET', `/audit?objectType=subnet&objectId=${id}`)).body.items;
    assert.deepEqual(log.map((e: { action: string }) => e.action), ['create', 'update', 'update', 'update']);
    assert.equal(log[1].before.description, '');
    assert.equal(log[1].after.description, 'voice');
    assert.deepEqual([log[2].before.description, log[2].after.description], ['voice', winner]);
    assert.equal((await admin('DELETE', `/subnets/${id}`, undefined, { 'if-match': '"4"' })).status, 204);
  });

  test(`${name}: 100 concurrent next-free calls over HTTP get 100 distinct addresses; an idempotency key answers once`, async () => {
    const space = (await admin('POST', '/ip-spaces', { name: 'race' })).body;
    const subnet = (await admin('POST', '/subnets', { spaceId: space.id, prefix: '198.18.4.0/24' })).body;
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => admin('POST', `/subnets/${subnet.id}/next-free-address`, { kind: 'static', hostname: `cam-${i}` })));
    assert.ok(answers.every((a) => a.status === 201), JSON.stringify(answers.find((a) => a.status !== 201)?.body));
    assert.equal(new Set(answers.map((a) => a.body.address)).size, 100);
    const body = { kind: 'reservation', mac: '00:11:22:33:44:55', hostname: 'phone-1' };
    const keyed = await Promise.all(Array.from({ length: 5 }, () => admin('POST', `/subnets/${subnet.id}/next-free-address`, body, { 'idempotency-key': 'phone-1-add' })));
    assert.equal(new Set(keyed.map((a) => a.body.id)).size, 1, 'one allocation for one key');
    const other = await admin('POST', `/subnets/${subnet.id}/next-free-address`, { ...body, hostname: 'phone-2' }, { 'idempotency-key': 'phone-1-add' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'MANAGER_IDEMPOTENCY_MISMATCH');
    // Subnets too: 30 concurrent /26s out of a /20 never overlap.
    const parent = (await admin('POST', '/subnets', { spaceId: space.id, prefix: '198.19.16.0/20' })).body;
    const nets = await Promise.all(Array.from({ length: 30 }, () => admin('POST', `/subnets/${parent.id}/next-free-subnet`, { length: 26 })));
    assert.equal(new Set(nets.map((n) => n.body.prefix)).size, 30);
  });

  test(`${name}: keyset pages: every subnet exactly once, in id order, however deep the page`, async () => {
    const space = (await admin('POST', '/ip-spaces', { name: 'pages' })).body;
    const parent = (await admin('POST', '/subnets', { spaceId: space.id, prefix: '198.18.128.0/17' })).body;
    for (let i = 0; i < 250; i++) assert.equal((await admin('POST', `/subnets/${parent.id}/next-free-subnet`, { length: 28 })).status, 201);
    const seen: number[] = [];
    let after: number | null = 0;
    let pages = 0;
    while (after !== null) {
      const page = await admin('GET', `/subnets?parentId=${parent.id}&limit=100&after=${after}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.items.map((s: { id: number }) => s.id));
      after = page.body.next;
      pages++;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 250);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    const within = await admin('GET', `/subnets?spaceId=${space.id}&within=198.18.128.0/24&limit=1000`);
    assert.equal(within.body.items.length, 16);
    const contains = await admin('GET', `/subnets?spaceId=${space.id}&contains=198.18.128.17`);
    assert.deepEqual(contains.body.items.map((s: { prefix: string }) => s.prefix).sort(), ['198.18.128.0/17', '198.18.128.16/28']);
  });

  test(`${name}: CSV import: a dry run reports and writes nothing; a row in error keeps the whole file out, with every error's line; export gives it back`, async () => {
    const space = (await admin('POST', '/ip-spaces', { name: 'csv' })).body;
    await admin('POST', '/sites', { name: 'csv-branch' });
    const csv = { 'content-type': 'text/csv' };
    const subnets = 'prefix,site,description\r\n192.0.2.0/24,csv-branch,"data, VLAN 10"\n198.51.100.0/24,,voice\n';
    const dry = await admin('POST', `/import/subnets?spaceId=${space.id}&dryRun=true`, subnets, csv);
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body, { dryRun: true, applied: false, rows: 2, created: 2, unchanged: 0, errors: [] });
    assert.equal((await admin('GET', `/subnets?spaceId=${space.id}`)).body.items.length, 0, 'a dry run writes nothing');
    const done = await admin('POST', `/import/subnets?spaceId=${space.id}`, subnets, csv);
    assert.deepEqual([done.status, done.body.applied, done.body.created], [200, true, 2]);
    const again = await admin('POST', `/import/subnets?spaceId=${space.id}`, subnets, csv);
    assert.deepEqual([again.body.created, again.body.unchanged], [0, 2]);
    const bad = [
      'address,kind,mac,hostname',
      '192.0.2.10,reservation,00:11:22:33:44:55,phone-1',
      '192.0.2.11,reservation,not-a-mac,phone-2',
      '203.0.113.9,static,,far-away',
      '192.0.2.10,static,,again',
      '198.51.100.7,static,,pbx',
    ].join('\n');
    const refused = await admin('POST', `/import/addresses?spaceId=${space.id}`, bad, csv);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.applied, false);
    assert.deepEqual(refused.body.errors.map((e: { line: number; code: string; field?: string }) => [e.line, e.code, e.field]), [
      [3, 'MANAGER_INVALID', 'mac'], [4, 'MANAGER_INVALID', 'address'], [5, 'MANAGER_CONFLICT', 'address'],
    ]);
    assert.equal((await admin('GET', `/addresses?spaceId=${space.id}`)).body.items.length, 0, 'nothing was written');
    const good = ['address,kind,mac,hostname,description', '192.0.2.10,reservation,00:11:22:33:44:55,phone-1,"reception, ""front"""', '198.51.100.7,static,,pbx,'].join('\r\n');
    assert.equal((await admin('POST', `/import/addresses?spaceId=${space.id}`, good, csv)).body.created, 2);
    const exported = await fetch(`${m.url}/api/v1/export/addresses?spaceId=${space.id}`, { headers: { authorization: `Bearer ${m.adminToken}` } });
    assert.match(exported.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(await exported.text(), 'address,kind,mac,client_id,hostname,dns_name,description\r\n192.0.2.10,reservation,00:11:22:33:44:55,,phone-1,,"reception, ""front"""\r\n198.51.100.7,static,,,pbx,,\r\n');
    const broken = 'address,kind\n"192.0.2.12,static\n';
    const invalid = await admin('POST', `/import/addresses?spaceId=${space.id}`, broken, csv);
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.error.code, 'MANAGER_IMPORT_INVALID');
    assert.match(invalid.body.error.message, /^line 2: a quoted field is not closed/);
    const unknown = 'address,colour\n192.0.2.12,red\n';
    assert.match((await admin('POST', `/import/addresses?spaceId=${space.id}`, unknown, csv)).body.error.message, /^line 1: unknown column "colour"/);
  });
  test(`${name}: IP spaces and sites are renamed and changed under If-Match, and deleted only once nothing depends on them`, async () => {
    const ok = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => admin(method, path, body, headers);
    const space = (await ok('POST', '/ip-spaces', { name: 'edit-space' })).body;
    const site = (await ok('POST', '/sites', { name: 'edit-site' })).body;
    const renamed = await ok('PATCH', `/ip-spaces/${space.id}`, { name: 'edit-space-2', description: 'lab' }, { 'if-match': '"1"' });
    assert.deepEqual([renamed.status, renamed.body.name, renamed.body.version, renamed.headers.get('etag')], [200, 'edit-space-2', 2, '"2"']);
    assert.equal((await ok('PATCH', `/ip-spaces/${space.id}`, { description: 'stale' }, { 'if-match': '"1"' })).status, 412);
    await ok('POST', '/ip-spaces', { name: 'edit-other' });
    const taken = await ok('PATCH', `/ip-spaces/${space.id}`, { name: 'edit-other' });
    assert.deepEqual([taken.status, taken.body.error.code, taken.body.error.field], [409, 'MANAGER_CONFLICT', 'name']);
    const badSite = await ok('PATCH', `/sites/${site.id}`, { name: 'Not A Label' });
    assert.deepEqual([badSite.status, badSite.body.error.field], [422, 'name']);
    const moved = await ok('PATCH', `/sites/${site.id}`, { survivability: 'dependent', wanNotes: 'one 4G link' });
    assert.deepEqual([moved.status, moved.body.survivability, moved.body.wanNotes, moved.body.name], [200, 'dependent', 'one 4G link', 'edit-site']);
    assert.equal((await ok('PATCH', `/sites/${site.id}`, {})).status, 400, 'an empty patch is refused');

    const subnet = (await ok('POST', '/subnets', { spaceId: space.id, prefix: '203.0.113.0/28', siteId: site.id })).body;
    const spaceInUse = await ok('DELETE', `/ip-spaces/${space.id}`);
    assert.deepEqual([spaceInUse.status, spaceInUse.body.error.code], [409, 'MANAGER_IN_USE']);
    assert.match(spaceInUse.body.error.message, /203\.0\.113\.0\/28/);
    const siteInUse = await ok('DELETE', `/sites/${site.id}`);
    assert.deepEqual([siteInUse.status, siteInUse.body.error.code], [409, 'MANAGER_IN_USE']);
    assert.match(siteInUse.body.error.message, /subnet/);
    assert.equal((await ok('DELETE', `/subnets/${subnet.id}`)).status, 204);
    assert.equal((await ok('DELETE', `/sites/${site.id}`, undefined, { 'if-match': '"1"' })).status, 412);
    assert.equal((await ok('DELETE', `/sites/${site.id}`)).status, 204);
    assert.equal((await ok('DELETE', `/ip-spaces/${space.id}`)).status, 204);
    assert.equal((await ok('GET', `/sites/${site.id}`)).status, 404);
    const trail = (await ok('GET', `/audit?objectType=site&objectId=${site.id}`)).body.items.map((e: { action: string }) => e.action);
    assert.deepEqual(trail, ['create', 'update', 'delete']);
  });
  test(`${name}: a user limited to sites changes only what belongs to them — subnets, addresses, servers, scopes, zones — and nothing global`, async () => {
    const mine = (await admin('POST', '/sites', { name: 'lim-mine' })).body;
    const theirs = (await admin('POST', '/sites', { name: 'lim-theirs' })).body;
    const space = (await admin('POST', '/ip-spaces', { name: 'lim-space' })).body;
    const theirSubnet = (await admin('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/25', siteId: theirs.id })).body;
    const theirServer = (await admin('POST', '/servers', { siteId: theirs.id, name: 'lim-theirs-a', address: '198.51.100.2', roles: ['dhcp', 'dns'] })).body;
    const user = await admin('POST', '/users', { name: 'lim-branch', role: 'operator', sites: [mine.id, mine.id] });
    assert.deepEqual([user.status, user.body.sites], [201, [mine.id]]);
    const token = (await admin('POST', `/users/${user.body.id}/tokens`, { name: 'lim', scope: 'write' })).body.secret as string;
    const as = client(`${m.url}/api/v1`, token);
    const allowed = async (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) => {
      const r = await as(method, path, body);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const refused = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const r = await as(method, path, body, headers);
      assert.deepEqual([r.status, r.body?.error?.code], [403, 'API_FORBIDDEN'], `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, new RegExp(`limited to site ${mine.id}`));
    };

    // Its own site's things: yes.
    const subnet = await allowed('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.128/25', siteId: mine.id });
    await allowed('POST', `/subnets/${subnet.id}/ranges`, { kind: 'pool', start: '198.51.100.200', end: '198.51.100.220' });
    const address = await allowed('POST', '/addresses', { spaceId: space.id, address: '198.51.100.130', kind: 'static', hostname: 'printer' });
    await allowed('PATCH', `/addresses/${address.id}`, { hostname: 'printer-2' });
    await allowed('POST', `/subnets/${subnet.id}/next-free-address`, { kind: 'static' });
    const server = await allowed('POST', '/servers', { siteId: mine.id, name: 'lim-mine-a', address: '198.51.100.129', roles: ['dhcp', 'dns'] });
    await allowed('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: server.id });
    const zone = await allowed('POST', '/dns-zones', { name: 'lim.example', primaryServerId: server.id, nameservers: ['ns1.lim.example'] });
    await allowed('POST', '/dns-records', { zoneId: zone.id, name: 'www', type: 'A', rdata: '198.51.100.130' });
    await allowed('PATCH', `/sites/${mine.id}`, { wanNotes: 'two links' });
    await allowed('GET', `/subnets/${theirSubnet.id}`, undefined, 200); // reads are not limited

    // Another site's, or everyone's: no.
    await refused('POST', '/subnets', { spaceId: space.id, prefix: '203.0.113.0/24' }); // a subnet of no site
    await refused('POST', '/subnets', { spaceId: space.id, prefix: '203.0.113.0/24', siteId: theirs.id });
    await refused('PATCH', `/subnets/${subnet.id}`, { siteId: theirs.id }); // moving its own subnet away
    await refused('PATCH', `/subnets/${theirSubnet.id}`, { description: 'mine now' });
    await refused('POST', `/subnets/${theirSubnet.id}/ranges`, { kind: 'pool', start: '198.51.100.10', end: '198.51.100.20' });
    await refused('POST', '/addresses', { spaceId: space.id, address: '198.51.100.5', kind: 'static' });
    await refused('POST', '/servers', { siteId: theirs.id, name: 'lim-x', address: '198.51.100.3', roles: ['dhcp'] });
    await refused('POST', '/dhcp-scopes', { subnetId: subnet.id, serverId: theirServer.id }); // its subnet, their server
    await refused('PATCH', `/servers/${theirServer.id}`, { description: 'x' });
    await refused('POST', '/vlans', { vid: 30, name: 'everywhere' }); // network-wide
    await refused('POST', '/option-sets', { name: 'lim-set', options: {} });
    await refused('POST', '/ip-spaces', { name: 'lim-space-2' });
    await refused('POST', '/sites', { name: 'lim-new' });
    await refused('DELETE', `/sites/${theirs.id}`);
    await refused('POST', `/import/addresses?spaceId=${space.id}`, 'address\n198.51.100.131\n', { 'content-type': 'text/csv' });
    const vlan = await allowed('POST', '/vlans', { siteId: mine.id, vid: 20, name: 'voice' });
    await refused('PATCH', `/vlans/${vlan.id}`, { siteId: null }); // made network-wide
    await allowed('PATCH', `/vlans/${vlan.id}`, { name: 'voice-2' });
    assert.equal((await as('PATCH', '/servers/999999', { description: 'x' })).status, 404, 'what does not exist is 404, not 403');
    // In bulk, each operation is checked: the refused one rolls back the allowed one.
    const bulk = await as('POST', '/bulk', { operations: [{ method: 'POST', path: '/vlans', body: { siteId: mine.id, vid: 21, name: 'data' } }, { method: 'POST', path: '/vlans', body: { siteId: theirs.id, vid: 21, name: 'data' } }] });
    assert.deepEqual([bulk.status, bulk.body.error.code, bulk.body.error.index], [403, 'API_FORBIDDEN', 1]);
    assert.deepEqual((await admin('GET', `/vlans?siteId=${mine.id}`)).body.items.map((v: { vid: number }) => v.vid), [20]);
  });
}

/** Starts a real PostgreSQL server and `outpost manager run` on a new database in it; stop() stops both. */
export async function startManagerOnPostgres(database: string, extraArgs: readonly string[] = []): Promise<RunningManager> {
  const { startPostgres } = await import('./postgres-server.js');
  const server = await startPostgres();
  try {
    const manager = await startManager(server.createDatabase(database), extraArgs);
    return { ...manager, stop: async () => { await manager.stop(); await server.stop(); } };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

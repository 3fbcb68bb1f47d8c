// The manager's CLI (src/cli/manager-commands.ts) against a running `outpost manager
// run`: tables by default, the API's JSON with --json, the whole tree of commands over
// IP spaces, sites, subnets, ranges, addresses, users, tokens and the audit log; API
// errors printed with code, object and field and turned into exit statuses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outpostBin } from '../support/paths.js';
import { freeTcpPort } from '../support/ports.js';
import { client, startManager, type RunningManager } from '../support/manager-api-suite.js';

let m: RunningManager;
let dir: string;
let adminTokenFile: string;
before(async () => {
  m = await startManager();
  dir = mkdtempSync(join(tmpdir(), 'outpost-cli-'));
  adminTokenFile = join(dir, 'admin.token');
  writeFileSync(adminTokenFile, m.adminToken, { mode: 0o600 });
});
after(async () => {
  await m?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `outpost …` (asynchronously: the manager is in another process, but keep the event loop free). */
function outpost(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [outpostBin, ...args], { env: { ...process.env, OUTPOST_MANAGER: m.url, OUTPOST_TOKEN: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
const admin = (...args: string[]) => outpost([...args, '--token-file', adminTokenFile]);

test('IPAM from the command line: spaces, sites, subnets, next-free, ranges, addresses; tables and --json', async () => {
  const space = await admin('spaces', 'create', 'corp', '--description', 'the company');
  assert.equal(space.status, 0, space.stderr);
  assert.match(space.stdout, /^ID\s+NAME\s+DESCRIPTION\n1\s+corp\s+the company\n$/);
  assert.equal((await admin('sites', 'create', 'branch-07', '--survivability', 'survivable')).status, 0);
  const parent = JSON.parse((await admin('subnets', 'create', '198.18.0.0/16', '--space', '1', '--json')).stdout) as { id: number; prefix: string };
  assert.equal(parent.prefix, '198.18.0.0/16');
  const nf = await admin('subnets', 'next-free', String(parent.id), '--length', '24', '--site', '1', '--description', 'branch-07 data');
  assert.equal(nf.status, 0, nf.stderr);
  assert.match(nf.stdout, /\n\d+\s+198\.18\.0\.0\/24\s+1\s+1\s+-\s+branch-07 data\n$/, 'no VLAN: -');
  const child = JSON.parse((await admin('subnets', 'list', '--parent', String(parent.id), '--json')).stdout) as { id: number }[];
  assert.equal(child.length, 1);
  const pool = await admin('ranges', 'create', String(child[0]!.id), 'pool', '198.18.0.100', '198.18.0.199');
  assert.equal(pool.status, 0, pool.stderr);
  assert.match((await admin('ranges', 'list', String(child[0]!.id))).stdout, /pool\s+198\.18\.0\.100\s+198\.18\.0\.199/);
  const a = await admin('addresses', 'next-free', String(child[0]!.id), '--hostname', 'gw', '--idempotency-key', 'gw-1');
  assert.match(a.stdout, /198\.18\.0\.1\s+static\s+-\s+gw\s/);
  const again = await admin('addresses', 'next-free', String(child[0]!.id), '--hostname', 'gw', '--idempotency-key', 'gw-1');
  assert.equal(again.stdout, a.stdout, 'the same key answers the same address');
  const r = await admin('addresses', 'create', '198.18.0.150', '--space', '1', '--kind', 'reservation', '--mac', '00:1B:4F:00:00:01', '--hostname', 'phone-1');
  assert.equal(r.status, 0, r.stderr);
  const byMac = await admin('addresses', 'list', '--mac', '00:1b:4f:00:00:01', '--json');
  assert.deepEqual((JSON.parse(byMac.stdout) as { address: string }[]).map((x) => x.address), ['198.18.0.150']);
  const id = (JSON.parse(byMac.stdout) as { id: number }[])[0]!.id;
  assert.equal((await admin('addresses', 'delete', String(id), '--if-version', '7')).status, 1, 'a stale version is refused');
  assert.match((await admin('addresses', 'delete', String(id), '--if-version', '1')).stdout, /deleted/);
  const audit = await admin('audit', '--type', 'address');
  assert.match(audit.stdout, /^ID\s+AT\s+ACTOR\s+ACTION\s+OBJECT-TYPE\s+OBJECT-ID\n/);
  assert.match(audit.stdout, /token:bootstrap\(admin\)\s+delete\s+address/);
});

test('API errors become messages with code, object and field, and exit statuses; so do missing credentials and an unreachable manager', async () => {
  const bad = await admin('subnets', 'create', '198.18.0.7/16', '--space', '1');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'outpost: MANAGER_INVALID: 198.18.0.7/16 has host bits set: the prefix is 198.18.0.0/16 (subnet 198.18.0.7/16, field prefix)\n');
  const none = await outpost(['subnets', 'list']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give --token-file FILE \(or set OUTPOST_TOKEN\)/);
  const wrong = await outpost(['subnets', 'list'], { OUTPOST_TOKEN: 'opt_wrong' });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^outpost: API_UNAUTHORIZED: /);
  const down = await outpost(['subnets', 'list', '--manager', `http://127.0.0.1:${await freeTcpPort()}`], { OUTPOST_TOKEN: m.adminToken });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^outpost: cannot reach the manager at /);
});

test('users and tokens: a read token lists but cannot change anything', async () => {
  const user = await admin('users', 'create', 'auditor', '--role', 'read-only', '--json');
  assert.equal(user.status, 0, user.stderr);
  const token = await admin('tokens', 'create', String((JSON.parse(user.stdout) as { id: number }).id), '--name', 'audit', '--scope', 'read');
  const secret = /^token \d+: (opt_\S+)\n/.exec(token.stdout)?.[1];
  assert.ok(secret, token.stdout);
  assert.equal((await outpost(['spaces', 'list'], { OUTPOST_TOKEN: secret })).status, 0);
  const denied = await outpost(['spaces', 'create', 'nope'], { OUTPOST_TOKEN: secret });
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /^outpost: API_FORBIDDEN: /);
  assert.match((await admin('users', 'list')).stdout, /auditor\s+read-only\s+false/);
});

test('CSV from the command line: a dry run, a refused file with its lines, an import, an export that imports again unchanged', async () => {
  const space = JSON.parse((await admin('spaces', 'create', 'csv-cli', '--json')).stdout) as { id: number };
  await admin('subnets', 'create', '203.0.113.0/24', '--space', String(space.id));
  const file = join(dir, 'reservations.csv');
  writeFileSync(file, 'address,kind,mac,hostname\n203.0.113.10,reservation,00:1b:4f:00:00:10,phone-10\n203.0.113.11,reservation,00:1b:4f:00:00:11,phone-11\n');
  const dry = await admin('import', 'addresses', file, '--space', String(space.id), '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, '2 rows: 2 to create, 0 unchanged, 0 in error; dry run: nothing written\n');
  const badFile = join(dir, 'bad.csv');
  writeFileSync(badFile, 'address,kind,mac\n203.0.113.12,reservation,\n');
  const bad = await admin('import', 'addresses', badFile, '--space', String(space.id));
  assert.equal(bad.status, 2);
  assert.match(bad.stdout, /^line 2: MANAGER_INVALID: a reservation names its client: give mac or clientId \(field mac\)\n/);
  assert.equal((await admin('import', 'addresses', file, '--space', String(space.id))).stdout, '2 rows: 2 created, 0 unchanged, 0 in error; written\n');
  const exported = await admin('export', 'addresses', '--space', String(space.id));
  assert.equal(exported.stdout, 'address,kind,mac,client_id,hostname,dns_name,description\r\n203.0.113.10,reservation,00:1b:4f:00:00:10,,phone-10,,\r\n203.0.113.11,reservation,00:1b:4f:00:00:11,,phone-11,,\r\n');
  const back = join(dir, 'exported.csv');
  writeFileSync(back, exported.stdout);
  assert.equal((await admin('import', 'addresses', back, '--space', String(space.id))).stdout, '2 rows: 0 created, 2 unchanged, 0 in error; written\n');
});

test('DNS records CSV from the command line: a dry run, a refused file with its lines and fields, an import, an export of one zone that imports again unchanged', async () => {
  const api = client(`${m.url}/api/v1`, m.adminToken);
  const site = (await api('POST', '/sites', { name: 'dns-cli' })).body as { id: number };
  const server = (await api('POST', '/servers', { siteId: site.id, name: 'dns-cli-a', address: '192.0.2.5', roles: ['dns'] })).body as { id: number };
  assert.equal((await api('POST', '/dns-zones', { name: 'cli.example.com', primaryServerId: server.id, nameservers: ['ns.example.net'] })).status, 201);
  const file = join(dir, 'records.csv');
  writeFileSync(file, 'zone,name,type,data\ncli.example.com,pbx,A,192.0.2.60\ncli.example.com,sip,CNAME,pbx\n');
  const dry = await admin('import', 'records', file, '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, '2 rows: 2 to create, 0 unchanged, 0 in error; dry run: nothing written\n');
  const badFile = join(dir, 'bad-records.csv');
  writeFileSync(badFile, 'zone,name,type,data\ncli.example.com,pbx,A,192.0.2.999\nnowhere.example.com,x,A,192.0.2.1\n');
  const bad = await admin('import', 'records', badFile);
  assert.equal(bad.status, 2);
  assert.match(bad.stdout, /^line 2: MANAGER_INVALID: .* \(field data\)\nline 3: MANAGER_NOT_FOUND: DNS zone nowhere.example.com does not exist \(field zone\)\n/);
  assert.equal((await admin('import', 'records', file)).stdout, '2 rows: 2 created, 0 unchanged, 0 in error; written\n');
  const exported = await admin('export', 'records', '--zone', 'cli.example.com');
  assert.equal(exported.stdout, 'zone,name,type,ttl,data,description\r\ncli.example.com,pbx,A,,192.0.2.60,\r\ncli.example.com,sip,CNAME,,pbx,\r\n');
  const back = join(dir, 'exported-records.csv');
  writeFileSync(back, exported.stdout);
  assert.equal((await admin('import', 'records', back)).stdout, '2 rows: 0 created, 2 unchanged, 0 in error; written\n');
});

test('service objects, render and plan from the command line: field=text and field:=json, merge-patch updates, refusals with their field', async () => {
  const site = JSON.parse((await admin('sites', 'create', 'cli-objects', '--json')).stdout) as { id: number };
  const server = await admin('servers', 'create', `siteId:=${site.id}`, 'name=cli-a', 'address=192.0.2.40', 'roles:=["files"]');
  assert.equal(server.status, 0, server.stderr);
  assert.match(server.stdout, /^ID\s+SITE-ID\s+NAME\s+FILE-SET-ID\s+DESCRIPTION\n\d+\s+\d+\s+cli-a\s+-\s+-\n$/);
  const id = /\n(\d+)\s/.exec(server.stdout)![1]!;
  const bad = await admin('servers', 'create', `siteId:=${site.id}`, 'name=cli-b', 'address=192.0.2.41', 'statusPort=9181');
  assert.equal(bad.status, 2, 'a number given as text is refused by the API');
  assert.match(bad.stderr, /API_INVALID_REQUEST: body\.statusPort: must be integer/);
  const garbled = await admin('servers', 'create', 'roles:=[dhcp');
  assert.equal(garbled.status, 2);
  assert.match(garbled.stderr, /roles: \[dhcp is not JSON/);
  const updated = await admin('servers', 'update', id, 'description=the hub', 'maxFailoverPrimaries:=3', '--if-version', '1', '--json');
  assert.equal(updated.status, 0, updated.stderr);
  assert.deepEqual(((o) => [o.description, o.maxFailoverPrimaries, o.version])(JSON.parse(updated.stdout) as Record<string, unknown>), ['the hub', 3, 2]);
  assert.equal((await admin('servers', 'update', id, 'description=stale', '--if-version', '1')).status, 1, 'a stale version is refused');
  const listed = await admin('servers', 'list', '--site-id', String(site.id), '--json');
  assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name), ['cli-a']);

  const rendered = await admin('render', id, '--output', join(dir, 'cli-a.json'));
  assert.equal(rendered.status, 0, rendered.stderr);
  const check = await outpost(['site', 'check', '--config', join(dir, 'cli-a.json')]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const plan = await admin('plan', '--server', id);
  assert.equal(plan.status, 0, plan.stderr);
  const hash = /: new {2}(sha256:[0-9a-f]{64})\n/.exec(plan.stdout)?.[1];
  assert.ok(hash, plan.stdout);
  assert.match(plan.stdout, /\n {2}\+ \$\.files = /);
  assert.equal((await admin('deployed', id, '--hash', hash)).status, 0);
  assert.match((await admin('plan', '--server', id)).stdout, /^server cli-a \(site cli-objects\): unchanged /);
  await admin('servers', 'update', id, 'statusPort:=9188');
  assert.match((await admin('plan', '--server', id)).stdout, /\n {2}~ \$\.status\.port: 9180 -> 9188\n/);
});

test('site reports from the command line: an agent token, alerts, utilisation, lease history and holders, site events', async () => {
  const site = JSON.parse((await admin('sites', 'create', 'cli-reports', '--json')).stdout) as { id: number };
  const server = JSON.parse((await admin('servers', 'create', `siteId:=${site.id}`, 'name=cli-rep-a', 'address=192.0.2.42', 'roles:=["dhcp"]', '--json')).stdout) as { id: number };
  const issued = await admin('agent-token', 'issue', String(server.id));
  assert.equal(issued.status, 0, issued.stderr);
  const token = issued.stdout.trim();
  assert.match(token, /^opa_\S+$/);
  assert.match(issued.stderr, /shown once/);
  const space = JSON.parse((await admin('spaces', 'create', 'cli-reports', '--json')).stdout) as { id: number };
  const subnet = JSON.parse((await admin('subnets', 'create', '203.0.113.0/24', '--space', String(space.id), '--site', String(site.id), '--json')).stdout) as { id: number };
  assert.equal((await admin('ranges', 'create', String(subnet.id), 'pool', '203.0.113.10', '203.0.113.11')).status, 0);
  const now = Date.now();
  const events = [
    { seq: 1, at: now, kind: 'lease.change', data: { family: 4, address: '203.0.113.10', state: 'bound', hwAddress: '001b4f000001', hostname: 'desk-phone', startedAt: now - 60_000, expiresAt: now + 3_600_000 } },
    { seq: 2, at: now, kind: 'lease.change', data: { family: 4, address: '203.0.113.11', state: 'bound', hwAddress: '001b4f000002', startedAt: now - 60_000, expiresAt: now + 3_600_000 } },
    { seq: 3, at: now, kind: 'failover.state', data: { relationship: 'cli-pair', state: 'interrupted', partnerState: 'unknown' } },
  ];
  const posted = await client(`${m.url}/api/v1`, token)('POST', '/agent/events', { site: 'cli-reports', server: 'cli-rep-a', stream: 'c'.repeat(32), events });
  assert.deepEqual(posted.body, { acked: 3 });

  const alerts = await admin('alerts', '--site', String(site.id));
  assert.equal(alerts.status, 0, alerts.stderr);
  assert.match(alerts.stdout, /^SEVERITY\s+KIND\s+OBJECT\s+MESSAGE\s+SINCE\n/);
  assert.match(alerts.stdout, /\ncritical\s+pool-utilisation\s+pool 203\.0\.113\.10-203\.0\.113\.11 \(subnet 203\.0\.113\.0\/24\)\s+100% leased \(2 of 2\)/);
  assert.match(alerts.stdout, /\ncritical\s+failover-state\s+failover relationship cli-pair on server cli-rep-a\s+interrupted: /);
  assert.equal((await admin('alerts', '--severity', 'bad')).status, 2);
  const use = await admin('utilisation', String(subnet.id));
  assert.match(use.stdout, /\nsubnet 203\.0\.113\.0\/24\s+254\s+2\s+0\.78\s+-\n/);
  assert.match(use.stdout, /\npool 203\.0\.113\.10-203\.0\.113\.11\s+2\s+2\s+100\s+80%\/95% \(built-in\)\n/);
  const history = await admin('lease-history', '--mac', '00:1b:4f:00:00:01');
  assert.match(history.stdout, /\n203\.0\.113\.10\s+bound\s+00:1b:4f:00:00:01\s+desk-phone\s+cli-rep-a\s+\d{4}-\d\d-\d\dT/);
  const holders = await admin('lease-holders', '203.0.113.10', '--at', new Date(now).toISOString(), '--json');
  assert.deepEqual((JSON.parse(holders.stdout) as { held: boolean; mac: string }[]).map((h) => [h.held, h.mac]), [[true, '00:1b:4f:00:00:01']]);
  const badTime = await admin('lease-holders', '203.0.113.10', '--at', 'last tuesday');
  assert.equal(badTime.status, 2);
  assert.match(badTime.stderr, /--at last tuesday is not a time/);
  const seen = await admin('site-events', '--server', String(server.id), '--json');
  assert.deepEqual((JSON.parse(seen.stdout) as { seq: number }[]).map((e) => e.seq), [1, 2, 3]);
  assert.match((await admin('agent-token', 'show', String(server.id))).stdout, /\n\d+\s+\d{4}-.*Z\s+\d{4}-.*Z\s+\S+\n$/);
  assert.equal((await admin('agent-token', 'revoke', String(server.id))).status, 0);
  assert.equal((await client(`${m.url}/api/v1`, token)('POST', '/agent/events', { site: 'cli-reports', server: 'cli-rep-a', stream: 'c'.repeat(32), events })).status, 401);
});

test('pools and reservations with their own DHCP options and classes, subnets on a VLAN, from the command line', async () => {
  const space = JSON.parse((await admin('spaces', 'create', 'cli-extras', '--json')).stdout) as { id: number };
  const site = JSON.parse((await admin('sites', 'create', 'cli-extras', '--json')).stdout) as { id: number };
  const vlan = JSON.parse((await admin('vlans', 'create', `siteId:=${site.id}`, 'vid:=30', 'name=voice', '--json')).stdout) as { id: number };
  const subnet = await admin('subnets', 'create', '203.0.113.0/24', '--space', String(space.id), '--site', String(site.id), '--vlan', String(vlan.id), '--json');
  assert.equal(subnet.status, 0, subnet.stderr);
  const { id } = JSON.parse(subnet.stdout) as { id: number };
  assert.equal((JSON.parse((await admin('subnets', 'list', '--vlan', String(vlan.id), '--json')).stdout) as { id: number }[])[0]!.id, id);
  const off = await admin('subnets', 'update', String(id), '--vlan', 'none', '--if-version', '1');
  assert.equal(off.status, 0, off.stderr);
  assert.match(off.stdout, /203\.0\.113\.0\/24\s+-\s+\d+\s+-\s+-?\s*2\n$/, 'no parent, the site, no VLAN, version 2');
  assert.equal((await admin('client-classes', 'create', 'name=cli-phones', 'match:={"vendorClass":[{"prefix":"ccp.avaya.com"}]}')).status, 0);
  const optionsFile = join(dir, 'pool-options.json');
  writeFileSync(optionsFile, JSON.stringify({ avaya: { mcIpAdd: ['192.0.2.10'], l2qVlan: 30 } }));
  const pool = await admin('ranges', 'create', String(id), 'pool', '203.0.113.100', '203.0.113.199', '--options', `@${optionsFile}`, '--classes', 'cli-phones');
  assert.equal(pool.status, 0, pool.stderr);
  assert.match(pool.stdout, /pool\s+203\.0\.113\.100\s+203\.0\.113\.199\s+cli-phones\s/);
  const poolId = /\n(\d+)\s+pool/.exec(pool.stdout)![1]!;
  const shown = JSON.parse((await admin('ranges', 'get', poolId, '--json')).stdout) as { options: { avaya: { l2qVlan: number } } };
  assert.equal(shown.options.avaya.l2qVlan, 30);
  const badClass = await admin('ranges', 'update', poolId, '--classes', 'no-such-class');
  assert.equal(badClass.status, 2, 'a 422: the input is wrong');
  assert.match(badClass.stderr, /MANAGER_INVALID.*there is no client class no-such-class.*field classes\.0/);
  const badJson = await admin('ranges', 'update', poolId, '--options', '{avaya');
  assert.equal(badJson.status, 2, badJson.stderr);
  const cleared = JSON.parse((await admin('ranges', 'update', poolId, '--classes', 'none', '--json')).stdout) as { classes?: string[]; options?: object };
  assert.deepEqual([cleared.classes, cleared.options !== undefined], [undefined, true], 'classes removed, options kept');
  const r = await admin('addresses', 'create', '203.0.113.20', '--space', String(space.id), '--kind', 'reservation', '--mac', '00:1b:4f:00:00:20', '--classes', 'cli-phones', '--options', '{"ciscoTftp":{"servers":["192.0.2.11"]}}', '--json');
  assert.equal(r.status, 0, r.stderr);
  const reservation = JSON.parse(r.stdout) as { id: number; classes: string[] };
  assert.deepEqual(reservation.classes, ['cli-phones']);
  const renamed = await admin('addresses', 'update', String(reservation.id), '--hostname', 'phone-20', '--options', 'none');
  assert.equal(renamed.status, 0, renamed.stderr);
  assert.match(renamed.stdout, /203\.0\.113\.20\s+reservation\s+00:1b:4f:00:00:20\s+phone-20\s+-\s+\d+\s+cli-phones\s+2\n$/);
  const inUse = await admin('client-classes', 'delete', String((JSON.parse((await admin('client-classes', 'list', '--name', 'cli-phones', '--json')).stdout) as { id: number }[])[0]!.id));
  assert.equal(inUse.status, 1);
  assert.match(inUse.stderr, /MANAGER_IN_USE.*reservation 203\.0\.113\.20/);
  assert.match((await admin('ranges', 'delete', poolId)).stdout, new RegExp(`range ${poolId} deleted`));
});

test('spaces and sites are changed and deleted from the command line', async () => {
  const space = JSON.parse((await admin('spaces', 'create', 'cli-edit', '--json')).stdout) as { id: number };
  const site = JSON.parse((await admin('sites', 'create', 'cli-edit', '--json')).stdout) as { id: number };
  const renamed = await admin('spaces', 'update', String(space.id), '--name', 'cli-edited', '--if-version', '1');
  assert.match(renamed.stdout, /\n\d+\s+cli-edited\s+-?\s*2\n$/);
  const stale = await admin('sites', 'update', String(site.id), '--wan-notes', 'x', '--if-version', '9');
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /MANAGER_VERSION_MISMATCH/);
  const changed = await admin('sites', 'update', String(site.id), '--survivability', 'dependent', '--json');
  assert.equal((JSON.parse(changed.stdout) as { survivability: string }).survivability, 'dependent');
  assert.equal((await admin('sites', 'delete', String(site.id))).stdout, `site ${site.id} deleted\n`);
  assert.equal((await admin('spaces', 'delete', String(space.id))).stdout, `IP space ${space.id} deleted\n`);
  assert.equal((await admin('spaces', 'delete', String(space.id))).status, 1, 'gone');
});

test('long operations show progress on stderr when asked (--progress), never in the output, and not by default off a terminal', async () => {
  const space = JSON.parse((await admin('spaces', 'create', 'cli-progress', '--json')).stdout) as { id: number };
  assert.equal((await admin('subnets', 'create', '198.18.0.0/16', '--space', String(space.id))).status, 0);
  const file = join(dir, 'progress.csv');
  // 3,000 rows: more than one 64 KiB chunk of the upload, and more than one page of the list.
  writeFileSync(file, `address,kind,mac,client_id,hostname,dns_name,description\n${Array.from({ length: 3000 }, (_, i) => `198.18.${Math.floor(i / 250) + 1}.${(i % 250) + 1},static,,,host-${i},,a row long enough to make the file span several chunks of the upload`).join('\n')}\n`);
  const imported = await admin('import', 'addresses', file, '--space', String(space.id), '--progress');
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /^3000 rows: 3000 created/m);
  const frames = imported.stderr.split(/[\r\n]/).map((l) => l.trim()).filter(Boolean);
  assert.ok(frames.some((f) => /^sending \[#{24}\] 100% \d+\.\d KiB\/\d+\.\d KiB$/.test(f)), imported.stderr);
  assert.ok(frames.some((f) => /^importing \d+\.\d s$/.test(f)), imported.stderr);
  const quiet = await admin('import', 'addresses', file, '--space', String(space.id), '--dry-run');
  assert.equal(quiet.stderr, '', 'off a terminal: no progress unless asked');
  const listed = await admin('addresses', 'list', '--subnet', '1', '--progress', '--json');
  assert.doesNotThrow(() => JSON.parse(listed.stdout), 'progress never mixes into the output');
  const all = await admin('addresses', 'list', '--space', String(space.id), '--progress');
  assert.match(all.stderr, /reading 3,000\s*\n$/);
  assert.equal(all.stdout.trim().split('\n').length, 3001);
  const exported = await admin('export', 'addresses', '--space', String(space.id), '--progress');
  assert.equal(exported.stdout.trim().split('\n').length, 3001);
  assert.match(exported.stderr, /exporting (\[#{24}\] 100% )?\d+\.\d KiB/);
  assert.equal((await admin('export', 'addresses', '--space', String(space.id), '--no-progress')).stderr, '');
});

test('a user limited to sites from the command line', async () => {
  const site = JSON.parse((await admin('sites', 'create', 'cli-limited', '--json')).stdout) as { id: number };
  const made = await admin('users', 'create', 'cli-branch', '--role', 'operator', '--sites', `${site.id}`, '--json');
  assert.equal(made.status, 0, made.stderr);
  assert.deepEqual((JSON.parse(made.stdout) as { sites: number[] }).sites, [site.id]);
  const bad = await admin('users', 'create', 'cli-branch-2', '--role', 'operator', '--sites', 'three');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--sites three is not a list of site ids/);
});

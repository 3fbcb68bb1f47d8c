// The real `outpost` command on loopback: check, run, status endpoint, signals.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outpostBin } from '../support/paths.js';
import { startChild, type Child } from '../support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'outpost-site-cli-'));
const children: Child[] = [];
after(() => { children.forEach((c) => c.kill()); rmSync(dir, { recursive: true, force: true }); });

function configFile(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return file;
}
const good = (status: object = { port: 0 }) => ({ version: 1, site: { name: 'lab-site' }, server: { name: 'lab-site-1' }, status });
const outpost = (...args: string[]) => spawnSync(process.execPath, [outpostBin, ...args], { encoding: 'utf8', timeout: 20_000 });

function run(file: string): Child {
  const c = startChild(process.execPath, [outpostBin, 'site', 'run', '--config', file]);
  children.push(c);
  return c;
}

async function startGood(): Promise<{ child: Child; url: string }> {
  const child = run(configFile(`good-${children.length}.json`, good()));
  const [, url] = await child.waitFor(/"code":"STATUS_LISTENING","url":"([^"]+)"/);
  await child.waitFor(/"code":"SITE_READY"/);
  return { child, url: url! };
}

test('site check accepts a valid config (exit 0) and names it', () => {
  const r = outpost('site', 'check', '--config', configFile('ok.json', good()));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok\.json: OK \(site lab-site, server lab-site-1, sha256:[0-9a-f]{64}\)/);
});

test('site check prints every error with path and reason and exits 2', () => {
  const file = configFile('bad.json', { version: 1, site: { name: 'Bad Name' }, server: { name: 'x' }, status: { port: 99999 }, dchp: {} });
  const r = outpost('site', 'check', '--config', file);
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith(`${file}: $.site.name: the string "Bad Name" is not allowed here`)), r.stderr);
  assert.ok(lines.includes(`${file}: $.status.port: must be <= 65535, not number 99999`), r.stderr);
  assert.ok(lines.includes(`${file}: $.dchp: unknown key (allowed here: version, site, server, status, log, dhcp, failover, dns, files, agent)`), r.stderr);
  assert.equal(lines.at(-1), `${file}: 3 error(s)`);
});

test('site check prints warnings as "warning: FILE: path: reason" and still exits 0', () => {
  const file = configFile('split-scope.json', {
    ...good(),
    dhcp: {
      interfaces: [{ name: 'eth0', address: '203.0.113.2' }],
      subnets: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ start: '192.0.2.100', end: '192.0.2.199' }] }],
    },
    failover: { relationships: [{ name: 'pair', mode: 'split-scope', role: 'secondary', split: 75, subnets: ['192.0.2.0/24'] }] },
  });
  const r = outpost('site', 'check', '--config', file);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `warning: ${file}: $.failover.relationships[0].subnets[0]: split-scope, secondary with split 75 %: if the partner is down, this server has 25 of the 100 pool addresses of 192.0.2.0/24 for up to 100 clients (oversubscribed 4×)\n`);
  assert.match(r.stdout, /split-scope\.json: OK/);
});

test('site check reports a missing file, a directory and a syntax error precisely', () => {
  const missing = outpost('site', 'check', '--config', join(dir, 'nope.json'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: \$: no such file/);
  const directory = outpost('site', 'check', '--config', dir);
  assert.equal(directory.status, 2);
  assert.match(directory.stderr, /: \$: not a regular file/);
  const syntax = outpost('site', 'check', '--config', configFile('syntax.json', '{\n  "version": 1\n  "site": {}\n}'));
  assert.equal(syntax.status, 2);
  assert.match(syntax.stderr, /syntax\.json: \$: expected ',' between entries at line 3, column 3/);
});

test('site run with an invalid config starts nothing, exits non-zero, with the same messages as check', async () => {
  for (const body of [{ ...good(), extra: 1 }, '{ "version": 1, ', { ...good(), version: 9 }]) {
    const file = configFile('invalid-run.json', body);
    const check = outpost('site', 'check', '--config', file);
    const child = run(file);
    const { code } = await child.exit();
    assert.equal(code, 2);
    assert.equal(child.stderr().replace(/; no service started\n$/, '\n'), check.stderr);
    assert.doesNotMatch(child.stdout(), /STATUS_LISTENING|SITE_STARTING/);
  }
});

test('site run serves /healthz and /metrics on the status port', async () => {
  const { child, url } = await startGood();
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const body = await health.json() as Record<string, unknown>;
  assert.equal(body.status, 'ok');
  assert.equal(body.site, 'lab-site');
  assert.deepEqual(body.services, [{ name: 'status', state: 'running' }]);
  assert.match(String((body.config as { hash: string }).hash), /^sha256:/);
  const metrics = await fetch(`${url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await metrics.text();
  assert.match(text, /^outpost_site_up 1$/m);
  assert.match(text, /^outpost_build_info\{version="[^"]+",node="v20[^"]*"\} 1$/m);
  assert.match(text, /^outpost_site_config_info\{site="lab-site",server="lab-site-1",hash="sha256:[0-9a-f]+"\} 1$/m);
  assert.match(text, /^outpost_process_resident_memory_bytes \d+/m);
  assert.equal((await fetch(`${url}/nothing`)).status, 404);
  assert.equal((await fetch(`${url}/healthz`, { method: 'POST' })).status, 405);
  child.proc.kill('SIGTERM');
  await child.exit();
});

test('every log line is JSON and carries a registered event code', async () => {
  const { child } = await startGood();
  child.proc.kill('SIGTERM');
  await child.exit();
  const lines = child.stdout().trim().split('\n').map((l) => JSON.parse(l) as { code?: string; level?: string });
  assert.ok(lines.length >= 5);
  const { codes } = await import('../../src/core/codes.js');
  for (const l of lines) assert.ok(l.code && l.code in codes, `unregistered or missing code: ${JSON.stringify(l)}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`site run stops cleanly on ${signal} within 5 s and the port is released`, async () => {
    const { child, url } = await startGood();
    const port = Number(new URL(url).port);
    child.proc.kill(signal);
    const { code, ms } = await child.exit(5000);
    assert.equal(code, 0);
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.match(child.stdout(), new RegExp(`"code":"SITE_STOPPING","cause":"signal ${signal}"`));
    assert.match(child.stdout(), /"code":"SITE_STOPPED","state":"stopped"/);
    const rebind = createServer();
    await new Promise<void>((resolve, reject) => rebind.once('error', reject).listen(port, '127.0.0.1', resolve));
    rebind.close();
  });
}

test('site run exits 1 with STATUS_LISTEN_FAILED when the status port is taken', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    const port = (blocker.address() as AddressInfo).port;
    const child = run(configFile('taken.json', good({ port })));
    const { code } = await child.exit();
    assert.equal(code, 1);
    assert.match(child.stdout(), /"code":"STATUS_LISTEN_FAILED".*"err":"EADDRINUSE"/);
    assert.match(child.stdout(), /"code":"SITE_STOPPED","state":"failed"/);
  } finally {
    blocker.close();
  }
});

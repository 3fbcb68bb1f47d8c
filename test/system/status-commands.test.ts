// The status port's command routes (src/site/status-service.ts) and the control token
// (src/site/control-token.ts), in process on loopback: methods, bearer check, bodies,
// path parameters; the token file's mode, replacement and removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetricsRegistry } from '../../src/runtime/metrics.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { StatusService, type CommandAuthority } from '../../src/site/status-service.js';
import { ControlToken, controlTokenPath } from '../../src/site/control-token.js';
import { memoryLogger } from '../support/memory-log.js';

const TOKEN = 'a'.repeat(64);

async function withStatus(authority: CommandAuthority | undefined, fn: (url: string, calls: unknown[][], codes: () => string[]) => Promise<void>): Promise<void> {
  const { log, codes } = memoryLogger();
  const status = new StatusService({ listen: '127.0.0.1', port: 0, registry: createMetricsRegistry(), log, clock: systemClock, health: () => ({ healthy: true, body: {} }) });
  const calls: unknown[][] = [];
  status.addRoute('/things', () => ({ status: 200, body: { things: 1 } }));
  status.addCommand('/things/:name/poke', (params, body) => { calls.push([params, body]); return { status: 200, body: { poked: params.name } }; });
  if (authority) status.useAuthority(authority);
  await status.start();
  try {
    await fn(status.url, calls, codes);
  } finally {
    await status.stop();
  }
}

const fixed: CommandAuthority = { ready: true, verify: (t) => t === TOKEN };
const bearer = { authorization: `Bearer ${TOKEN}` };

/** A raw request (chunked bodies, HEAD), answered with status, headers and body text. */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, chunks: Buffer[] = []): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('command routes: POST with the token runs the handler with decoded params and the JSON body', () =>
  withStatus(fixed, async (url, calls) => {
    const r = await fetch(`${url}/things/a%20b/poke`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"x":1}' });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { poked: 'a b' });
    const empty = await fetch(`${url}/things/c/poke`, { method: 'POST', headers: { authorization: `bearer  ${TOKEN}` } });
    assert.equal(empty.status, 200);
    assert.deepEqual(calls, [[{ name: 'a b' }, { x: 1 }], [{ name: 'c' }, undefined]]);
  }));

test('command routes: no, malformed or wrong Authorization is 401 with a JSON error and a rate-limited STATUS_UNAUTHORIZED', () =>
  withStatus(fixed, async (url, calls, codes) => {
    for (const headers of [{} as Record<string, string>, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${'b'.repeat(64)}` }, { authorization: 'Bearer x' }]) {
      const r = await fetch(`${url}/things/x/poke`, { method: 'POST', headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="outpost"');
      assert.match(((await r.json()) as { error: string }).error, /^unauthorized: /);
    }
    for (let i = 0; i < 20; i++) await fetch(`${url}/things/x/poke`, { method: 'POST' });
    assert.deepEqual(calls, []);
    const logged = codes().filter((c) => c === 'STATUS_UNAUTHORIZED').length;
    assert.equal(logged, 10, 'at most 10 lines a minute');
  }));

test('command routes: 503 without an authority or before the token exists', async () => {
  await withStatus(undefined, async (url) => {
    assert.equal((await fetch(`${url}/things/x/poke`, { method: 'POST', headers: bearer })).status, 503);
  });
  await withStatus({ ready: false, verify: () => true }, async (url) => {
    assert.equal((await fetch(`${url}/things/x/poke`, { method: 'POST', headers: bearer })).status, 503);
  });
});

test('methods: GET, HEAD and PUT of a command route are 405 (Allow: POST); POST of a read route is 405; reads unchanged', () =>
  withStatus(fixed, async (url, calls) => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const r = await raw(url, method, '/things/x/poke', bearer);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'POST');
    }
    for (const path of ['/things', '/healthz', '/metrics', '/nowhere']) {
      const r = await raw(url, 'POST', path, bearer);
      assert.equal(r.status, 405, path);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    assert.equal((await fetch(`${url}/things`)).status, 200);
    assert.equal((await raw(url, 'HEAD', '/things')).status, 200);
    assert.equal((await fetch(`${url}/things/x`)).status, 404);
    assert.equal((await fetch(`${url}/things//poke`)).status, 404);
    assert.deepEqual(calls, []);
  }));

test('bodies: over 4 KiB is 413, declared or chunked; not JSON is 400; nothing runs', () =>
  withStatus(fixed, async (url, calls) => {
    const declared = await raw(url, 'POST', '/things/x/poke', { ...bearer, 'content-length': '5000' }, [Buffer.alloc(5000, 0x20)]);
    assert.equal(declared.status, 413);
    const chunked = await raw(url, 'POST', '/things/x/poke', { ...bearer, 'transfer-encoding': 'chunked' }, [Buffer.alloc(3000, 0x20), Buffer.alloc(3000, 0x20)]);
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /"error":"request body over 4096 bytes"/);
    const bad = await fetch(`${url}/things/x/poke`, { method: 'POST', headers: bearer, body: '{' });
    assert.equal(bad.status, 400);
    const exact = await fetch(`${url}/things/x/poke`, { method: 'POST', headers: bearer, body: JSON.stringify({ p: 'x'.repeat(4096 - 8) }) });
    assert.equal(exact.status, 200);
    assert.equal(calls.length, 1);
  }));

test('the control token: 0600, 64 hex digits, new at each start (atomically replacing a stale file), checked exactly, removed at stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-control-token-'));
  try {
    const path = controlTokenPath({ dhcp: { leaseDir: 'leases' } }, dir)!;
    assert.equal(path, join(dir, 'leases', 'control.token'));
    assert.equal(controlTokenPath({}, dir), undefined);
    // Without (running) DHCP, in dns.dataDir; the lease directory wins when both run.
    assert.equal(controlTokenPath({ dns: { dataDir: 'dns' } }, dir), join(dir, 'dns', 'control.token'));
    assert.equal(controlTokenPath({ dhcp: { leaseDir: 'leases', enabled: false }, dns: { dataDir: 'dns' } }, dir), join(dir, 'dns', 'control.token'));
    assert.equal(controlTokenPath({ dhcp: { leaseDir: 'leases' }, dns: { dataDir: 'dns' } }, dir), path);
    assert.equal(controlTokenPath({ dhcp: { leaseDir: 'leases', enabled: false }, dns: { dataDir: 'dns', enabled: false } }, dir), undefined);
    // Without either, in files.dataDir (POST /files/sync); DNS wins over files.
    assert.equal(controlTokenPath({ files: { dataDir: 'files' } }, dir), join(dir, 'files', 'control.token'));
    assert.equal(controlTokenPath({ dns: { dataDir: 'dns' }, files: { dataDir: 'files' } }, dir), join(dir, 'dns', 'control.token'));
    assert.equal(controlTokenPath({ files: { dataDir: 'files', enabled: false } }, dir), undefined);
    mkdirSync(join(dir, 'leases'));
    writeFileSync(path, 'stale\n', { mode: 0o644 });
    writeFileSync(`${path}.${process.pid}.tmp`, 'leftover', { mode: 0o666 });
    const t = new ControlToken(path);
    assert.equal(t.ready, false);
    assert.equal(t.verify('stale'), false);
    await t.start();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const first = readFileSync(path, 'utf8').trim();
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.ok(t.ready);
    assert.ok(t.verify(first));
    assert.equal(t.verify(first.slice(1)), false);
    assert.equal(t.verify(first + '0'), false);
    assert.equal(t.verify(first.toUpperCase()), false);
    assert.equal(existsSync(`${path}.${process.pid}.tmp`), false);
    await t.stop();
    assert.equal(existsSync(path), false);
    assert.equal(t.verify(first), false);
    await t.start();
    const second = readFileSync(path, 'utf8').trim();
    assert.notEqual(second, first);
    assert.equal(t.verify(first), false);
    await t.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the control token: an unwritable directory fails the start with STATUS_CONTROL_TOKEN_FAILED', async () => {
  const t = new ControlToken(join(tmpdir(), 'outpost-no-such-dir', 'x', 'control.token'));
  await assert.rejects(t.start(), (e: Error & { code?: string }) => e.code === 'STATUS_CONTROL_TOKEN_FAILED' && /ENOENT/.test(e.message));
  assert.equal(t.ready, false);
});

// The phone file sync (docs/files.md "Sync") of the real site daemon against nginx, the
// stand-in for the manager until there is one: nginx in its own namespace serves a
// directory (byte ranges, a bearer token required), its access log telling which files
// and ranges were fetched; the daemon in another namespace syncs to it.
//   1. set v1 (four files, one of 20 MB): every file fetched once, served under current;
//   2. v2 changes two files, with a bandwidth cap: the daemon is killed (SIGKILL) in the
//      middle of the 20 MB download; v1 keeps being served; started again, it resumes
//      with a Range request from where the part ends, and only those two files were
//      ever asked for; `outpost files status` and `outpost files sync` on its status port;
//   3. v3 names content nginx does not have (tampered bytes of the same length): rejected,
//      never kept, and v2 keeps being served (files under current, GET /files, /metrics).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type LabProcess } from './index.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MANAGER = '198.51.100.1';
const SITE = '198.51.100.2';
const STATUS = 'http://127.0.0.1:9180';
const BIG = 20 * 1024 * 1024;
const BANDWIDTH = 4 * 1024 * 1024;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function nginxConf(dir: string, token: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 64; }
http {
  log_format sync '$uri|$status|$http_range|$body_bytes_sent';
  access_log ${dir}/access.log sync;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  default_type application/octet-stream;
  server {
    listen ${MANAGER}:80;
    root ${dir}/www;
    location / {
      if ($http_authorization != "Bearer ${token}") { return 401; }
    }
  }
}
`;
}

interface Access { path: string; status: number; range: string; bytes: number }

function accessLog(dir: string): Access[] {
  const path = join(dir, 'access.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [p, status, range, bytes] = l.split('|') as [string, string, string, string];
    return { path: p.replace(/^\//, ''), status: Number(status), range: range === '-' ? '' : range, bytes: Number(bytes) };
  });
}

/** The files under dir (following `current`), path → content hash. */
function servedTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = sha(readFileSync(join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

test('sync against nginx: a set fetched whole; two files changed fetched alone, a download killed mid-way resumed by Range; a tampered file rejected while the old set serves', { skip, timeout: 120_000 }, async (t) => {
  assert.deepEqual(missingPrograms(['nginx', 'curl']), []);
  await withLab({ tag: 'files-sync' }, async (lab) => {
    const manager = await lab.namespace('manager');
    const site = await lab.namespace('site');
    await lab.link(manager, site, { a: `${MANAGER}/24`, b: `${SITE}/24` });
    const ndir = await lab.tempDir();
    const sdir = await lab.tempDir();
    const token = randomBytes(16).toString('hex');
    for (const d of ['www/firmware', 'tmp']) mkdirSync(join(ndir, d), { recursive: true });
    writeFileSync(join(ndir, 'nginx.conf'), nginxConf(ndir, token));
    writeFileSync(join(sdir, 'token'), `${token}\n`);
    const nginx = manager.spawn('nginx', ['-p', ndir, '-c', join(ndir, 'nginx.conf'), '-e', join(ndir, 'nginx-error.log')]);
    await manager.waitForPort(80);
    assert.equal(nginx.exitStatus(), null, nginx.output());

    const files = new Map<string, Buffer>();
    const publish = (path: string, content: Buffer) => {
      files.set(path, content);
      writeFileSync(join(ndir, 'www', path), content);
    };
    const manifest = (version: string, override: Record<string, Buffer> = {}) => ({
      version, files: [...files].map(([path, b]) => {
        const content = override[path] ?? b;
        return { path, size: content.length, sha256: sha(content) };
      }),
    });
    const config = (m: ReturnType<typeof manifest>, bandwidth?: number) => {
      writeFileSync(join(sdir, 'site.json'), JSON.stringify({
        version: 1, site: { name: 'lab' }, server: { name: 'files-1' }, status: { listen: '127.0.0.1', port: 9180 },
        files: { root: 'unused', dataDir: 'data', sync: { manifest: m, sources: [{ url: `http://${MANAGER}/`, tokenFile: 'token' }], retryInterval: 60, ...(bandwidth ? { bandwidth } : {}) } },
      }));
    };
    const start = () => site.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(sdir, 'site.json')]);
    const cli = async (args: string[]) => site.run(process.execPath, [OUTPOST, 'files', ...args], { timeoutMs: 20_000 });
    const current = () => readlinkSync(join(sdir, 'data', 'current'));
    const served = () => servedTree(join(sdir, 'data', 'current'));
    const expect = (m: ReturnType<typeof manifest>) => Object.fromEntries(m.files.map((f) => [f.path, f.sha256]));
    const statusJson = async (): Promise<{ sync: { state: string; served: { version: string }; lastError: { message: string } | null; rejected: number } }> => {
      const r = await cli(['status', '--url', STATUS, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as never;
    };

    // 1. Set v1: every file fetched once, whole.
    publish('SEP001.cnf.xml', Buffer.from('<device><version>1</version></device>\n'));
    publish('SEP002.cnf.xml', Buffer.from('<device><version>1</version><line>2</line></device>\n'));
    publish('ring.raw', randomBytes(40_000));
    publish('firmware/88xx.loads', randomBytes(BIG));
    const v1 = manifest('v1');
    config(v1);
    let daemon: LabProcess = start();
    const first = await daemon.waitForLine(/"code":"FILES_SYNC_SWITCHED".*"version":"v1"/, 30_000);
    assert.deepEqual(accessLog(ndir).map((a) => `${a.path} ${a.status}${a.range ? ` ${a.range}` : ''}`).sort(),
      ['SEP001.cnf.xml 200', 'SEP002.cnf.xml 200', 'firmware/88xx.loads 200', 'ring.raw 200']);
    assert.deepEqual(served(), expect(v1));
    const table = await cli(['status', '--url', STATUS]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^SERVED\s+TARGET\s+STATE\s+PROGRESS\s+LAST-SUCCESS\s+REJECTED\nv1\s+v1 \(4 files\)\s+complete\s/m);
    await daemon.stop();
    const before = accessLog(ndir).length;

    // 2. v2 changes two files, the big one among them, with a bandwidth cap; killed in the middle of it.
    publish('SEP001.cnf.xml', Buffer.from('<device><version>2</version></device>\n'));
    publish('firmware/88xx.loads', randomBytes(BIG));
    const v2 = manifest('v2');
    config(v2, BANDWIDTH);
    daemon = start();
    const part = join(sdir, 'data', 'downloads', `${sha(files.get('firmware/88xx.loads')!)}.part`);
    const deadline = Date.now() + 20_000;
    while (!(existsSync(part) && statSync(part).size >= 6 * 1024 * 1024)) {
      assert.ok(Date.now() < deadline, `the download did not reach 6 MiB: ${daemon.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    daemon.killSync();
    await daemon.wait();
    const held = statSync(part).size;
    assert.ok(held > 0 && held < BIG, `${held} bytes held`);
    assert.match(current(), /^sets\/v1~/, 'v1 still served after the kill');
    assert.deepEqual(served(), expect(v1));

    daemon = start();
    const switched = await daemon.waitForLine(/"code":"FILES_SYNC_SWITCHED".*"version":"v2"/, 30_000);
    assert.match(switched, /"fetched":1,/, 'the config came before the kill; only the firmware after the restart');
    const seconds = (line: string) => (JSON.parse(line) as { seconds: number }).seconds;
    t.diagnostic(`v1 (${v1.files.reduce((n, f) => n + f.size, 0)} bytes, no cap) in ${seconds(first)} s; v2 killed at ${held} bytes, the rest (${BIG - held}) at ${BANDWIDTH} B/s in ${seconds(switched)} s`);
    const fetched = await daemon.waitForLine(/"code":"FILES_SYNC_FETCHED".*88xx/, 1_000);
    assert.match(fetched, new RegExp(`"resumedFrom":${held},`));
    const since = accessLog(ndir).slice(before);
    assert.deepEqual([...new Set(since.map((a) => a.path))].sort(), ['SEP001.cnf.xml', 'firmware/88xx.loads'], 'only the two files that changed');
    const resumed = since.filter((a) => a.range !== '');
    assert.deepEqual(resumed.map((a) => [a.path, a.status, a.range, a.bytes]), [['firmware/88xx.loads', 206, `bytes=${held}-`, BIG - held]]);
    assert.deepEqual(served(), expect(v2));
    assert.match(current(), /^sets\/v2~/);
    assert.match(readlinkSync(join(sdir, 'data', 'previous')), /^sets\/v1~/);
    const now = await cli(['sync', '--config', join(sdir, 'site.json')]);
    assert.equal(now.code, 0, now.stderr);
    assert.match(now.stdout, /^sync started \(complete → fetching\)/);
    await daemon.waitForLine(/"code":"FILES_SYNC_PLANNED".*"upToDate":true/, 10_000);
    await daemon.stop();

    // 3. v3 names new ring tones nginx does not have: the bytes it serves do not match. Rejected; v2 keeps serving.
    const wanted = randomBytes(40_000);
    publish('ring.raw', randomBytes(40_000)); // tampered: same length, other bytes
    const v3 = manifest('v3', { 'ring.raw': wanted });
    config(v3);
    const mark = accessLog(ndir).length;
    daemon = start();
    const rejected = await daemon.waitForLine(/"code":"FILES_SYNC_REJECTED"/, 20_000);
    assert.match(rejected, new RegExp(`"path":"ring.raw".*"expected":\\{"size":40000,"sha256":"${sha(wanted)}"\\},"got":"sha256 ${sha(files.get('ring.raw')!)}"`));
    await daemon.waitForLine(/"code":"FILES_SYNC_INCOMPLETE"/, 10_000);
    assert.deepEqual(accessLog(ndir).slice(mark).map((a) => `${a.path} ${a.status}`), ['ring.raw 200']);
    assert.match(current(), /^sets\/v2~/);
    assert.deepEqual(served(), expect(v2));
    assert.ok(!readdirSync(join(sdir, 'data', 'objects')).includes(sha(files.get('ring.raw')!)), 'never kept');
    assert.deepEqual(readdirSync(join(sdir, 'data', 'downloads')), [], 'deleted');
    const st = await statusJson();
    assert.equal(st.sync.state, 'failed-partially');
    assert.equal(st.sync.served.version, 'v2');
    assert.equal(st.sync.rejected, 1);
    assert.match(st.sync.lastError!.message, /^ring\.raw from http:\/\/198\.51\.100\.1\/ rejected: expected size 40000/);
    const metrics = await site.run('curl', ['-s', `${STATUS}/metrics`], { timeoutMs: 10_000 });
    assert.match(metrics.stdout, /outpost_files_sync_rejected_total 1\n/);
    assert.match(metrics.stdout, /outpost_files_sync_state\{state="failed-partially"\} 1\n/);
    assert.match(metrics.stdout, /outpost_files_sync_served_info\{version="v2",set="v2~[0-9a-f]{16}"\} 1\n/);
    await daemon.stop();
    await nginx.stop();
  });
});


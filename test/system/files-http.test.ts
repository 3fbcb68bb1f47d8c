// The HTTP file service (src/site/files-http.ts) in process on 127.0.0.1, port 0, with
// Node's HTTP client and raw sockets: GET and HEAD with every header, conditional GET,
// ranges, traversal attempts, uploads (PUT, POST raw and multipart) with their limits,
// Basic and Digest credentials, slow, silent and oversized clients cut off with their
// reasons counted while other transfers go on, the counters in /metrics, HTTPS, and the
// start-up errors (certificate, password file, address in use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { Clock } from '../../src/core/clock.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { FilesConfig, FilesHttpConfig } from '../../src/config/files-schema.js';
import { digestHa1, digestResponse } from '../../src/protocol/files/http-digest-auth.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { FilesHttp } from '../../src/site/files-http.js';
import { FilesService } from '../../src/site/files-service.js';
import { FileTree } from '../../src/site/files-tree.js';
import { memoryLogger } from '../support/memory-log.js';

const CONFIG = '<device><loadInformation>SIP88xx.12-0-1</loadInformation></device>\n';

interface Fixture {
  dir: string;
  root: string;
  http: FilesHttp;
  port: number;
  registry: Registry;
  lines: () => Record<string, unknown>[];
  codes: () => string[];
}

type HttpOverrides = Partial<Omit<FilesHttpConfig, 'uploads'>> & { uploads?: Partial<NonNullable<FilesHttpConfig['uploads']>> | false };

function filesConfig(o: HttpOverrides = {}): FilesConfig {
  const { uploads, ...http } = o;
  return {
    enabled: true, root: 'root', dataDir: 'data',
    http: {
      listen: [{ address: '127.0.0.1', port: 0 }], maxConnections: 50, idleTimeout: 30, requestTimeout: 60, accessLog: true,
      ...(uploads === false ? {} : { uploads: { paths: ['backup/'], maxBytes: 64 * 1024, auth: 'none', users: [], realm: 'outpost', ...uploads } }),
      ...http,
    },
  };
}

async function withHttp(o: HttpOverrides, fn: (f: Fixture) => Promise<void>, clock: Clock = systemClock): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-http-'));
  let http: FilesHttp | undefined;
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'firmware'), { recursive: true });
    writeFileSync(join(root, 'SEP001122334455.cnf.xml'), CONFIG);
    writeFileSync(join(root, 'firmware', 'fw.loads'), Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251)));
    writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET\n');
    symlinkSync('../secret.txt', join(root, 'escape.txt'));
    symlinkSync('SEP001122334455.cnf.xml', join(root, 'alias.xml'));
    const { log, lines, codes } = memoryLogger('info');
    const registry = new Registry();
    http = new FilesHttp({ config: filesConfig(o), configDir: dir, log, clock, registry, tree: new FileTree(root), dataDir: join(dir, 'data') });
    await http.start();
    await fn({ dir, root, http, port: http.ports[0]!, registry, lines, codes });
  } finally {
    await http?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer }

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes `text` on a raw connection and collects what comes back until the server closes it (or `waitMs`). */
function raw(port: number, text: string | Buffer, waitMs = 5000): Promise<{ data: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); resolve({ data, closed: false, ms: Date.now() - started }); }, waitMs);
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve({ data, closed: true, ms: Date.now() - started }); });
    socket.write(text);
  });
}

const refused = (f: Fixture) => {
  const out: Record<string, number> = {};
  for (const l of f.lines()) if (l.code === 'FILES_HTTP_REFUSED') out[String(l.reason)] = (out[String(l.reason)] ?? 0) + 1;
  return out;
};
const counted = (f: Fixture, reason: string) => f.http.counters.refused.get(reason) ?? 0;

test('GET and HEAD: the file with type, length, ETag, Last-Modified, Accept-Ranges; conditional GET; ranges; links inside the tree', async () => {
  await withHttp({}, async (f) => {
    const a = await get(f.port, '/SEP001122334455.cnf.xml');
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), CONFIG);
    assert.equal(a.headers['content-type'], 'text/xml');
    assert.equal(a.headers['content-length'], String(CONFIG.length));
    assert.equal(a.headers['accept-ranges'], 'bytes');
    assert.match(a.headers.etag!, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(a.headers['last-modified'], new Date(Math.floor(Date.now() / 1000) * 1000).toUTCString().slice(0, 5) + a.headers['last-modified']!.slice(5));
    const head = await get(f.port, '/SEP001122334455.cnf.xml', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges']) assert.equal(head.headers[h], a.headers[h], h);
    assert.equal((await get(f.port, '//SEP001122334455.cnf.xml')).status, 200, 'leading slashes dropped');
    assert.equal((await get(f.port, '/alias.xml')).body.toString(), CONFIG, 'a link inside the tree');

    const etag = a.headers.etag!;
    const lm = a.headers['last-modified']!;
    const nm = await get(f.port, '/SEP001122334455.cnf.xml', { 'If-None-Match': etag });
    assert.deepEqual([nm.status, nm.body.length, nm.headers.etag, nm.headers['last-modified']], [304, 0, etag, lm]);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-None-Match': `"other", W/${etag}` })).status, 304);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-Modified-Since': lm })).status, 304);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-Modified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' })).status, 200);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-None-Match': '"other"', 'If-Modified-Since': lm })).status, 200, 'If-None-Match first');
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-Match': '"other"' })).status, 412);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-Unmodified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' })).status, 412);
    writeFileSync(join(f.root, 'SEP001122334455.cnf.xml'), `${CONFIG}<!-- changed -->\n`);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml', { 'If-None-Match': etag })).status, 200, 'a changed file has a new ETag');

    const fw = readFileSync(join(f.root, 'firmware', 'fw.loads'));
    const r = await get(f.port, '/firmware/fw.loads', { Range: 'bytes=0-99' });
    assert.deepEqual([r.status, r.headers['content-range'], r.headers['content-length'], r.headers['content-type']], [206, 'bytes 0-99/1000', '100', 'application/octet-stream']);
    assert.deepEqual(r.body, fw.subarray(0, 100));
    const suffix = await get(f.port, '/firmware/fw.loads', { Range: 'bytes=-10' });
    assert.deepEqual([suffix.status, suffix.headers['content-range']], [206, 'bytes 990-999/1000']);
    assert.deepEqual(suffix.body, fw.subarray(990));
    const open = await get(f.port, '/firmware/fw.loads', { Range: 'bytes=995-' });
    assert.deepEqual(open.body, fw.subarray(995));
    const bad = await get(f.port, '/firmware/fw.loads', { Range: 'bytes=1000-' });
    assert.deepEqual([bad.status, bad.headers['content-range']], [416, 'bytes */1000']);
    assert.equal((await get(f.port, '/firmware/fw.loads', { Range: 'bytes=0-9', 'If-Range': '"stale"' })).body.length, 1000, 'If-Range not matching: the whole file');
    assert.equal((await get(f.port, '/firmware/fw.loads', { Range: 'bytes=0-999,0-999' })).status, 200, 'overlapping: the whole file');

    const multi = await get(f.port, '/firmware/fw.loads', { Range: 'bytes=0-9,500-509' });
    assert.equal(multi.status, 206);
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(multi.headers['content-type']!)![1]!;
    assert.equal(Number(multi.headers['content-length']), multi.body.length);
    const parts = multi.body.toString('latin1').split(`--${boundary}`);
    assert.equal(parts.length, 4);
    assert.equal(parts[3], '--\r\n');
    assert.match(parts[1]!, /^\r\nContent-Type: application\/octet-stream\r\nContent-Range: bytes 0-9\/1000\r\n\r\n/);
    assert.deepEqual(Buffer.from(parts[2]!.split('\r\n\r\n')[1]!.slice(0, -2), 'latin1'), fw.subarray(500, 510));
  });
});

test('traversal and bad paths: refused with 400 or 404 and their reason, nothing outside the root served', async () => {
  await withHttp({}, async (f) => {
    const cases: [string, number, string][] = [
      ['/../secret.txt', 400, 'dot-segment'], ['/%2e%2e/secret.txt', 400, 'dot-segment'], ['/firmware/../../secret.txt', 400, 'dot-segment'],
      ['/..%5csecret.txt', 400, 'dot-segment'], ['/firmware%2f..%2f..%2fsecret.txt', 400, 'encoded-slash'], ['/secret.txt%00.xml', 400, 'encoded-nul'],
      ['/%zz', 400, 'bad-encoding'], ['/%c0%ae%c0%ae/secret.txt', 400, 'not-utf8'], ['/firmware//fw.loads', 400, 'empty-segment'],
      ['/a%0d%0aSet-Cookie:%20x', 400, 'control-character'], [`/${'a'.repeat(300)}`, 414, 'too-long'],
      ['/escape.txt', 404, 'outside-root'], ['/firmware', 404, 'not-a-file'], ['/firmware/', 404, 'directory'], ['/', 404, 'empty'], ['/nothing.cfg', 404, 'not-found'],
      ['http://files.example.com/../secret.txt', 400, 'dot-segment'], ['*', 400, 'bad-target'],
    ];
    for (const [path, status, reason] of cases) {
      const before = counted(f, reason);
      const r = await get(f.port, path);
      assert.equal(r.status, status, path);
      assert.ok(!r.body.toString().includes('SECRET'), path);
      assert.equal(counted(f, reason), before + 1, `${path}: ${reason} counted`);
    }
    // Traversal attempts are logged (rate-limited); a file that is simply not there is not.
    const logged = refused(f);
    assert.deepEqual([logged['dot-segment'], logged['encoded-slash']], [4, 1]);
    assert.equal(Object.values(logged).reduce((a, b) => a + b), 10, 'rate-limited: 10 lines a minute, the rest counted');
    assert.equal(logged['not-found'], undefined);
    assert.equal(logged.empty, undefined);
  });
});

test('uploads: PUT and POST (raw and multipart) stored, read back, replaced with the previous version kept; refused where not allowed, too large, malformed', async () => {
  await withHttp({ uploads: { maxBytes: 1000 } }, async (f) => {
    const backup = Buffer.from('volume=5\nring=classic\n');
    const put = await get(f.port, '/backup/SEP001122334455.cfg', { 'Content-Type': 'text/plain' }, 'PUT', backup);
    assert.deepEqual([put.status, put.headers.location], [201, '/backup/SEP001122334455.cfg']);
    const back = await get(f.port, '/backup/SEP001122334455.cfg');
    assert.deepEqual([back.status, back.headers['content-type']], [200, 'text/plain']);
    assert.deepEqual(back.body, backup);
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg', { 'If-None-Match': back.headers.etag! })).status, 304);
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg', {}, 'PUT', 'volume=7\n')).status, 204, 'replaced');
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg')).body.toString(), 'volume=7\n');
    assert.equal(readFileSync(join(f.dir, 'data', 'uploads', 'backup', 'SEP001122334455.cfg.prev'), 'utf8'), backup.toString());
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg.prev')).status, 404, 'the previous version is not served');
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg', { 'If-None-Match': '*' }, 'PUT', 'x')).status, 412, 'If-None-Match: * only creates');
    assert.equal((await get(f.port, '/backup/SEP001122334455.cfg', { 'If-Match': '"old"' }, 'PUT', 'x')).status, 412);
    assert.equal((await get(f.port, '/backup/new.cfg', { 'If-None-Match': '*' }, 'PUT', 'n')).status, 201);

    assert.equal((await get(f.port, '/backup/raw-post.cfg', {}, 'POST', 'raw=1\n')).status, 201, 'a raw POST to a file');
    const boundary = '------------------------d74496d66958873e';
    const form = (name: string, data: string, extra = '') => Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="mac"\r\n\r\n0011\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${data}\r\n${extra}--${boundary}--\r\n`);
    const multipart = { 'Content-Type': `multipart/form-data; boundary=${boundary}` };
    const post = await get(f.port, '/backup/', multipart, 'POST', form('SEP0A0B0C0D0E0F.cfg', 'from=multipart\n'));
    assert.deepEqual([post.status, post.headers.location], [201, '/backup/SEP0A0B0C0D0E0F.cfg']);
    assert.equal((await get(f.port, '/backup/SEP0A0B0C0D0E0F.cfg')).body.toString(), 'from=multipart\n');
    assert.equal((await get(f.port, '/backup', multipart, 'POST', form('C:\\Phone\\win.cfg', 'w'))).status, 201, 'the last segment of a Windows path');
    assert.equal((await get(f.port, '/backup/win.cfg')).body.toString(), 'w');
    assert.equal((await get(f.port, '/backup/named.cfg', multipart, 'POST', form('ignored.cfg', 'named\n'))).status, 201, 'multipart to a file path');
    assert.equal((await get(f.port, '/backup/named.cfg')).body.toString(), 'named\n');

    const refusals: [string, string, Record<string, string>, Buffer | string, number, string][] = [
      ['POST', '/backup/', multipart, form('..', 'x'), 400, 'bad-file-name'],
      ['POST', '/backup/', multipart, form('x.cfg.prev', 'x'), 400, 'bad-file-name'],
      ['POST', '/backup/', multipart, form('a.cfg', 'x', `--${boundary}\r\nContent-Disposition: form-data; name="f2"; filename="b.cfg"\r\n\r\ny\r\n`), 400, 'multipart-several-files'],
      ['POST', '/backup/', multipart, form('a.cfg', 'x').subarray(0, 150), 400, 'multipart-truncated'],
      ['POST', '/backup/', multipart, `--${boundary}\r\nContent-Disposition: form-data; name="only"\r\n\r\nfield\r\n--${boundary}--\r\n`, 400, 'multipart-no-file'],
      ['POST', '/backup/', { 'Content-Type': 'multipart/form-data' }, 'x', 400, 'multipart-boundary'],
      ['POST', '/backup/', {}, 'raw to a directory', 400, 'no-file-name'],
      ['PUT', '/backup/', {}, 'x', 405, 'method'],
      ['PUT', '/firmware/fw.loads', {}, 'x', 405, 'method'],
      ['POST', '/SEP001122334455.cnf.xml', {}, 'x', 405, 'method'],
      ['DELETE', '/backup/SEP001122334455.cfg', {}, '', 405, 'method'],
      ['PUT', '/backup/big.cfg', {}, Buffer.alloc(1001), 413, 'too-large'],
      ['POST', '/backup/', multipart, form('big.cfg', 'x'.repeat(1001)), 413, 'too-large'],
    ];
    for (const [method, path, headers, body, status, reason] of refusals) {
      const before = counted(f, reason);
      const r = await get(f.port, path, headers, method, body);
      assert.equal(r.status, status, `${method} ${path} ${reason}`);
      assert.equal(counted(f, reason), before + 1, `${reason} counted`);
    }
    const allow = await get(f.port, '/firmware/fw.loads', {}, 'PUT', 'x');
    assert.equal(allow.headers.allow, 'GET, HEAD');
    assert.equal((await get(f.port, '/backup/', {}, 'PUT', 'x')).headers.allow, 'GET, HEAD, POST');
    assert.equal((await get(f.port, '/backup/x.cfg', {}, 'DELETE')).headers.allow, 'GET, HEAD, PUT, POST');
    assert.ok(!existsSync(join(f.dir, 'data', 'uploads', 'backup', 'big.cfg')));
    assert.ok(!existsSync(join(f.dir, 'data', 'uploads', 'backup', 'a.cfg')), 'nothing kept of a refused multipart upload');

    // A body longer than the limit without Content-Length (chunked): cut at the limit.
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: f.port, path: '/backup/chunked.cfg', method: 'PUT', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write(Buffer.alloc(300));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.ok(!existsSync(join(f.dir, 'data', 'uploads', 'backup', 'chunked.cfg')));

    // Expect: 100-continue with a Content-Length over the limit: 413 at once, the body never asked for.
    const expect = await raw(f.port, 'PUT /backup/e.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n', 3000);
    assert.match(expect.data, /^HTTP\/1\.1 413 /);
    assert.ok(!expect.data.includes('100 Continue'));
    const go = await new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest({ host: '127.0.0.1', port: f.port, path: '/backup/e.cfg', method: 'PUT', headers: { 'Content-Length': '3', Expect: '100-continue' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ continued, status: res.statusCode! }));
      });
      req.on('continue', () => { continued = true; req.end('e=1'); });
      req.on('error', reject);
    });
    assert.deepEqual(go, { continued: true, status: 201 }, 'a body within the limit is asked for');

    const ups = f.lines().filter((l) => l.code === 'FILES_HTTP_UPLOAD');
    assert.deepEqual(ups[0], { ...ups[0], path: 'backup/SEP001122334455.cfg', bytes: backup.length, client: '127.0.0.1', user: null, replaced: false });
    assert.deepEqual(Object.fromEntries(f.http.counters.uploads), { created: 7, replaced: 1, refused: 13 });
  });
});

test('Basic credentials: 401 with a challenge, wrong ones logged, right ones accepted; backups are read back with them too', async () => {
  const pwFile = (dir: string) => { writeFileSync(join(dir, 'pw'), 'from-a-file\n'); return 'pw'; };
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-http-pw-'));
  try {
    await withHttp({ uploads: { auth: 'basic', users: [{ name: 'phone', password: 'secret-pass' }, { name: 'desk', passwordFile: join(dir, pwFile(dir)) }] } }, async (f) => {
      const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
      const none = await get(f.port, '/backup/b.cfg', {}, 'PUT', 'x');
      assert.deepEqual([none.status, none.headers['www-authenticate']], [401, 'Basic realm="outpost", charset="UTF-8"']);
      assert.equal(none.headers.connection, 'close', 'the unread body: the connection is not reused');
      assert.equal((await get(f.port, '/backup/b.cfg', basic('phone', 'wrong-pass'), 'PUT', 'x')).status, 401);
      assert.equal((await get(f.port, '/backup/b.cfg', { Authorization: 'Basic !!!' }, 'PUT', 'x')).status, 401);
      assert.equal((await get(f.port, '/backup/b.cfg', basic('phone', 'secret-pass'), 'PUT', 'x')).status, 201);
      assert.equal((await get(f.port, '/backup/d.cfg', basic('desk', 'from-a-file'), 'PUT', 'y')).status, 201, 'a password from a file');
      assert.equal((await get(f.port, '/backup/b.cfg')).status, 401, 'reading a backup needs credentials too');
      assert.equal((await get(f.port, '/backup/b.cfg', basic('phone', 'secret-pass'))).body.toString(), 'x');
      assert.equal((await get(f.port, '/SEP001122334455.cnf.xml')).status, 200, 'the served tree needs none');
      assert.deepEqual(f.lines().filter((l) => l.code === 'FILES_HTTP_AUTH_FAILED').map((l) => l.reason), ['wrong-password', 'malformed']);
      assert.deepEqual(refused(f), {}, 'logged under their own code only');
      assert.deepEqual([counted(f, 'auth-required'), counted(f, 'auth-wrong-password'), counted(f, 'auth-malformed')], [2, 1, 1]);
      assert.equal(f.lines().find((l) => l.code === 'FILES_HTTP_UPLOAD')?.user, 'phone');
      await sleep(50); // access lines are written when the server side of the exchange closes
      const access = f.lines().find((l) => l.code === 'FILES_HTTP_ACCESS' && l.method === 'GET' && l.status === 200 && l.path === '/backup/b.cfg');
      assert.deepEqual([access?.user, access?.bytes, access?.client], ['phone', 1, '127.0.0.1']);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Digest credentials: SHA-256 and MD5 challenges, a full exchange, nc and replays, stale=true after the nonce expires', async () => {
  const clock = new FakeClock(Date.now());
  await withHttp({ uploads: { auth: 'digest', users: [{ name: 'phone', password: 'secret-pass' }], realm: 'voice' } }, async (f) => {
    const challenge = await get(f.port, '/backup/SEP01.cfg', {}, 'PUT', 'x');
    assert.equal(challenge.status, 401);
    const offered = challenge.headers['www-authenticate'] as unknown as string;
    // Node joins the two WWW-Authenticate lines with ", ".
    assert.match(offered, /^Digest realm="voice", qop="auth", algorithm=SHA-256, nonce="([^"]+)", charset=UTF-8, Digest realm="voice", qop="auth", algorithm=MD5, nonce="\1", charset=UTF-8$/);
    const nonce = /nonce="([^"]+)"/.exec(offered)![1]!;
    const answer = (algorithm: 'SHA-256' | 'MD5', nc: string, o: { password?: string; uri?: string; method?: string } = {}) => {
      const uri = o.uri ?? '/backup/SEP01.cfg';
      const response = digestResponse(algorithm, digestHa1(algorithm, 'phone', 'voice', o.password ?? 'secret-pass'), { nonce, nc, cnonce: 'c0ffee', method: o.method ?? 'PUT', uri });
      return { Authorization: `Digest username="phone", realm="voice", nonce="${nonce}", uri="${uri}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="c0ffee", response="${response}"` };
    };
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('SHA-256', '00000001'), 'PUT', 'one')).status, 201);
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('SHA-256', '00000001'), 'PUT', 'one')).status, 401, 'a replay');
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('MD5', '00000002'), 'PUT', 'two')).status, 204);
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('MD5', '00000003', { password: 'wrong-pass' }), 'PUT', 'x')).status, 401);
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('MD5', '00000004', { uri: '/backup/OTHER.cfg' }), 'PUT', 'x')).status, 401, 'digest-uri not the request');
    assert.equal((await get(f.port, '/backup/SEP01.cfg', answer('MD5', '00000005', { method: 'GET' }))).body.toString(), 'two');
    clock.advance(301_000);
    const stale = await get(f.port, '/backup/SEP01.cfg', answer('SHA-256', '00000006'), 'PUT', 'x');
    assert.equal(stale.status, 401);
    assert.match(stale.headers['www-authenticate'] as unknown as string, /stale=true/);
    assert.deepEqual(f.lines().filter((l) => l.code === 'FILES_HTTP_AUTH_FAILED').map((l) => l.reason), ['replay', 'wrong-password', 'uri']);
    assert.equal(counted(f, 'auth-stale'), 1);
    assert.equal(counted(f, 'auth-required'), 1);
  }, clock);
});

test('limits: slow headers and bodies get 408, oversized headers 431, garbage 400, connections past the limit dropped, idle keep-alive closed; other transfers go on', async () => {
  await withHttp({ requestTimeout: 1, idleTimeout: 1, maxConnections: 6 }, async (f) => {
    const slowHeaders = raw(f.port, 'GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: x\r\n', 6000);
    const slowBody = raw(f.port, 'PUT /backup/slow.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it', 6000);
    // While those two hang, other clients are served.
    for (let i = 0; i < 3; i++) assert.equal((await get(f.port, '/firmware/fw.loads')).status, 200);
    const [h, b] = await Promise.all([slowHeaders, slowBody]);
    for (const r of [h, b]) {
      assert.match(r.data, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(r.closed && r.ms >= 900 && r.ms < 4000, `cut after ${r.ms} ms`);
    }
    assert.equal(counted(f, 'request-timeout'), 2);
    assert.ok(!existsSync(join(f.dir, 'data', 'uploads', 'backup', 'slow.cfg')));

    const big = await raw(f.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
    assert.match(big.data, /^HTTP\/1\.1 431 /);
    const garbage = await raw(f.port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage.data, /^HTTP\/1\.1 400 /);
    const noHost = await raw(f.port, 'GET /SEP001122334455.cnf.xml HTTP/1.1\r\n\r\n');
    assert.match(noHost.data, /^HTTP\/1\.1 400 /, 'HTTP/1.1 without Host');
    assert.deepEqual([counted(f, 'header-too-large'), counted(f, 'malformed-request'), counted(f, 'missing-host')], [1, 1, 1]);

    // Six connections held open (the limit): a seventh is dropped, and served again once one closes.
    const held = await Promise.all(Array.from({ length: 6 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(f.port, '127.0.0.1', () => resolve(s));
      s.on('error', () => undefined);
    })));
    const dropped = await raw(f.port, 'GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
    assert.deepEqual([dropped.data, dropped.closed], ['', true]);
    assert.equal(counted(f, 'connection-limit'), 1);
    for (const s of held) s.destroy();
    await sleep(100);
    assert.equal((await get(f.port, '/SEP001122334455.cnf.xml')).status, 200);

    // A keep-alive connection left idle is closed after idleTimeout, not counted as a refusal.
    const idle = await raw(f.port, 'GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: x\r\n\r\n', 5000);
    assert.ok(idle.closed && idle.ms >= 900, `idle for ${idle.ms} ms`);
    assert.equal(counted(f, 'stalled'), 0);
  });
});

test('streaming: a client that stops reading a 48 MB file holds a bounded amount in memory and is cut after idleTimeout; a 48 MB download arrives whole', async () => {
  await withHttp({ idleTimeout: 1 }, async (f) => {
    const big = Buffer.alloc(48 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    writeFileSync(join(f.root, 'firmware', 'big.sbn'), big);
    const whole = await get(f.port, '/firmware/big.sbn');
    assert.equal(createHash('sha256').update(whole.body).digest('hex'), createHash('sha256').update(big).digest('hex'));

    globalThis.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const socket = connect(f.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /firmware/big.sbn HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause(); // never read: the kernel buffers fill and the server must wait
    await sleep(400);
    const during = process.memoryUsage().arrayBuffers - before;
    assert.equal(f.http.counters.transfers, 1);
    assert.ok(during < 16 << 20, `${(during / 1048576).toFixed(1)} MB held for a stalled 48 MB transfer`);
    console.log(`# stalled 48 MB transfer: ${(during / 1048576).toFixed(2)} MB of buffers held`);
    // The client never reads what is already on its way, so it sees no end: the server's side is what counts.
    for (let i = 0; i < 40 && f.http.counters.transfers > 0; i++) await sleep(100);
    socket.destroy();
    assert.equal(f.http.counters.transfers, 0, 'a stalled transfer is cut');
    assert.equal(counted(f, 'stalled'), 1);
    assert.equal(f.http.counters.aborted, 1);
    assert.equal((await get(f.port, '/firmware/fw.loads')).status, 200, 'the server goes on');
  });
});

test('a file that shrinks while it is sent ends in a closed connection, never in a short body taken as complete', async () => {
  await withHttp({}, async (f) => {
    const file = join(f.root, 'firmware', 'shrinking.sbn');
    writeFileSync(file, Buffer.alloc(16 << 20, 7));
    const socket = connect(f.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = 0;
    let head = '';
    socket.on('data', (d: Buffer) => {
      if (!head.includes('\r\n\r\n')) head += d.toString('latin1');
      received += d.length;
    });
    socket.write('GET /firmware/shrinking.sbn HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await sleep(200);
    writeFileSync(file, Buffer.alloc(100_000, 7)); // truncated in place while the transfer waits
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.resume();
    await Promise.race([closed, sleep(5000)]);
    assert.ok(socket.destroyed, 'the connection was closed');
    assert.match(head, /Content-Length: 16777216\r\n/);
    assert.ok(received < 16 << 20, `${received} bytes received of 16 MiB`);
    // The server counts the cut once the file is closed, which may come after the client saw the close.
    for (let i = 0; i < 100 && f.http.counters.aborted === 0; i++) await sleep(20);
    assert.equal(f.http.counters.aborted, 1);
    assert.equal(f.lines().find((l) => l.code === 'FILES_HTTP_SEND_FAILED')?.error, 'SHORT_READ');
    assert.equal((await get(f.port, '/firmware/shrinking.sbn')).body.length, 100_000, 'the server goes on');
  });
});

test('metrics and status: requests by method and status, bytes, refusals by reason, uploads, connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-http-svc-'));
  try {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'a.txt'), 'hello\n');
    const { log } = memoryLogger('info');
    const registry = new Registry();
    const service = new FilesService({ config: filesConfig({ accessLog: false }), configDir: dir, log, clock: systemClock, registry });
    await service.start();
    try {
      const status = service.status() as { http: { listen: { port: number }[] } };
      const port = status.http.listen[0]!.port;
      assert.ok(port > 0);
      await get(port, '/a.txt');
      await get(port, '/a.txt', { Range: 'bytes=0-1' });
      await get(port, '/../x');
      await get(port, '/backup/x.cfg', {}, 'PUT', 'abc');
      await sleep(50); // requests are counted when the server side of the exchange closes
      const text = await registry.metrics();
      assert.match(text, /outpost_files_http_requests_total\{method="GET",status="200"\} 1/);
      assert.match(text, /outpost_files_http_requests_total\{method="GET",status="206"\} 1/);
      assert.match(text, /outpost_files_http_requests_total\{method="PUT",status="201"\} 1/);
      assert.match(text, /outpost_files_http_bytes_sent_total 8/);
      assert.match(text, /outpost_files_http_refused_total\{reason="dot-segment"\} 1/);
      assert.match(text, /outpost_files_http_uploads_total\{result="created"\} 1/);
      assert.match(text, /outpost_files_http_upload_bytes_total 3/);
      assert.match(text, /outpost_files_http_connections \d/);
      assert.match(text, /outpost_files_http_transfers 0/);
      const http = (service.status() as { http: Record<string, unknown> }).http;
      assert.deepEqual([http.requests, http.bytesSent, http.tls, http.refused], [4, 8, false, { 'dot-segment': 1 }]);
    } finally {
      await service.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HTTPS with a configured certificate; start-up refused with a clear error for an unreadable certificate or password file, or an address in use', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-https-'));
  try {
    const start = async (o: HttpOverrides) => {
      const http = new FilesHttp({ config: filesConfig(o), configDir: dir, log: memoryLogger().log, clock: systemClock, registry: new Registry(), tree: new FileTree(dir), dataDir: join(dir, 'data') });
      await http.start();
      return http;
    };
    await assert.rejects(start({ tls: { certFile: 'none.pem', keyFile: 'none.key' } }), (e: Error & { code?: string }) => e.code === 'FILES_HTTP_TLS_UNREADABLE' && e.message.includes('none.pem') && e.message.includes('ENOENT'));
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    await assert.rejects(start({ tls: { certFile: 'junk.pem', keyFile: 'junk.pem' } }), (e: Error & { code?: string }) => e.code === 'FILES_HTTP_TLS_UNREADABLE');
    await assert.rejects(start({ uploads: { auth: 'basic', users: [{ name: 'p', passwordFile: 'missing-pw' }] } }), (e: Error & { code?: string }) => e.code === 'FILES_HTTP_CREDENTIALS_UNREADABLE' && e.message.includes('users[0].passwordFile'));
    const first = await start({});
    try {
      await assert.rejects(start({ listen: [{ address: '127.0.0.1', port: first.ports[0]! }] }), (e: Error & { code?: string }) => e.code === 'FILES_HTTP_LISTEN_FAILED' && e.message.includes('EADDRINUSE'));
    } finally {
      await first.stop();
    }

    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=files.example.com',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    writeFileSync(join(dir, 'a.txt'), 'over TLS\n');
    const https = await start({ tls: { certFile: 'cert.pem', keyFile: 'key.pem' } });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port: https.ports[0], path: '/a.txt', ca: readFileSync(join(dir, 'cert.pem')), agent: false }, (res) => {
          let s = '';
          res.on('data', (d) => { s += d; });
          res.on('end', () => resolve(s));
        }).on('error', reject).end();
      });
      assert.equal(body, 'over TLS\n');
      assert.equal(https.status().tls, true);
    } finally {
      await https.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Outpost's HTTP file service (the real `outpost site run`, in its own namespace at
// 192.0.2.80) against curl run from a phone's namespace (192.0.2.21):
//   - conditional GET: curl -z (If-Modified-Since) and If-None-Match → 304;
//   - ranges: -r 0-99 and a suffix → 206 with the right bytes; several → multipart;
//   - a backup PUT with curl -T and read back byte-identical, POSTed as multipart with
//     curl -F, with digest credentials (curl --digest -u); without them → 401;
//   - HTTPS with a self-signed certificate made by openssl here (curl --cacert), Basic
//     credentials over it;
//   - traversal (curl --path-as-is): /../, %2e%2e/, %2f, ..%5c and a symbolic link out of
//     the root are refused with 400 or 404, and nothing outside the root comes back.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type Lab, type LabProcess, type Netns } from './index.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const SERVER = '192.0.2.80';
const PHONE = '192.0.2.21';
const SECRET = 'NOT FOR PHONES: outside the served root\n';
const CONFIG = '<device><loadInformation>SIP88xx.12-0-1</loadInformation></device>\n';

interface Site { daemon: LabProcess; port: number }

async function startSite(server: Netns, dir: string, name: string, http: Record<string, unknown>): Promise<Site> {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({
    version: 1, site: { name: 'lab' }, server: { name }, status: { port: 0 },
    files: { root: 'root', dataDir: `data-${name}`, http: { listen: [{ address: SERVER, port: 0 }], ...http } },
  }));
  const daemon = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, `${name}.json`)]);
  const line = await daemon.waitForLine(/"code":"FILES_HTTP_LISTENING"/, 20_000);
  const port = (JSON.parse(line) as { listen: { port: number }[] }).listen[0]!.port;
  assert.ok(port > 0, line);
  return { daemon, port };
}

async function setUp(lab: Lab) {
  const server = await lab.namespace('files');
  const phone = await lab.namespace('phone');
  await lab.link(server, phone, { a: `${SERVER}/24`, b: `${PHONE}/24` });
  const dir = await lab.tempDir();
  const root = join(dir, 'root');
  mkdirSync(join(root, 'firmware'), { recursive: true });
  writeFileSync(join(root, 'SEP001122334455.cnf.xml'), CONFIG);
  const firmware = randomBytes(200_000);
  writeFileSync(join(root, 'firmware', 'SIP88xx.12-0-1.loads'), firmware);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync('../secret.txt', join(root, 'escape.txt'));
  writeFileSync(join(dir, 'phone-password'), 'lab-phone-pass\n');
  const curl = async (args: string[], o: { ok?: boolean } = {}) => {
    const r = await phone.run('curl', ['--silent', '--show-error', '--max-time', '10', ...args], { timeoutMs: 15_000 });
    if (o.ok ?? true) assert.equal(r.code, 0, `curl ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  /** The status code curl saw (its last response) and the body written to `out`. */
  const status = async (args: string[], out = '/dev/null') => Number((await curl(['--output', out, '--write-out', '%{http_code}', ...args])).stdout);
  return { server, phone, dir, root, firmware, curl, status };
}

test('curl: conditional GET, ranges, a backup PUT and POSTed with digest credentials and read back, HTTPS with basic credentials, traversal refused', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['curl', 'openssl']), []);
  await withLab({ tag: 'files-http' }, async (lab) => {
    const { server, dir, root, firmware, curl, status } = await setUp(lab);
    const plain = startSite(server, dir, 'http-1', {
      uploads: { paths: ['backup/'], maxBytes: 65536, auth: 'digest', realm: 'voice', users: [{ name: 'SEP001122334455', passwordFile: 'phone-password' }] },
    });
    const openssl = await server.run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=files.example.com', '-addext', `subjectAltName=IP:${SERVER}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { timeoutMs: 15_000 });
    assert.equal(openssl.code, 0, openssl.stderr);
    const tls = startSite(server, dir, 'https-1', {
      tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
      uploads: { paths: ['backup/'], auth: 'basic', users: [{ name: 'SEP001122334455', password: 'lab-phone-pass' }] },
    });
    const [h, s] = await Promise.all([plain, tls]);
    const base = `http://${SERVER}:${h.port}`;
    const out = join(dir, 'out');

    // Conditional GET: -z sends If-Modified-Since with the date of a local file; If-None-Match with the ETag.
    const first = await curl(['--dump-header', '-', '--output', out, `${base}/SEP001122334455.cnf.xml`]);
    assert.match(first.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(first.stdout, /\r\nContent-Type: text\/xml\r\n/);
    assert.equal(readFileSync(out, 'utf8'), CONFIG);
    const etag = /\r\nETag: ("[^"]+")\r\n/.exec(first.stdout)![1]!;
    assert.equal(await status(['-z', join(root, 'SEP001122334455.cnf.xml'), `${base}/SEP001122334455.cnf.xml`]), 304, 'curl -z with the file itself');
    assert.equal(await status(['-z', 'Thu, 01 Jan 2015 00:00:00 GMT', `${base}/SEP001122334455.cnf.xml`]), 200, 'modified since 2015');
    assert.equal(await status(['-H', `If-None-Match: ${etag}`, `${base}/SEP001122334455.cnf.xml`]), 304);
    assert.equal(await status(['-H', 'If-None-Match: "something-else"', `${base}/SEP001122334455.cnf.xml`]), 200);

    // Ranges.
    assert.equal(await status(['-r', '0-99', `${base}/firmware/SIP88xx.12-0-1.loads`], out), 206);
    assert.deepEqual(readFileSync(out), firmware.subarray(0, 100));
    assert.equal(await status(['-r', '-1000', `${base}/firmware/SIP88xx.12-0-1.loads`], out), 206);
    assert.deepEqual(readFileSync(out), firmware.subarray(firmware.length - 1000));
    const multi = await curl(['--dump-header', '-', '--output', out, '-r', '0-9,100-109', `${base}/firmware/SIP88xx.12-0-1.loads`]);
    assert.match(multi.stdout, /^HTTP\/1\.1 206 /);
    assert.match(multi.stdout, /\r\nContent-Type: multipart\/byteranges; boundary=/);
    assert.equal(await status(['-r', '300000-', `${base}/firmware/SIP88xx.12-0-1.loads`]), 416);
    assert.equal(await status([`${base}/firmware/SIP88xx.12-0-1.loads`], out), 200);
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), createHash('sha256').update(firmware).digest('hex'));

    // A backup: digest credentials asked; PUT with curl -T, read back byte-identical; replaced by a multipart POST with curl -F.
    const backup = join(dir, 'SEP001122334455.cfg');
    writeFileSync(backup, Buffer.concat([Buffer.from('volume=5\nring=classic\n'), randomBytes(2000)]));
    const target = `${base}/backup/SEP001122334455.cfg`;
    assert.equal(await status(['-T', backup, target]), 401, 'no credentials');
    const challenge = await curl(['--dump-header', '-', '--output', '/dev/null', '-T', backup, target]);
    assert.match(challenge.stdout, /\r\nWWW-Authenticate: Digest realm="voice", qop="auth", algorithm=SHA-256, nonce="[^"]+", charset=UTF-8\r\n/);
    assert.match(challenge.stdout, /\r\nWWW-Authenticate: Digest realm="voice", qop="auth", algorithm=MD5, /);
    assert.equal(await status(['--digest', '-u', 'SEP001122334455:wrong-password', '-T', backup, target]), 401);
    assert.equal(await status(['--digest', '-u', 'SEP001122334455:lab-phone-pass', '-T', backup, target]), 201);
    assert.equal(await status(['--digest', '-u', 'SEP001122334455:lab-phone-pass', target], out), 200);
    assert.deepEqual(readFileSync(out), readFileSync(backup), 'read back byte-identical');
    assert.equal(await status([target]), 401, 'a backup is read back with credentials only');
    writeFileSync(join(dir, 'SEP001122334455-new.cfg'), 'volume=9\n');
    assert.equal(await status(['--digest', '-u', 'SEP001122334455:lab-phone-pass', '-F', 'mac=001122334455', '-F', `file=@${join(dir, 'SEP001122334455-new.cfg')};filename=SEP001122334455.cfg`, `${base}/backup/`]), 204, 'POST multipart replaced it');
    assert.equal(await status(['--digest', '-u', 'SEP001122334455:lab-phone-pass', target], out), 200);
    assert.equal(readFileSync(out, 'utf8'), 'volume=9\n');
    assert.deepEqual(readFileSync(join(dir, 'data-http-1', 'uploads', 'backup', 'SEP001122334455.cfg.prev')), readFileSync(backup), 'the previous version kept');
    await h.daemon.waitForLine(/"code":"FILES_HTTP_UPLOAD".*"path":"backup\/SEP001122334455.cfg".*"client":"192\.0\.2\.21","user":"SEP001122334455","replaced":true/, 5_000);

    // Traversal: every spelling refused, nothing from outside the root.
    const traversal: [string, number][] = [
      ['/../secret.txt', 400], ['/firmware/../../secret.txt', 400], ['/%2e%2e/secret.txt', 400], ['/%2E%2E/%2E%2E/secret.txt', 400],
      ['/firmware%2f..%2f..%2fsecret.txt', 400], ['/..%5csecret.txt', 400], ['/..%5c..%5csecret.txt', 400], ['/escape.txt', 404],
      ['/backup/..%2f..%2fsecret.txt', 400], ['/firmware/', 404],
    ];
    for (const [path, want] of traversal) {
      const got = await status(['--path-as-is', `${base}${path}`], out);
      assert.equal(got, want, path);
      assert.ok(!readFileSync(out, 'utf8').includes('NOT FOR PHONES'), path);
    }
    await h.daemon.waitForLine(/"code":"FILES_HTTP_REFUSED".*"reason":"dot-segment"/, 5_000);

    // HTTPS: the certificate made above, Basic credentials over it.
    const secure = `https://${SERVER}:${s.port}`;
    const cacert = ['--cacert', join(dir, 'cert.pem')];
    assert.equal(await status([...cacert, `${secure}/SEP001122334455.cnf.xml`], out), 200);
    assert.equal(readFileSync(out, 'utf8'), CONFIG);
    const untrusted = await curl([`${secure}/SEP001122334455.cnf.xml`], { ok: false });
    assert.equal(untrusted.code, 60, 'without --cacert curl refuses the self-signed certificate');
    assert.equal(await status([...cacert, '-u', 'SEP001122334455:lab-phone-pass', '-T', backup, `${secure}/backup/SEP001122334455.cfg`]), 201);
    assert.equal(await status([...cacert, '-u', 'SEP001122334455:lab-phone-pass', `${secure}/backup/SEP001122334455.cfg`], out), 200);
    assert.deepEqual(readFileSync(out), readFileSync(backup));
    assert.equal(await status([...cacert, '-r', '0-99', `${secure}/firmware/SIP88xx.12-0-1.loads`], out), 206);
    assert.deepEqual(readFileSync(out), firmware.subarray(0, 100));

    await Promise.all([h.daemon.stop(), s.daemon.stop()]);
  });
});

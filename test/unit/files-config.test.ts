// The `files` section of the site config: defaults, every semantic error of
// files-validate.ts with its path and reason, and the request paths the tree accepts
// (src/protocol/files/tree-path.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { treePath } from '../../src/protocol/files/tree-path.js';

type Editable = any;
const SHA = 'a'.repeat(64);
const SHA2 = 'b'.repeat(64);

function baseConfig(): Editable {
  return {
    version: 1, site: { name: 'branch' }, server: { name: 'branch-1' },
    files: {
      root: 'files', dataDir: 'files-data',
      http: { listen: [{ address: '192.0.2.1' }], uploads: { paths: ['backup/'], auth: 'digest', users: [{ name: 'phone', password: 'a long password' }] } },
      tftp: { listen: [{ address: '192.0.2.1' }], writable: ['incoming/'] },
      sync: { manifest: { version: '1', files: [{ path: 'firmware/a.loads', size: 3, sha256: SHA }, { path: 'SEP001122334455.cnf.xml', size: 1, sha256: SHA2 }] }, sources: [{ url: 'http://198.51.100.1/files/' }] },
    },
  };
}

function problems(config: unknown): string[] {
  const r = parseSiteConfig(JSON.stringify(config));
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.reason}`);
}

test('a valid files section loads with the defaults filled in', () => {
  const r = parseSiteConfig(JSON.stringify(baseConfig()));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  const f = r.loaded.config.files!;
  assert.deepEqual([f.enabled, f.http!.listen[0]!.port, f.http!.idleTimeout, f.http!.accessLog, f.http!.uploads!.maxBytes, f.http!.uploads!.realm], [true, 80, 30, true, 1 << 20, 'outpost']);
  assert.deepEqual([f.tftp!.listen[0]!.port, f.tftp!.timeout, f.tftp!.retries, f.tftp!.maxBlksize, f.tftp!.maxWindowsize], [69, 1, 5, 1468, 64]);
  assert.equal(f.sync!.retryInterval, 60);
});

test('each semantic error of the files section names its path and reason', () => {
  const cases: [string, (c: Editable) => void, string][] = [
    ['digest without users', (c) => { c.files.http.uploads.users = []; }, '$.files.http.uploads.users: auth digest needs at least one user'],
    ['user with both secrets', (c) => { c.files.http.uploads.users[0].passwordFile = 'p'; }, '$.files.http.uploads.users[0]: give exactly one of password and passwordFile'],
    ['duplicate user', (c) => c.files.http.uploads.users.push({ name: 'phone', password: 'another password' }), '$.files.http.uploads.users[1].name: user phone is also files.http.uploads.users[0]'],
    ['upload path not a directory', (c) => { c.files.http.uploads.paths = ['backup']; }, '$.files.http.uploads.paths[0]: backup is not a directory: end it with "/"'],
    ['tftp writable not a directory', (c) => { c.files.tftp.writable = ['in']; }, '$.files.tftp.writable[0]: in is not a directory: end it with "/"'],
    ['same listen twice', (c) => c.files.tftp.listen.push({ address: '192.0.2.1', port: 69 }), '$.files.tftp.listen[1]: 192.0.2.1 port 69 is also $.files.tftp.listen[0]'],
    ['one content, two sizes', (c) => c.files.sync.manifest.files.push({ path: 'firmware/b.loads', size: 4, sha256: SHA }), '$.files.sync.manifest.files[2].size: 4 bytes, but files.sync.manifest.files[0] has the same sha256 with 3'],
    ['duplicate manifest path', (c) => c.files.sync.manifest.files.push({ path: 'firmware/a.loads', size: 3, sha256: SHA }), '$.files.sync.manifest.files[2].path: firmware/a.loads is also files.sync.manifest.files[0]'],
    ['a file that is also a directory', (c) => c.files.sync.manifest.files.push({ path: 'firmware', size: 3, sha256: SHA }), '$.files.sync.manifest.files[2].path: firmware is a file and also the directory of files.sync.manifest.files[0]'],
  ];
  for (const [what, edit, expected] of cases) {
    const c = baseConfig();
    edit(c);
    assert.deepEqual(problems(c), [expected], what);
  }
  const c = baseConfig();
  c.files.sync.manifest.files[0].path = '../etc/passwd';
  assert.ok(problems(c).some((p) => p.startsWith('$.files.sync.manifest.files[0].path')), 'a manifest path with ".." is refused by the schema');
});

test('request paths: leading slashes and backslashes tolerated, dot segments, empty segments and control characters refused', () => {
  const ok = (p: string, path: string, directory = false) => assert.deepEqual(treePath(p), { ok: true, path, directory }, p);
  const no = (p: string, reason: string) => assert.deepEqual(treePath(p), { ok: false, reason }, p);
  ok('SEP001122334455.cnf.xml', 'SEP001122334455.cnf.xml');
  ok('/firmware/a.loads', 'firmware/a.loads');
  ok('//firmware\\a.loads', 'firmware/a.loads');
  ok('backup/', 'backup', true);
  no('', 'empty');
  no('/', 'empty');
  no('../etc/passwd', 'dot-segment');
  no('firmware/../../etc/passwd', 'dot-segment');
  no('a\\..\\..\\b', 'dot-segment');
  no('./a', 'dot-segment');
  no('a//b', 'empty-segment');
  no('a\u0000b', 'control-character');
  no('a\nb', 'control-character');
  no(`${'x'.repeat(256)}`, 'too-long');
  no('a\uFFFDb', 'not-utf8');
});

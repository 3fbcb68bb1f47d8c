// Request targets percent-decoded before the tree path check, and what the two together
// make of traversal attempts (src/protocol/files/http-target.ts, tree-path.ts); content
// types by extension (http-content-type.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeOf } from '../../src/protocol/files/http-content-type.js';
import { decodeTarget } from '../../src/protocol/files/http-target.js';
import { treePath } from '../../src/protocol/files/tree-path.js';

test('targets: origin-form and absolute-form, the query dropped, %XX decoded, UTF-8 read', () => {
  assert.deepEqual(decodeTarget('/SEP001122334455.cnf.xml'), { ok: true, path: '/SEP001122334455.cnf.xml' });
  assert.deepEqual(decodeTarget('/a.cfg?mac=0011&x=%zz'), { ok: true, path: '/a.cfg' });
  assert.deepEqual(decodeTarget('/a.cfg#frag'), { ok: true, path: '/a.cfg' });
  assert.deepEqual(decodeTarget('http://files.example.com:8080/fw/x.bin'), { ok: true, path: '/fw/x.bin' });
  assert.deepEqual(decodeTarget('HTTPS://files.example.com'), { ok: true, path: '/' });
  assert.deepEqual(decodeTarget('http://files.example.com?x=1'), { ok: true, path: '/' });
  assert.deepEqual(decodeTarget('/ring%20tones/a%2Ewav'), { ok: true, path: '/ring tones/a.wav' });
  assert.deepEqual(decodeTarget('/caf%C3%A9.xml'), { ok: true, path: '/café.xml' });
  assert.deepEqual(decodeTarget(Buffer.from('/café.xml').toString('latin1')), { ok: true, path: '/café.xml' }, 'raw UTF-8 bytes as Node hands them over');
});

test('targets: refused with their reason', () => {
  const cases: [string, string][] = [
    ['*', 'bad-target'], ['files.example.com:80', 'bad-target'], ['a.cfg', 'bad-target'], ['', 'bad-target'],
    ['/a%', 'bad-encoding'], ['/a%2', 'bad-encoding'], ['/a%zz', 'bad-encoding'], ['/a%%30', 'bad-encoding'],
    ['/a%2fb', 'encoded-slash'], ['/a%2Fb', 'encoded-slash'], ['/..%2f..%2fetc%2fpasswd', 'encoded-slash'],
    ['/a%00', 'encoded-nul'], ['/%c3%28', 'not-utf8'], ['/%ff', 'not-utf8'], ['/%c0%ae%c0%ae/x', 'not-utf8'],
  ];
  for (const [target, reason] of cases) assert.deepEqual(decodeTarget(target), { ok: false, reason }, target);
});

test('traversal: every spelling of ".." ends refused by the tree path check', () => {
  for (const target of ['/../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E/x', '/.%2e/x', '/a/../../x', '/..%5cx', '/..%5c..%5cetc%5cpasswd', '/a/%2e%2e', '/./a', '/a/.']) {
    const d = decodeTarget(target);
    assert.ok(d.ok, target);
    assert.deepEqual(treePath(d.path), { ok: false, reason: 'dot-segment' }, target);
  }
  const ctl = decodeTarget('/a%0ab');
  assert.ok(ctl.ok);
  assert.deepEqual(treePath(ctl.path), { ok: false, reason: 'control-character' });
});

test('content types: the phone files, nginx values, octet-stream for anything else', () => {
  const cases: [string, string][] = [
    ['SEP001122334455.cnf.xml', 'text/xml'], ['SEPDefault.cnf', 'text/plain'], ['y000000000044.cfg', 'text/plain'], ['README.TXT', 'text/plain'],
    ['firmware/SIP88xx.12-0-1.loads', 'application/octet-stream'], ['firmware/x.sbn', 'application/octet-stream'], ['fw.bin', 'application/octet-stream'],
    ['a.zip', 'application/zip'], ['a.tar', 'application/x-tar'], ['a.tar.gz', 'application/gzip'], ['ca.pem', 'application/x-x509-ca-cert'],
    ['ca.crt', 'application/x-x509-ca-cert'], ['ca.der', 'application/x-x509-ca-cert'], ['dir.json', 'application/json'], ['ring.wav', 'audio/wav'],
    ['bg.png', 'image/png'], ['bg.jpg', 'image/jpeg'], ['bg.JPEG', 'image/jpeg'], ['index.html', 'text/html'],
    ['noext', 'application/octet-stream'], ['.hidden', 'application/octet-stream'], ['dir.xml/file', 'application/octet-stream'],
    ['x.toString', 'application/octet-stream'], ['x.constructor', 'application/octet-stream'], ['x.__proto__', 'application/octet-stream'], ['x.', 'application/octet-stream'],
  ];
  for (const [path, type] of cases) assert.equal(contentTypeOf(path), type, path);
});

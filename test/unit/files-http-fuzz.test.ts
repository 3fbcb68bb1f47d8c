// Fuzz runs of the HTTP header parsers of the file service with a seeded PRNG (repeatable
// from the seed): mutated real headers and random strings must give one of the defined
// outcomes, never an exception (the multipart reader: a MultipartError at most), and
// what they give must hold — ranges inside the file and adding up to no more than it, a
// decoded path without an encoded "/" or NUL (a tree path without dot segments or controls), a verified user only from a real answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicAuth } from '../../src/protocol/files/http-basic-auth.js';
import { evaluateConditions, ifRangeHolds } from '../../src/protocol/files/http-conditional.js';
import { parseCredentials } from '../../src/protocol/files/http-credentials.js';
import { parseHttpDate } from '../../src/protocol/files/http-date.js';
import { DigestAuth } from '../../src/protocol/files/http-digest-auth.js';
import { parseEtagList } from '../../src/protocol/files/http-etag.js';
import { MultipartError, MultipartReader, multipartBoundary } from '../../src/protocol/files/http-multipart.js';
import { planRanges } from '../../src/protocol/files/http-range.js';
import { planRead } from '../../src/protocol/files/http-read-plan.js';
import { decodeTarget } from '../../src/protocol/files/http-target.js';
import { treePath } from '../../src/protocol/files/tree-path.js';
import { seededRandom } from '../support/random.js';

const ROUNDS = 20_000;
const NOW = Date.UTC(2026, 11, 1) / 1000;
const INTERESTING = ['', ' ', '\t', ',', '-', '=', '"', '\\', '/', '%', '%2f', '%00', '%c0', '..', '*', 'W/', '\u0000', '\r\n', '\u00ff', '\uffff', '9'.repeat(20), '0', ';', ':', 'é'];

function mutator(seed: number) {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  return (corpus: readonly string[]): string => {
    let s = pick(corpus);
    for (let e = 1 + int(4); e > 0; e--) {
      const at = int(s.length + 1);
      switch (int(5)) {
        case 0: s = s.slice(0, at) + pick(INTERESTING) + s.slice(at); break;
        case 1: s = s.slice(0, at) + s.slice(at + 1 + int(4)); break;
        case 2: s = s.slice(0, at) + String.fromCharCode(int(256)) + s.slice(at + 1); break;
        case 3: s = s.slice(0, at) + s.slice(int(s.length)); break;
        default: s = s.slice(0, at) + pick(corpus).slice(int(8)) + s.slice(at);
      }
    }
    return s;
  };
}

test('fuzz: Range plans stay inside the file', () => {
  const next = mutator(1);
  const corpus = ['bytes=0-99', 'bytes=-10', 'bytes=990-', 'bytes=0-9,20-29,-5', 'bytes= 1 - 2 ,, 3-', 'items=0-1'];
  for (let i = 0; i < ROUNDS; i++) {
    const header = next(corpus);
    const size = i % 7 === 0 ? 0 : (i * 7919) % 5000;
    const plan = planRanges(header, size);
    if (plan.kind !== 'partial') continue;
    let total = 0;
    for (const r of plan.ranges) {
      assert.ok(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && r.start >= 0 && r.start <= r.end && r.end < size, `${header} on ${size}: ${JSON.stringify(r)}`);
      total += r.end - r.start + 1;
    }
    assert.ok(total <= size && plan.ranges.length <= 16, header);
  }
});

test('fuzz: dates, entity tags, conditions and the read plan never throw', () => {
  const next = mutator(2);
  const dates = ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994'];
  const tags = ['"a", W/"b"', '*', '"x-1-2"', 'W/"1"'];
  const current = { etag: '"x-1-2"', mtimeMs: Date.UTC(1994, 10, 6, 8, 49, 37) };
  const outcomes = new Set(['proceed', 'not-modified', 'precondition-failed']);
  for (let i = 0; i < ROUNDS; i++) {
    const d = parseHttpDate(next(dates), NOW);
    assert.ok(d === undefined || Number.isInteger(d));
    const list = parseEtagList(next(tags));
    assert.ok(list === undefined || list === '*' || list.every((t) => t.tag.startsWith('"') && t.tag.endsWith('"')));
    const c = { ifMatch: next(tags), ifNoneMatch: next(tags), ifModifiedSince: next(dates), ifUnmodifiedSince: next(dates) };
    assert.ok(outcomes.has(evaluateConditions(i % 2 ? 'GET' : 'PUT', c, i % 3 ? current : undefined, NOW)));
    assert.equal(typeof ifRangeHolds(next([...tags, ...dates]), current, NOW), 'boolean');
    const plan = planRead('GET', { 'if-none-match': next(tags), range: next(['bytes=0-1,5-', 'bytes=-3']), 'if-range': next([...tags, ...dates]) }, { path: 'a.bin', size: 10, mtimeMs: 0, ino: 1 }, { nowSeconds: NOW, boundary: () => 'b' });
    assert.ok([200, 206, 304, 412, 416].includes(plan.status));
  }
});

test('fuzz: request targets decode to a path without encoded separators, or are refused', () => {
  const next = mutator(3);
  const corpus = ['/SEP0011.cnf.xml', '/a%20b/c%2Ed', 'http://h/x?y=%zz', '/%2e%2e/x', '/..%5c..%5cx', '/caf%C3%A9', '/a%2fb'];
  const reasons = new Set(['bad-target', 'bad-encoding', 'encoded-slash', 'encoded-nul', 'not-utf8']);
  for (let i = 0; i < ROUNDS; i++) {
    const target = next(corpus);
    const d = decodeTarget(target);
    if (!d.ok) {
      assert.ok(reasons.has(d.reason));
      continue;
    }
    assert.ok(d.path.startsWith('/'), target);
    assert.ok(!d.path.includes('\u0000') || target.includes('\u0000'), `a NUL only as sent: ${target}`);
    // The decoded path has no more "/" than the target had outside its query.
    const raw = target.replace(/^https?:\/\/[^/?#]*/i, '').split(/[?#]/)[0]! || '/';
    assert.equal(d.path.split('/').length, raw.split('/').length, target);
    const checked = treePath(d.path);
    if (checked.ok) assert.ok(!checked.path.split('/').some((s) => s === '..' || s === '.' || s === '') && !/[\u0000-\u001f]/.test(checked.path), target);
  }
});

test('fuzz: Authorization headers: Basic and Digest refuse everything but a right answer, and never throw', () => {
  const next = mutator(4);
  const now = Date.UTC(2026, 11, 1);
  const digest = new DigestAuth({ realm: 'outpost', users: [{ name: 'phone', password: 'secret-pass' }], secret: Buffer.alloc(32, 1), now: () => now });
  const basic = new BasicAuth('outpost', [{ name: 'phone', password: 'secret-pass' }]);
  const nonce = digest.nonce(now);
  const corpus = [
    `Digest username="phone", realm="outpost", nonce="${nonce}", uri="/b/x", cnonce="abc", nc=00000001, qop=auth, response="${'0'.repeat(64)}", algorithm=SHA-256`,
    `Digest username*=UTF-8''ph%C3%B6ne, realm="outpost", nonce="${nonce}", uri="/b/x", response="x", qop=auth, nc=00000002, cnonce="q"`,
    'Basic cGhvbmU6c2VjcmV0LXBhc3M=', 'Basic cGhvbmU6d3Jvbmc=', 'Digest a="b\\"c"',
  ];
  for (let i = 0; i < ROUNDS; i++) {
    const header = next(corpus);
    parseCredentials(header);
    assert.equal(digest.verify('PUT', '/b/x', header).ok, false, header);
    const b = basic.verify('PUT', '/b/x', header);
    if (b.ok) assert.ok(/^basic\s+cGhvbmU6c2VjcmV0LXBhc3M=*\s*$/i.test(header), header);
  }
});

test('fuzz: multipart bodies and boundaries: events or a MultipartError, nothing else', () => {
  const next = mutator(5);
  const body = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.cfg"\r\nContent-Type: text/plain\r\n\r\nvolume=5\r\n--xyz\r\n\r\n\r\n--xyz--\r\n';
  let ended = 0;
  for (let i = 0; i < ROUNDS; i++) {
    multipartBoundary(next(['multipart/form-data; boundary=xyz', 'multipart/form-data; boundary="a b"']));
    const input = Buffer.from(next([body]), 'latin1');
    const reader = new MultipartReader('xyz', { maxHeaderBytes: 128, maxParts: 4, maxPreamble: 64 });
    try {
      const step = 1 + (i % 17);
      for (let at = 0; at < input.length; at += step) reader.write(input.subarray(at, at + step));
      reader.finish();
      ended++;
    } catch (error) {
      assert.ok(error instanceof MultipartError, String(error));
    }
  }
  assert.ok(ended > 0, 'some mutations still parse');
});

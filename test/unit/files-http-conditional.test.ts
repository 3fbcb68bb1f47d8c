// Conditional GET and HEAD (RFC 9110 §13) and the read plan: HTTP-dates, entity tags and
// their comparisons, the precedence of §13.2.2, If-Range, and the status, headers and
// body of each answer (src/protocol/files/http-{date,etag,conditional,read-plan}.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateConditions, ifRangeHolds } from '../../src/protocol/files/http-conditional.js';
import { formatHttpDate, parseHttpDate } from '../../src/protocol/files/http-date.js';
import { fileEtag, parseEtagList } from '../../src/protocol/files/http-etag.js';
import { planRead } from '../../src/protocol/files/http-read-plan.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0) / 1000;
const MTIME_MS = Date.UTC(2026, 10, 30, 8, 30, 15) + 678.25;
const LAST_MODIFIED = 'Mon, 30 Nov 2026 08:30:15 GMT';
const FILE = { path: 'firmware/SIP88xx.loads', size: 1000, mtimeMs: MTIME_MS, ino: 0x1234 };
const ETAG = fileEtag(FILE);
const current = { etag: ETAG, mtimeMs: MTIME_MS };

test('HTTP-date: IMF-fixdate written; IMF-fixdate, RFC 850 and asctime read; anything else refused', () => {
  assert.equal(formatHttpDate(MTIME_MS), LAST_MODIFIED);
  const t = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', NOW), t);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW), t);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW), t);
  assert.equal(parseHttpDate('Tuesday, 01-Dec-26 00:00:00 GMT', NOW), Date.UTC(2026, 11, 1) / 1000, 'two-digit years near now');
  assert.equal(parseHttpDate('Monday, 01-Dec-80 00:00:00 GMT', NOW), Date.UTC(1980, 11, 1) / 1000, 'a year more than 50 ahead is in the past century');
  assert.equal(parseHttpDate(' Sun, 06 Nov 1994 08:49:37 GMT ', NOW), t, 'surrounding whitespace');
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:60 GMT', NOW), t + 22, 'a leap second reads as :59');
  for (const bad of [
    '', 'garbage', 'yesterday', '1994-11-06T08:49:37Z', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', 'Sun, 00 Nov 1994 08:49:37 GMT', 'Xyz, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Foo 1994 08:49:37 GMT',
    'sun, 06 nov 1994 08:49:37 gmt', 'Sun, 06 Nov 1994 08:49:37 GMT; length=12', `Sun, 06 Nov 1994 08:49:37 GMT${' '.repeat(100)}`,
  ]) {
    assert.equal(parseHttpDate(bad, NOW), undefined, bad);
  }
});

test('entity tags: strong file tags change with inode, size and mtime; lists parse, malformed ones do not', () => {
  assert.match(ETAG, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  assert.notEqual(fileEtag({ ...FILE, ino: 0x1235 }), ETAG);
  assert.notEqual(fileEtag({ ...FILE, size: 1001 }), ETAG);
  assert.notEqual(fileEtag({ ...FILE, mtimeMs: MTIME_MS + 0.001 }), ETAG, 'a microsecond apart');
  assert.equal(parseEtagList('*'), '*');
  assert.deepEqual(parseEtagList('"a", W/"b" ,,"c"'), [{ weak: false, tag: '"a"' }, { weak: true, tag: '"b"' }, { weak: false, tag: '"c"' }]);
  assert.deepEqual(parseEtagList('""'), [{ weak: false, tag: '""' }]);
  for (const bad of ['a', '"a', '"a" "b"', 'w/"a"', 'W/a', '"a"x', '"a b"', '"a\u0001"', ',', '', '*, "a"', Array.from({ length: 65 }, () => '"x"').join(',')]) {
    assert.equal(parseEtagList(bad), undefined, bad);
  }
});

test('conditions: If-None-Match (weak) → 304 for GET and HEAD, 412 otherwise; it takes precedence over If-Modified-Since', () => {
  const run = (method: string, c: Parameters<typeof evaluateConditions>[1], cur: typeof current | null = current) => evaluateConditions(method, c, cur ?? undefined, NOW);
  assert.equal(run('GET', {}), 'proceed');
  assert.equal(run('GET', { ifNoneMatch: ETAG }), 'not-modified');
  assert.equal(run('HEAD', { ifNoneMatch: `W/${ETAG}` }), 'not-modified', 'weak comparison');
  assert.equal(run('GET', { ifNoneMatch: `"x", ${ETAG}` }), 'not-modified');
  assert.equal(run('GET', { ifNoneMatch: '*' }), 'not-modified');
  assert.equal(run('GET', { ifNoneMatch: '"x"' }), 'proceed');
  assert.equal(run('PUT', { ifNoneMatch: ETAG }), 'precondition-failed');
  assert.equal(run('PUT', { ifNoneMatch: '*' }), 'precondition-failed', 'only if none exists yet');
  assert.equal(run('PUT', { ifNoneMatch: '*' }, null), 'proceed');
  assert.equal(run('GET', { ifNoneMatch: '"x"', ifModifiedSince: LAST_MODIFIED }), 'proceed', 'If-Modified-Since is not looked at when If-None-Match is present');
  assert.equal(run('GET', { ifNoneMatch: 'garbage', ifModifiedSince: LAST_MODIFIED }), 'not-modified', 'a malformed If-None-Match is ignored');
});

test('conditions: If-Modified-Since → 304 when not modified after the date (GET and HEAD only; invalid dates ignored)', () => {
  const run = (method: string, ims: string) => evaluateConditions(method, { ifModifiedSince: ims }, current, NOW);
  assert.equal(run('GET', LAST_MODIFIED), 'not-modified', 'the same second (the sub-second part does not count)');
  assert.equal(run('GET', 'Tue, 01 Dec 2026 00:00:00 GMT'), 'not-modified', 'a later date (RFC 9110; nginx\'s default "exact" would send 200)');
  assert.equal(run('GET', 'Mon, 30 Nov 2026 08:30:14 GMT'), 'proceed');
  assert.equal(run('GET', 'garbage'), 'proceed');
  assert.equal(run('PUT', LAST_MODIFIED), 'proceed');
});

test('conditions: If-Match (strong) and If-Unmodified-Since → 412; If-Match takes precedence', () => {
  const run = (c: Parameters<typeof evaluateConditions>[1], cur: typeof current | null = current) => evaluateConditions('GET', c, cur ?? undefined, NOW);
  assert.equal(run({ ifMatch: ETAG }), 'proceed');
  assert.equal(run({ ifMatch: '*' }), 'proceed');
  assert.equal(run({ ifMatch: `W/${ETAG}` }), 'precondition-failed', 'a weak tag never matches strongly');
  assert.equal(run({ ifMatch: '"x"' }), 'precondition-failed');
  assert.equal(run({ ifMatch: 'garbage' }), 'precondition-failed', 'a malformed If-Match fails');
  assert.equal(run({ ifMatch: '*' }, null), 'precondition-failed', 'nothing stored');
  assert.equal(run({ ifUnmodifiedSince: 'Sun, 01 Nov 2026 00:00:00 GMT' }), 'precondition-failed');
  assert.equal(run({ ifUnmodifiedSince: LAST_MODIFIED }), 'proceed');
  assert.equal(run({ ifUnmodifiedSince: 'garbage' }), 'proceed');
  assert.equal(run({ ifMatch: ETAG, ifUnmodifiedSince: 'Sun, 01 Nov 2026 00:00:00 GMT' }), 'proceed', 'If-Unmodified-Since is ignored when If-Match is present');
  assert.equal(run({ ifMatch: '"x"', ifNoneMatch: '"y"' }), 'precondition-failed', '412 before 304');
});

test('If-Range: a strong tag equal to the current, or a date equal to Last-Modified; weak tags and malformed values never', () => {
  assert.equal(ifRangeHolds(undefined, current, NOW), true);
  assert.equal(ifRangeHolds(ETAG, current, NOW), true);
  assert.equal(ifRangeHolds(`W/${ETAG}`, current, NOW), false);
  assert.equal(ifRangeHolds('"x"', current, NOW), false);
  assert.equal(ifRangeHolds(LAST_MODIFIED, current, NOW), true);
  assert.equal(ifRangeHolds('Tue, 01 Dec 2026 00:00:00 GMT', current, NOW), false, 'a later date is not the validator');
  assert.equal(ifRangeHolds('garbage', current, NOW), false);
  assert.equal(ifRangeHolds(`${ETAG}, "x"`, current, NOW), false, 'one tag only');
});

test('read plan: 200 with every header, HEAD the same, 304 with the validators only, 206 with Content-Range, 416 with bytes */size', () => {
  const o = { nowSeconds: NOW, boundary: () => 'b0undary' };
  const whole = planRead('GET', {}, FILE, o);
  assert.equal(whole.status, 200);
  assert.deepEqual(whole.headers, { 'Content-Type': 'application/octet-stream', 'Content-Length': '1000', ETag: ETAG, 'Last-Modified': LAST_MODIFIED, 'Accept-Ranges': 'bytes' });
  assert.deepEqual(whole.body, { kind: 'file', range: { start: 0, end: 999 } });
  assert.deepEqual(planRead('HEAD', {}, FILE, o), whole);
  assert.deepEqual(planRead('GET', {}, { ...FILE, size: 0 }, o).body, { kind: 'none' });

  assert.deepEqual(planRead('GET', { 'if-none-match': ETAG }, FILE, o), { status: 304, headers: { ETag: ETAG, 'Last-Modified': LAST_MODIFIED }, body: { kind: 'none' } });
  assert.equal(planRead('GET', { 'if-match': '"other"' }, FILE, o).status, 412);
  assert.equal(planRead('GET', { 'if-none-match': ETAG, range: 'bytes=0-9' }, FILE, o).status, 304, 'conditions before ranges');

  const one = planRead('GET', { range: 'bytes=-100' }, FILE, o);
  assert.equal(one.status, 206);
  assert.equal(one.headers['Content-Range'], 'bytes 900-999/1000');
  assert.equal(one.headers['Content-Length'], '100');
  assert.deepEqual(one.body, { kind: 'file', range: { start: 900, end: 999 } });
  assert.equal(planRead('HEAD', { range: 'bytes=0-9' }, FILE, o).status, 200, 'Range applies to GET only');
  assert.equal(planRead('GET', { range: 'bytes=0-9', 'if-range': '"stale"' }, FILE, o).status, 200, 'If-Range not holding: the whole file');
  assert.equal(planRead('GET', { range: 'bytes=0-9', 'if-range': ETAG }, FILE, o).status, 206);

  const many = planRead('GET', { range: 'bytes=0-9,20-29' }, FILE, o);
  assert.equal(many.status, 206);
  assert.equal(many.headers['Content-Type'], 'multipart/byteranges; boundary=b0undary');
  assert.equal(many.body.kind, 'byteranges');
  assert.equal(many.headers['Content-Range'], undefined);

  const none = planRead('GET', { range: 'bytes=5000-' }, FILE, o);
  assert.equal(none.status, 416);
  assert.equal(none.headers['Content-Range'], 'bytes */1000');
});

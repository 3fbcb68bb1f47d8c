// What a source's answer means for a download (src/protocol/files/download-response.ts,
// RFC 9110 §14 and §15.3.7): resume, start over, absent, refused sizes, and hostile
// headers one at a time; the URL of a path; and the bandwidth cap's token bucket with
// fake time (src/protocol/files/token-bucket.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadStart, fileUrl } from '../../src/protocol/files/download-response.js';
import { bandwidthBucket, TokenBucket } from '../../src/protocol/files/token-bucket.js';

const SIZE = 1000;

test('a resumed download appends a 206 from the byte asked to the end; a 200 starts over; 404 and 410 are absent', () => {
  assert.deepEqual(downloadStart({ status: 206, contentRange: 'bytes 400-999/1000', contentLength: '600' }, 400, SIZE), { kind: 'append', from: 400 });
  assert.deepEqual(downloadStart({ status: 206, contentRange: 'bytes 400-999/*' }, 400, SIZE), { kind: 'append', from: 400 }, 'an unknown complete length');
  assert.deepEqual(downloadStart({ status: 200, contentLength: '1000' }, 400, SIZE), { kind: 'restart' }, 'Range ignored');
  assert.deepEqual(downloadStart({ status: 200 }, 0, SIZE), { kind: 'restart' }, 'no length: the body is bounded by the size');
  assert.deepEqual(downloadStart({ status: 404 }, 0, SIZE), { kind: 'absent' });
  assert.deepEqual(downloadStart({ status: 410 }, 0, SIZE), { kind: 'absent' });
  assert.deepEqual(downloadStart({ status: 416, contentRange: 'bytes */300' }, 400, SIZE), { kind: 'unsatisfiable' });
});

test('a length that is not the manifest\'s is refused before the body', () => {
  assert.deepEqual(downloadStart({ status: 200, contentLength: '999' }, 0, SIZE), { kind: 'wrong-size', got: 999 });
  assert.deepEqual(downloadStart({ status: 206, contentRange: 'bytes 400-1199/1200' }, 400, SIZE), { kind: 'wrong-size', got: 1200 });
});

test('hostile or inconsistent headers, one at a time, are errors of this source', () => {
  const cases: [Parameters<typeof downloadStart>[0], number, RegExp][] = [
    [{ status: 206 }, 400, /206 without Content-Range/],
    [{ status: 206, contentRange: 'bytes 400-999/1000' }, 0, /206 to a request without Range/],
    [{ status: 206, contentRange: 'bytes 0-999/1000' }, 400, /206 for bytes 0-999 when 400-999 was asked/],
    [{ status: 206, contentRange: 'bytes 400-499/1000' }, 400, /206 for bytes 400-499/],
    [{ status: 206, contentRange: 'bytes 500-400/*' }, 400, /206 for bytes 500-400/],
    [{ status: 206, contentRange: 'bytes=400-999/1000' }, 400, /206 with Content-Range/],
    [{ status: 206, contentRange: 'bytes 400-999/1000, bytes 0-1/1000' }, 400, /206 with Content-Range/],
    [{ status: 206, contentRange: 'bytes 400-999/1000', contentLength: '601' }, 400, /206 of 601 bytes for a range of 600/],
    [{ status: 206, contentRange: `bytes 400-${'9'.repeat(40)}/1000` }, 400, /206 with Content-Range/],
    [{ status: 200, contentLength: '-1' }, 0, /Content-Length "-1" is not a length/],
    [{ status: 200, contentLength: '1e3' }, 0, /Content-Length "1e3" is not a length/],
    [{ status: 200, contentLength: '99999999999999999' }, 0, /not a length/],
    [{ status: 416 }, 0, /416 to a request without Range/],
    [{ status: 401 }, 0, /refused \(401\): check the source's tokenFile/],
    [{ status: 403 }, 0, /refused \(403\)/],
    [{ status: 302 }, 0, /HTTP 302/],
    [{ status: 500 }, 0, /HTTP 500/],
  ];
  for (const [head, from, reason] of cases) {
    const r = downloadStart(head, from, SIZE);
    assert.equal(r.kind, 'error', JSON.stringify(head));
    assert.match((r as { reason: string }).reason, reason, JSON.stringify(head));
  }
});

test('a path\'s URL at a source: one slash between, each segment percent-encoded', () => {
  assert.equal(fileUrl('http://198.51.100.1/files/', 'firmware/a b#1.loads'), 'http://198.51.100.1/files/firmware/a%20b%231.loads');
  assert.equal(fileUrl('http://198.51.100.1', 'SEP001.cnf.xml'), 'http://198.51.100.1/SEP001.cnf.xml');
  assert.equal(fileUrl('https://[2001:db8::1]:8443/x//', '%41?'), 'https://[2001:db8::1]:8443/x/%2541%3F');
});

test('the token bucket: the burst goes at once, then the rate, whatever the chunk sizes; idle time refills only the burst', () => {
  let now = 0;
  const b = new TokenBucket(1000, 250, now);
  assert.equal(b.take(250, now), 0, 'the burst');
  assert.equal(b.take(500, now), 500, '500 bytes of debt: half a second');
  now = 500;
  assert.equal(b.take(100, now), 100);
  now = 600;
  assert.equal(b.take(1, now), 1);
  now = 60_000;
  assert.equal(b.take(250, now), 0, 'a long pause refills the burst only');
  assert.equal(b.take(1, now), 1);

  // Over a long run the average is the rate: 100 KiB in 64 KiB chunks at 10 KiB/s.
  const slow = bandwidthBucket(10 * 1024, 0);
  let t = 0;
  for (let sent = 0; sent < 100 * 1024; sent += 4096) t += slow.take(4096, t);
  const expected = ((100 * 1024 - slow.burst) / (10 * 1024)) * 1000;
  assert.ok(Math.abs(t - expected) <= 30, `${t} ms for 100 KiB, ~${expected} expected`);
  assert.equal(bandwidthBucket(1024, 0).burst, 1024, 'at least 1 KiB');
  assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
});

// HTTP authentication of the upload directories (src/protocol/files/http-credentials.ts,
// http-basic-auth.ts, http-digest-auth.ts): the Authorization header parsed, hostile
// headers refused; Basic (RFC 7617); Digest (RFC 7616) against the published example
// digests, its stateless nonces (expiry → stale, forgery → bad-nonce), nc and cnonce,
// replays, the digest-uri, algorithms, realms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicAuth } from '../../src/protocol/files/http-basic-auth.js';
import { parseCredentials, quoted } from '../../src/protocol/files/http-credentials.js';
import { DigestAuth, digestHa1, digestResponse, type DigestAlgorithm } from '../../src/protocol/files/http-digest-auth.js';

test('Authorization: token68 or auth-params, quoted-strings unescaped, names case-insensitive; malformed headers refused', () => {
  assert.deepEqual(parseCredentials('Basic dXNlcjpwYXNz'), { scheme: 'basic', token68: 'dXNlcjpwYXNz', params: new Map() });
  const d = parseCredentials('Digest username="Mufasa", Realm="a \\"b\\" c",nc=00000001 ,  qop=auth');
  assert.equal(d?.scheme, 'digest');
  assert.deepEqual([...d!.params], [['username', 'Mufasa'], ['realm', 'a "b" c'], ['nc', '00000001'], ['qop', 'auth']]);
  assert.deepEqual(parseCredentials('Digest'), { scheme: 'digest', params: new Map() });
  assert.deepEqual(parseCredentials('Digest username='), { scheme: 'digest', token68: 'username=', params: new Map() }, 'token68 by the grammar');
  for (const bad of [
    '', ' Basic x', 'Basic\tx', 'Digest username="a", username="b"', 'Digest username="a', 'Digest username=, realm=x', 'Digest =x', 'Digest a=b c=d',
    'Digest a="\u0001"', 'Digest a=b;c', `Digest ${Array.from({ length: 33 }, (_, i) => `p${i}=1`).join(',')}`, 'Basic a b', '"Basic" x',
  ]) {
    assert.equal(parseCredentials(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(quoted('a"b\\c'), '"a\\"b\\\\c"');
});

test('Basic: the right user and password; anything else refused with its reason', () => {
  const auth = new BasicAuth('outpost', [{ name: 'phone', password: 'secret-pass' }, { name: 'jörg', password: 'pässwörd:with:colons' }]);
  assert.deepEqual(auth.challenges(), ['Basic realm="outpost", charset="UTF-8"']);
  const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
  assert.deepEqual(auth.verify('PUT', '/x', basic('phone:secret-pass')), { ok: true, user: 'phone' });
  assert.deepEqual(auth.verify('PUT', '/x', basic('jörg:pässwörd:with:colons')), { ok: true, user: 'jörg' });
  assert.deepEqual(auth.verify('PUT', '/x', basic('phone:secret-pasS')), { ok: false, reason: 'wrong-password' });
  assert.deepEqual(auth.verify('PUT', '/x', basic('phone:')), { ok: false, reason: 'wrong-password' });
  assert.deepEqual(auth.verify('PUT', '/x', basic('nobody:secret-pass')), { ok: false, reason: 'unknown-user' });
  assert.deepEqual(auth.verify('PUT', '/x', basic('no-colon')), { ok: false, reason: 'malformed' });
  assert.deepEqual(auth.verify('PUT', '/x', 'Basic !!!!'), { ok: false, reason: 'malformed' });
  assert.deepEqual(auth.verify('PUT', '/x', `Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString('base64')}`), { ok: false, reason: 'malformed' }, 'not UTF-8');
  assert.deepEqual(auth.verify('PUT', '/x', 'Basic'), { ok: false, reason: 'malformed' });
  assert.deepEqual(auth.verify('PUT', '/x', undefined), { ok: false, reason: 'missing' });
  assert.deepEqual(auth.verify('PUT', '/x', 'Digest username="phone"'), { ok: false, reason: 'missing' });
});

test('Digest: the example digests of RFC 7616 §3.9.1 (SHA-256 and MD5) and RFC 2617 §3.5', () => {
  const r = { nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', method: 'GET', uri: '/dir/index.html' };
  const ha1 = (a: DigestAlgorithm) => digestHa1(a, 'Mufasa', 'http-auth@example.org', 'Circle of Life');
  assert.equal(digestResponse('SHA-256', ha1('SHA-256'), r), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.equal(digestResponse('MD5', ha1('MD5'), r), '8ca523f5e9506fed4657c9700eebdbec');
  const old = { nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', nc: '00000001', cnonce: '0a4f113b', method: 'GET', uri: '/dir/index.html' };
  assert.equal(digestResponse('MD5', digestHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'), old), '6629fae49393a05397450978507c4ef1');
});

/** A digest client: answers a challenge of `auth` the way curl does. */
function client(auth: DigestAuth, o: { user?: string; password?: string; algorithm?: DigestAlgorithm; nonce?: string; nc?: string; cnonce?: string; method?: string; uri?: string; realm?: string; extra?: string; omit?: string } = {}): string {
  const algorithm = o.algorithm ?? 'SHA-256';
  const nonce = o.nonce ?? /nonce="([^"]+)"/.exec(auth.challenges(false)[0]!)![1]!;
  const realm = o.realm ?? 'outpost';
  const r = { nonce, nc: o.nc ?? '00000001', cnonce: o.cnonce ?? 'abcdef0123456789', method: o.method ?? 'PUT', uri: o.uri ?? '/backup/SEP01.cfg' };
  const response = digestResponse(algorithm, digestHa1(algorithm, o.user ?? 'phone', realm, o.password ?? 'secret-pass'), r);
  const params: Record<string, string> = {
    username: quoted(o.user ?? 'phone'), realm: quoted(realm), nonce: quoted(nonce), uri: quoted(r.uri), cnonce: quoted(r.cnonce), nc: r.nc, qop: 'auth', response: quoted(response), algorithm,
  };
  if (o.omit) delete params[o.omit];
  return `Digest ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')}${o.extra ?? ''}`;
}

function digest(now: { t: number }) {
  return new DigestAuth({ realm: 'outpost', users: [{ name: 'phone', password: 'secret-pass' }], secret: Buffer.alloc(32, 7), now: () => now.t, nonceLifetimeMs: 300_000, replayEntries: 100 });
}

test('Digest: challenges SHA-256 then MD5, qop auth; a right answer with either algorithm is accepted', () => {
  const now = { t: Date.UTC(2026, 11, 1) };
  const auth = digest(now);
  const [sha, md5] = auth.challenges(false);
  assert.match(sha!, /^Digest realm="outpost", qop="auth", algorithm=SHA-256, nonce="[A-Za-z0-9_-]{32}", charset=UTF-8$/);
  assert.match(md5!, /^Digest realm="outpost", qop="auth", algorithm=MD5, nonce="[A-Za-z0-9_-]{32}", charset=UTF-8$/);
  assert.match(auth.challenges(true)[0]!, /, stale=true$/);
  const verify = (h: string, method = 'PUT', uri = '/backup/SEP01.cfg') => auth.verify(method, uri, h);
  assert.deepEqual(verify(client(auth)), { ok: true, user: 'phone' });
  assert.deepEqual(verify(client(auth, { algorithm: 'MD5', cnonce: 'x1' })), { ok: true, user: 'phone' });
  assert.deepEqual(verify(client(auth, { cnonce: 'x2' }).replace('algorithm=SHA-256', 'algorithm=sha-256')), { ok: true, user: 'phone' }, 'algorithm names are case-insensitive');
  assert.deepEqual(verify(client(auth, { algorithm: 'MD5', omit: 'algorithm', cnonce: 'x3' })), { ok: true, user: 'phone' }, 'no algorithm: MD5');
  assert.deepEqual(verify(client(auth, { user: 'phöne', cnonce: 'x4' }).replace('username="phöne"', "username*=UTF-8''ph%C3%B6ne")), { ok: false, reason: 'unknown-user' }, 'username* is read');
});

test('Digest: wrong password, unknown user, other realm, uri, method, algorithm, qop, bad nc or cnonce are refused with their reason', () => {
  const now = { t: Date.UTC(2026, 11, 1) };
  const auth = digest(now);
  const verify = (h: string, method = 'PUT', uri = '/backup/SEP01.cfg') => auth.verify(method, uri, h);
  const cases: [string, string][] = [
    [client(auth, { password: 'wrong-pass' }), 'wrong-password'],
    [client(auth, { user: 'nobody' }), 'unknown-user'],
    [client(auth, { realm: 'other' }), 'realm'],
    [client(auth, { uri: '/backup/OTHER.cfg' }), 'uri'],
    [client(auth, { method: 'GET' }), 'wrong-password'],
    [client(auth).replace('algorithm=SHA-256', 'algorithm=SHA-512-256'), 'algorithm'],
    [client(auth).replace('algorithm=SHA-256', 'algorithm=MD5-sess'), 'algorithm'],
    [client(auth).replace('qop=auth', 'qop=auth-int'), 'qop'],
    [client(auth, { omit: 'qop' }), 'qop'],
    [client(auth, { nc: '00000000' }), 'nc'],
    [client(auth, { nc: '1' }), 'nc'],
    [client(auth, { nc: '0000000g' }), 'nc'],
    [client(auth, { omit: 'nc' }), 'nc'],
    [client(auth, { cnonce: '' }), 'cnonce'],
    [client(auth, { omit: 'cnonce' }), 'cnonce'],
    [client(auth, { cnonce: 'c'.repeat(257) }), 'cnonce'],
    [client(auth, { omit: 'response' }), 'malformed'],
    [client(auth, { omit: 'nonce' }), 'malformed'],
    [client(auth, { omit: 'username' }), 'malformed'],
    [client(auth, { extra: ', userhash=true' }), 'malformed'],
    [client(auth).replace('response="', 'response="0'), 'wrong-password'],
  ];
  for (const [h, reason] of cases) assert.deepEqual(verify(h), { ok: false, reason }, `${reason}: ${h}`);
  assert.deepEqual(auth.verify('PUT', '/backup/SEP01.cfg', 'Basic cGhvbmU6c2VjcmV0LXBhc3M='), { ok: false, reason: 'missing' });
});

test('Digest: nonces are ours or refused, expire into stale=true, and a replayed (nonce, nc, cnonce) is refused', () => {
  const now = { t: Date.UTC(2026, 11, 1) };
  const auth = digest(now);
  const verify = (h: string) => auth.verify('PUT', '/backup/SEP01.cfg', h);
  const nonce = auth.nonce(now.t);
  // Forged, truncated, re-encoded, from another server (another secret): not ours.
  const other = new DigestAuth({ realm: 'outpost', users: [], secret: Buffer.alloc(32, 8), now: () => now.t });
  const flipped = Buffer.from(nonce, 'base64url');
  flipped[3] = flipped[3]! ^ 1;
  for (const n of [flipped.toString('base64url'), nonce.slice(0, -2), `${nonce}AA`, other.nonce(now.t), 'x'.repeat(100), '']) {
    assert.deepEqual(verify(client(auth, { nonce: n })), { ok: false, reason: 'bad-nonce' }, n);
  }
  assert.deepEqual(verify(client(auth, { nonce: auth.nonce(now.t + 3_600_000) })), { ok: false, reason: 'bad-nonce' }, 'dated in the future');

  const answer = client(auth, { nonce });
  assert.deepEqual(verify(answer), { ok: true, user: 'phone' });
  assert.deepEqual(verify(answer), { ok: false, reason: 'replay' });
  assert.deepEqual(verify(client(auth, { nonce, nc: '00000002' })), { ok: true, user: 'phone' }, 'the next nc with the same nonce');
  assert.deepEqual(verify(client(auth, { nonce, nc: '00000002', cnonce: 'another' })), { ok: true, user: 'phone' }, 'another cnonce');

  now.t += 300_001;
  assert.deepEqual(verify(client(auth, { nonce, nc: '00000003' })), { ok: false, reason: 'stale' }, 'expired, the digest right: stale');
  assert.deepEqual(verify(client(auth, { nonce, nc: '00000003', password: 'wrong-pass' })), { ok: false, reason: 'wrong-password' }, 'expired and wrong: not stale');
  assert.deepEqual(verify(client(auth)), { ok: true, user: 'phone' }, 'a fresh nonce');
});

test('Digest: the replay table stays bounded', () => {
  const now = { t: Date.UTC(2026, 11, 1) };
  const auth = digest(now);
  const nonce = auth.nonce(now.t);
  for (let i = 1; i <= 500; i++) {
    assert.deepEqual(auth.verify('PUT', '/backup/SEP01.cfg', client(auth, { nonce, nc: i.toString(16).padStart(8, '0') })), { ok: true, user: 'phone' });
  }
  const seen = (auth as unknown as { seen: Map<string, number> }).seen;
  assert.ok(seen.size <= 100, `${seen.size} entries`);
});

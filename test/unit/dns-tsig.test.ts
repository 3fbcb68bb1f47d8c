// TSIG (src/wire/dns/tsig.ts, RFC 8945): the signed queries dig and kdig sent and the
// answers knotd signed (test/fixtures/dns/, secret in its README) verify; another
// secret, key, algorithm or clock does not; round trips per algorithm; truncated MACs;
// streams with unsigned messages between signed ones; hostile TSIG records; the error
// answers of §5.3.2. The MAC of streams with unsigned messages is computed here by
// hand, as the RFC states it, independently of the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  Rcode, RRType, TSIG_MAX_UNSIGNED, TsigKeyring, TsigStreamSigner, TsigStreamVerifier, WireDecodeError, WireEncodeError, decodeMessage, encodeMessage,
  hasType, signMessage, tsigErrorResponse, tsigSize, uint48, verifyMessage, type DnsMessage, type TSIGData, type TsigAlgorithm,
  type TsigFailure, type TsigKey,
} from '../../src/wire/dns/index.js';
import { dnsFixtures, message, rr } from '../support/dns-fixture.js';
import { seededRandom } from '../support/random.js';

const CAPTURE_KEY: TsigKey = { name: 'tsig-key.example.', algorithm: 'hmac-sha256', secret: Buffer.from('b3V0cG9zdCBjYXB0dXJlIGtleSwgbm90IHNlY3JldCE=', 'base64') };
const fixtures = new Map(dnsFixtures().map((f) => [f.name, f.bytes]));
const fixture = (name: string): Buffer => {
  const b = fixtures.get(name);
  assert.ok(b, name);
  return b;
};
const tsigOf = (buf: Buffer): TSIGData => {
  const last = decodeMessage(buf).additionals.at(-1);
  assert.ok(last && hasType(last, RRType.TSIG));
  return last.data;
};
const ring = (...keys: TsigKey[]) => new TsigKeyring(keys).find;
const failure = (v: ReturnType<typeof verifyMessage>): TsigFailure => {
  assert.ok(v && !v.ok, `a failure, got ${JSON.stringify(v)}`);
  return v;
};

const NOW = 1_796_075_304;
const query = (id = 0x1234, extra: Partial<DnsMessage> = {}) =>
  encodeMessage(message({ id, flags: { rd: true }, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }], ...extra }));
const answer = (id = 0x1234, n = 1) => encodeMessage(message({
  id, flags: { qr: true, aa: true }, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }],
  answers: Array.from({ length: n }, (_, i) => rr('www.example.com.', RRType.A, { address: `192.0.2.${i + 1}` })),
}));
const keyOf = (algorithm: TsigAlgorithm, name = 'xfr.example.com', fill = 0x42): TsigKey => ({ name, algorithm, secret: Buffer.alloc(32, fill) });

test('the signed queries of dig and kdig and the signed answers of knotd verify with the capture key', () => {
  const pairs = [['dig-11-tsig-soa-query-2.hex', 'dig-11-tsig-soa-knot-response-2.hex'], ['kdig-15-tsig-axfr-query.hex', 'kdig-15-tsig-axfr-knot-response.hex']] as const;
  for (const [q, r] of pairs) {
    const now = tsigOf(fixture(q)).timeSigned;
    const v = verifyMessage(fixture(q), ring(CAPTURE_KEY), { now });
    assert.ok(v?.ok, `${q}: ${JSON.stringify(v)}`);
    assert.deepEqual([v.key, v.timeSigned, v.fudge, v.mac.length], [CAPTURE_KEY, now, 300, 32]);
    const a = verifyMessage(fixture(r), ring(CAPTURE_KEY), { now: now + 1, requestMac: v.mac });
    assert.ok(a?.ok, `${r}: ${JSON.stringify(a)}`);
    // An answer is bound to its request: without the request MAC, or with another one, it does not verify.
    assert.equal(failure(verifyMessage(fixture(r), ring(CAPTURE_KEY), { now })).error, 'BADSIG');
    assert.equal(failure(verifyMessage(fixture(r), ring(CAPTURE_KEY), { now, requestMac: Buffer.alloc(32) })).error, 'BADSIG');
  }
  // dig's first query (knotd answered it BADCOOKIE, unsigned) verifies too; that answer has no TSIG.
  assert.ok(verifyMessage(fixture('dig-11-tsig-soa-query.hex'), ring(CAPTURE_KEY), { now: NOW })?.ok);
  assert.equal(verifyMessage(fixture('dig-11-tsig-soa-knot-response.hex'), ring(CAPTURE_KEY), { now: NOW }), undefined);
  assert.equal(verifyMessage(fixture('dig-01-a-query.hex'), ring(CAPTURE_KEY), { now: NOW }), undefined, 'no TSIG: undefined');
});

test('a captured query fails with another secret (BADSIG), an unknown name or algorithm (BADKEY), a clock beyond the fudge (BADTIME)', () => {
  const q = fixture('dig-11-tsig-soa-query-2.hex');
  const t = tsigOf(q);
  const bad = failure(verifyMessage(q, ring({ ...CAPTURE_KEY, secret: Buffer.alloc(32, 1) }), { now: t.timeSigned }));
  assert.deepEqual([bad.error, bad.key?.name, bad.mac, bad.keyName, bad.algorithm], ['BADSIG', 'tsig-key.example.', undefined, 'tsig-key.example.', 'hmac-sha256.']);
  const unknown = failure(verifyMessage(q, ring({ ...CAPTURE_KEY, name: 'other.example.' }), { now: t.timeSigned }));
  assert.deepEqual([unknown.error, unknown.key], ['BADKEY', undefined]);
  assert.equal(failure(verifyMessage(q, ring({ ...CAPTURE_KEY, algorithm: 'hmac-sha512' }), { now: t.timeSigned })).error, 'BADKEY', 'same name, other algorithm');
  // A lenient findKey that ignores the algorithm cannot make a key verify under another one.
  assert.equal(failure(verifyMessage(q, () => ({ ...CAPTURE_KEY, algorithm: 'hmac-sha384' }), { now: t.timeSigned })).error, 'BADKEY');
  // Names compare without case and with or without the final dot.
  assert.ok(verifyMessage(q, ring({ ...CAPTURE_KEY, name: 'TSIG-Key.Example' }), { now: t.timeSigned })?.ok);
  for (const shift of [-300, 300]) assert.ok(verifyMessage(q, ring(CAPTURE_KEY), { now: t.timeSigned + shift })?.ok, `${shift} s is within the fudge`);
  for (const shift of [-301, 301]) {
    const late = failure(verifyMessage(q, ring(CAPTURE_KEY), { now: t.timeSigned + shift }));
    assert.deepEqual([late.error, late.timeSigned, late.fudge, late.mac?.equals(t.mac)], ['BADTIME', t.timeSigned, 300, true]);
  }
  // The MAC is checked before the time: a wrong secret far out of time is BADSIG, telling nothing of our clock.
  assert.equal(failure(verifyMessage(q, ring({ ...CAPTURE_KEY, secret: Buffer.alloc(32, 1) }), { now: 0 })).error, 'BADSIG');
});

test('round trip per algorithm: query, answer bound to its request MAC, tampering, original ID restored', () => {
  for (const algorithm of ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const) {
    const key = keyOf(algorithm);
    const q = query();
    const signed = signMessage(q, key, { now: NOW });
    assert.equal(signed.message.length, q.length + tsigSize(key), `${algorithm}: tsigSize`);
    const m = decodeMessage(signed.message);
    const t = m.additionals.at(-1)!;
    assert.ok(hasType(t, RRType.TSIG));
    assert.deepEqual([t.name, t.class, t.ttl, t.data.algorithm, t.data.timeSigned, t.data.fudge, t.data.originalId, t.data.error, t.data.mac.length],
      ['xfr.example.com.', 255, 0, `${algorithm}.`, NOW, 300, 0x1234, 0, { 'hmac-sha1': 20, 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 }[algorithm]]);
    assert.ok(signed.mac.equals(t.data.mac));
    const v = verifyMessage(signed.message, ring(key), { now: NOW + 10 });
    assert.ok(v?.ok, algorithm);
    assert.ok(v.mac.equals(signed.mac));

    const a = signMessage(answer(), key, { now: NOW + 1, requestMac: v.mac });
    assert.ok(verifyMessage(a.message, ring(key), { now: NOW + 1, requestMac: signed.mac })?.ok, `${algorithm} answer`);
    assert.equal(failure(verifyMessage(a.message, ring(key), { now: NOW + 1 })).error, 'BADSIG', 'answer verified as a request');

    // A forwarder may change the ID: the original ID in the TSIG is what was signed.
    const forwarded = Buffer.from(signed.message);
    forwarded.writeUInt16BE(0x9999, 0);
    assert.ok(verifyMessage(forwarded, ring(key), { now: NOW })?.ok, `${algorithm}: new ID`);
    for (const at of [2, 13, q.length - 1, signed.message.length - 1]) {
      const tampered = Buffer.from(signed.message);
      tampered[at]! ^= 0x01;
      let r;
      try {
        r = verifyMessage(tampered, ring(key), { now: NOW });
      } catch (e) {
        assert.ok(e instanceof WireDecodeError, String(e));
      }
      assert.ok(r === undefined || !r.ok, `${algorithm}: byte ${at} changed`);
    }
    assert.equal(failure(verifyMessage(signed.message, ring({ ...key, secret: Buffer.alloc(32, 0x43) }), { now: NOW })).error, 'BADSIG');
  }
});

test('signing keeps the OPT record and other additional records before the TSIG; the key name gets its dot', () => {
  const q = query(7, { additionals: [rr('ns1.example.com.', RRType.A, { address: '192.0.2.53' })], edns: { udpSize: 1232, version: 0, do: false, z: 0, options: [] } });
  const signed = signMessage(q, keyOf('hmac-sha256', 'Key.Example.COM'), { now: NOW, fudge: 60 });
  const m = decodeMessage(signed.message);
  assert.deepEqual(m.additionals.map((r) => [r.name, r.type]), [['ns1.example.com.', RRType.A], ['Key.Example.COM.', RRType.TSIG]]);
  assert.ok(m.edns);
  assert.equal((m.additionals[1]!.data as TSIGData).fudge, 60);
  assert.ok(verifyMessage(signed.message, ring(keyOf('hmac-sha256', 'key.example.com.')), { now: NOW + 60 })?.ok);
  assert.equal(failure(verifyMessage(signed.message, ring(keyOf('hmac-sha256', 'key.example.com.')), { now: NOW + 61 })).error, 'BADTIME');
});

test('truncated MACs (RFC 8945 §5.2.2.1): allowed sizes verify under a key that permits them, BADTRUNC under one that does not, FORMERR outside the rules', () => {
  const short: TsigKey = { ...keyOf('hmac-sha256'), macSize: 16 };
  const signed = signMessage(query(), short, { now: NOW });
  assert.equal(signed.mac.length, 16);
  assert.equal(signed.message.length, query().length + tsigSize(short));
  const v = verifyMessage(signed.message, ring(short), { now: NOW });
  assert.ok(v?.ok);
  // An answer to it digests the truncated request MAC.
  const a = signMessage(answer(), short, { now: NOW, requestMac: v.mac });
  assert.ok(verifyMessage(a.message, ring(short), { now: NOW, requestMac: signed.mac })?.ok);
  // The full-length policy (the default) refuses it after MAC and time passed; out of time it is BADTIME first.
  const full = keyOf('hmac-sha256');
  const trunc = failure(verifyMessage(signed.message, ring(full), { now: NOW }));
  assert.deepEqual([trunc.error, trunc.mac?.length], ['BADTRUNC', 16]);
  assert.equal(failure(verifyMessage(signed.message, ring(full), { now: NOW + 1000 })).error, 'BADTIME');
  // Keys that would sign outside the rules are refused: sha1 below 10 bytes, sha512 below 32, above the hash.
  for (const bad of [{ ...keyOf('hmac-sha1'), macSize: 9 }, { ...keyOf('hmac-sha512'), macSize: 31 }, { ...keyOf('hmac-sha256'), macSize: 33 }]) {
    assert.throws(() => signMessage(query(), bad, { now: NOW }), (e: unknown) => e instanceof WireEncodeError && e.reason === 'bad-value', `${bad.algorithm}/${bad.macSize}`);
  }
  assert.ok(verifyMessage(signMessage(query(), { ...keyOf('hmac-sha1'), macSize: 10 }, { now: NOW }).message, ring({ ...keyOf('hmac-sha1'), macSize: 10 }), { now: NOW })?.ok);
});

/** `msg` with `tsig` as its last record, encoded; the bytes before the TSIG equal encodeMessage(msg) but for ARCOUNT. */
function withTsig(msg: Buffer, name: string, data: TSIGData): Buffer {
  const m = decodeMessage(msg);
  return encodeMessage({ ...m, additionals: [...m.additionals, { name, type: RRType.TSIG, class: 255, ttl: 0, data }] });
}
const tsigData = (over: Partial<TSIGData>): TSIGData => ({ algorithm: 'hmac-sha256.', timeSigned: NOW, fudge: 300, mac: Buffer.alloc(32), originalId: 0x1234, error: 0, other: Buffer.alloc(0), ...over });

test('hostile TSIG records: not last, wrong class or TTL, unknown algorithms, MACs longer than the hash or too short, errors in requests, broken RDATA', () => {
  const key = keyOf('hmac-sha256');
  const q = query();
  // Not last: the codec refuses it, and so does verifyMessage.
  const tsigFirst = encodeMessage(message({ questions: [{ name: 'a.example.', type: 1, class: 1 }], additionals: [rr('xfr.example.com.', RRType.TSIG, tsigData({}), 0, 255)] }));
  const misplaced = Buffer.concat([tsigFirst, encodeMessage(message({ additionals: [rr('b.example.', RRType.A, { address: '192.0.2.1' })] })).subarray(12)]);
  misplaced.writeUInt16BE(2, 10);
  for (const f of [() => verifyMessage(misplaced, ring(key), { now: NOW }), () => decodeMessage(misplaced)]) {
    assert.throws(f, (e: unknown) => e instanceof WireDecodeError && e.reason === 'misplaced-tsig');
  }
  const signed = signMessage(q, key, { now: NOW }).message;
  const patched = (at: number, bytes: number[]) => {
    const b = Buffer.from(signed);
    Buffer.from(bytes).copy(b, at);
    return b;
  };
  const classAt = q.length + 'xfr.example.com.'.length + 1 + 2;
  assert.equal(failure(verifyMessage(patched(classAt, [0, 1]), ring(key), { now: NOW })).error, 'FORMERR', 'class IN');
  assert.equal(failure(verifyMessage(patched(classAt + 2, [0, 0, 0, 5]), ring(key), { now: NOW })).error, 'FORMERR', 'TTL 5');
  for (const algorithm of ['hmac-md5.sig-alg.reg.int.', 'gss-tsig.', 'hmac-sha256.example.', '\\000.']) {
    assert.equal(failure(verifyMessage(withTsig(q, 'xfr.example.com.', tsigData({ algorithm })), ring(key), { now: NOW })).error, 'BADKEY', algorithm);
  }
  const mac = (n: number) => withTsig(q, 'xfr.example.com.', tsigData({ mac: Buffer.alloc(n, 1) }));
  assert.equal(failure(verifyMessage(mac(33), ring(key), { now: NOW })).error, 'FORMERR', 'MAC longer than SHA-256');
  assert.equal(failure(verifyMessage(mac(200), ring(key), { now: NOW })).error, 'FORMERR');
  assert.equal(failure(verifyMessage(mac(15), ring(key), { now: NOW })).error, 'FORMERR', 'below half the hash');
  assert.equal(failure(verifyMessage(mac(0), ring(key), { now: NOW })).error, 'FORMERR', 'an empty MAC in a request');
  assert.equal(failure(verifyMessage(mac(16), ring(key), { now: NOW })).error, 'BADSIG', 'allowed size, wrong MAC');
  const withError = signMessage(q, key, { now: NOW, error: Rcode.BADTIME }).message;
  assert.equal(failure(verifyMessage(withError, ring(key), { now: NOW })).error, 'FORMERR', 'a request carrying a TSIG error');
  // RDATA cut short: a decode error, as decodeMessage throws.
  const cut = withTsig(q, 'xfr.example.com.', tsigData({}));
  const broken = Buffer.concat([cut.subarray(0, cut.length - 4), Buffer.from([0])]);
  broken.writeUInt16BE(cut.readUInt16BE(q.length + 'xfr.example.com.'.length + 1 + 8) - 3, q.length + 'xfr.example.com.'.length + 1 + 8);
  assert.throws(() => verifyMessage(broken, ring(key), { now: NOW }), (e: unknown) => e instanceof WireDecodeError);
  assert.throws(() => verifyMessage(Buffer.alloc(5), ring(key), { now: NOW }), (e: unknown) => e instanceof WireDecodeError && e.reason === 'truncated');
  assert.throws(() => verifyMessage(Buffer.concat([signed, Buffer.of(0)]), ring(key), { now: NOW }), (e: unknown) => e instanceof WireDecodeError && e.reason === 'trailing-data');
});

test('error answers of §5.3.2: BADKEY and BADSIG unsigned, BADTIME signed with the request time and ours, BADTRUNC signed; what the client makes of them', () => {
  const key = keyOf('hmac-sha256');
  const request = signMessage(query(), key, { now: NOW });
  const notauth = encodeMessage(message({ id: 0x1234, flags: { qr: true }, rcode: Rcode.NOTAUTH, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }] }));

  for (const [find, error] of [[ring(keyOf('hmac-sha256', 'other.example.')), 'BADKEY'], [ring({ ...key, secret: Buffer.alloc(32, 9) }), 'BADSIG']] as const) {
    const f = failure(verifyMessage(request.message, find, { now: NOW }));
    assert.equal(f.error, error);
    const out = tsigErrorResponse(notauth, f, { now: NOW + 5 });
    const t = tsigOf(out);
    assert.deepEqual([decodeMessage(out).additionals.at(-1)!.name, t.algorithm, t.mac.length, t.error, t.timeSigned, t.originalId, decodeMessage(out).rcode],
      ['xfr.example.com.', 'hmac-sha256.', 0, Rcode[error], NOW + 5, 0x1234, Rcode.NOTAUTH]);
    const seen = failure(verifyMessage(out, ring(key), { now: NOW + 5, requestMac: request.mac }));
    assert.equal(seen.error, error, 'the client learns the error');
    assert.equal(seen.mac, undefined, 'unsigned');
  }

  const late = failure(verifyMessage(request.message, ring(key), { now: NOW + 1000 }));
  const badTime = tsigErrorResponse(notauth, late, { now: NOW + 1000 });
  const t = tsigOf(badTime);
  assert.deepEqual([t.error, t.timeSigned, t.other.readUIntBE(0, 6), t.mac.length], [Rcode.BADTIME, NOW, NOW + 1000, 32]);
  // Signed with the request MAC at the client's own time: the client verifies it and reads our clock.
  const seen = failure(verifyMessage(badTime, ring(key), { now: NOW, requestMac: request.mac }));
  assert.deepEqual([seen.error, seen.key?.name], ['BADTIME', 'xfr.example.com']);
  assert.match(seen.detail, new RegExp(`its time: ${NOW + 1000}`));
  assert.equal(badTime.length, notauth.length + tsigSize(key, 6));

  const truncated = signMessage(query(), { ...key, macSize: 16 }, { now: NOW });
  const f = failure(verifyMessage(truncated.message, ring(key), { now: NOW }));
  const badTrunc = tsigErrorResponse(notauth, f, { now: NOW });
  assert.equal(tsigOf(badTrunc).error, Rcode.BADTRUNC);
  assert.equal(failure(verifyMessage(badTrunc, ring(key), { now: NOW, requestMac: truncated.mac })).error, 'BADTRUNC');

  const formerr = failure(verifyMessage(withTsig(query(), 'xfr.example.com.', tsigData({ mac: Buffer.alloc(40) })), ring(key), { now: NOW }));
  assert.equal(tsigErrorResponse(notauth, formerr, { now: NOW }), notauth, 'FORMERR: no TSIG');
});

test('a stream signed message by message verifies; a message out of order, a tampered one or another key does not', () => {
  const key = keyOf('hmac-sha384');
  const request = signMessage(query(), key, { now: NOW });
  const signer = new TsigStreamSigner(key, { requestMac: request.mac });
  const stream = Array.from({ length: 7 }, (_, i) => signer.sign(answer(0x1234, i + 1), { now: NOW + i }));
  const verifier = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  for (const [i, m] of stream.entries()) assert.ok(verifier.verify(m, { now: NOW + i })?.ok, `message ${i}`);
  assert.equal(verifier.end(), undefined);

  // Later messages digest only the timers: a changed error field is not what was signed, but the bytes are.
  const t1 = tsigOf(stream[1]!);
  const hmac = createHmac('sha384', key.secret);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(48, 0);
  const unsignedBytes = answer(0x1234, 2);
  hmac.update(len).update(tsigOf(stream[0]!).mac).update(unsignedBytes).update(Buffer.concat([uint48(t1.timeSigned), Buffer.from([0x01, 0x2c])]));
  assert.ok(hmac.digest().equals(t1.mac), 'RFC 8945 §5.3.1 digest of the second message');

  const swapped = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  assert.ok(swapped.verify(stream[0]!, { now: NOW })?.ok);
  assert.equal(failure(swapped.verify(stream[2]!, { now: NOW })).error, 'BADSIG');
  assert.equal(failure(swapped.verify(stream[1]!, { now: NOW })).error, 'BADSIG', 'a failed stream stays failed');
  assert.equal(swapped.end()?.error, 'BADSIG');

  const other = new TsigStreamSigner(keyOf('hmac-sha384', 'other.example.'), { requestMac: request.mac });
  const mixed = new TsigStreamVerifier(ring(key, keyOf('hmac-sha384', 'other.example.')), { requestMac: request.mac });
  assert.ok(mixed.verify(stream[0]!, { now: NOW })?.ok);
  other.sign(answer(), { now: NOW });
  assert.equal(failure(mixed.verify(other.sign(answer(), { now: NOW }), { now: NOW })).error, 'BADKEY', 'the key changed within the stream');
});

/** Signs `msg` as the next message of a stream after `unsigned` messages, by hand (RFC 8945 §5.3.1). */
function handSigned(key: TsigKey, previousMac: Buffer, unsigned: readonly Buffer[], msg: Buffer, now: number): { message: Buffer; mac: Buffer } {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(previousMac.length, 0);
  const h = createHmac('sha256', key.secret).update(len).update(previousMac);
  for (const u of unsigned) h.update(u);
  const mac = h.update(msg).update(uint48(now)).update(Buffer.from([0x01, 0x2c])).digest();
  const signed = withTsig(msg, 'xfr.example.com.', tsigData({ timeSigned: now, mac, originalId: msg.readUInt16BE(0) }));
  return { message: signed, mac };
}

test('a stream with unsigned messages between signed ones: up to 99 in a row, digested with the next signed one, the last signed', () => {
  const key = keyOf('hmac-sha256');
  const request = signMessage(query(), key, { now: NOW });
  const first = new TsigStreamSigner(key, { requestMac: request.mac }).sign(answer(0x1234, 1), { now: NOW });
  const firstMac = tsigOf(first).mac;
  const unsigned = Array.from({ length: TSIG_MAX_UNSIGNED }, (_, i) => answer(0x1234, (i % 5) + 2));
  const last = handSigned(key, firstMac, unsigned, answer(0x1234, 9), NOW + 2);

  const v = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  assert.ok(v.verify(first, { now: NOW })?.ok);
  for (const u of unsigned) assert.equal(v.verify(u, { now: NOW }), undefined);
  assert.equal(v.end()?.error, 'BADSIG', 'ending on unsigned messages is a failure…');
  const v2 = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  v2.verify(first, { now: NOW });
  for (const u of unsigned) v2.verify(u, { now: NOW });
  const ok = v2.verify(last.message, { now: NOW + 2 });
  assert.ok(ok?.ok, JSON.stringify(ok));
  assert.equal(v2.end(), undefined, '…ending on a signed one is not');

  const tooMany = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  tooMany.verify(first, { now: NOW });
  for (const u of unsigned) tooMany.verify(u, { now: NOW });
  assert.match(failure(tooMany.verify(answer(), { now: NOW })).detail, /more than 99 unsigned/);

  const tampered = new TsigStreamVerifier(ring(key), { requestMac: request.mac });
  tampered.verify(first, { now: NOW });
  for (const [i, u] of unsigned.entries()) tampered.verify(i === 50 ? answer(0x1234, 8) : u, { now: NOW });
  assert.equal(failure(tampered.verify(last.message, { now: NOW + 2 })).error, 'BADSIG', 'a changed unsigned message');

  assert.match(failure(new TsigStreamVerifier(ring(key), { requestMac: request.mac }).verify(answer(), { now: NOW })).detail, /first message/);
  assert.equal(new TsigStreamVerifier(ring(key), { requestMac: request.mac }).end()?.error, 'BADSIG');
  // The signer's later messages are exactly the hand-made digest with no unsigned messages between.
  const signer = new TsigStreamSigner(key, { requestMac: request.mac });
  signer.sign(answer(0x1234, 1), { now: NOW });
  assert.ok(tsigOf(signer.sign(answer(0x1234, 3), { now: NOW + 1 })).mac.equals(handSigned(key, firstMac, [], answer(0x1234, 3), NOW + 1).mac));
});

test('TsigKeyring: by name without case or final dot; find needs the algorithm to match; bad keys are refused', () => {
  const k = keyOf('hmac-sha512', 'Xfr.Example.COM');
  const r = new TsigKeyring([k, keyOf('hmac-sha1', 'b.example.')]);
  assert.equal(r.size, 2);
  assert.equal(r.get('xfr.example.com.'), k);
  assert.equal(r.get('XFR.example.com'), k);
  assert.equal(r.find('xfr.example.com.', 'HMAC-SHA512.'), k);
  assert.equal(r.find('xfr.example.com.', 'hmac-sha256.'), undefined);
  assert.equal(r.find('nope.example.', 'hmac-sha512.'), undefined);
  assert.throws(() => new TsigKeyring([{ ...k, algorithm: 'hmac-md5' as TsigAlgorithm }]), WireEncodeError);
});

test('signMessage refuses what it cannot write', () => {
  const key = keyOf('hmac-sha256');
  const full = Buffer.from(query());
  full.writeUInt16BE(0xffff, 10);
  const cases: [Buffer, Partial<Parameters<typeof signMessage>[2]>, string][] = [
    [Buffer.alloc(11), {}, 'bad-value'],
    [query(), { now: -1 }, 'bad-value'],
    [query(), { now: 2 ** 48 }, 'bad-value'],
    [query(), { fudge: 70000 }, 'bad-value'],
    [query(), { requestMac: Buffer.alloc(1), previousMac: Buffer.alloc(1) }, 'bad-value'],
    [full, {}, 'too-large'],
  ];
  for (const [msg, o, reason] of cases) {
    assert.throws(() => signMessage(msg, key, { now: NOW, ...o }), (e: unknown) => e instanceof WireEncodeError && e.reason === reason, JSON.stringify(o));
  }
  assert.throws(() => signMessage(query(), { ...key, name: 'bad..name' }, { now: NOW }), (e: unknown) => e instanceof WireEncodeError && e.reason === 'bad-name');
});

const isLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const sameButIdAndCase = (a: Buffer, b: Buffer) => a.length === b.length && a.every((c, i) => i < 2 || c === b[i] || (isLetter(c) && (c | 0x20) === (b[i]! | 0x20)));

test('fuzz: 20,000 mutations of signed messages verify, fail or throw a WireDecodeError, nothing else; only a changed ID or letter case verifies', () => {
  const rnd = seededRandom(8945);
  const key = keyOf('hmac-sha256');
  const seeds = [signMessage(query(), key, { now: NOW }).message, fixture('dig-11-tsig-soa-query-2.hex'), fixture('kdig-15-tsig-axfr-query.hex')];
  const find = ring(key, CAPTURE_KEY);
  const seen = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const seed = seeds[i % seeds.length]!;
    const m = Buffer.from(seed);
    for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    let outcome: string;
    try {
      const v = verifyMessage(m, find, { now: NOW });
      outcome = v === undefined ? 'unsigned' : v.ok ? 'ok' : v.error;
      if (v?.ok) assert.ok(sameButIdAndCase(m, seed), `mutation ${i} verifies`);
    } catch (e) {
      assert.ok(e instanceof WireDecodeError, String(e));
      outcome = e.reason;
    }
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  }
  // Only mutations of the ID (a forwarder's right), of a letter's case in the TSIG names (digested in lower case) or that wrote the same bytes verify.
  assert.ok((seen.get('BADSIG') ?? 0) > 5_000, JSON.stringify([...seen]));
});

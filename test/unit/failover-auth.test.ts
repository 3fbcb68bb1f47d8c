// The handshake's proofs and session key (docs/failover-protocol.md, "Handshake"),
// checked against HMACs computed here from the spec's text, independently of
// src/wire/failover/auth.ts: a swapped nonce order, a missing relationship or a
// wrong label would show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { WireEncodeError, acceptorProof, connectorProof, proofsEqual, sessionKey } from '../../src/wire/failover/index.js';

const KEY = Buffer.from('correct horse battery staple, shared by both partners');
const NONCE_C = createHash('sha256').update('connector nonce').digest();
const NONCE_A = createHash('sha256').update('acceptor nonce').digest();
const REL = 'branch-7 ☎';

const hmac = (key: Buffer, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return h.digest();
};

test('the proofs and session key are HMAC-SHA256(key, label ‖ [relationship ‖] nonce_c ‖ nonce_a)', () => {
  const acceptor = acceptorProof(KEY, REL, NONCE_C, NONCE_A);
  const connector = connectorProof(KEY, REL, NONCE_C, NONCE_A);
  const session = sessionKey(KEY, NONCE_C, NONCE_A);
  assert.deepEqual(acceptor, hmac(KEY, 'outpost-failover-1 acceptor', REL, NONCE_C, NONCE_A));
  assert.deepEqual(connector, hmac(KEY, 'outpost-failover-1 connector', REL, NONCE_C, NONCE_A));
  assert.deepEqual(session, hmac(KEY, 'outpost-failover-1 session', NONCE_C, NONCE_A));
  // One concatenation written out byte for byte, so the test does not rest on update() chaining.
  const message = Buffer.concat([Buffer.from('outpost-failover-1 acceptor'), Buffer.from('branch-7 '), Buffer.from([0xe2, 0x98, 0x8e]), NONCE_C, NONCE_A]);
  assert.equal(acceptor.toString('hex'), createHmac('sha256', KEY).update(message).digest('hex'));
  for (const v of [acceptor, connector, session]) assert.equal(v.length, 32);
});

test('the order of the nonces, the relationship and the role each change the result', () => {
  const acceptor = acceptorProof(KEY, REL, NONCE_C, NONCE_A);
  assert.notDeepEqual(acceptor, connectorProof(KEY, REL, NONCE_C, NONCE_A), 'the connector\'s proof cannot be replayed as the acceptor\'s');
  assert.notDeepEqual(acceptor, acceptorProof(KEY, REL, NONCE_A, NONCE_C), 'nonces swapped');
  assert.notDeepEqual(sessionKey(KEY, NONCE_C, NONCE_A), sessionKey(KEY, NONCE_A, NONCE_C), 'nonces swapped');
  assert.notDeepEqual(acceptor, acceptorProof(KEY, 'branch-8', NONCE_C, NONCE_A), 'another relationship');
  assert.notDeepEqual(sessionKey(KEY, NONCE_C, NONCE_A), acceptor);
});

test('a wrong key gives different proofs and a different session key', () => {
  const wrong = Buffer.from(KEY);
  wrong[0]! ^= 1;
  assert.notDeepEqual(acceptorProof(wrong, REL, NONCE_C, NONCE_A), acceptorProof(KEY, REL, NONCE_C, NONCE_A));
  assert.notDeepEqual(connectorProof(wrong, REL, NONCE_C, NONCE_A), connectorProof(KEY, REL, NONCE_C, NONCE_A));
  assert.notDeepEqual(sessionKey(wrong, NONCE_C, NONCE_A), sessionKey(KEY, NONCE_C, NONCE_A));
  assert.equal(proofsEqual(connectorProof(wrong, REL, NONCE_C, NONCE_A), connectorProof(KEY, REL, NONCE_C, NONCE_A)), false);
});

test('proofsEqual: equal 32-byte proofs only; other lengths are false, never an exception', () => {
  const p = connectorProof(KEY, REL, NONCE_C, NONCE_A);
  assert.equal(proofsEqual(p, Buffer.from(p)), true);
  for (let i = 0; i < 32; i++) {
    const q = Buffer.from(p);
    q[i]! ^= 0x80;
    assert.equal(proofsEqual(p, q), false, `byte ${i}`);
  }
  assert.equal(proofsEqual(p, p.subarray(0, 16)), false);
  assert.equal(proofsEqual(p.subarray(0, 31), p.subarray(0, 31)), false, 'a truncated proof is never accepted, even equal to itself');
  assert.equal(proofsEqual(Buffer.alloc(0), Buffer.alloc(0)), false);
});

test('bad inputs: an empty key or a nonce that is not 32 bytes is refused', () => {
  const bad = (e: unknown) => e instanceof WireEncodeError && e.reason === 'bad-value';
  assert.throws(() => acceptorProof(Buffer.alloc(0), REL, NONCE_C, NONCE_A), bad);
  assert.throws(() => connectorProof(KEY, REL, NONCE_C.subarray(1), NONCE_A), bad);
  assert.throws(() => sessionKey(KEY, NONCE_C, Buffer.alloc(33)), bad);
});

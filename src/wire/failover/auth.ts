// The handshake's proofs and session key (docs/failover-protocol.md, "Handshake"),
// HMAC-SHA256 under the relationship's pre-shared key with one domain-separation
// label per use, so no value can stand in for another:
//
//   acceptor proof = HMAC(key, "outpost-failover-1 acceptor"  ‖ relationship ‖ nonce_c ‖ nonce_a)
//   connector proof = HMAC(key, "outpost-failover-1 connector" ‖ relationship ‖ nonce_c ‖ nonce_a)
//   session key    = HMAC(key, "outpost-failover-1 session"   ‖ nonce_c ‖ nonce_a)
//
// `‖` is plain concatenation: the relationship name as its UTF-8 bytes, no length or
// terminator. That is unambiguous because the label and both nonces have fixed
// lengths. Nonces (32 random bytes each) come from the caller: the wire layer makes
// no randomness of its own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WireEncodeError } from '../errors.js';
import { NONCE_BYTES, PROOF_BYTES } from './handshake.js';

export const ACCEPTOR_LABEL = 'outpost-failover-1 acceptor';
export const CONNECTOR_LABEL = 'outpost-failover-1 connector';
export const SESSION_LABEL = 'outpost-failover-1 session';

function checkInputs(key: Buffer, nonceC: Buffer, nonceA: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length === 0) throw new WireEncodeError('bad-value', 'the pre-shared key must be a non-empty Buffer');
  for (const [n, what] of [[nonceC, 'connector nonce'], [nonceA, 'acceptor nonce']] as const) {
    if (!Buffer.isBuffer(n) || n.length !== NONCE_BYTES) throw new WireEncodeError('bad-value', `the ${what} must be ${NONCE_BYTES} bytes`);
  }
}

function hmac(key: Buffer, label: string, relationship: string | undefined, nonceC: Buffer, nonceA: Buffer): Buffer {
  checkInputs(key, nonceC, nonceA);
  const h = createHmac('sha256', key).update(label, 'utf8');
  if (relationship !== undefined) h.update(relationship, 'utf8');
  return h.update(nonceC).update(nonceA).digest();
}

/** The acceptor's proof in HELLO-REPLY. */
export function acceptorProof(key: Buffer, relationship: string, nonceC: Buffer, nonceA: Buffer): Buffer {
  return hmac(key, ACCEPTOR_LABEL, relationship, nonceC, nonceA);
}

/** The connector's proof in AUTH. */
export function connectorProof(key: Buffer, relationship: string, nonceC: Buffer, nonceA: Buffer): Buffer {
  return hmac(key, CONNECTOR_LABEL, relationship, nonceC, nonceA);
}

/** The key of the frames' MACs after AUTH (both directions). */
export function sessionKey(key: Buffer, nonceC: Buffer, nonceA: Buffer): Buffer {
  return hmac(key, SESSION_LABEL, undefined, nonceC, nonceA);
}

/** Whether a received proof equals the expected one, in time that does not depend on where they differ. */
export function proofsEqual(a: Buffer, b: Buffer): boolean {
  if (!Buffer.isBuffer(a) || !Buffer.isBuffer(b) || a.length !== PROOF_BYTES || b.length !== PROOF_BYTES) return false;
  return timingSafeEqual(a, b);
}

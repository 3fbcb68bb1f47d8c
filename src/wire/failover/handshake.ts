// The handshake bodies (docs/failover-protocol.md, "Handshake"): HELLO from the
// connector, HELLO-REPLY from the acceptor, AUTH from the connector. They travel
// before the session key exists, so their frames carry no MAC; proofs are checked by
// the caller with ./auth.ts.
//
//   HELLO        relationship string, server name string, role u8, mode u8,
//                configHash 32, clock u64, nonce 32
//   HELLO-REPLY  result u8, server name string, role u8, clock u64, nonce 32, proof 32
//   AUTH         proof 32
//
// A HELLO-REPLY whose result is not `ok` has the same layout; its nonce and proof
// carry no meaning (zeros, say) and the connection closes after it.
import type { Codec } from '../codec.js';
import { FAILOVER_MODE, FAILOVER_ROLE, HELLO_RESULT, readEnum, type FailoverMode, type FailoverRole, type HelloResult } from './enums.js';
import { MAX_STRING_BYTES, STRING_PREFIX_BYTES, TIME_BYTES, bodyCodec, readFixed, readString, readTime, stringLength, writeFixed, writeString, writeTime } from './fields.js';

/** SHA-256 of the relationship's canonical parameters. */
export const CONFIG_HASH_BYTES = 32;
/** Random bytes each side contributes to the handshake. */
export const NONCE_BYTES = 32;
/** HMAC-SHA256 output. */
export const PROOF_BYTES = 32;

export interface HelloMessage {
  readonly kind: 'hello';
  readonly relationship: string;
  /** The sender's server name. */
  readonly serverName: string;
  readonly role: FailoverRole;
  readonly mode: FailoverMode;
  readonly configHash: Buffer;
  /** The sender's clock (ms since the epoch). */
  readonly clock: number;
  readonly nonce: Buffer;
}

export interface HelloReplyMessage {
  readonly kind: 'hello-reply';
  readonly result: HelloResult;
  readonly serverName: string;
  readonly role: FailoverRole;
  readonly clock: number;
  readonly nonce: Buffer;
  /** acceptorProof(key, relationship, nonce_c, nonce_a). */
  readonly proof: Buffer;
}

export interface AuthMessage {
  readonly kind: 'auth';
  /** connectorProof(key, relationship, nonce_c, nonce_a). */
  readonly proof: Buffer;
}

const STRING_MAX = STRING_PREFIX_BYTES + MAX_STRING_BYTES;
export const HELLO_MAX_BYTES = 2 * STRING_MAX + 1 + 1 + CONFIG_HASH_BYTES + TIME_BYTES + NONCE_BYTES;
export const HELLO_REPLY_MAX_BYTES = 1 + STRING_MAX + 1 + TIME_BYTES + NONCE_BYTES + PROOF_BYTES;
export const AUTH_BYTES = PROOF_BYTES;

export const hello: Codec<HelloMessage> = bodyCodec(
  'HELLO',
  (m) => stringLength(m.relationship, 'HELLO relationship') + stringLength(m.serverName, 'HELLO server name') + 2 + CONFIG_HASH_BYTES + TIME_BYTES + NONCE_BYTES,
  (w, m) => {
    writeString(w, m.relationship, 'HELLO relationship');
    writeString(w, m.serverName, 'HELLO server name');
    w.u8(FAILOVER_ROLE.code(m.role));
    w.u8(FAILOVER_MODE.code(m.mode));
    writeFixed(w, m.configHash, CONFIG_HASH_BYTES, 'HELLO config hash');
    writeTime(w, m.clock, 'HELLO clock');
    writeFixed(w, m.nonce, NONCE_BYTES, 'HELLO nonce');
  },
  (r) => ({
    kind: 'hello',
    relationship: readString(r, 'HELLO relationship'),
    serverName: readString(r, 'HELLO server name'),
    role: readEnum(r, FAILOVER_ROLE),
    mode: readEnum(r, FAILOVER_MODE),
    configHash: readFixed(r, CONFIG_HASH_BYTES, 'HELLO config hash'),
    clock: readTime(r, 'HELLO clock'),
    nonce: readFixed(r, NONCE_BYTES, 'HELLO nonce'),
  }),
);

export const helloReply: Codec<HelloReplyMessage> = bodyCodec(
  'HELLO-REPLY',
  (m) => 1 + stringLength(m.serverName, 'HELLO-REPLY server name') + 1 + TIME_BYTES + NONCE_BYTES + PROOF_BYTES,
  (w, m) => {
    w.u8(HELLO_RESULT.code(m.result));
    writeString(w, m.serverName, 'HELLO-REPLY server name');
    w.u8(FAILOVER_ROLE.code(m.role));
    writeTime(w, m.clock, 'HELLO-REPLY clock');
    writeFixed(w, m.nonce, NONCE_BYTES, 'HELLO-REPLY nonce');
    writeFixed(w, m.proof, PROOF_BYTES, 'HELLO-REPLY proof');
  },
  (r) => ({
    kind: 'hello-reply',
    result: readEnum(r, HELLO_RESULT),
    serverName: readString(r, 'HELLO-REPLY server name'),
    role: readEnum(r, FAILOVER_ROLE),
    clock: readTime(r, 'HELLO-REPLY clock'),
    nonce: readFixed(r, NONCE_BYTES, 'HELLO-REPLY nonce'),
    proof: readFixed(r, PROOF_BYTES, 'HELLO-REPLY proof'),
  }),
);

export const auth: Codec<AuthMessage> = bodyCodec(
  'AUTH',
  () => AUTH_BYTES,
  (w, m) => writeFixed(w, m.proof, PROOF_BYTES, 'AUTH proof'),
  (r) => ({ kind: 'auth', proof: readFixed(r, PROOF_BYTES, 'AUTH proof') }),
);

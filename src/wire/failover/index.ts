// The failover wire codec: frames, messages, leases and the handshake's proofs.
// See docs/failover-protocol.md (the protocol) and docs/wire-failover.md (the codec).
export * from './enums.js';
export { MAX_BODY_BYTES, MAX_COUNT, MAX_LEASE_STRING_BYTES, MAX_STRING_BYTES } from './fields.js';
export { MAX_LEASE_BYTES, MIN_LEASE_BYTES, leaseLength, wireLease, type WireLease, type WireLeaseState } from './lease.js';
export { CONFIG_HASH_BYTES, NONCE_BYTES, PROOF_BYTES, auth, hello, helloReply, type AuthMessage, type HelloMessage, type HelloReplyMessage } from './handshake.js';
export { bye, heartbeat, stateCommand, type ByeMessage, type HeartbeatMessage, type StateCommandMessage } from './control.js';
export { resyncPage, resyncRequest, update, updateAck, type RejectedLease, type ResyncPageMessage, type ResyncRequestMessage, type UpdateAckMessage, type UpdateMessage } from './replication.js';
export { MAX_BODY_BYTES_OF, MESSAGE_CODECS, decodeMessage, encodeMessage, messageBodyLength, type FailoverMessage, type MessageOf } from './message.js';
export { FRAME_HEADER_BYTES, FRAME_MAC_BYTES, FRAME_MAGIC, FRAME_VERSION, FrameReader, MAX_FRAME_BYTES, encodeFrame, frameHasMac, type Frame } from './frame.js';
export { ACCEPTOR_LABEL, CONNECTOR_LABEL, SESSION_LABEL, acceptorProof, connectorProof, proofsEqual, sessionKey } from './auth.js';
export { FAILOVER_DECODE_REASONS, WireDecodeError, WireEncodeError, isWireDecodeError, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, type WireDecodeReason, type WireEncodeReason } from '../errors.js';

// Every failover message as one discriminated union (`kind`), and the dispatch
// between a message and its frame's type and body.
import type { Codec } from '../codec.js';
import { WireDecodeError } from '../errors.js';
import { BYE_MAX_BYTES, HEARTBEAT_BYTES, STATE_COMMAND_BYTES, bye, heartbeat, stateCommand, type ByeMessage, type HeartbeatMessage, type StateCommandMessage } from './control.js';
import { MESSAGE_TYPE, type MessageKind } from './enums.js';
import { MAX_BODY_BYTES } from './fields.js';
import { AUTH_BYTES, HELLO_MAX_BYTES, HELLO_REPLY_MAX_BYTES, auth, hello, helloReply, type AuthMessage, type HelloMessage, type HelloReplyMessage } from './handshake.js';
import { RESYNC_REQUEST_BYTES, resyncPage, resyncRequest, update, updateAck, type ResyncPageMessage, type ResyncRequestMessage, type UpdateAckMessage, type UpdateMessage } from './replication.js';

export type FailoverMessage =
  | HelloMessage
  | HelloReplyMessage
  | AuthMessage
  | HeartbeatMessage
  | UpdateMessage
  | UpdateAckMessage
  | ResyncRequestMessage
  | ResyncPageMessage
  | StateCommandMessage
  | ByeMessage;

/** The message of one kind. */
export type MessageOf<K extends MessageKind> = Extract<FailoverMessage, { kind: K }>;

/** The body codec of each kind. */
export const MESSAGE_CODECS: { readonly [K in MessageKind]: Codec<MessageOf<K>> } = {
  hello,
  'hello-reply': helloReply,
  auth,
  heartbeat,
  update,
  'update-ack': updateAck,
  'resync-request': resyncRequest,
  'resync-page': resyncPage,
  'state-command': stateCommand,
  bye,
};

/**
 * The longest body each kind can have: a frame announcing more is refused from its
 * header (`oversized`) before any of the body is buffered. Before authentication
 * that bounds what an unknown peer makes us hold to one HELLO (588 bytes).
 */
export const MAX_BODY_BYTES_OF: { readonly [K in MessageKind]: number } = {
  hello: HELLO_MAX_BYTES,
  'hello-reply': HELLO_REPLY_MAX_BYTES,
  auth: AUTH_BYTES,
  heartbeat: HEARTBEAT_BYTES,
  update: MAX_BODY_BYTES,
  'update-ack': MAX_BODY_BYTES,
  'resync-request': RESYNC_REQUEST_BYTES,
  'resync-page': MAX_BODY_BYTES,
  'state-command': STATE_COMMAND_BYTES,
  bye: BYE_MAX_BYTES,
};

/** A message as its frame's type code and body. Throws WireEncodeError for a value that cannot go on the wire. */
export function encodeMessage(msg: FailoverMessage): { type: number; body: Buffer } {
  const type = MESSAGE_TYPE.code(msg.kind);
  const codec = MESSAGE_CODECS[msg.kind] as Codec<FailoverMessage>;
  return { type, body: codec.encode(msg) };
}

/** How many bytes encodeMessage(msg).body has. */
export function messageBodyLength(msg: FailoverMessage): number {
  MESSAGE_TYPE.code(msg.kind);
  return (MESSAGE_CODECS[msg.kind] as Codec<FailoverMessage>).encodingLength(msg);
}

/**
 * The message in a frame's body, which it must fill exactly. Throws WireDecodeError,
 * and nothing else: 'unknown-type' for a type code that names no message, and the
 * reasons of the body's fields (offsets are of the body).
 */
export function decodeMessage(type: number, body: Buffer): FailoverMessage {
  const kind = MESSAGE_TYPE.name(type);
  if (kind === undefined) throw new WireDecodeError('unknown-type', 0, `message type ${type} is not one of 1–${MESSAGE_TYPE.names.length}`);
  return MESSAGE_CODECS[kind].decode(body);
}

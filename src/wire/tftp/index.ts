// The TFTP codec (docs/wire-tftp.md): import everything from here.
export * from './types.js';
export { decodePacket, encodeDataHeader, encodeInto, encodePacket, packetLength, tftpPacket } from './packet.js';
export { findOption } from './strings.js';
export {
  DATAGRAM_DECODE_REASONS, TFTP_DECODE_REASONS, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, WireDecodeError, WireEncodeError, isWireDecodeError,
  type WireDecodeReason, type WireEncodeReason,
} from '../errors.js';

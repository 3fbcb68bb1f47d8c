// The DHCPv4 wire codec: what the server and tests import. See docs/wire-dhcp4.md.
export * from './constants.js';
export { decode, encode, encodeInto, encodingLength, type Dhcp4DecodeOptions, type Dhcp4EncodeOptions, type Dhcp4Message, type Dhcp4Options } from './packet.js';
export { optionBlock, optionWireLength, writeOption, type OptionBlock } from './option-block.js';
export {
  DHCP4_OPTIONS,
  decodeOption,
  encodeOption,
  optionByName,
  optionDef,
  optionName,
  validateOptions,
  type Dhcp4OptionTypes,
  type KnownOptionCode,
  type OptionDef,
} from './options.js';
export * from './message.js';
export { bytes, i32, ipv4, ipv4List, text, u16, u32, u8, u8List, type LengthRule } from './basic-types.js';
export { clientId, rfc4361Parts, type ClientId } from './client-id.js';
export { clientFqdn, FqdnFlag, type ClientFqdn } from './fqdn.js';
export { circuitId, linkSelection, relayAgentInfo, relayAgentSubOption, remoteId, serverIdOverride } from './relay-agent.js';
export { domainSearch } from './domain-search.js';
export { classlessRoutes, type ClasslessRoute } from './classless-routes.js';
export { vendorSubOption, vendorSubOptions } from './vendor-specific.js';
export { userClass, userClassesLenient } from './user-class.js';
export type { SubOption } from './sub-options.js';
export { WireDecodeError, WireEncodeError, isWireDecodeError, DATAGRAM_DECODE_REASONS, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, type WireDecodeReason, type WireEncodeReason } from '../errors.js';
export { ipv4FromString, ipv4ToString, ipv4Mask, isUint32 } from '../ipv4.js';

// The DNS wire codec (docs/wire-dns.md): import everything from here.
export * from './types.js';
export { MAX_MESSAGE_BYTES, decodeMessage, dnsMessage, encodeInto, encodeMessage, encodingLength, type EncodeOptions } from './message.js';
export { encodeResponse, encodeResponseInto, type LimitOptions } from './truncate.js';
export { RecordPacker, type PackHead } from './pack.js';
export { decodeHeader, type DnsHeader } from './header.js';
export { COMPRESSED_RDATA_TYPES, decodeRdata, encodeRdata, isKnownType, isOpaque, rdataEqual } from './rdata.js';
export {
  COOKIE_CLIENT_BYTES, COOKIE_SERVER_MAX_BYTES, COOKIE_SERVER_MIN_BYTES, cookieOption, ednsOption, expireOption, hasEdnsOption, nsidOption,
  readCookie, readExpire, readNsid, type DnsCookie,
} from './edns.js';
export { compareNames, isSubdomain, joinNames, labelCount, leadingLabels, nameKey, namesEqual, parent } from './name.js';
export { ipv6Bytes, ipv6Text } from './address.js';
export {
  DATAGRAM_DECODE_REASONS, DNS_DECODE_REASONS, WIRE_DECODE_REASONS, WIRE_ENCODE_REASONS, WireDecodeError, WireEncodeError, isWireDecodeError,
  type WireDecodeReason, type WireEncodeReason,
} from '../errors.js';
export {
  TSIG_FUDGE, TSIG_MAX_UNSIGNED, TsigKeyring, TsigStreamSigner, TsigStreamVerifier, signMessage, tsigErrorResponse, tsigSize, uint48, verifyMessage,
  type FindTsigKey, type SignOptions, type TsigAlgorithm, type TsigError, type TsigFailure, type TsigKey, type TsigSuccess, type TsigVerdict, type VerifyOptions,
} from './tsig.js';
export { DHCID_TYPE, DhcidIdentifier, dhcidIdentifier, dhcidRdata } from './dhcid.js';

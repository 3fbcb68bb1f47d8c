// DHCPv4 numbers: BOOTP header layout (RFC 951, RFC 2131 §2), message types
// (RFC 2132 §9.6 and later), option codes (RFC 2132 and the RFCs named below).

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

export const HTYPE_ETHERNET = 1;
export const HTYPE_IEEE802 = 6;
export const HTYPE_INFINIBAND = 32;
/** Highest hardware type IANA has assigned that fits the 8-bit htype field. */
export const HTYPE_MAX_ASSIGNED = 41;

/** The BROADCAST bit of the flags field (RFC 2131 §2, figure 2). */
export const FLAG_BROADCAST = 0x8000;

export const MAGIC_COOKIE = 0x63825363;

/** Byte offsets of the fixed BOOTP header. */
export const OFF = {
  op: 0,
  htype: 1,
  hlen: 2,
  hops: 3,
  xid: 4,
  secs: 8,
  flags: 10,
  ciaddr: 12,
  yiaddr: 16,
  siaddr: 20,
  giaddr: 24,
  chaddr: 28,
  sname: 44,
  file: 108,
  cookie: 236,
  options: 240,
} as const;

export const CHADDR_LENGTH = 16;
export const SNAME_LENGTH = 64;
export const FILE_LENGTH = 128;
export const HEADER_LENGTH = 236;
/** Header + magic cookie: the shortest datagram decode accepts. */
export const MIN_LENGTH = 240;
/** The BOOTP minimum (236-byte header + 64-byte vend field) that encode pads to (RFC 1542 §2.1). */
export const BOOTP_MIN_LENGTH = 300;
/** The size every DHCP client must accept (RFC 2131 §2); encode's default maximum. */
export const DEFAULT_MAX_MESSAGE_SIZE = 576;
/** decode's default maximum datagram size (Kea's receive buffer). */
export const DEFAULT_MAX_DECODE_LENGTH = 4096;
/** Largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD = 65507;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
  FORCERENEW: 9, // RFC 3203
  LEASEQUERY: 10, // RFC 4388
  LEASEUNASSIGNED: 11,
  LEASEUNKNOWN: 12,
  LEASEACTIVE: 13,
  BULKLEASEQUERY: 14, // RFC 6926
  LEASEQUERYDONE: 15,
  ACTIVELEASEQUERY: 16, // RFC 7724
  LEASEQUERYSTATUS: 17,
  TLS: 18,
} as const;

export type MessageTypeName = keyof typeof MessageType;

const MESSAGE_TYPE_NAMES: ReadonlyMap<number, MessageTypeName> = new Map(
  (Object.entries(MessageType) as [MessageTypeName, number][]).map(([k, v]) => [v, k]),
);

/** "DISCOVER" for 1, …; undefined for numbers no RFC assigns. */
export function messageTypeName(type: number): MessageTypeName | undefined {
  return MESSAGE_TYPE_NAMES.get(type);
}

export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  TIME_OFFSET: 2,
  ROUTERS: 3,
  DOMAIN_NAME_SERVERS: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  INTERFACE_MTU: 26,
  BROADCAST_ADDRESS: 28,
  NTP_SERVERS: 42,
  VENDOR_SPECIFIC: 43,
  REQUESTED_ADDRESS: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS_ID: 60,
  CLIENT_ID: 61,
  TFTP_SERVER_NAME: 66,
  BOOTFILE_NAME: 67,
  USER_CLASS: 77, // RFC 3004
  CLIENT_FQDN: 81, // RFC 4702
  RELAY_AGENT_INFO: 82, // RFC 3046
  SUBNET_SELECTION: 118, // RFC 3011
  DOMAIN_SEARCH: 119, // RFC 3397
  CLASSLESS_STATIC_ROUTES: 121, // RFC 3442
  TFTP_SERVER_ADDRESS: 150, // RFC 5859 (Cisco)
  AVAYA_176: 176, // Avaya IP phones, site-specific (RFC 3942)
  AVAYA_242: 242, // Avaya IP phones, site-specific (RFC 3942)
  WPAD: 252, // web proxy auto-discovery URL, site-specific (RFC 3942)
  END: 255,
} as const;

/** Relay agent information sub-options (RFC 3046 §2.0, RFC 3527). */
export const RelayAgentSubOpt = {
  CIRCUIT_ID: 1,
  REMOTE_ID: 2,
  LINK_SELECTION: 5, // RFC 3527
  SUBSCRIBER_ID: 6, // RFC 3993
  SERVER_ID_OVERRIDE: 11, // RFC 5107
} as const;

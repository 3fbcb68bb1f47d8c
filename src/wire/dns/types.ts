// The shapes of DNS messages and records as every layer sees them (docs/wire-dns.md).
// The codec (message.ts, rdata.ts) turns them into wire bytes and back; the zone-file
// reader and writer (src/protocol/dns/zone-file/) into presentation text and back.
//
// Names are presentation text, absolute, with the trailing dot ("www.example.com.",
// "." for the root), escapes as src/wire/dns-name.ts writes them ("\." and "\DDD"),
// case as received (DNS compares names case-insensitively: nameKey()).
// Character strings (TXT, HINFO, NAPTR, CAA values) are bytes: DNS does not say
// they are text in any encoding.

/** Resource record types the codec knows by number (IANA "Resource Record (RR) TYPEs"). */
export const RRType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NAPTR: 35, DNAME: 39,
  OPT: 41, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52,
  SVCB: 64, HTTPS: 65, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
} as const;

export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/**
 * Response codes, 12 bits: 0–15 in the header, the upper 8 in the OPT record
 * (RFC 6891). 16 is BADVERS in an OPT and BADSIG in a TSIG (RFC 8945).
 */
export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8,
  NOTAUTH: 9, NOTZONE: 10, BADVERS: 16, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADMODE: 19, BADNAME: 20, BADALG: 21,
  BADTRUNC: 22, BADCOOKIE: 23,
} as const;

/** EDNS option codes (IANA "DNS EDNS0 Option Codes"). */
export const EdnsOption = { NSID: 3, CLIENT_SUBNET: 8, EXPIRE: 9, COOKIE: 10, TCP_KEEPALIVE: 11, PADDING: 12 } as const;

export interface AData { readonly address: string }                 // dotted quad
export interface AAAAData { readonly address: string }              // RFC 5952 text, lower case
export interface NSData { readonly host: string }
export interface CNAMEData { readonly target: string }
export interface DNAMEData { readonly target: string }
export interface PTRData { readonly host: string }
export interface MXData { readonly preference: number; readonly exchange: string }
export interface SOAData {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}
export interface TXTData { readonly strings: readonly Buffer[] }    // one or more, each ≤ 255 bytes
export interface HINFOData { readonly cpu: Buffer; readonly os: Buffer }
export interface SRVData { readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
export interface NAPTRData {
  readonly order: number;
  readonly preference: number;
  readonly flags: Buffer;
  readonly services: Buffer;
  readonly regexp: Buffer;
  readonly replacement: string;
}
export interface CAAData { readonly flags: number; readonly tag: string; readonly value: Buffer }
/** RFC 8945; `timeSigned` in seconds since the epoch (48 bits). */
export interface TSIGData {
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly other: Buffer;
}
/** Every other type (RFC 3597), DNSSEC types among them: the RDATA bytes as they are. */
export interface OpaqueData { readonly opaque: Buffer }

/** The data shape of each type the codec decodes into fields. */
export interface RDataMap {
  1: AData;
  2: NSData;
  5: CNAMEData;
  6: SOAData;
  12: PTRData;
  13: HINFOData;
  15: MXData;
  16: TXTData;
  28: AAAAData;
  33: SRVData;
  35: NAPTRData;
  39: DNAMEData;
  250: TSIGData;
  257: CAAData;
}
export type KnownType = keyof RDataMap;
export type RData = RDataMap[KnownType] | OpaqueData;

/**
 * One record. A known type's `data` always has that type's shape (the decoder makes
 * it so, the encoder checks it); any other type's is OpaqueData. Narrow with hasType().
 */
export interface ResourceRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: RData;
}

export type TypedRecord<T extends KnownType> = ResourceRecord & { readonly type: T; readonly data: RDataMap[T] };

export function hasType<T extends KnownType>(rr: ResourceRecord, type: T): rr is TypedRecord<T> {
  return rr.type === type;
}

export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface EdnsOptionValue {
  readonly code: number;
  readonly data: Buffer;
}

/** The OPT pseudo-record (RFC 6891), lifted out of the additional section. */
export interface Edns {
  /** The sender's UDP payload size (values below 512 are read as 512 by servers, kept as sent here). */
  readonly udpSize: number;
  readonly version: number;
  /** DNSSEC OK. */
  readonly do: boolean;
  /** The other 15 flag bits, as sent (must be zero; kept so they can be echoed as zero or checked). */
  readonly z: number;
  readonly options: readonly EdnsOptionValue[];
}

export interface DnsFlags {
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  /** The reserved bit (must be zero). */
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
}

/**
 * A whole message. `rcode` is the full 12-bit code: the header's 4 bits plus, when
 * `edns` is present, the OPT record's upper 8. The OPT record is never in
 * `additionals`; a TSIG record, when present, is the last of them. In an UPDATE
 * (RFC 2136) the sections are zone, prerequisite, update and additional.
 */
export interface DnsMessage {
  readonly id: number;
  readonly flags: DnsFlags;
  readonly rcode: number;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  readonly additionals: readonly ResourceRecord[];
  readonly edns?: Edns;
}

export const DNS_HEADER_BYTES = 12;
/** The classic UDP limit without EDNS (RFC 1035). */
export const CLASSIC_UDP_BYTES = 512;
/** The DNS Flag Day 2020 default EDNS buffer size. */
export const DEFAULT_EDNS_UDP_BYTES = 1232;

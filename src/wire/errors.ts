// Typed errors of the wire codecs. A decoder never throws anything but a
// WireDecodeError; its `reason` is a stable machine name (servers count dropped
// datagrams per reason), its `offset` the byte where the problem was found and
// its message a human explanation. An encoder refuses values it cannot put on
// the wire with a WireEncodeError. Reasons are never renamed or reused: retire
// one by leaving it here unused. docs/wire-dhcp4.md documents the datagram
// reasons, docs/wire-failover.md the failover stream's (which also throws
// truncated, oversized and bad-magic) and docs/wire-dns.md the DNS message
// codec's (which also throws truncated, oversized, bad-label, bad-pointer and
// name-too-long) and docs/wire-tftp.md the TFTP codec's (also truncated and
// oversized); unit tests keep each table in step.

/** Reasons of the datagram codecs (DHCPv4, ICMP echo, DNS names). */
export const DATAGRAM_DECODE_REASONS = {
  truncated: 'The input ends inside a fixed-size part (DHCPv4: the 236-byte BOOTP header + 4-byte magic cookie; failover: a field of a message body, or the stream inside a frame; DNS: the 12-byte header, or a question\'s or record\'s name or fixed fields; TFTP: the 2-byte opcode, or the block number or error code after it).',
  oversized: 'The input is longer than the decoder accepts (DHCPv4: 4096 bytes by default, like Kea\'s receive buffer; failover: a frame length above 4 MiB or above what its type can hold, refused from the header; DNS: a message over 65535 bytes; TFTP: a packet over 65468 bytes, a DATA of the largest block size of RFC 2348).',
  'bad-op': 'The BOOTP op is neither BOOTREQUEST (1) nor BOOTREPLY (2).',
  'bad-htype': 'The hardware type is 0 or not assigned by IANA (1–41 are).',
  'bad-hlen': 'The hardware address length is more than the 16 bytes of chaddr.',
  'bad-magic': 'The magic number is wrong (DHCPv4: the four bytes after the BOOTP header are not the cookie 99.130.83.99; failover: a frame does not start with "OF").',
  'option-overrun': 'An option\'s length (or its missing length byte) runs past the end of the area that holds it.',
  'bad-option-length': 'A known option (or sub-option) has a length its type does not allow, e.g. message type not 1 byte, routers not a multiple of 4.',
  'bad-overload': 'Option 52 (overload) is not one of 1 (file), 2 (sname), 3 (both).',
  'overload-loop': 'Option 52 (overload) appears inside sname or file, which it would make hold options again.',
  'suboption-overrun': 'Inside an option\'s data, an element runs past its end: a sub-option (43, 82), a user class (77), a route (121) or a name (81, 119).',
  'bad-option-value': 'An option holds a value its type does not allow, e.g. a classless route wider than /32, an empty user class.',
  'bad-label': 'A domain name has a label of a reserved type (0x40, 0x80), or a compression pointer where none is allowed.',
  'bad-pointer': 'A name compression pointer does not point strictly before the name it continues (forward, self or loop).',
  'name-too-long': 'A domain name is longer than 255 bytes in wire form.',
} as const;

/** Reasons only the failover stream codec (src/wire/failover/) throws. */
export const FAILOVER_DECODE_REASONS = {
  'bad-version': 'A failover frame\'s version byte is not 1.',
  'unknown-type': 'A failover frame\'s type is not one of the message types 1–10.',
  'unexpected-type': 'A failover frame type the connection\'s phase does not allow: a MAC\'d message (types 4–10) before the session key, or a handshake message (1–3) after it.',
  'bad-sequence': 'A failover frame\'s sequence number is not the next one expected: a gap or a repeat (numbering restarts at 0 when the session starts).',
  'bad-mac': 'A failover frame\'s MAC is not the session key\'s HMAC-SHA256 of its header and body.',
  'bad-count': 'A failover message\'s count promises more entries than the rest of its body can hold.',
  'string-overrun': 'A failover string\'s length runs past the end of the message body.',
  'bad-string': 'A failover string is longer than its limit (255 bytes; a lease\'s 3072) or is not valid UTF-8.',
  'bad-enum': 'A failover code byte is not one the protocol defines (lease state, failover state, role, mode, result, command, reason, last-page flag).',
  'bad-time': 'A failover time (u64 milliseconds since the epoch) is above Number.MAX_SAFE_INTEGER.',
  'trailing-bytes': 'A failover message body goes on after its last field.',
} as const;

/** Reasons only the DNS message codec (src/wire/dns/) throws. */
export const DNS_DECODE_REASONS = {
  'count-overrun': 'A DNS header count (QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT) promises more questions or records than the message holds: it ends between two entries before the count is reached.',
  'trailing-data': 'A DNS message goes on after the last record its header counts announce (RFC 1035 leaves no room for it; a server answers FORMERR).',
  'rdata-overrun': 'A DNS record\'s RDLENGTH runs past the end of the message.',
  'bad-rdata-length': 'A DNS record\'s RDATA is shorter or longer than its type\'s fields consume: A not 4 bytes, AAAA not 16, a name, character string or field running past RDLENGTH, bytes left after the last field, or no RDATA for a known type outside class ANY and NONE.',
  'bad-rdata': 'A DNS record\'s RDATA holds a value its type does not allow: a CAA tag that is empty or not only ASCII letters and digits (RFC 8659 §4.1).',
  'multiple-opt': 'A DNS message has more than one OPT record (RFC 6891 §6.1.1).',
  'bad-opt': 'An OPT record is not owned by the root name, or is in the answer or authority section (RFC 6891 §6.1.1).',
  'bad-edns-option': 'An EDNS option runs past the OPT record\'s RDATA, or has a length its code does not allow (EXPIRE: 0 or 4 bytes, RFC 7314 §2).',
  'bad-cookie': 'An EDNS COOKIE option is not an 8-byte client cookie optionally followed by an 8–32-byte server cookie (RFC 7873 §4; a server answers FORMERR, §5.2.2).',
  'misplaced-tsig': 'A TSIG record is not the last record of the additional section (RFC 8945 §5.1).',
} as const;

/** Reasons only the TFTP codec (src/wire/tftp/) throws. */
export const TFTP_DECODE_REASONS = {
  'bad-opcode': 'A TFTP packet\'s opcode is not one of 1–6 (RRQ, WRQ, DATA, ACK, ERROR, OACK; RFC 1350, RFC 2347).',
  'unterminated-string': 'A TFTP string (file name, mode, option name or value, error message) has no NUL byte before the packet ends.',
  'bad-mode': 'A TFTP request\'s mode is not netascii, octet or mail (RFC 1350; any case).',
  'bad-option': 'A TFTP option (RFC 2347) is malformed: a name without its value, an empty name, or a name given twice (names compare without case).',
  'excess-bytes': 'A TFTP packet goes on after its last field: an ACK longer than 4 bytes, or bytes after the NUL that ends an ERROR\'s message.',
} as const;

/** Every decode reason of every wire codec. */
export const WIRE_DECODE_REASONS = { ...DATAGRAM_DECODE_REASONS, ...FAILOVER_DECODE_REASONS, ...DNS_DECODE_REASONS, ...TFTP_DECODE_REASONS } as const;

export type WireDecodeReason = keyof typeof WIRE_DECODE_REASONS;

export const WIRE_ENCODE_REASONS = {
  'bad-value': 'A value is out of its type\'s range (a byte above 255, an address that is not an unsigned 32-bit number, a prefix longer than 32…).',
  'bad-name': 'A domain name cannot be written: an empty or 64+ byte label, more than 255 bytes, or a bad escape (DNS: also a name without its trailing dot).',
  'too-long': 'A field is longer than the room it has (DHCPv4: chaddr > 16, sname > 64, file > 128 bytes, a sub-option > 255; failover: a string over its limit of UTF-8 bytes; DNS: a character string over 255 bytes, RDATA or an EDNS option over 65535).',
  'too-large': 'The message does not fit in the allowed length (DHCPv4: even after overloading sname and file; failover: a body over 4 MiB, or more than 65535 entries; DNS: a message over 65535 bytes, a section of more than 65535 entries, or a size-limited response whose header, questions, OPT and TSIG records alone exceed the limit).',
  'no-space': 'The caller\'s buffer is smaller than the encoding.',
} as const;

export type WireEncodeReason = keyof typeof WIRE_ENCODE_REASONS;

/**
 * Input bytes that cannot be decoded. The only exception a decoder throws. It carries
 * no stack trace: servers throw one per bad datagram, reason and offset say where it
 * arose, and capturing a stack would cost 3–5 µs per datagram under a flood.
 */
export class WireDecodeError extends Error {
  constructor(
    readonly reason: WireDecodeReason,
    /** Byte offset in the decoder's input where the problem was found. */
    readonly offset: number,
    detail: string,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${reason} at byte ${offset}: ${detail}`);
    Error.stackTraceLimit = limit;
    this.name = 'WireDecodeError';
  }
}

/** A value that cannot be put on the wire (a caller's or a config's mistake, never the peer's). */
export class WireEncodeError extends Error {
  constructor(
    readonly reason: WireEncodeReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'WireEncodeError';
  }
}

export function isWireDecodeError(err: unknown): err is WireDecodeError {
  return err instanceof WireDecodeError;
}

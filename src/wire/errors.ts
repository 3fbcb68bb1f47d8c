// Typed errors of the wire codecs. A decoder never throws anything but a
// WireDecodeError; its `reason` is a stable machine name (servers count dropped
// datagrams per reason), its `offset` the byte where the problem was found and
// its message a human explanation. An encoder refuses values it cannot put on
// the wire with a WireEncodeError. Reasons are never renamed or reused: retire
// one by leaving it here unused. docs/wire-dhcp4.md documents each; a unit test
// keeps the two in step.

export const WIRE_DECODE_REASONS = {
  truncated: 'The datagram ends before its fixed header does (DHCPv4: 236-byte BOOTP header + 4-byte magic cookie).',
  oversized: 'The datagram is longer than the decoder accepts (DHCPv4: 4096 bytes by default, like Kea\'s receive buffer).',
  'bad-op': 'The BOOTP op is neither BOOTREQUEST (1) nor BOOTREPLY (2).',
  'bad-htype': 'The hardware type is 0 or not assigned by IANA (1–41 are).',
  'bad-hlen': 'The hardware address length is more than the 16 bytes of chaddr.',
  'bad-magic': 'The four bytes after the BOOTP header are not the DHCP magic cookie 99.130.83.99.',
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

export type WireDecodeReason = keyof typeof WIRE_DECODE_REASONS;

export const WIRE_ENCODE_REASONS = {
  'bad-value': 'A value is out of its type\'s range (a byte above 255, an address that is not an unsigned 32-bit number, a prefix longer than 32…).',
  'bad-name': 'A domain name cannot be written: an empty or 64+ byte label, more than 255 bytes, or a bad escape.',
  'too-long': 'A field is longer than the room it has (chaddr > 16, sname > 64, file > 128 bytes; a sub-option > 255).',
  'too-large': 'The message does not fit in the allowed length even after overloading sname and file.',
  'no-space': 'The caller\'s buffer is smaller than the encoding.',
} as const;

export type WireEncodeReason = keyof typeof WIRE_ENCODE_REASONS;

/** Input bytes that cannot be decoded. The only exception a decoder throws. */
export class WireDecodeError extends Error {
  constructor(
    readonly reason: WireDecodeReason,
    /** Byte offset in the decoder's input where the problem was found. */
    readonly offset: number,
    detail: string,
  ) {
    super(`${reason} at byte ${offset}: ${detail}`);
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

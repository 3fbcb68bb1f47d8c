// ICMP echo request and reply (RFC 792), the one ICMP message Outpost sends: a ping
// of a free address before the DHCP server offers it. The message is the bare ICMP
// part: the IP header is the kernel's business (docs/native.md).
//
// The checksum is written on encode (a ping socket rewrites it, a raw socket sends it
// as is) and not checked on decode: replies are matched by a random token in the
// payload, and the kernel has already dropped datagrams with a bad IP checksum.
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;
/** Type, code, checksum, identifier, sequence. */
export const ICMP_ECHO_HEADER = 8;
/** Largest payload that fits an IPv4 datagram (65535 − 20 IP − 8 ICMP). */
export const ICMP_ECHO_MAX_PAYLOAD = 65507;

export interface IcmpEcho {
  /** ICMP_ECHO_REQUEST or ICMP_ECHO_REPLY (decode passes any type through for the caller to check). */
  readonly type: number;
  readonly code: number;
  readonly identifier: number;
  readonly sequence: number;
  readonly payload: Buffer;
}

/** The Internet checksum (RFC 1071) of data: one's complement of the one's complement sum of 16-bit words. */
export function internetChecksum(data: Buffer): number {
  let sum = 0;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (even < data.length) sum += data[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function check(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new WireEncodeError('bad-value', `ICMP echo ${what} must be an integer from 0 to ${max}, got ${String(value)}`);
}

export const icmpEcho: Codec<IcmpEcho> = {
  encode(m) {
    check(m.type, 255, 'type');
    check(m.code, 255, 'code');
    check(m.identifier, 0xffff, 'identifier');
    check(m.sequence, 0xffff, 'sequence');
    if (m.payload.length > ICMP_ECHO_MAX_PAYLOAD) throw new WireEncodeError('too-long', `ICMP echo payload is ${m.payload.length} bytes, at most ${ICMP_ECHO_MAX_PAYLOAD}`);
    const out = Buffer.alloc(ICMP_ECHO_HEADER + m.payload.length);
    out[0] = m.type;
    out[1] = m.code;
    out.writeUInt16BE(m.identifier, 4);
    out.writeUInt16BE(m.sequence, 6);
    m.payload.copy(out, ICMP_ECHO_HEADER);
    out.writeUInt16BE(internetChecksum(out), 2);
    return out;
  },
  decode(data) {
    if (data.length < ICMP_ECHO_HEADER) throw new WireDecodeError('truncated', data.length, `an ICMP echo message has an 8-byte header, got ${data.length} bytes`);
    if (data.length - ICMP_ECHO_HEADER > ICMP_ECHO_MAX_PAYLOAD) throw new WireDecodeError('oversized', ICMP_ECHO_HEADER, `ICMP echo payload of ${data.length - ICMP_ECHO_HEADER} bytes, at most ${ICMP_ECHO_MAX_PAYLOAD}`);
    return {
      type: data[0]!,
      code: data[1]!,
      identifier: data.readUInt16BE(4),
      sequence: data.readUInt16BE(6),
      payload: Buffer.from(data.subarray(ICMP_ECHO_HEADER)),
    };
  },
  encodingLength(m) {
    return ICMP_ECHO_HEADER + m.payload.length;
  },
};

// The 12-byte DNS header (RFC 1035 §4.1.1, RFC 2535 §6.1 for AD and CD):
//
//   ID (16) | QR | OPCODE (4) | AA | TC | RD | RA | Z | AD | CD | RCODE (4) | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT
import { WireDecodeError } from '../errors.js';
import { MessageWriter } from './compression.js';
import { DNS_HEADER_BYTES, type DnsFlags } from './types.js';

/** The header alone: what a server needs to answer FORMERR to a message it cannot decode. */
export interface DnsHeader {
  readonly id: number;
  readonly flags: DnsFlags;
  /** The header's 4 bits only (without an OPT record's extension). */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

/** Reads the header of buf; throws WireDecodeError('truncated') when buf is shorter than 12 bytes. */
export function decodeHeader(buf: Buffer): DnsHeader {
  if (buf.length < DNS_HEADER_BYTES) throw new WireDecodeError('truncated', buf.length, `message of ${buf.length} bytes ends inside the 12-byte header`);
  return {
    id: buf.readUInt16BE(0),
    flags: flagsOf(buf[2]!, buf[3]!),
    rcode: buf[3]! & 0x0f,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

export function flagsOf(b2: number, b3: number): DnsFlags {
  return {
    qr: (b2 & 0x80) !== 0,
    opcode: (b2 >> 3) & 0x0f,
    aa: (b2 & 0x04) !== 0,
    tc: (b2 & 0x02) !== 0,
    rd: (b2 & 0x01) !== 0,
    ra: (b3 & 0x80) !== 0,
    z: (b3 & 0x40) !== 0,
    ad: (b3 & 0x20) !== 0,
    cd: (b3 & 0x10) !== 0,
  };
}

const FLAG_NAMES = ['qr', 'aa', 'tc', 'rd', 'ra', 'z', 'ad', 'cd'] as const;

/** Writes the header with the given counts; `rcode` is the header's 4 bits. */
export function writeHeader(w: MessageWriter, id: number, flags: DnsFlags, rcode: number, counts: readonly [number, number, number, number]): void {
  w.at('');
  w.uint(id, 16, 'id');
  if (typeof flags !== 'object' || flags === null) w.fail('flags', 'not an object');
  for (const f of FLAG_NAMES) if (typeof flags[f] !== 'boolean') w.fail(`flags.${f}`, 'not a boolean');
  if (!Number.isInteger(flags.opcode) || flags.opcode < 0 || flags.opcode > 15) w.fail('flags.opcode', `${String(flags.opcode)} is not an integer in 0..15`);
  w.u8((flags.qr ? 0x80 : 0) | (flags.opcode << 3) | (flags.aa ? 0x04 : 0) | (flags.tc ? 0x02 : 0) | (flags.rd ? 0x01 : 0));
  w.u8((flags.ra ? 0x80 : 0) | (flags.z ? 0x40 : 0) | (flags.ad ? 0x20 : 0) | (flags.cd ? 0x10 : 0) | rcode);
  for (const c of counts) w.u16(c);
}

/** Overwrites the four counts of the header at `base`. */
export function patchCounts(buf: Buffer, base: number, qd: number, an: number, ns: number, ar: number): void {
  buf.writeUInt16BE(qd, base + 4);
  buf.writeUInt16BE(an, base + 6);
  buf.writeUInt16BE(ns, base + 8);
  buf.writeUInt16BE(ar, base + 10);
}

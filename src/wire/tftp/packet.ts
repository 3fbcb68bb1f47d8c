// The TFTP packet codec (docs/wire-tftp.md): RRQ and WRQ with their mode and RFC 2347
// options, DATA, ACK, ERROR and OACK, in the one codec shape. decode never trusts the
// input: every string must end in a NUL inside the packet, a request's mode must be
// one RFC 1350 names, options come in pairs with distinct non-empty names, an ACK is
// exactly 4 bytes and nothing follows an ERROR's message. DATA comes back as a view of
// the input; encodeDataInto lets a sender build DATA in place around a block it read.
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import { WireWriter, checkUint } from '../writer.js';
import { optionsLength, readOptions, readString, stringLength, writeOptions, writeString } from './strings.js';
import { TFTP_DATA_HEADER, TFTP_MAX_BLKSIZE, TFTP_MAX_PACKET, TftpOpcode, type TftpMode, type TftpPacket } from './types.js';

const MODES: ReadonlySet<string> = new Set<TftpMode>(['netascii', 'octet', 'mail']);

export function decodePacket(data: Buffer): TftpPacket {
  if (data.length > TFTP_MAX_PACKET) throw new WireDecodeError('oversized', TFTP_MAX_PACKET, `a TFTP packet of ${data.length} bytes, at most ${TFTP_MAX_PACKET}`);
  const r = new WireReader(data, 0, data.length, 'truncated');
  const opcode = r.u16('opcode');
  switch (opcode) {
    case TftpOpcode.RRQ:
    case TftpOpcode.WRQ: {
      const filename = readString(r, 'file name');
      const at = r.pos;
      const mode = readString(r, 'mode').toLowerCase();
      if (!MODES.has(mode)) throw new WireDecodeError('bad-mode', at, `mode ${JSON.stringify(mode.slice(0, 32))} is not netascii, octet or mail`);
      return { op: opcode === TftpOpcode.RRQ ? 'rrq' : 'wrq', filename, mode: mode as TftpMode, options: readOptions(r) };
    }
    case TftpOpcode.DATA:
      return { op: 'data', block: r.u16('block number'), data: data.subarray(TFTP_DATA_HEADER) };
    case TftpOpcode.ACK: {
      const block = r.u16('block number');
      if (r.remaining > 0) throw new WireDecodeError('excess-bytes', r.pos, `an ACK is 4 bytes, got ${data.length}`);
      return { op: 'ack', block };
    }
    case TftpOpcode.ERROR: {
      const code = r.u16('error code');
      const message = readString(r, 'error message');
      if (r.remaining > 0) throw new WireDecodeError('excess-bytes', r.pos, `${r.remaining} bytes after the error message`);
      return { op: 'error', code, message };
    }
    case TftpOpcode.OACK:
      return { op: 'oack', options: readOptions(r) };
    default:
      throw new WireDecodeError('bad-opcode', 0, `opcode ${opcode} is not one of 1–6`);
  }
}

export function packetLength(p: TftpPacket): number {
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      if (!MODES.has(p.mode)) throw new WireEncodeError('bad-value', `mode ${String(p.mode)} is not netascii, octet or mail`);
      return 2 + stringLength(p.filename, 'file name') + stringLength(p.mode, 'mode') + optionsLength(p.options);
    case 'data':
      if (!Buffer.isBuffer(p.data)) throw new WireEncodeError('bad-value', 'DATA: data is not a Buffer');
      if (p.data.length > TFTP_MAX_BLKSIZE) throw new WireEncodeError('too-long', `DATA of ${p.data.length} bytes, at most ${TFTP_MAX_BLKSIZE}`);
      return TFTP_DATA_HEADER + p.data.length;
    case 'ack':
      return 4;
    case 'error':
      return 4 + stringLength(p.message, 'error message');
    case 'oack':
      return 2 + optionsLength(p.options);
    default:
      throw new WireEncodeError('bad-value', `not a TFTP packet: op ${String((p as { op?: unknown }).op)}`);
  }
}

/** Writes p at buf[offset…]; returns the bytes written. */
export function encodeInto(p: TftpPacket, buf: Buffer, offset = 0): number {
  const length = packetLength(p);
  const w = new WireWriter(buf, offset);
  w.room(length);
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      w.u16(p.op === 'rrq' ? TftpOpcode.RRQ : TftpOpcode.WRQ);
      writeString(w, p.filename);
      writeString(w, p.mode);
      writeOptions(w, p.options);
      break;
    case 'data':
      w.u16(TftpOpcode.DATA);
      w.u16(checkUint(p.block, 0xffff, 'DATA block number'));
      w.bytes(p.data);
      break;
    case 'ack':
      w.u16(TftpOpcode.ACK);
      w.u16(checkUint(p.block, 0xffff, 'ACK block number'));
      break;
    case 'error':
      w.u16(TftpOpcode.ERROR);
      w.u16(checkUint(p.code, 0xffff, 'error code'));
      writeString(w, p.message);
      break;
    case 'oack':
      w.u16(TftpOpcode.OACK);
      writeOptions(w, p.options);
      break;
  }
  return length;
}

export function encodePacket(p: TftpPacket): Buffer {
  const out = Buffer.allocUnsafe(packetLength(p));
  encodeInto(p, out);
  return out;
}

/** Makes buf a DATA packet: writes the 4-byte header in front of the block already at buf[4…]. */
export function encodeDataHeader(buf: Buffer, block: number): void {
  if (buf.length < TFTP_DATA_HEADER || buf.length > TFTP_MAX_PACKET) throw new WireEncodeError('too-long', `DATA packet of ${buf.length} bytes: 4 to ${TFTP_MAX_PACKET}`);
  buf.writeUInt16BE(TftpOpcode.DATA, 0);
  buf.writeUInt16BE(checkUint(block, 0xffff, 'DATA block number'), 2);
}

export const tftpPacket: Codec<TftpPacket> = { encode: encodePacket, decode: decodePacket, encodingLength: packetLength };

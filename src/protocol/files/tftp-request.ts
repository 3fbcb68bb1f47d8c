// A datagram that reached a TFTP server port, judged before anything touches the disk
// (docs/files.md "TFTP"): a read or write request with its checked path, or an ERROR
// to answer with (and the reason counted), or nothing at all for a packet that is not
// a request — a stray of some transfer, never answered (an ERROR is never answered
// with an ERROR). Pure; which directories are writable is the caller's
// (UploadStore.covers).
//
//   a request whose options do not decode        ERROR 8 (RFC 2347)
//   any other request that does not decode       ERROR 4
//   an unknown opcode, or none (under 2 bytes)   ERROR 4
//   DATA, ACK, OACK or ERROR to the server port  nothing (counted)
//   mode mail                                    ERROR 4 (RFC 1350's mail mode is not served)
//   a path the tree refuses (.., control bytes…) ERROR 2
//   a directory                                  ERROR 1 (read) or 2 (write)
//   a write outside files.tftp.writable          ERROR 2
import { treePath } from './tree-path.js';
import { isWireDecodeError } from '../../wire/errors.js';
import { decodePacket } from '../../wire/tftp/packet.js';
import { TftpErrorCode, TftpOpcode, type TftpOption, type TftpPacket } from '../../wire/tftp/types.js';

export type TftpRequestDecision =
  | { readonly kind: 'ignore'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'refuse'; readonly reason: string; readonly code: number; readonly message: string; readonly op?: 'rrq' | 'wrq'; readonly filename?: string }
  | {
    readonly kind: 'rrq' | 'wrq';
    /** The path checked by treePath: relative, '/'-separated. */
    readonly path: string;
    readonly filename: string;
    readonly mode: 'octet' | 'netascii';
    readonly options: readonly TftpOption[];
  };

export function judgeRequest(data: Buffer, writable: (path: string) => boolean): TftpRequestDecision {
  let p: TftpPacket;
  try {
    p = decodePacket(data);
  } catch (error) {
    if (!isWireDecodeError(error)) throw error;
    const opcode = data.length >= 2 ? data.readUInt16BE(0) : -1;
    if (opcode >= TftpOpcode.DATA && opcode <= TftpOpcode.OACK) return { kind: 'ignore', reason: error.reason, detail: `an undecodable stray packet: ${error.message}` };
    if (error.reason === 'bad-option' && (opcode === TftpOpcode.RRQ || opcode === TftpOpcode.WRQ)) {
      return { kind: 'refuse', reason: error.reason, code: TftpErrorCode.OPTION_REFUSED, message: `option negotiation failed: ${error.message}` };
    }
    return { kind: 'refuse', reason: error.reason, code: TftpErrorCode.ILLEGAL_OPERATION, message: `illegal TFTP operation: ${error.message}` };
  }
  if (p.op === 'error') return { kind: 'ignore', reason: 'not-a-request', detail: `ERROR ${p.code} ${JSON.stringify(p.message.slice(0, 64))} sent to the server port` };
  // DATA, ACK or OACK: a stray packet of some transfer (tftp-hpa sends an ACK after an ERROR it got from the server port).
  if (p.op !== 'rrq' && p.op !== 'wrq') return { kind: 'ignore', reason: 'not-a-request', detail: `${p.op.toUpperCase()} sent to the server port` };
  const who = { op: p.op, filename: p.filename };
  if (p.mode === 'mail') return { kind: 'refuse', reason: 'mail-mode', code: TftpErrorCode.ILLEGAL_OPERATION, message: 'mail mode is not supported', ...who };
  const checked = treePath(p.filename);
  if (!checked.ok) return { kind: 'refuse', reason: checked.reason, code: TftpErrorCode.ACCESS_VIOLATION, message: `access violation: ${checked.reason}`, ...who };
  if (checked.directory) {
    return p.op === 'rrq'
      ? { kind: 'refuse', reason: 'not-a-file', code: TftpErrorCode.FILE_NOT_FOUND, message: 'file not found: a directory', ...who }
      : { kind: 'refuse', reason: 'not-writable', code: TftpErrorCode.ACCESS_VIOLATION, message: 'access violation: a directory', ...who };
  }
  if (p.op === 'wrq' && !writable(checked.path)) {
    return { kind: 'refuse', reason: 'not-writable', code: TftpErrorCode.ACCESS_VIOLATION, message: 'access violation: not writable', ...who };
  }
  return { kind: p.op, path: checked.path, filename: p.filename, mode: p.mode, options: p.options };
}

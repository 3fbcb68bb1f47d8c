// TFTP option negotiation (RFC 2347; blksize RFC 2348, timeout and tsize RFC 2349,
// windowsize RFC 7440): what the server grants for one request. An option granted is
// answered in the OACK, in the order the client sent them; an option not granted is
// left out (the client then uses the RFC 1350 default), as are unknown options and
// values out of range. When nothing is granted there is no OACK and the transfer
// starts as in RFC 1350 (DATA 1 for a read, ACK 0 for a write). Pure.
//
//   blksize     8..65464, granted up to maxBlksize (a larger request gets maxBlksize)
//   timeout     1..255 seconds, granted as asked (RFC 2349: the server answers the same value)
//   tsize       read, octet mode: the file's size; write: the size announced, refused
//               with ERROR 3 when it exceeds the write limit
//   windowsize  1..65535, reads only, granted up to maxWindowsize (writes are received
//               one block at a time and the option is left out)
import { TFTP_DEFAULT_BLKSIZE, TFTP_MAX_BLKSIZE, TFTP_MIN_BLKSIZE, TftpErrorCode, type TftpMode, type TftpOption } from '../../wire/tftp/types.js';

export interface TftpLimits {
  /** files.tftp.maxBlksize */
  readonly maxBlksize: number;
  /** files.tftp.maxWindowsize */
  readonly maxWindowsize: number;
  /** files.tftp.timeout in milliseconds: the retransmission timeout unless the client asks for one. */
  readonly timeoutMs: number;
  /** Largest file a write request may store. */
  readonly maxWriteBytes: number;
}

export interface TftpAgreed {
  readonly blksize: number;
  readonly windowsize: number;
  readonly timeoutMs: number;
  /** The OACK's options; empty: no OACK. */
  readonly oack: readonly TftpOption[];
  /** Options asked for and not granted, each with why. */
  readonly ignored: readonly { readonly name: string; readonly value: string; readonly why: string }[];
}

export type TftpNegotiation =
  | { readonly ok: true; readonly agreed: TftpAgreed }
  | { readonly ok: false; readonly code: number; readonly message: string; readonly reason: string };

export interface TftpNegotiationInput {
  readonly op: 'rrq' | 'wrq';
  readonly mode: TftpMode;
  readonly options: readonly TftpOption[];
  /** Read: the bytes to be sent when known in advance (octet mode), for tsize. */
  readonly size?: number;
}

const MAX_WINDOWSIZE = 65535;

/** A decimal integer as RFC 2347 values are written (digits only), or undefined. */
function integer(value: string): number | undefined {
  return /^[0-9]{1,10}$/.test(value) ? Number(value) : undefined;
}

export function negotiate(req: TftpNegotiationInput, limits: TftpLimits): TftpNegotiation {
  let blksize = TFTP_DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs = limits.timeoutMs;
  const oack: TftpOption[] = [];
  const ignored: { name: string; value: string; why: string }[] = [];
  const skip = (o: TftpOption, why: string) => ignored.push({ name: o.name, value: o.value, why });
  for (const o of req.options) {
    const n = integer(o.value);
    switch (o.name) {
      case 'blksize':
        if (n === undefined || n < TFTP_MIN_BLKSIZE || n > TFTP_MAX_BLKSIZE) skip(o, `not an integer from ${TFTP_MIN_BLKSIZE} to ${TFTP_MAX_BLKSIZE}`);
        else {
          blksize = Math.min(n, limits.maxBlksize);
          oack.push({ name: o.name, value: String(blksize) });
        }
        break;
      case 'timeout':
        if (n === undefined || n < 1 || n > 255) skip(o, 'not an integer from 1 to 255');
        else {
          timeoutMs = n * 1000;
          oack.push({ name: o.name, value: String(n) });
        }
        break;
      case 'tsize':
        if (n === undefined) skip(o, 'not an integer');
        else if (req.op === 'wrq') {
          if (n > limits.maxWriteBytes) {
            return { ok: false, code: TftpErrorCode.DISK_FULL, message: `file of ${n} bytes is larger than the ${limits.maxWriteBytes} allowed`, reason: 'too-large' };
          }
          oack.push({ name: o.name, value: String(n) });
        } else if (req.size === undefined) skip(o, 'the size is not known in advance in netascii mode');
        else oack.push({ name: o.name, value: String(req.size) });
        break;
      case 'windowsize':
        if (req.op === 'wrq') skip(o, 'writes are received one block at a time');
        else if (n === undefined || n < 1 || n > MAX_WINDOWSIZE) skip(o, `not an integer from 1 to ${MAX_WINDOWSIZE}`);
        else {
          windowsize = Math.min(n, limits.maxWindowsize);
          oack.push({ name: o.name, value: String(windowsize) });
        }
        break;
      default:
        skip(o, 'unknown option');
    }
  }
  return { ok: true, agreed: { blksize, windowsize, timeoutMs, oack, ignored } };
}

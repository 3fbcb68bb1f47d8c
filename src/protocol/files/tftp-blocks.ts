// Where a read transfer's blocks come from: a file opened once and read a window (or
// 64 KiB) at a time. Octet mode sends the file's bytes as they are, so block n is at
// offset (n−1)·blksize and the size is known in advance (tsize). Netascii mode (RFC
// 1350, RFC 764) sends LF as CR LF and CR as CR NUL: the stream sent is longer than the
// file and block n starts wherever the conversion got to, so the position in the file
// (and a half-sent CR LF or CR NUL) is kept at each block boundary, for the blocks a
// retransmission may go back to. A netascii write is turned back (fromNetascii) before
// it is stored. Pure: the file is an injected reader.
import type { TftpBlockSource } from './tftp-read.js';

/** A file opened for a transfer. */
export interface TftpFileReader {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
}

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const INPUT_CHUNK = 64 * 1024;
/** Bytes read at once at least in octet mode. */
const READ_AHEAD = 64 * 1024;

export function octetBlocks(file: TftpFileReader, blksize: number, readAhead = READ_AHEAD): TftpBlockSource {
  // The last bytes read: a lockstep transfer (windowsize 1) asks for one block at a time.
  let cache: { position: number; bytes: Buffer } | undefined;
  return {
    size: file.size,
    async read(first, count) {
      const position = (first - 1) * blksize;
      const length = Math.max(0, Math.min(count * blksize, file.size - position));
      if (length === 0) return Buffer.alloc(0);
      if (cache && position >= cache.position && position + length <= cache.position + cache.bytes.length) {
        return cache.bytes.subarray(position - cache.position, position - cache.position + length);
      }
      const want = Math.min(Math.max(length, readAhead), file.size - position);
      const bytes = await file.read(position, want);
      if (bytes.length !== want) throw new Error(`short read: ${bytes.length} of ${want} bytes at ${position} (the file changed while it was sent)`);
      cache = { position, bytes };
      return bytes.subarray(0, length);
    },
    release() {},
  };
}

interface Checkpoint {
  /** The next file byte to convert. */
  readonly pos: number;
  /** The second byte of a CR LF or CR NUL whose CR ended the previous block, or -1. */
  readonly carry: number;
}

export function netasciiBlocks(file: TftpFileReader, blksize: number): TftpBlockSource {
  const checkpoints = new Map<number, Checkpoint>([[1, { pos: 0, carry: -1 }]]);
  return {
    size: undefined,
    async read(first, count) {
      const start = checkpoints.get(first);
      if (!start) throw new Error(`netascii: block ${first} is not at a known position`);
      const out = Buffer.allocUnsafe(count * blksize);
      let o = 0;
      let { pos, carry } = start;
      const emit = (b: number) => {
        out[o++] = b;
        if (o % blksize === 0) checkpoints.set(first + o / blksize, { pos, carry });
      };
      while (o < out.length) {
        if (carry >= 0) {
          const b = carry;
          carry = -1;
          emit(b);
          continue;
        }
        if (pos >= file.size) break;
        const chunk = await file.read(pos, Math.min(INPUT_CHUNK, file.size - pos));
        if (chunk.length === 0) throw new Error(`short read at ${pos} of ${file.size} bytes (the file changed while it was sent)`);
        for (let i = 0; i < chunk.length && o < out.length; i++) {
          const c = chunk[i]!;
          pos++;
          if (c === LF || c === CR) {
            carry = c === LF ? LF : NUL;
            emit(CR);
            if (o < out.length) {
              const b = carry;
              carry = -1;
              emit(b);
            }
          } else {
            emit(c);
          }
        }
      }
      return out.subarray(0, o);
    },
    release(block) {
      for (const k of checkpoints.keys()) if (k < block) checkpoints.delete(k);
    },
  };
}

/** A netascii stream back to the file it stands for: CR LF → LF, CR NUL → CR (a CR before anything else is kept). */
export function fromNetascii(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === CR && (data[i + 1] === LF || data[i + 1] === NUL)) {
      out[o++] = data[i + 1] === LF ? LF : CR;
      i++;
    } else {
      out[o++] = c;
    }
  }
  return out.subarray(0, o);
}

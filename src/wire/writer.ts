// A bounds-checked cursor that writes into a caller's Buffer (usually one sized
// by an encodingLength). Overruns throw WireEncodeError('no-space').
import { WireEncodeError } from './errors.js';

export class WireWriter {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Throws WireEncodeError('no-space') unless n more bytes fit. */
  room(n: number): void {
    if (n > this.end - this.pos) throw new WireEncodeError('no-space', `needs ${n} bytes at ${this.pos}, ${this.end - this.pos} left`);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(src: Uint8Array): void {
    this.room(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}

/** Throws unless v is an integer in [0, max]. */
export function checkUint(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new WireEncodeError('bad-value', `${what}: ${v} is not an integer in 0..${max}`);
  return v;
}

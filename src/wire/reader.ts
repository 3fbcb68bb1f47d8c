// A bounds-checked cursor over a byte range. Every read checks that its bytes lie
// inside [pos, end) before touching them and throws a WireDecodeError otherwise:
// a length read from the wire is never trusted.
import { WireDecodeError, type WireDecodeReason } from './errors.js';

export class WireReader {
  /** Offset of the next byte to read. */
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    /** One past the last byte this reader may read. */
    readonly end = buf.length,
    /** The reason thrown when a read runs past `end`. */
    readonly overrun: WireDecodeReason = 'suboption-overrun',
  ) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError(`WireReader: bad range [${start}, ${end}) of ${buf.length} bytes`);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless n more bytes can be read. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new WireDecodeError(this.overrun, this.pos, `${what}: needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  // Byte arithmetic rather than Buffer#readUInt16BE/32BE: need() has checked the range,
  // and their own argument checks cost more than the read.
  u16(what = 'uint16'): number {
    this.need(2, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(what = 'uint32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** A view (not a copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
    this.pos += n;
  }
}

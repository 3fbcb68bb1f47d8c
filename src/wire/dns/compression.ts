// The writer every DNS encode goes through: the bounds-checked WireWriter plus
// message-wide name compression (RFC 1035 §4.1.4) and the path of the value being
// written, for error messages ("answers[2].data.exchange: …").
//
// Compression is case-preserving: the map's keys are the canonical presentation
// text of each name suffix already written (its exact bytes, case included), its
// values their offsets from the message start, so a pointer always reproduces the
// bytes it replaces and a decoded name equals the encoded one. A name is looked up
// suffix by suffix from the longest; the labels before the first hit are written and
// registered. Names that must not end in a pointer (SRV, NAPTR, DNAME, TSIG) are
// written whole but still registered as targets, as Knot does: a later owner name may
// point into them, which every receiver follows (RFC 3597 §4 is about pointers inside
// RDATA, not into it). mark()/rollback() undo a partly written record, map entries
// included, for the size-limited encoder.
import { WireEncodeError, type WireEncodeReason } from '../errors.js';
import { WireWriter } from '../writer.js';
import { nameFromText, nameToText } from '../dns-name.js';

/** Absolute names of printable ASCII without "\": the text is the canonical text of its bytes. */
const PLAIN_ABSOLUTE = /^(?:[\x21-\x2d\x2f-\x5b\x5d-\x7e]{1,63}\.)+$/;
const MAX_POINTER = 0x3fff;

/** no-space without a stack trace: the size-limited encoder catches one per RRset that does not fit. */
function noSpace(detail: string): WireEncodeError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const err = new WireEncodeError('no-space', detail);
  Error.stackTraceLimit = limit;
  return err;
}

export interface WriterMark {
  readonly pos: number;
  readonly added: number;
}

export class MessageWriter extends WireWriter {
  private readonly suffixes: Map<string, number> | undefined;
  private readonly added: string[] = [];
  /** Section (or other path) and index of the entry being written, for errors: "answers[3]". */
  private section = '';
  private index = -1;
  /** Writes past this offset fail with no-space; the size-limited encoder moves it (never past `end`). */
  limit: number;

  constructor(
    buf: Buffer,
    /** Offset of the message start: pointers count from here. */
    readonly base: number,
    end: number,
    compress: boolean,
  ) {
    super(buf, base, end);
    this.limit = end;
    this.suffixes = compress ? new Map() : undefined;
  }

  override room(n: number): void {
    if (n > this.limit - this.pos) throw noSpace(`needs ${n} bytes at ${this.pos}, ${this.limit - this.pos} left`);
  }

  // Plain stores: every value was range-checked before (uint(), constants, lengths), and
  // Buffer#writeUInt16BE's own checks cost more than the write.
  override u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  override u16(v: number): void {
    this.room(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  override u32(v: number): void {
    this.room(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  /** Sets the path errors are reported under: at('answers', 2) → "answers[2]…", at('edns') → "edns…". */
  at(section: string, index = -1): void {
    this.section = section;
    this.index = index;
  }

  /** Throws a WireEncodeError naming the field under the current path. */
  fail(field: string, detail: string, reason: WireEncodeReason = 'bad-value'): never {
    const where = this.index < 0 ? this.section : `${this.section}[${this.index}]`;
    const path = where === '' ? field : field === '' ? where : `${where}.${field}`;
    throw new WireEncodeError(reason, `${path}: ${detail}`);
  }

  /** Writes an absolute name; `compress` says whether it may end in a pointer. Its suffixes become targets either way. */
  name(text: string, compress: boolean, field: string): void {
    if (typeof text !== 'string') this.fail(field, `${String(text)} is not a name`, 'bad-name');
    if (text === '.') return this.u8(0);
    const map = this.suffixes;
    if (compress && map !== undefined) {
      // The whole name written before (the common case: owners repeat): keys are valid canonical texts.
      const at = map.get(text);
      if (at !== undefined) return this.u16(0xc000 | at);
    }
    if (text.length <= 254 && PLAIN_ABSOLUTE.test(text)) {
      const buf = this.buf;
      for (let start = 0; start < text.length; ) {
        if (map !== undefined) {
          const key = start === 0 ? text : text.slice(start);
          const at = map.get(key);
          if (at === undefined) this.register(map, key);
          else if (compress) return this.u16(0xc000 | at);
        }
        const dot = text.indexOf('.', start);
        const len = dot - start;
        this.room(len + 1);
        let p = this.pos;
        buf[p++] = len;
        for (let i = start; i < dot; i++) buf[p++] = text.charCodeAt(i);
        this.pos = p;
        start = dot + 1;
      }
      return this.u8(0);
    }
    let parsed;
    try {
      parsed = nameFromText(text);
    } catch (err) {
      if (err instanceof WireEncodeError) this.fail(field, err.message.replace(/^bad-name: /, ''), 'bad-name');
      throw err;
    }
    if (!parsed.absolute) this.fail(field, `"${text}" is not absolute (no trailing dot)`, 'bad-name');
    const labels = parsed.labels;
    for (let i = 0; i < labels.length; i++) {
      if (map !== undefined) {
        const key = nameToText({ labels: labels.slice(i), absolute: true });
        const at = map.get(key);
        if (at === undefined) this.register(map, key);
        else if (compress) return this.u16(0xc000 | at);
      }
      this.u8(labels[i]!.length);
      this.bytes(labels[i]!);
    }
    this.u8(0);
  }

  private register(map: Map<string, number>, key: string): void {
    const offset = this.pos - this.base;
    if (offset > MAX_POINTER) return;
    map.set(key, offset);
    this.added.push(key);
  }

  mark(): WriterMark {
    return { pos: this.pos, added: this.added.length };
  }

  /** Forgets everything written since `m`: the bytes and the compression targets among them. */
  rollback(m: WriterMark): void {
    this.pos = m.pos;
    if (this.suffixes !== undefined) {
      for (let i = m.added; i < this.added.length; i++) this.suffixes.delete(this.added[i]!);
    }
    this.added.length = m.added;
  }

  /** A character string (RFC 1035 §3.3): a length byte and at most 255 bytes. */
  charString(b: Buffer, field: string): void {
    if (!Buffer.isBuffer(b)) this.fail(field, 'not a Buffer');
    if (b.length > 255) this.fail(field, `${b.length} bytes (a character string holds at most 255)`, 'too-long');
    this.u8(b.length);
    this.bytes(b);
  }

  /** An unsigned integer field, range-checked. */
  uint(v: number, bits: 8 | 16 | 32, field: string): void {
    const max = bits === 8 ? 0xff : bits === 16 ? 0xffff : 0xffffffff;
    if (!Number.isInteger(v) || v < 0 || v > max) this.fail(field, `${String(v)} is not an integer in 0..${max}`);
    if (bits === 8) this.u8(v);
    else if (bits === 16) this.u16(v);
    else this.u32(v);
  }
}

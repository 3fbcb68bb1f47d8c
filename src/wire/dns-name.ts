// Domain names in DNS wire form (RFC 1035 §3.1, §4.1.4), shared by the DHCPv4
// options that carry names (81 client FQDN, 119 domain search) and the DNS
// message codec (src/wire/dns/). Decompression is loop-safe: every compression pointer must point
// strictly before the start of the name part it continues, so each jump goes to
// a smaller offset and a name is read in a bounded number of steps.
//
// Text form is the DNS presentation format: labels joined by dots, with "." and
// "\" escaped by a backslash and bytes outside 0x21–0x7e written as \DDD. A
// trailing dot marks an absolute (fully qualified) name; "." alone is the root.
import { WireDecodeError, WireEncodeError, type WireDecodeReason } from './errors.js';

export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;

/** A name as labels (without length bytes) and whether it ends in the root label. */
export interface WireName {
  readonly labels: readonly Buffer[];
  /** True when the name ended with the zero-length root label; false for a partial name. */
  readonly absolute: boolean;
}

export interface ReadNameOptions {
  /** Offset that compression pointers count from (DNS: the message start; option 119: the option data start). */
  readonly base: number;
  /** Whether compression pointers are allowed (they are not in option 81). */
  readonly compression: boolean;
  /** Whether the data may end without a root label (a partial name, option 81). */
  readonly allowPartial: boolean;
  /** Reason thrown when a label runs past `end`. */
  readonly overrun: WireDecodeReason;
}

export interface ReadNameResult extends WireName {
  /** Offset just past the name where it was stored (past its first pointer, if any). */
  readonly next: number;
}

/** Reads one name from buf[pos, end). */
export function readName(buf: Buffer, pos: number, end: number, o: ReadNameOptions): ReadNameResult {
  const labels: Buffer[] = [];
  const r = walkName(buf, pos, end, o, (start, len) => {
    labels.push(buf.subarray(start, start + len));
  });
  return { labels, absolute: r.absolute, next: r.next };
}

export interface ReadNameTextResult {
  /** Presentation text as nameToText writes it ("www.example.com." when absolute). */
  readonly text: string;
  readonly next: number;
}

/** Reads one name from buf[pos, end) straight into presentation text (no label Buffers), with readName's checks. */
export function readNameText(buf: Buffer, pos: number, end: number, o: ReadNameOptions): ReadNameTextResult {
  let text = '';
  const r = walkName(buf, pos, end, o, (start, len) => {
    for (let i = start; i < start + len; i++) text += BYTE_TEXT[buf[i]!];
    text += '.';
  });
  if (text === '') return { text: r.absolute ? '.' : '', next: r.next };
  return { text: r.absolute ? text : text.slice(0, -1), next: r.next };
}

/** Each byte as presentation text writes it: itself for 0x21–0x7e but "." and "\\", which get a backslash, else \DDD. */
const BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b === 0x2e || b === 0x5c ? `\\${String.fromCharCode(b)}` : b >= 0x21 && b <= 0x7e ? String.fromCharCode(b) : `\\${b.toString().padStart(3, '0')}`,
);

/**
 * The one loop every name read goes through: checks label types, lengths, the 255-byte
 * limit and that each pointer points strictly before the part it continues, and hands
 * each label's [start, start + len) to `label` in order.
 */
function walkName(buf: Buffer, pos: number, end: number, o: ReadNameOptions, label: (start: number, len: number) => void): { absolute: boolean; next: number } {
  let next = -1; // set at the first pointer
  let limit = pos; // a pointer must point before this
  let wireLength = 1; // the root label's length byte
  for (;;) {
    if (pos >= end) {
      if (o.allowPartial && next < 0) return { absolute: false, next: pos };
      throw new WireDecodeError(o.overrun, pos, 'name runs past the end of its data');
    }
    const len = buf[pos]!;
    if (len === 0) return { absolute: true, next: next < 0 ? pos + 1 : next };
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (!o.compression) throw new WireDecodeError('bad-label', pos, 'compression pointer in a name that must not be compressed');
      if (pos + 1 >= end) throw new WireDecodeError(o.overrun, pos, 'compression pointer runs past the end of its data');
      const target = o.base + (((len & 0x3f) << 8) | buf[pos + 1]!);
      if (target >= limit) throw new WireDecodeError('bad-pointer', pos, `pointer to ${target - o.base} does not point before ${limit - o.base}`);
      if (next < 0) next = pos + 2;
      pos = target;
      limit = target;
      continue;
    }
    if (kind !== 0) throw new WireDecodeError('bad-label', pos, `label type 0x${kind.toString(16)} is reserved`);
    if (pos + 1 + len > end) throw new WireDecodeError(o.overrun, pos, `label of ${len} bytes runs past the end of its data`);
    wireLength += len + 1;
    if (wireLength > MAX_NAME_LENGTH) throw new WireDecodeError('name-too-long', pos, `name longer than ${MAX_NAME_LENGTH} bytes`);
    label(pos + 1, len);
    pos += 1 + len;
  }
}

/** Presentation text of a name: "host.example.com." (absolute), "host" (partial), "." (root), "" (empty partial). */
export function nameToText(name: WireName): string {
  if (name.labels.length === 0) return name.absolute ? '.' : '';
  let s = '';
  for (let i = 0; i < name.labels.length; i++) {
    if (i > 0) s += '.';
    s += labelToText(name.labels[i]!);
  }
  return name.absolute ? `${s}.` : s;
}

/** Presentation text of one label's bytes ("." and "\\" escaped, bytes outside 0x21–0x7e as \\DDD). */
export function labelToText(label: Buffer): string {
  let s = '';
  for (const b of label) s += BYTE_TEXT[b];
  return s;
}

/** Parses presentation text (see nameToText); non-ASCII characters become their UTF-8 bytes. Throws WireEncodeError('bad-name'). */
export function nameFromText(text: string): WireName {
  if (text === '') return { labels: [], absolute: false };
  if (text === '.') return { labels: [], absolute: true };
  const labels: Buffer[] = [];
  let cur: number[] = [];
  let absolute = false;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x2e) {
      if (cur.length === 0) throw new WireEncodeError('bad-name', `"${text}": empty label`);
      labels.push(Buffer.from(cur));
      cur = [];
      if (i === bytes.length - 1) absolute = true;
    } else if (c === 0x5c) {
      const d = bytes.subarray(i + 1, i + 4).toString('latin1');
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new WireEncodeError('bad-name', `"${text}": escape \\${d} is above 255`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < bytes.length) {
        cur.push(bytes[++i]!);
      } else {
        throw new WireEncodeError('bad-name', `"${text}": lone backslash at the end`);
      }
    } else {
      cur.push(c);
    }
  }
  if (cur.length > 0) labels.push(Buffer.from(cur));
  const name = { labels, absolute };
  checkName(name, text);
  return name;
}

/** Throws WireEncodeError('bad-name') unless every label is 1–63 bytes and the name at most 255 bytes in wire form. */
export function checkName(name: WireName, what: string): void {
  let len = 1;
  for (const l of name.labels) {
    if (l.length === 0 || l.length > MAX_LABEL_LENGTH) throw new WireEncodeError('bad-name', `"${what}": label of ${l.length} bytes (1..${MAX_LABEL_LENGTH} allowed)`);
    len += l.length + 1;
  }
  if (len > MAX_NAME_LENGTH) throw new WireEncodeError('bad-name', `"${what}": ${len} bytes in wire form (at most ${MAX_NAME_LENGTH})`);
}

/** Wire length of a name written without compression (root label included when absolute). */
export function nameLength(name: WireName): number {
  let len = name.absolute ? 1 : 0;
  for (const l of name.labels) len += l.length + 1;
  return len;
}

/**
 * Writes names one after another into a growing byte list, compressing each name's
 * longest suffix already written (when compression is on). Offsets count from the
 * start of this writer's output, so the output is what option 119 carries.
 */
export class NameWriter {
  private readonly out: number[] = [];
  private readonly suffixes = new Map<string, number>();

  constructor(private readonly compression: boolean) {}

  write(name: WireName): void {
    checkName(name, nameToText(name));
    const { labels } = name;
    for (let i = 0; i < labels.length; i++) {
      if (this.compression && name.absolute) {
        const key = suffixKey(labels, i);
        const at = this.suffixes.get(key);
        if (at !== undefined) {
          this.out.push(0xc0 | (at >> 8), at & 0xff);
          return;
        }
        if (this.out.length <= 0x3fff) this.suffixes.set(key, this.out.length);
      }
      const l = labels[i]!;
      this.out.push(l.length);
      for (const b of l) this.out.push(b);
    }
    if (name.absolute) this.out.push(0);
  }

  get length(): number {
    return this.out.length;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.out);
  }
}

// Case-sensitive: a pointer reproduces the exact bytes, so the decoded names equal the encoded ones.
function suffixKey(labels: readonly Buffer[], from: number): string {
  let k = '';
  for (let i = from; i < labels.length; i++) k += `${labels[i]!.toString('hex')}.`;
  return k;
}

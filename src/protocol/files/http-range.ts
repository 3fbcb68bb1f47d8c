// Byte ranges (RFC 9110 §14): what a Range header asks of a file of a given size, decided
// the way nginx's range filter decides it (docs/files.md "HTTP"):
//   - no Range, or a unit other than "bytes" (case-insensitive): the whole file (200);
//   - "bytes=" then a list of first-last, first- or -suffix, optional spaces around the
//     numbers, empty list elements skipped (RFC 9110 §5.6.1);
//   - a range-spec that does not parse, a first past its last, a number past 2^53: 416;
//   - ranges that start past the end are dropped, a last past the end is clipped, a
//     suffix longer than the file is the whole file; none left: 416
//     (Content-Range: bytes */size); a file of 0 bytes asked from 0: the whole (empty) file;
//   - more than maxRanges ranges, or ranges that add up to more than the file
//     (overlapping ranges: a denial-of-service pattern), are ignored: the whole file;
//   - one range: 206 with Content-Range; several: 206 multipart/byteranges, in the order
//     asked (layoutByteranges). Pure.

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

export type RangePlan =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] }
  | { readonly kind: 'unsatisfiable' };

/** Ranges served in one response at most (nginx's max_ranges); more: the whole file. */
export const DEFAULT_MAX_RANGES = 16;
/** Range header length read at most; a longer one is unsatisfiable. */
const MAX_HEADER = 4096;

const WHOLE: RangePlan = { kind: 'whole' };
const UNSATISFIABLE: RangePlan = { kind: 'unsatisfiable' };

export function planRanges(header: string | undefined, size: number, maxRanges = DEFAULT_MAX_RANGES): RangePlan {
  if (header === undefined) return WHOLE;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return WHOLE;
  if (header.length > MAX_HEADER) return UNSATISFIABLE;
  const ranges: ByteRange[] = [];
  let specs = 0;
  let total = 0;
  let wholeFromZero = false;
  for (const raw of header.slice(eq + 1).split(',')) {
    const spec = raw.trim();
    if (spec === '') continue;
    if (++specs > maxRanges) return WHOLE;
    const m = /^(\d*)[ \t]*-[ \t]*(\d*)$/.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return UNSATISFIABLE;
    const first = m[1] === '' ? undefined : number(m[1]!);
    const last = m[2] === '' ? undefined : number(m[2]!);
    if (first === null || last === null) return UNSATISFIABLE;
    let start: number;
    let end: number;
    if (first === undefined) {
      // -suffix: the last `suffix` bytes.
      if (last === 0) continue;
      start = Math.max(0, size - last!);
      end = size - 1;
    } else {
      if (last !== undefined && first > last) return UNSATISFIABLE;
      start = first;
      end = last === undefined ? size - 1 : Math.min(last, size - 1);
    }
    if (start > end) {
      if (start === 0) wholeFromZero = true;
      continue;
    }
    ranges.push({ start, end });
    total += end - start + 1;
  }
  if (ranges.length === 0) return wholeFromZero ? WHOLE : UNSATISFIABLE;
  if (total > size) return WHOLE;
  return { kind: 'partial', ranges };
}

/** A decimal of at most 2^53 − 1, else null. */
function number(digits: string): number | null {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Content-Range of one range of a file. */
export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}

/** Content-Range of a 416 answer. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

export interface ByterangesLayout {
  /** The Content-Type of the whole response. */
  readonly contentType: string;
  /** Each part: the bytes before its data (delimiter and headers), then its range of the file. */
  readonly parts: readonly { readonly head: Buffer; readonly range: ByteRange }[];
  /** The closing delimiter. */
  readonly tail: Buffer;
  /** Content-Length of the whole body. */
  readonly length: number;
}

/** The multipart/byteranges body (RFC 9110 §14.6) of several ranges, as nginx frames it. */
export function layoutByteranges(ranges: readonly ByteRange[], size: number, partType: string, boundary: string): ByterangesLayout {
  const parts = ranges.map((range) => ({
    head: Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`, 'latin1'),
    range,
  }));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  const length = parts.reduce((sum, p) => sum + p.head.length + p.range.end - p.range.start + 1, tail.length);
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}

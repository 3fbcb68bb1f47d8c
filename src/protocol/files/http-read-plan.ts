// The answer to a GET or HEAD of a file, decided before a byte is read (docs/files.md
// "HTTP"): conditional headers first (http-conditional.ts: 304, 412), then Range for GET
// only (RFC 9110 §14.2; If-Range decides whether it applies; http-range.ts: 206, 416),
// else the whole file (200). The plan carries the status, the headers and which bytes of
// the file make the body; HEAD gets GET's headers and no body. Pure.
import { evaluateConditions, ifRangeHolds, type Current } from './http-conditional.js';
import { contentTypeOf } from './http-content-type.js';
import { formatHttpDate } from './http-date.js';
import { fileEtag, type FileVersion } from './http-etag.js';
import { contentRange, layoutByteranges, planRanges, unsatisfiedRange, type ByteRange, type ByterangesLayout } from './http-range.js';

/** The request headers a read looks at (Node's lower-cased IncomingHttpHeaders fit). */
export interface ReadHeaders {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
  readonly 'if-modified-since'?: string | undefined;
  readonly 'if-unmodified-since'?: string | undefined;
  readonly range?: string | undefined;
  readonly 'if-range'?: string | undefined;
}

export type ReadBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly range: ByteRange }
  | { readonly kind: 'byteranges'; readonly layout: ByterangesLayout };

export interface ReadPlan {
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly headers: Readonly<Record<string, string>>;
  /** What to send after the headers (GET); a HEAD sends nothing. 412 and 416: 'none', the caller writes its short error body. */
  readonly body: ReadBody;
}

export interface ReadFile extends FileVersion {
  /** Its tree path (for the Content-Type). */
  readonly path: string;
}

export interface ReadOptions {
  readonly nowSeconds: number;
  readonly maxRanges?: number;
  /** A boundary for multipart/byteranges, asked only when several ranges are served. */
  readonly boundary: () => string;
}

const NONE: ReadBody = { kind: 'none' };

export function planRead(method: 'GET' | 'HEAD', h: ReadHeaders, file: ReadFile, o: ReadOptions): ReadPlan {
  const etag = fileEtag(file);
  const current: Current = { etag, mtimeMs: file.mtimeMs };
  const validators = { ETag: etag, 'Last-Modified': formatHttpDate(file.mtimeMs) };
  const outcome = evaluateConditions(method, {
    ifMatch: h['if-match'], ifNoneMatch: h['if-none-match'], ifModifiedSince: h['if-modified-since'], ifUnmodifiedSince: h['if-unmodified-since'],
  }, current, o.nowSeconds);
  if (outcome === 'not-modified') return { status: 304, headers: validators, body: NONE };
  if (outcome === 'precondition-failed') return { status: 412, headers: {}, body: NONE };
  const type = contentTypeOf(file.path);
  const whole: ReadPlan = {
    status: 200,
    headers: { 'Content-Type': type, 'Content-Length': String(file.size), ...validators, 'Accept-Ranges': 'bytes' },
    body: file.size > 0 ? { kind: 'file', range: { start: 0, end: file.size - 1 } } : NONE,
  };
  if (method !== 'GET' || h.range === undefined || !ifRangeHolds(h['if-range'], current, o.nowSeconds)) return whole;
  const ranges = planRanges(h.range, file.size, o.maxRanges);
  if (ranges.kind === 'whole') return whole;
  if (ranges.kind === 'unsatisfiable') return { status: 416, headers: { 'Content-Range': unsatisfiedRange(file.size), ...validators }, body: NONE };
  const partial = { ...validators, 'Accept-Ranges': 'bytes' };
  if (ranges.ranges.length === 1) {
    const r = ranges.ranges[0]!;
    return {
      status: 206,
      headers: { 'Content-Type': type, 'Content-Length': String(r.end - r.start + 1), 'Content-Range': contentRange(r, file.size), ...partial },
      body: { kind: 'file', range: r },
    };
  }
  const layout = layoutByteranges(ranges.ranges, file.size, type, o.boundary());
  return { status: 206, headers: { 'Content-Type': layout.contentType, 'Content-Length': String(layout.length), ...partial }, body: { kind: 'byteranges', layout } };
}

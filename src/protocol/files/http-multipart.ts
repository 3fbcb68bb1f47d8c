// A streaming reader of multipart/form-data bodies (RFC 7578, framing of RFC 2046
// §5.1.1), for the settings files phones POST: chunks in, events out — a part begins
// (with its name, filename and type), data of the current part, the end. It holds at
// most one delimiter's length of a part's data and one part's headers, so a large part
// streams through without being gathered. The preamble and epilogue are skipped
// (bounded), headers are bounded in size, parts in number; a body that ends before the
// closing delimiter, a header line that does not parse or junk after a delimiter is
// refused with a MultipartError naming the reason. Pure.
import { extValue, parseParams } from './http-credentials.js';

export type MultipartRefusal = 'boundary' | 'preamble-too-long' | 'bad-delimiter' | 'header-too-long' | 'bad-header' | 'too-many-parts' | 'truncated';

export class MultipartError extends Error {
  constructor(readonly reason: MultipartRefusal) {
    super(`multipart body refused: ${reason}`);
    this.name = 'MultipartError';
  }
}

export interface PartHeaders {
  /** The form field name (Content-Disposition name). */
  readonly name?: string;
  /** The file name the client gave (filename*, else filename), as sent. */
  readonly filename?: string;
  readonly contentType?: string;
}

export type MultipartEvent =
  | { readonly type: 'part'; readonly headers: PartHeaders }
  | { readonly type: 'data'; readonly data: Buffer }
  | { readonly type: 'end' };

export interface MultipartLimits {
  readonly maxHeaderBytes: number;
  readonly maxParts: number;
  readonly maxPreamble: number;
}

const DEFAULT_LIMITS: MultipartLimits = { maxHeaderBytes: 8192, maxParts: 16, maxPreamble: 16384 };
const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
/** Spaces or tabs allowed after a delimiter before its CRLF (RFC 2046 transport-padding). */
const MAX_PADDING = 64;

/** The boundary of a multipart Content-Type (1–70 characters, RFC 2046 bchars), or undefined. */
export function multipartBoundary(contentType: string | undefined, subtype = 'form-data'): string | undefined {
  if (contentType === undefined) return undefined;
  const { value, params } = headerParams(contentType);
  if (value.toLowerCase() !== `multipart/${subtype}`) return undefined;
  const b = params?.get('boundary');
  return b !== undefined && /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(b) ? b : undefined;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done';

export class MultipartReader {
  private readonly delimiter: Buffer;
  private readonly limits: MultipartLimits;
  // The body is read as if preceded by CRLF, so a delimiter on the first line is found like any other.
  private buf: Buffer = CRLF;
  private state: State = 'preamble';
  private skipped = 0;
  private parts = 0;

  constructor(boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Whether the closing delimiter has been read. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Reads a chunk; the events it completes, in order. Throws MultipartError. */
  write(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'done') return events;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.step(events));
    return events;
  }

  /** The body ended: throws MultipartError('truncated') unless the closing delimiter came. */
  finish(): void {
    if (this.state !== 'done') throw new MultipartError('truncated');
  }

  /** One step of the machine; false when it needs more bytes. */
  private step(events: MultipartEvent[]): boolean {
    const d = this.delimiter;
    switch (this.state) {
      case 'preamble': {
        const at = this.buf.indexOf(d);
        if (at < 0) {
          const keep = Math.min(this.buf.length, d.length - 1);
          this.skipped += this.buf.length - keep;
          if (this.skipped > this.limits.maxPreamble) throw new MultipartError('preamble-too-long');
          this.buf = this.buf.subarray(this.buf.length - keep);
          return false;
        }
        this.buf = this.buf.subarray(at + d.length);
        this.state = 'delimiter';
        return true;
      }
      case 'delimiter': {
        if (this.buf.length < 2) return false;
        if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
          this.state = 'done';
          this.buf = Buffer.alloc(0);
          events.push({ type: 'end' });
          return false;
        }
        let i = 0;
        while (i < this.buf.length && (this.buf[i] === 0x20 || this.buf[i] === 0x09)) i++;
        if (i > MAX_PADDING) throw new MultipartError('bad-delimiter');
        if (this.buf.length < i + 2) return false;
        if (this.buf[i] !== 0x0d || this.buf[i + 1] !== 0x0a) throw new MultipartError('bad-delimiter');
        // Leave the CRLF: an empty header block is then found as CRLF CRLF like any other.
        this.buf = this.buf.subarray(i);
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const at = this.buf.indexOf(HEADERS_END);
        if (at < 0) {
          if (this.buf.length > this.limits.maxHeaderBytes) throw new MultipartError('header-too-long');
          return false;
        }
        if (at > this.limits.maxHeaderBytes) throw new MultipartError('header-too-long');
        if (++this.parts > this.limits.maxParts) throw new MultipartError('too-many-parts');
        events.push({ type: 'part', headers: partHeaders(this.buf.subarray(2, at).toString('utf8')) });
        this.buf = this.buf.subarray(at + HEADERS_END.length);
        this.state = 'body';
        return true;
      }
      case 'body': {
        const at = this.buf.indexOf(d);
        if (at < 0) {
          const emit = this.buf.length - (d.length - 1);
          if (emit > 0) {
            events.push({ type: 'data', data: this.buf.subarray(0, emit) });
            this.buf = this.buf.subarray(emit);
          }
          return false;
        }
        if (at > 0) events.push({ type: 'data', data: this.buf.subarray(0, at) });
        this.buf = this.buf.subarray(at + d.length);
        this.state = 'delimiter';
        return true;
      }
      case 'done':
        return false;
    }
  }
}

function partHeaders(block: string): PartHeaders {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  if (block === '') return {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) throw new MultipartError('bad-header');
    const field = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === 'content-disposition') {
      const cd = headerParams(value).params;
      if (!cd) throw new MultipartError('bad-header');
      name = cd.get('name');
      filename = extValue(cd.get('filename*')) ?? cd.get('filename');
    } else if (field === 'content-type') {
      contentType = value;
    }
  }
  return { ...(name !== undefined ? { name } : {}), ...(filename !== undefined ? { filename } : {}), ...(contentType !== undefined ? { contentType } : {}) };
}

/** A header value "value; key=token; key="quoted"" split into its value and its parameters (names lower-cased); undefined params when they are malformed. */
export function headerParams(header: string): { value: string; params: Map<string, string> | undefined } {
  const semi = header.indexOf(';');
  if (semi < 0) return { value: header.trim(), params: new Map() };
  return { value: header.slice(0, semi).trim(), params: parseParams(header.slice(semi + 1), ';', true) };
}

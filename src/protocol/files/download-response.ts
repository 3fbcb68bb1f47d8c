// What a source's answer to a file request means for a download (docs/files.md "Sync"),
// read from its status and headers before any byte of the body is kept. A download cut
// short is resumed with `Range: bytes=<held>-` (RFC 9110 §14.2): 206 with a
// Content-Range starting at <held> and ending at the file's last byte appends; 200 sends
// the whole content again, so the part starts over from zero (a server that ignores
// Range); 416 says what is held is not a prefix of what the source has (it is smaller):
// the part is dropped and asked for again. A length that differs from the manifest's
// size is refused before the body is read: that content can never verify. Every header
// is checked, never trusted: a 206 without a Content-Range that fits is an error. Pure.

export type DownloadStart =
  /** 206 from the byte asked for to the end: append the body. */
  | { readonly kind: 'append'; readonly from: number }
  /** 200: the whole content follows: the part starts over. */
  | { readonly kind: 'restart' }
  /** 404 or 410: not at this source; try the next. */
  | { readonly kind: 'absent' }
  /** 416: the bytes held are past the source's end: drop the part and ask from zero. */
  | { readonly kind: 'unsatisfiable' }
  /** The source's length differs from the manifest's size: that content cannot verify. */
  | { readonly kind: 'wrong-size'; readonly got: number }
  /** Anything else: this source failed for this file. */
  | { readonly kind: 'error'; readonly reason: string };

export interface ResponseHead {
  readonly status: number;
  readonly contentLength?: string | undefined;
  readonly contentRange?: string | undefined;
}

const CONTENT_RANGE = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/;

function length(text: string | undefined): number | undefined | 'bad' {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t)) return 'bad';
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : 'bad';
}

/** The meaning of a response to a request from byte `from` (0: no Range sent) of a file of `size` bytes. */
export function downloadStart(head: ResponseHead, from: number, size: number): DownloadStart {
  const declared = length(head.contentLength);
  if (declared === 'bad') return { kind: 'error', reason: `Content-Length "${head.contentLength}" is not a length` };
  switch (head.status) {
    case 200:
      if (declared !== undefined && declared !== size) return { kind: 'wrong-size', got: declared };
      return { kind: 'restart' };
    case 206: {
      if (from === 0) return { kind: 'error', reason: '206 to a request without Range' };
      const m = CONTENT_RANGE.exec((head.contentRange ?? '').trim());
      if (!m) return { kind: 'error', reason: head.contentRange === undefined ? '206 without Content-Range' : `206 with Content-Range "${head.contentRange}"` };
      const [first, last] = [Number(m[1]), Number(m[2])];
      const total = m[3] === '*' ? undefined : Number(m[3]);
      if (total !== undefined && total !== size) return { kind: 'wrong-size', got: total };
      if (first !== from || last !== size - 1 || last < first) return { kind: 'error', reason: `206 for bytes ${first}-${last} when ${from}-${size - 1} was asked` };
      if (declared !== undefined && declared !== last - first + 1) return { kind: 'error', reason: `206 of ${declared} bytes for a range of ${last - first + 1}` };
      return { kind: 'append', from };
    }
    case 416:
      return from > 0 ? { kind: 'unsatisfiable' } : { kind: 'error', reason: '416 to a request without Range' };
    case 404:
    case 410:
      return { kind: 'absent' };
    case 401:
    case 403:
      return { kind: 'error', reason: `refused (${head.status}): check the source's tokenFile` };
    default:
      return { kind: 'error', reason: `HTTP ${head.status}` };
  }
}

/** The URL of a tree path at a source: its base URL, "/", then each segment percent-encoded. */
export function fileUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

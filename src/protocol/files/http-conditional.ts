// Conditional requests (RFC 9110 §13) against the current version of a file, in the
// order of §13.2.2:
//   1. If-Match (strong comparison; "*" matches any current file) false → 412;
//   2. else If-Unmodified-Since (a valid date; ignored when If-Match is present) with the
//      file modified after it → 412;
//   3. If-None-Match (weak comparison; "*" matches any current file) true →
//      304 for GET and HEAD, 412 for other methods;
//   4. else If-Modified-Since (GET and HEAD only, a valid date) with the file not
//      modified after it → 304;
//   then If-Range decides whether Range applies (ifRangeHolds). Malformed values: an
//   If-Match that does not parse fails (a write must not go ahead on a condition it could
//   not read), an If-None-Match that does not parse and an invalid date are ignored.
//   Modification times compare in whole seconds, as Last-Modified carries them. Pure.
import { parseHttpDate } from './http-date.js';
import { parseEtag, parseEtagList, strongMatch, weakMatch } from './http-etag.js';

export interface Conditions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
}

/** The current version of the target: its strong ETag and modification time in ms; undefined when there is none (an upload not yet made). */
export interface Current {
  readonly etag: string;
  readonly mtimeMs: number;
}

export type ConditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

export function evaluateConditions(method: string, c: Conditions, current: Current | undefined, nowSeconds: number): ConditionOutcome {
  const modified = current ? Math.floor(current.mtimeMs / 1000) : undefined;
  if (c.ifMatch !== undefined) {
    const list = parseEtagList(c.ifMatch);
    const holds = current !== undefined && list !== undefined && (list === '*' || list.some((t) => strongMatch(t, current.etag)));
    if (!holds) return 'precondition-failed';
  } else if (c.ifUnmodifiedSince !== undefined && modified !== undefined) {
    const date = parseHttpDate(c.ifUnmodifiedSince, nowSeconds);
    if (date !== undefined && modified > date) return 'precondition-failed';
  }
  if (c.ifNoneMatch !== undefined) {
    const list = parseEtagList(c.ifNoneMatch);
    if (list !== undefined) {
      const matches = current !== undefined && (list === '*' || list.some((t) => weakMatch(t, current.etag)));
      if (matches) return isRead(method) ? 'not-modified' : 'precondition-failed';
      return 'proceed';
    }
  }
  if (c.ifModifiedSince !== undefined && isRead(method) && modified !== undefined) {
    const date = parseHttpDate(c.ifModifiedSince, nowSeconds);
    if (date !== undefined && modified <= date) return 'not-modified';
  }
  return 'proceed';
}

/**
 * RFC 9110 §13.1.5: whether a Range applies given If-Range — an entity tag that matches
 * the current one strongly, or an HTTP-date equal to its Last-Modified (as nginx compares).
 * A weak tag or anything malformed never holds: the whole file is sent.
 */
export function ifRangeHolds(value: string | undefined, current: Current, nowSeconds: number): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    const tag = parseEtag(v);
    return tag !== undefined && strongMatch(tag, current.etag);
  }
  const date = parseHttpDate(v, nowSeconds);
  return date !== undefined && date === Math.floor(current.mtimeMs / 1000);
}

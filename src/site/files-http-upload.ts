// Receives a phone backup (docs/files.md "HTTP", "Uploads"): the body of a PUT, or of a
// POST — raw, or multipart/form-data with one file part (protocol/files/http-multipart.ts)
// — streamed into the upload store, which writes it atomically and keeps the previous
// version. The target is the request path; a POST to an upload directory itself stores
// the file part under the name the client gave it (its last segment, checked like any
// path). Refused before a byte of the body is read: a Content-Length over the limit
// (413), a POST to a directory without a file part to name it, a multipart body without
// a usable boundary (400), a failed If-Match / If-None-Match / If-Unmodified-Since
// against the stored version (412). While reading: past the limit (413, the read
// stopped), a malformed multipart body or a second file part (400).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { evaluateConditions } from '../protocol/files/http-conditional.js';
import { fileEtag } from '../protocol/files/http-etag.js';
import { MultipartError, MultipartReader, multipartBoundary, type MultipartEvent } from '../protocol/files/http-multipart.js';
import { treePath } from '../protocol/files/tree-path.js';
import type { UploadStore } from '../storage/upload-store.js';

/** Bytes a multipart body may carry beyond maxBytes: delimiters, part headers, small form fields. */
export const MULTIPART_ALLOWANCE = 64 * 1024;

export type UploadOutcome =
  | { readonly ok: true; readonly path: string; readonly bytes: number; readonly sha256: string; readonly replaced: boolean }
  | { readonly ok: false; readonly status: number; readonly reason: string; readonly detail?: string };

export interface UploadTarget {
  /** The checked tree path of the request. */
  readonly path: string;
  /** Whether it names an upload directory (POST only). */
  readonly directory: boolean;
}

export interface UploadContext {
  readonly store: UploadStore;
  readonly maxBytes: number;
  readonly nowSeconds: number;
  /** The client sent Expect: 100-continue: told to go on once the headers are accepted. */
  readonly expectContinue: boolean;
}

class Refused extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(reason);
  }
}

export async function receiveUpload(req: IncomingMessage, res: ServerResponse, target: UploadTarget, ctx: UploadContext): Promise<UploadOutcome> {
  const boundary = req.method === 'POST' ? multipartBoundary(req.headers['content-type']) : undefined;
  if (req.method === 'POST' && boundary === undefined && /^\s*multipart\//i.test(req.headers['content-type'] ?? '')) return refused(400, 'multipart-boundary');
  if (target.directory && boundary === undefined) return refused(400, 'no-file-name');
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  const bodyLimit = boundary === undefined ? ctx.maxBytes : ctx.maxBytes + MULTIPART_ALLOWANCE;
  if (declared !== undefined && declared > bodyLimit) return refused(413, 'too-large');

  let failure: Refused | undefined;
  let path = target.path;
  let chunks: AsyncIterable<Buffer>;
  if (boundary === undefined) {
    if (!(await conditionsHold(req, path, ctx))) return refused(412, 'precondition-failed');
    if (ctx.expectContinue) res.writeContinue();
    chunks = body(req);
  } else {
    if (ctx.expectContinue) res.writeContinue();
    const events = multipartEvents(req, boundary, bodyLimit)[Symbol.asyncIterator]();
    let first: Awaited<ReturnType<typeof firstFilePart>>;
    try {
      first = await firstFilePart(events);
    } catch (error) {
      return asRefusal(error) ?? { ok: false, status: 400, reason: 'aborted' };
    }
    if (first === undefined) return refused(400, 'multipart-no-file');
    if (target.directory) {
      const name = fileName(first);
      if (name === undefined) return refused(400, 'bad-file-name');
      path = `${target.path}/${name}`;
    }
    if (!ctx.store.covers(path)) return refused(400, 'bad-file-name');
    if (!(await conditionsHold(req, path, ctx))) return refused(412, 'precondition-failed');
    chunks = fileData(events, (e) => { failure = e; });
  }
  const stored = await ctx.store.write(path, chunks, ctx.maxBytes);
  if (stored.ok) return { ok: true, path, bytes: stored.bytes, sha256: stored.sha256, replaced: stored.replaced };
  if (failure) return refused(failure.status, failure.reason);
  if (stored.reason === 'too-large') return refused(413, 'too-large');
  if (stored.reason === 'not-allowed') return refused(400, 'bad-file-name');
  if (req.destroyed || req.readableAborted) return { ok: false, status: 400, reason: 'aborted' };
  return { ok: false, status: 500, reason: 'store-failed', ...(stored.detail ? { detail: stored.detail } : {}) };
}

function refused(status: number, reason: string): UploadOutcome {
  return { ok: false, status, reason };
}

function asRefusal(error: unknown): UploadOutcome | undefined {
  if (error instanceof Refused) return refused(error.status, error.reason);
  if (error instanceof MultipartError) return refused(400, `multipart-${error.reason}`);
  return undefined;
}

/** If-Match, If-None-Match ("*": only if none is stored yet) and If-Unmodified-Since against the stored version. */
async function conditionsHold(req: IncomingMessage, path: string, ctx: UploadContext): Promise<boolean> {
  const h = req.headers;
  if (h['if-match'] === undefined && h['if-none-match'] === undefined && h['if-unmodified-since'] === undefined) return true;
  const stored = await ctx.store.open(path);
  if (stored.ok) await stored.handle.close().catch(() => undefined);
  const current = stored.ok ? { etag: fileEtag(stored), mtimeMs: stored.mtimeMs } : undefined;
  return evaluateConditions(req.method ?? 'PUT', { ifMatch: h['if-match'], ifNoneMatch: h['if-none-match'], ifUnmodifiedSince: h['if-unmodified-since'] }, current, ctx.nowSeconds) === 'proceed';
}

/** The events of a multipart body, the body cut at `limit` bytes. */
async function* multipartEvents(req: IncomingMessage, boundary: string, limit: number): AsyncGenerator<MultipartEvent> {
  const reader = new MultipartReader(boundary);
  let bytes = 0;
  for await (const chunk of body(req)) {
    bytes += chunk.length;
    if (bytes > limit) throw new Refused(413, 'too-large');
    yield* reader.write(chunk);
  }
  reader.finish();
}

/** The request body; a reader that stops early leaves the connection open, so the refusal can still be sent. */
function body(req: IncomingMessage): AsyncIterable<Buffer> {
  return req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

type Events = AsyncIterator<MultipartEvent>;

/** Reads up to the first part with a file name: its headers, or undefined when the body ends without one. */
async function firstFilePart(events: Events): Promise<{ filename: string } | undefined> {
  for (;;) {
    const next = await events.next();
    if (next.done) return undefined;
    const e = next.value;
    if (e.type === 'part' && e.headers.filename !== undefined) return { filename: e.headers.filename };
  }
}

/** The data of the file part, the rest of the body read to its end (a second file part refused); errors are told to `onFailure` too. */
async function* fileData(events: Events, onFailure: (e: Refused) => void): AsyncGenerator<Buffer> {
  let inFile = true;
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      const e = next.value;
      if (e.type === 'data') {
        if (inFile) yield e.data;
      } else if (e.type === 'part') {
        if (e.headers.filename !== undefined) throw new Refused(400, 'multipart-several-files');
        inFile = false;
      }
    }
  } catch (error) {
    const r = error instanceof Refused ? error : error instanceof MultipartError ? new Refused(400, `multipart-${error.reason}`) : undefined;
    if (r) onFailure(r);
    throw error;
  } finally {
    await events.return?.();
  }
}

/** The last segment of a client's file name ("C:\\phone\\SEP01.cfg" → "SEP01.cfg"), if it is a plain name. */
function fileName(part: { filename: string }): string | undefined {
  const base = part.filename.split(/[/\\]/).pop() ?? '';
  const checked = treePath(base);
  return checked.ok && !checked.directory && !checked.path.includes('/') ? checked.path : undefined;
}

// One download of one object from one source (docs/files.md "Sync"): resumed from the
// bytes its part holds already (`Range: bytes=<held>-`), or from zero; the answer's
// status and headers read by download-response.ts before a byte is kept; the body
// written to the part at the pace of the bandwidth cap, never past the manifest's size,
// hashed on the way (a resumed part's bytes first). What comes back is what arrived —
// the caller verifies it — or why nothing complete did.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import { downloadStart, fileUrl } from '../protocol/files/download-response.js';
import type { FetchItem } from '../protocol/files/sync-plan.js';
import type { TokenBucket } from '../protocol/files/token-bucket.js';
import type { HttpGetResponse, HttpGetter } from '../runtime/http-get.js';
import type { FileSetStore } from '../storage/file-set-store.js';

/** Longest wait for a response's headers. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** Longest wait for the next bytes of a body (not counting the waits of the bandwidth cap). */
export const STALL_TIMEOUT_MS = 30_000;

export interface FetchSource {
  readonly url: string;
  /** The bearer token, or why it could not be read (the source is then not asked). */
  readonly token?: { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };
}

export type FetchOutcome =
  /** The part holds `size` bytes whose SHA-256 is `sha256` (to be compared with the manifest's). */
  | { readonly kind: 'received'; readonly sha256: string; readonly size: number; readonly bytes: number; readonly resumedFrom: number }
  /** The source's content cannot be the manifest's: its length differs, or it sent more bytes than the file has. */
  | { readonly kind: 'rejected'; readonly got: string; readonly bytes: number }
  /** The source does not have the file (404, 410). */
  | { readonly kind: 'absent' }
  /** The source failed: `down` when it could not be reached or the transfer broke (skip it for the rest of the attempt). */
  | { readonly kind: 'failed'; readonly reason: string; readonly down: boolean; readonly bytes: number };

export type Received = Extract<FetchOutcome, { kind: 'received' }>;

export interface FetchContext {
  readonly store: FileSetStore;
  readonly http: HttpGetter;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly bucket?: TokenBucket | undefined;
  /** Called with every chunk's length as it is written (progress, metrics). */
  readonly onBytes: (n: number) => void;
}

/** Waits `ms` on the clock; rejects when the signal aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => { timer.cancel(); reject(signal.reason as Error); };
    const timer = clock.setTimer(ms, () => { signal.removeEventListener('abort', onAbort); resolve(); });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The next chunk of a body, or 'stalled' after STALL_TIMEOUT_MS without one. */
function nextChunk(res: HttpGetResponse, clock: Clock): Promise<IteratorResult<Buffer> | 'stalled'> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(STALL_TIMEOUT_MS, () => resolve('stalled'));
    res.body.next().then((r) => { timer.cancel(); resolve(r); }, (e: unknown) => { timer.cancel(); reject(e as Error); });
  });
}

/** Bytes the part of `item` holds (0 when none, or when it holds more than the file has: it is dropped). */
async function heldBytes(ctx: FetchContext, item: FetchItem): Promise<number> {
  const st = await stat(ctx.store.partPath(item.sha256)).catch(() => undefined);
  if (!st) return 0;
  if (st.size <= item.size) return st.size;
  await ctx.store.discardPart(item.sha256);
  return 0;
}

/** The hash of the part's first `length` bytes, to go on with. */
async function hashOfPart(ctx: FetchContext, sha256: string, length: number) {
  const hash = createHash('sha256');
  if (length > 0) {
    for await (const chunk of ctx.store.readPart(sha256, length)) {
      if (ctx.signal.aborted) throw ctx.signal.reason as Error; // a large part must not hold up a stop
      hash.update(chunk);
    }
  }
  return hash;
}

/** A part that holds every byte already: nothing to ask, only to verify. */
export async function completePart(ctx: FetchContext, item: FetchItem): Promise<Received | undefined> {
  if ((await heldBytes(ctx, item)) !== item.size || item.size === 0) return undefined;
  const hash = await hashOfPart(ctx, item.sha256, item.size);
  return { kind: 'received', sha256: hash.digest('hex'), size: item.size, bytes: 0, resumedFrom: item.size };
}

/** Downloads `item` (at its first path) from `source`, resuming what its part holds. */
export async function fetchFrom(ctx: FetchContext, source: FetchSource, item: FetchItem): Promise<FetchOutcome> {
  if (source.token && !source.token.ok) return { kind: 'failed', reason: source.token.reason, down: true, bytes: 0 };
  const url = fileUrl(source.url, item.paths[0]!);
  // A 416 (the part is not a prefix of what the source has) drops the part and asks once more from zero.
  for (let asked = 0; ; asked++) {
    const from = await heldBytes(ctx, item);
    const headers: Record<string, string> = {};
    if (source.token?.ok) headers.authorization = `Bearer ${source.token.value}`;
    if (from > 0) headers.range = `bytes=${from}-`;
    let res: HttpGetResponse;
    try {
      res = await ctx.http.get(url, { headers, signal: ctx.signal, headersTimeoutMs: HEADERS_TIMEOUT_MS });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return { kind: 'failed', reason: errorText(error), down: true, bytes: 0 };
    }
    const start = downloadStart({ status: res.status, contentLength: res.headers['content-length'], contentRange: res.headers['content-range'] }, from, item.size);
    if (start.kind === 'unsatisfiable' && asked === 0) {
      res.close();
      await ctx.store.discardPart(item.sha256);
      continue;
    }
    if (start.kind !== 'append' && start.kind !== 'restart') {
      res.close();
      if (start.kind === 'absent') return { kind: 'absent' };
      if (start.kind === 'wrong-size') return { kind: 'rejected', got: `size ${start.got}`, bytes: 0 };
      return { kind: 'failed', reason: start.kind === 'error' ? start.reason : 'HTTP 416 again after starting over', down: false, bytes: 0 };
    }
    return receive(ctx, res, item, start.kind === 'append' ? from : 0);
  }
}

/** Writes the body to the part from `from` on; the outcome once it ends. */
async function receive(ctx: FetchContext, res: HttpGetResponse, item: FetchItem, from: number): Promise<FetchOutcome> {
  let bytes = 0;
  let at = from;
  let ended = false;
  let hash;
  let part;
  try {
    hash = await hashOfPart(ctx, item.sha256, from);
    part = await ctx.store.openPart(item.sha256, from);
    for (;;) {
      let next: IteratorResult<Buffer> | 'stalled';
      try {
        next = await nextChunk(res, ctx.clock);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { kind: 'failed', reason: `transfer broken after ${at} of ${item.size} bytes: ${errorText(error)}`, down: true, bytes };
      }
      if (next === 'stalled') return { kind: 'failed', reason: `no bytes for ${STALL_TIMEOUT_MS / 1000} s after ${at} of ${item.size}`, down: true, bytes };
      if (next.done) {
        ended = true; // the connection goes back to be kept alive
        break;
      }
      const chunk = next.value;
      if (at + chunk.length > item.size) {
        await part.close();
        part = undefined;
        await ctx.store.discardPart(item.sha256);
        return { kind: 'rejected', got: `more than ${item.size} bytes`, bytes: bytes + chunk.length };
      }
      await part.write(chunk);
      hash.update(chunk);
      at += chunk.length;
      bytes += chunk.length;
      ctx.onBytes(chunk.length);
      const wait = ctx.bucket?.take(chunk.length, ctx.clock.monotonic()) ?? 0;
      if (wait > 0) await sleep(ctx.clock, wait, ctx.signal);
    }
  } finally {
    if (!ended) res.close();
    await part?.close();
  }
  if (at < item.size) return { kind: 'failed', reason: `the body ended after ${at} of ${item.size} bytes`, down: true, bytes };
  return { kind: 'received', sha256: hash.digest('hex'), size: at, bytes, resumedFrom: from };
}

/** An error as a log field: its code (or its cause's: fetch wraps socket errors), else its message. */
export function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  return e.code ?? e.cause?.code ?? e.message;
}

// Sends the answer planned for a GET or HEAD (protocol/files/http-read-plan.ts) from an
// opened file: streamed from its handle in chunks as the connection drains (never read
// whole into memory), a range from its offset, several ranges one after the other
// between their multipart delimiters. The Content-Length announced is enforced: a file
// that shrinks while it is sent ends in a closed connection, never in a short body the
// client would take as complete. The handle is closed in every case.
import type { ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, ByterangesLayout } from '../protocol/files/http-range.js';
import type { ReadPlan } from '../protocol/files/http-read-plan.js';

/** Bytes read from disk per chunk: a transfer holds about this much in memory (plus the socket's buffer). */
export const CHUNK_BYTES = 64 * 1024;

export interface SendResult {
  /** Body bytes read and handed to the connection. */
  readonly bytes: number;
  /** Why the body was cut short: the client went away ('aborted') or reading failed (the error). */
  readonly cut?: 'aborted' | Error;
}

export async function sendPlanned(res: ServerResponse, handle: FileHandle, plan: ReadPlan, head: boolean): Promise<SendResult> {
  res.statusCode = plan.status;
  for (const [k, v] of Object.entries(plan.headers)) res.setHeader(k, v);
  const body = plan.body;
  let bytes = 0;
  const count = (n: number) => { bytes += n; };
  // The response is ended here, only once every byte announced was read: Node's own
  // check (strictContentLength) throws from inside the pipeline, out of reach of a catch.
  try {
    if (head || body.kind === 'none') res.end();
    else if (body.kind === 'file') await sendRange(res, handle, body.range, count);
    else await pipeline(byteranges(handle, body.layout, count), res, { end: false }).then(() => res.end());
    return { bytes };
  } catch (error) {
    res.destroy();
    const e = error as NodeJS.ErrnoException;
    return { bytes, cut: e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'aborted' : e };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** One range as the whole body: up to a chunk in one read (most configuration files), more streamed. */
async function sendRange(res: ServerResponse, handle: FileHandle, r: ByteRange, count: (n: number) => void): Promise<void> {
  const length = r.end - r.start + 1;
  if (length <= CHUNK_BYTES) {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(length), 0, length, r.start);
    count(bytesRead);
    if (bytesRead !== length) throw shrunk(bytesRead, r);
    res.end(buffer);
    return;
  }
  const stream = rangeOf(handle, r);
  try {
    await pipeline(stream, res, { end: false });
  } finally {
    count(stream.bytesRead);
  }
  if (stream.bytesRead !== length) throw shrunk(stream.bytesRead, r);
  res.end();
}

/** The file ended before the range did: it shrank while it was sent. */
function shrunk(read: number, r: ByteRange): NodeJS.ErrnoException {
  return Object.assign(new Error(`the file ended ${r.end - r.start + 1 - read} bytes early: it shrank while it was sent`), { code: 'SHORT_READ' });
}

function rangeOf(handle: FileHandle, r: ByteRange) {
  return handle.createReadStream({ start: r.start, end: r.end, highWaterMark: CHUNK_BYTES, autoClose: false });
}

/** The multipart/byteranges body; `count` hears every chunk's length. */
async function* byteranges(handle: FileHandle, layout: ByterangesLayout, count: (n: number) => void): AsyncGenerator<Buffer> {
  const out = (b: Buffer) => {
    count(b.length);
    return b;
  };
  for (const part of layout.parts) {
    yield out(part.head);
    const stream = rangeOf(handle, part.range);
    for await (const chunk of stream) yield out(chunk as Buffer);
    if (stream.bytesRead !== part.range.end - part.range.start + 1) throw shrunk(stream.bytesRead, part.range);
  }
  yield out(layout.tail);
}

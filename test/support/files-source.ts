// A source of files for sync tests on loopback: serves a map of path → bytes over HTTP
// with single byte ranges (`Range: bytes=N-`, 206 / 416 as RFC 9110 says), logs every
// request (path, Range asked, status, bytes sent), and can misbehave on purpose: ask
// for a bearer token, ignore Range, cut a body after some bytes, send bytes slowly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface SourceRequest {
  readonly path: string;
  readonly range: string | undefined;
  readonly status: number;
  readonly authorization: string | undefined;
}

export interface FilesSourceOptions {
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Answer 200 with the whole file even when a Range is asked. */
  ignoreRange?: boolean;
  /** Close the connection after this many body bytes of each response. */
  cutAfter?: number;
  /** Bytes per write and ms between writes (slow links); default: all at once. */
  chunk?: number;
  chunkDelayMs?: number;
}

export class FilesSource {
  readonly files = new Map<string, Buffer>();
  readonly requests: SourceRequest[] = [];
  url = '';
  private server?: Server;

  constructor(readonly opts: FilesSourceOptions = {}) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://source.invalid').pathname.replace(/^\/+/, ''));
      const range = req.headers.range;
      const log = (status: number) => this.requests.push({ path, range, status, authorization: req.headers.authorization });
      if (this.opts.token !== undefined && req.headers.authorization !== `Bearer ${this.opts.token}`) {
        log(401);
        res.writeHead(401).end();
        return;
      }
      const body = this.files.get(path);
      if (!body) {
        log(404);
        res.writeHead(404).end();
        return;
      }
      let from = 0;
      const m = /^bytes=(\d+)-$/.exec(range ?? '');
      if (m && !this.opts.ignoreRange) {
        from = Number(m[1]);
        if (from >= body.length) {
          log(416);
          res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
          return;
        }
        log(206);
        res.writeHead(206, { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}`, 'content-length': body.length - from });
      } else {
        log(200);
        res.writeHead(200, { 'content-length': body.length });
      }
      void this.send(res, body.subarray(from));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  private async send(res: import('node:http').ServerResponse, body: Buffer): Promise<void> {
    const cut = this.opts.cutAfter;
    const limit = cut === undefined ? body.length : Math.min(cut, body.length);
    const step = this.opts.chunk ?? body.length;
    for (let at = 0; at < limit && !res.destroyed; at += step) {
      await new Promise<void>((resolve) => res.write(body.subarray(at, Math.min(limit, at + step)), () => resolve()));
      if (this.opts.chunkDelayMs) await new Promise((r) => setTimeout(r, this.opts.chunkDelayMs));
    }
    if (limit < body.length) res.socket?.end(); // a clean close before the end: the client has every byte sent
    else res.end();
  }

  /** Paths asked for (in order), with the Range header when there was one. */
  asked(): string[] {
    return this.requests.map((r) => (r.range ? `${r.path} ${r.range}` : r.path));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const sha256Of = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A manifest of the source's files (or of `files` given). */
export function manifestOf(version: string, files: ReadonlyMap<string, Buffer>): { version: string; files: { path: string; size: number; sha256: string }[] } {
  return { version, files: [...files].map(([path, b]) => ({ path, size: b.length, sha256: sha256Of(b) })) };
}

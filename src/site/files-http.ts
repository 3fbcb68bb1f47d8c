// The HTTP file service (docs/files.md "HTTP"): phones fetch firmware and configuration
// with GET and HEAD — conditional (304, 412), byte ranges (206, 416) — and back up their
// settings with PUT or POST into the upload directories (files-http-upload.ts), with
// Basic or Digest credentials when configured (files-http-auth.ts). HTTPS with
// files.http.tls. Each request: its target percent-decoded (protocol/files/http-target.ts)
// and checked as a tree path before the disk is touched; a path in an upload directory
// is read from the upload store, any other from the served tree (files-tree.ts); files
// are streamed (files-http-send.ts). Limits: connections per listen address, the whole
// request within requestTimeout (slow headers or bodies get 408), headers within 8 KiB
// (431), keep-alive connections idle for idleTimeout closed, a response the client stops
// reading cut off after idleTimeout without progress. Every refusal is counted by reason
// (files-http-metrics.ts) and the unusual ones logged, rate-limited; one request's
// failure never touches another's.
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { OutpostError } from '../core/errors.js';
import type { FilesHttpConfig } from '../config/files-schema.js';
import type { Authenticator } from '../protocol/files/http-auth.js';
import { planRead } from '../protocol/files/http-read-plan.js';
import { decodeTarget } from '../protocol/files/http-target.js';
import type { FilesUploadEvent } from '../protocol/agent/events.js';
import { treePath, type TreePathRefusal } from '../protocol/files/tree-path.js';
import { logEvent } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { UploadStore } from '../storage/upload-store.js';
import type { FilesPart, FilesPartOptions } from './files-service.js';
import type { OpenRefusal } from './files-tree.js';
import { uploadAuthenticator } from './files-http-auth.js';
import { FilesHttpCounters } from './files-http-metrics.js';
import { sendPlanned } from './files-http-send.js';
import { receiveUpload } from './files-http-upload.js';

/** Request header bytes at most (nginx: 8 KiB buffers); more: 431. */
export const MAX_HEADER_BYTES = 8192;
/** Requests served on one connection before it is closed (nginx's keepalive_requests). */
const MAX_REQUESTS_PER_CONNECTION = 1000;
/** The request path as logged, at most. */
const MAX_LOGGED_PATH = 512;

/** Where a request path falls. */
type Area = 'tree' | 'upload-file' | 'upload-directory';

/** One request being answered, for the access log. */
interface Exchange {
  readonly method: string;
  readonly client: string;
  readonly started: number;
  bytes: number;
  user?: string;
}

/** HTTP statuses of tree path and open refusals: a path that cannot be one (400, 414) or nothing to serve there (404); unreadable is nginx's 403. */
const REFUSAL_STATUS: Readonly<Record<TreePathRefusal | OpenRefusal, number>> = {
  'empty': 404, 'dot-segment': 400, 'empty-segment': 400, 'control-character': 400, 'too-long': 414, 'not-utf8': 400,
  'not-found': 404, 'outside-root': 404, 'not-a-file': 404, 'unreadable': 403,
};
/**
 * Refusals counted but not logged as FILES_HTTP_REFUSED: part of normal traffic (phones
 * probe for files that are not there, digest's first leg, a resumed download already
 * complete), or logged under their own code (FILES_HTTP_AUTH_FAILED, FILES_HTTP_UPLOAD_FAILED).
 */
const QUIET = new Set(['empty', 'not-found', 'not-a-file', 'directory', 'precondition-failed', 'range-not-satisfiable', 'aborted', 'store-failed']);
const quiet = (reason: string) => QUIET.has(reason) || reason.startsWith('auth-');

export class FilesHttp implements FilesPart {
  readonly name = 'http';
  readonly counters = new FilesHttpCounters();
  private readonly config: FilesHttpConfig;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** The response in progress on a connection, so a connection-level error knows whether it may still answer. */
  private readonly responding = new WeakMap<Socket, ServerResponse>();
  private readonly store?: UploadStore;
  private auth?: Authenticator;
  private readonly refusedLog: RateLimitedLog;
  private readonly authLog: RateLimitedLog;
  private readonly uploadFailedLog: RateLimitedLog;
  private readonly sendFailedLog: RateLimitedLog;

  constructor(private readonly o: FilesPartOptions) {
    if (!o.config.http) throw new Error('FilesHttp needs files.http');
    this.config = o.config.http;
    if (this.config.uploads) this.store = new UploadStore(o.dataDir, this.config.uploads.paths);
    this.refusedLog = new RateLimitedLog(o.log, 'FILES_HTTP_REFUSED', o.clock);
    this.authLog = new RateLimitedLog(o.log, 'FILES_HTTP_AUTH_FAILED', o.clock);
    this.uploadFailedLog = new RateLimitedLog(o.log, 'FILES_HTTP_UPLOAD_FAILED', o.clock);
    this.sendFailedLog = new RateLimitedLog(o.log, 'FILES_HTTP_SEND_FAILED', o.clock);
    this.counters.register(o.registry);
  }

  /** Bound ports, in the order of files.http.listen. */
  get ports(): number[] {
    return this.servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a !== null ? a.port : 0;
    });
  }

  async start(): Promise<void> {
    const c = this.config;
    const tls = c.tls ? this.readTls(c.tls) : undefined;
    if (c.uploads) this.auth = uploadAuthenticator(c.uploads, this.o.configDir, this.o.clock);
    const requestMs = c.requestTimeout * 1000;
    const options: ServerOptions = {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: requestMs,
      headersTimeout: requestMs,
      keepAliveTimeout: c.idleTimeout * 1000,
      // How often Node checks requestTimeout and headersTimeout: a slow client is cut within a quarter of its time.
      connectionsCheckingInterval: Math.min(1000, requestMs / 4),
      // Checked in handle(), so the refusal is counted like the others.
      requireHostHeader: false,
    };
    try {
      for (const l of c.listen) this.servers.push(await this.listen(l.address, l.port, options, tls));
    } catch (error) {
      await this.stop();
      throw error;
    }
    logEvent(this.o.log, 'FILES_HTTP_LISTENING', {
      listen: c.listen.map((l, i) => ({ address: l.address, port: this.ports[i] })), tls: tls !== undefined, uploads: c.uploads?.paths ?? [], auth: c.uploads?.auth ?? 'none',
    });
  }

  /** Stops listening and closes every connection, transfers in progress included (TLS handshakes too). */
  async stop(): Promise<void> {
    const closed = this.servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done())));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }

  status(): Record<string, unknown> {
    return {
      listen: this.config.listen.map((l, i) => ({ address: l.address, port: this.ports[i] ?? l.port })), tls: this.config.tls !== undefined,
      ...this.counters.view(),
    };
  }

  private readTls(t: NonNullable<FilesHttpConfig['tls']>): { cert: Buffer; key: Buffer } {
    const read = (key: 'certFile' | 'keyFile') => {
      const file = resolve(this.o.configDir, t[key]);
      try {
        return readFileSync(file);
      } catch (error) {
        throw new OutpostError('FILES_HTTP_TLS_UNREADABLE', `files.http.tls.${key} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    };
    const pair = { cert: read('certFile'), key: read('keyFile') };
    try {
      createSecureContext(pair);
    } catch (error) {
      throw new OutpostError('FILES_HTTP_TLS_UNREADABLE', `files.http.tls: ${t.certFile} and ${t.keyFile} are not a usable PEM certificate and key: ${(error as Error).message}`);
    }
    return pair;
  }

  private listen(address: string, port: number, options: ServerOptions, tls: { cert: Buffer; key: Buffer } | undefined): Promise<Server> {
    const handler = (expectContinue: boolean) => (req: IncomingMessage, res: ServerResponse) => {
      const x: Exchange = { method: req.method ?? '', client: clientOf(req.socket), started: this.o.clock.monotonic(), bytes: 0 };
      this.counters.transfers++;
      this.responding.set(req.socket, res);
      // Accounted once the response is closed and the handler is done (it sets the bytes sent).
      let open = 2;
      const done = () => {
        if (--open === 0) this.finish(req, res, x);
      };
      res.once('close', done);
      this.handle(req, res, x, expectContinue).catch((error: unknown) => this.internalError(res, error)).finally(done);
    };
    const server: Server = tls
      ? createHttpsServer({ ...options, ...tls, handshakeTimeout: options.requestTimeout }, handler(false))
      : createHttpServer(options, handler(false));
    server.on('checkContinue', handler(true));
    server.maxConnections = this.config.maxConnections;
    server.maxRequestsPerSocket = MAX_REQUESTS_PER_CONNECTION;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.counters.connections++;
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.counters.connections--;
      });
    });
    server.on('drop', (d?: { remoteAddress?: string }) => this.refuse('connection-limit', { client: d?.remoteAddress }));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.onClientError(error, socket));
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Socket) => this.refuse('tls-handshake', { client: socket.remoteAddress, detail: error.code ?? error.message }));
    return new Promise((done, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) => fail(new OutpostError('FILES_HTTP_LISTEN_FAILED', `files.http.listen ${address} port ${port}: ${error.code ?? error.message}`)));
      server.listen({ host: address, port }, () => done(server));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, x: Exchange, expectContinue: boolean): Promise<void> {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) return this.reply(req, res, 400, 'missing-host', { Connection: 'close' });
    const target = decodeTarget(req.url ?? '');
    if (!target.ok) return this.reply(req, res, 400, target.reason);
    const checked = treePath(target.path);
    if (!checked.ok) return this.reply(req, res, REFUSAL_STATUS[checked.reason], checked.reason);
    const area = this.areaOf(checked.path, checked.directory);
    const allowed = area === 'tree' ? ['GET', 'HEAD'] : area === 'upload-directory' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD', 'PUT', 'POST'];
    if (!allowed.includes(x.method)) return this.reply(req, res, 405, 'method', { Allow: allowed.join(', ') });
    if (area !== 'tree' && this.auth && !this.authorized(req, res, x)) return;
    if (x.method === 'GET' || x.method === 'HEAD') return this.read(req, res, x, checked.path, checked.directory, area !== 'tree');
    return this.upload(req, res, x, checked.path, area === 'upload-directory', expectContinue);
  }

  private areaOf(path: string, directory: boolean): Area {
    if (!this.store) return 'tree';
    if (this.config.uploads!.paths.includes(`${path}/`)) return 'upload-directory';
    return !directory && this.store.covers(path) ? 'upload-file' : 'tree';
  }

  /** Checks credentials; answers 401 (with the challenges) when they are missing or wrong. */
  private authorized(req: IncomingMessage, res: ServerResponse, x: Exchange): boolean {
    const result = this.auth!.verify(x.method, req.url ?? '', req.headers.authorization);
    if (result.ok) {
      x.user = result.user;
      return true;
    }
    if (result.reason !== 'missing' && result.reason !== 'stale') {
      this.authLog.event({ reason: result.reason, client: x.client, method: x.method, path: logged(req.url) });
    }
    const reason = result.reason === 'missing' ? 'auth-required' : result.reason === 'stale' ? 'auth-stale' : `auth-${result.reason}`;
    this.reply(req, res, 401, reason, { 'WWW-Authenticate': this.auth!.challenges(result.reason === 'stale') });
    return false;
  }

  private async read(req: IncomingMessage, res: ServerResponse, x: Exchange, path: string, directory: boolean, upload: boolean): Promise<void> {
    if (directory) return this.reply(req, res, 404, 'directory');
    const opened = upload ? await this.store!.open(path) : await this.o.tree.open(path);
    if (!opened.ok) return this.reply(req, res, REFUSAL_STATUS[opened.reason], opened.reason);
    const file = { path, size: opened.size, mtimeMs: opened.mtimeMs, ino: opened.ino };
    const plan = planRead(x.method as 'GET' | 'HEAD', req.headers, file, { nowSeconds: this.nowSeconds(), boundary: () => randomBytes(12).toString('hex') });
    if (plan.status === 412 || plan.status === 416) {
      await opened.handle.close().catch(() => undefined);
      return this.reply(req, res, plan.status, plan.status === 412 ? 'precondition-failed' : 'range-not-satisfiable', plan.headers);
    }
    // A response the client stops reading: cut after idleTimeout without progress (slow requests are requestTimeout's).
    res.setTimeout(this.config.idleTimeout * 1000, () => {
      this.refuse('stalled', { client: x.client, method: x.method, path: logged(req.url) });
      res.destroy();
    });
    const sent = await sendPlanned(res, opened.handle, plan, x.method === 'HEAD');
    x.bytes = sent.bytes;
    this.counters.bytesSent += sent.bytes;
    if (sent.cut !== undefined) {
      this.counters.aborted++;
      if (sent.cut !== 'aborted') this.sendFailedLog.event({ path, client: x.client, bytes: sent.bytes, error: (sent.cut as NodeJS.ErrnoException).code ?? sent.cut.message });
    }
  }

  private async upload(req: IncomingMessage, res: ServerResponse, x: Exchange, path: string, directory: boolean, expectContinue: boolean): Promise<void> {
    const up = this.config.uploads!;
    const outcome = await receiveUpload(req, res, { path, directory }, { store: this.store!, maxBytes: up.maxBytes, nowSeconds: this.nowSeconds(), expectContinue });
    if (!outcome.ok) {
      if (outcome.reason === 'aborted') {
        this.counters.upload('aborted');
        this.counters.refusal('aborted');
        res.destroy();
        return;
      }
      this.counters.upload(outcome.status >= 500 ? 'failed' : 'refused');
      if (outcome.status >= 500) this.uploadFailedLog.event({ path, client: x.client, detail: outcome.detail });
      return this.reply(req, res, outcome.status, outcome.status >= 500 ? 'store-failed' : outcome.reason);
    }
    this.counters.upload(outcome.replaced ? 'replaced' : 'created', outcome.bytes);
    logEvent(this.o.log, 'FILES_HTTP_UPLOAD', { path: outcome.path, bytes: outcome.bytes, client: x.client, user: x.user ?? null, replaced: outcome.replaced });
    // Reported upstream before the phone hears it is stored: an acknowledged backup is never missing from the outbox.
    await this.o.events?.record('files.upload', {
      protocol: 'http', path: outcome.path, bytes: outcome.bytes, sha256: outcome.sha256, client: x.client, ...(x.user ? { user: x.user } : {}), replaced: outcome.replaced,
    } satisfies FilesUploadEvent);
    res.statusCode = outcome.replaced ? 204 : 201;
    if (!outcome.replaced) {
      res.setHeader('Location', `/${outcome.path.split('/').map(encodeURIComponent).join('/')}`);
      res.setHeader('Content-Length', 0);
    }
    res.end();
  }

  /**
   * Answers with a status and a one-line text body (none for HEAD), counting the
   * reason and logging it (rate-limited) unless it is part of normal traffic. When the
   * request body may be unread, the connection is not reused.
   */
  private reply(req: IncomingMessage, res: ServerResponse, status: number, reason: string, headers: Record<string, string | string[]> = {}): void {
    if (status >= 400) {
      this.counters.refusal(reason);
      if (!quiet(reason)) this.refusedLog.event({ reason, status, client: clientOf(req.socket), method: req.method, path: logged(req.url) });
    }
    if (res.headersSent || res.destroyed) return;
    const body = status === 304 ? '' : `${status} ${STATUS_CODES[status] ?? ''}\n`;
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (status !== 304) {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Content-Length', Buffer.byteLength(body));
    }
    if (bodyPending(req)) res.setHeader('Connection', 'close');
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private finish(req: IncomingMessage, res: ServerResponse, x: Exchange): void {
    this.counters.transfers--;
    if (this.responding.get(req.socket) === res) this.responding.delete(req.socket);
    this.counters.request(x.method, res.statusCode);
    if (!this.config.accessLog) return;
    logEvent(this.o.log, 'FILES_HTTP_ACCESS', {
      method: x.method, path: logged(req.url), status: res.statusCode, bytes: x.bytes, client: x.client,
      ...(x.user !== undefined ? { user: x.user } : {}), ...(res.writableFinished ? {} : { aborted: true }),
      ms: Math.round((this.o.clock.monotonic() - x.started) * 10) / 10,
    });
  }

  private internalError(res: ServerResponse, error: unknown): void {
    this.refuse('internal-error', { detail: (error as Error).message });
    if (!res.headersSent && !res.destroyed) {
      res.statusCode = 500;
      res.setHeader('Connection', 'close');
      res.end();
    } else {
      res.destroy();
    }
  }

  /** A request the HTTP parser refused, or that did not arrive in time: answered if nothing else is being answered on the connection, then closed. */
  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'header-too-large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request-timeout']
      : [400, 'malformed-request'];
    this.refuse(reason, { client: clientOf(socket), detail: error.code });
    const res = this.responding.get(socket);
    if (!res || !res.headersSent) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  }

  /** Counts and logs (rate-limited) a refusal that is not a request's answer. */
  private refuse(reason: string, fields: Record<string, unknown>): void {
    this.counters.refusal(reason);
    this.refusedLog.event({ reason, ...fields });
  }

  private nowSeconds(): number {
    return Math.floor(this.o.clock.now() / 1000);
  }
}

function clientOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '?';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Whether the request has a body not read to its end. */
function bodyPending(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return !req.complete && ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined);
}

function logged(url: string | undefined): string {
  const u = url ?? '';
  return u.length > MAX_LOGGED_PATH ? `${u.slice(0, MAX_LOGGED_PATH)}…` : u;
}

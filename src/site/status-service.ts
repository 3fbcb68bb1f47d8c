// The local status endpoint: GET /healthz (JSON, 200 when running, 503 otherwise),
// GET /metrics (Prometheus text format) and the read-only routes services add, all
// unauthenticated; and command routes (POST, e.g. /failover/<relationship>/maintenance)
// that require `Authorization: Bearer <token>` of the daemon's control token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { OutpostError } from '../core/errors.js';
import type { SiteService } from './service.js';

export interface Health {
  readonly healthy: boolean;
  readonly body: Record<string, unknown>;
}

/** An extra read-only route on the status port, e.g. /leases from the DHCP service. */
export type StatusRoute = (query: URLSearchParams) => { status: number; body: unknown };

/**
 * An operator command on the status port (POST, bearer token required): the path's
 * `:name` segments (decoded) and the JSON body (undefined when empty).
 */
export type StatusCommand = (params: Readonly<Record<string, string>>, body: unknown) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

/** What checks a command's bearer token (control-token.ts). */
export interface CommandAuthority {
  readonly ready: boolean;
  verify(presented: string): boolean;
}

/** Largest request body a command route reads. */
export const MAX_COMMAND_BODY_BYTES = 4096;

interface CommandRoute {
  readonly segments: readonly string[];
  readonly handler: StatusCommand;
}

export interface StatusServiceOptions {
  readonly listen: string;
  readonly port: number;
  readonly registry: Registry;
  readonly health: () => Health;
  readonly log: Logger;
  readonly clock: Clock;
}

export class StatusService implements SiteService {
  readonly name = 'status';
  private server?: Server;
  private readonly requestErrors: RateLimitedLog;
  private failureListener?: (error: Error) => void;
  private readonly unauthorized: RateLimitedLog;
  private readonly routes = new Map<string, StatusRoute>();
  private readonly commands: CommandRoute[] = [];
  private authority?: CommandAuthority;
  url = '';

  constructor(private readonly opts: StatusServiceOptions) {
    this.requestErrors = new RateLimitedLog(opts.log, 'STATUS_REQUEST_FAILED', opts.clock);
    this.unauthorized = new RateLimitedLog(opts.log, 'STATUS_UNAUTHORIZED', opts.clock);
  }

  /** Adds a JSON route (before start); services register their read-only views here. */
  addRoute(path: string, route: StatusRoute): void {
    this.routes.set(path, route);
  }

  /**
   * Adds a command route (before start): POST only, with the control token as bearer.
   * `:name` segments of the pattern match one path segment, e.g. /failover/:relationship/resume.
   */
  addCommand(pattern: string, handler: StatusCommand): void {
    this.commands.push({ segments: pattern.split('/'), handler });
  }

  /** The token command routes require; without one every command is refused (503). */
  useAuthority(authority: CommandAuthority): void {
    this.authority = authority;
  }

  onFailure(listener: (error: Error) => void): void {
    this.failureListener = listener;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        this.requestErrors.event({ url: req.url, err: error.message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        logEvent(this.opts.log, 'STATUS_LISTEN_FAILED', { listen: this.opts.listen, port: this.opts.port, err: error.code ?? error.message });
        reject(new OutpostError('STATUS_LISTEN_FAILED', `cannot listen on ${this.opts.listen} port ${this.opts.port}: ${error.code ?? error.message}`));
      });
      server.listen(this.opts.port, this.opts.listen, () => resolve());
    });
    server.on('error', (error) => this.failureListener?.(error));
    this.server = server;
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}`;
    logEvent(this.opts.log, 'STATUS_LISTENING', { url: this.url, healthz: `${this.url}/healthz`, metrics: `${this.url}/metrics` });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://status.invalid');
    const path = url.pathname;
    const command = this.matchCommand(path);
    if (command) {
      if (req.method !== 'POST') return this.reply(res, 405, { error: `${path} takes POST only` }, { allow: 'POST' });
      return this.runCommand(req, res, path, command.route, command.params);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const health = this.opts.health();
      res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(health.body) + '\n');
      return;
    }
    if (path === '/metrics') {
      const text = await this.opts.registry.metrics();
      res.writeHead(200, { 'content-type': this.opts.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    const route = this.routes.get(path);
    if (route) {
      const { status, body } = route(url.searchParams);
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body) + '\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`not found: try ${['/healthz', '/metrics', ...this.routes.keys()].join(', ')}\n`);
  }

  private matchCommand(path: string): { route: CommandRoute; params: Record<string, string> } | undefined {
    const parts = path.split('/');
    for (const route of this.commands) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = route.segments[i]!;
        const got = parts[i]!;
        if (want.startsWith(':')) {
          try { params[want.slice(1)] = decodeURIComponent(got); } catch { ok = false; }
          ok &&= got.length > 0;
        } else {
          ok = want === got;
        }
      }
      if (ok) return { route, params };
    }
    return undefined;
  }

  private async runCommand(req: IncomingMessage, res: ServerResponse, path: string, route: CommandRoute, params: Record<string, string>): Promise<void> {
    const authority = this.authority;
    if (!authority?.ready) return this.reply(res, 503, { error: 'operator commands are not available yet: the daemon has no control token (starting or stopping)' }, { connection: 'close' });
    const header = req.headers.authorization;
    const m = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    const reason = header === undefined ? 'no Authorization header' : !m ? 'Authorization is not "Bearer <token>"' : !authority.verify(m[1]!) ? 'wrong token' : undefined;
    if (reason) {
      this.unauthorized.event({ path: path.slice(0, 200), method: req.method, remote: req.socket.remoteAddress, reason });
      return this.reply(res, 401, { error: `unauthorized: ${reason}; operator commands need "Authorization: Bearer <token>" with the daemon's control token (see docs/failover-protocol.md, Operator control)` },
        { 'www-authenticate': 'Bearer realm="outpost"', connection: 'close' });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_COMMAND_BODY_BYTES) return this.reply(res, 413, { error: `request body over ${MAX_COMMAND_BODY_BYTES} bytes` }, { connection: 'close' });
    const raw = await readBody(req, MAX_COMMAND_BODY_BYTES);
    if (raw === undefined) return this.reply(res, 413, { error: `request body over ${MAX_COMMAND_BODY_BYTES} bytes` }, { connection: 'close' });
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.reply(res, 400, { error: 'the request body is not JSON' });
      }
    }
    const { status, body: answer } = await route.handler(params, body);
    this.reply(res, status, answer);
  }

  private reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body) + '\n');
  }
}

/** The request body, or undefined once it passes limit bytes (the rest is not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume(); // the rest is discarded while the 413 goes out (then the connection closes)
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

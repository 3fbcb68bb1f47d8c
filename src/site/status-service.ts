// The local status endpoint: GET /healthz (JSON, 200 when running, 503 otherwise) and
// GET /metrics (Prometheus text format).
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
  private readonly routes = new Map<string, StatusRoute>();
  url = '';

  constructor(private readonly opts: StatusServiceOptions) {
    this.requestErrors = new RateLimitedLog(opts.log, 'STATUS_REQUEST_FAILED', opts.clock);
  }

  /** Adds a JSON route (before start); services register their read-only views here. */
  addRoute(path: string, route: StatusRoute): void {
    this.routes.set(path, route);
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
}

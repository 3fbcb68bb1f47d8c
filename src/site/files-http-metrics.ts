// The counters of the HTTP file service (docs/files.md "HTTP"), kept as plain numbers on
// the request path and read by /metrics (prom-client collect()) and GET /files.
import { Counter, Gauge, type Registry } from 'prom-client';

export type UploadResult = 'created' | 'replaced' | 'refused' | 'failed' | 'aborted';

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST']);

export class FilesHttpCounters {
  /** "METHOD STATUS" → requests answered. */
  readonly requests = new Map<string, number>();
  readonly refused = new Map<string, number>();
  readonly uploads = new Map<UploadResult, number>();
  bytesSent = 0;
  uploadBytes = 0;
  /** Responses cut short: the client went away or the file could not be read to its end. */
  aborted = 0;
  connections = 0;
  /** Requests being answered: files being sent, uploads being received. */
  transfers = 0;

  request(method: string, status: number): void {
    const key = `${METHODS.has(method) ? method : 'other'} ${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  refusal(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  upload(result: UploadResult, bytes = 0): void {
    this.uploads.set(result, (this.uploads.get(result) ?? 0) + 1);
    this.uploadBytes += bytes;
  }

  /** For GET /files. */
  view(): Record<string, unknown> {
    let requests = 0;
    for (const n of this.requests.values()) requests += n;
    return {
      connections: this.connections, transfers: this.transfers, requests, bytesSent: this.bytesSent, aborted: this.aborted,
      uploads: Object.fromEntries(this.uploads), uploadBytes: this.uploadBytes, refused: Object.fromEntries(this.refused),
    };
  }

  register(registry: Registry): void {
    const c = this;
    const fill = (metric: Counter<string>, map: ReadonlyMap<string, number>, label: (key: string) => Record<string, string>) => {
      metric.reset();
      for (const [k, v] of map) metric.inc(label(k), v);
    };
    const total = (metric: Counter<string>, value: number) => {
      metric.reset();
      metric.inc(value);
    };
    new Counter({ name: 'outpost_files_http_requests_total', help: 'HTTP file requests answered, by method (GET, HEAD, PUT, POST, other) and status.', labelNames: ['method', 'status'], registers: [registry],
      collect() { fill(this, c.requests, (k) => { const [method, status] = k.split(' '); return { method: method!, status: status! }; }); } });
    new Counter({ name: 'outpost_files_http_bytes_sent_total', help: 'Body bytes of files sent over HTTP (read from disk and handed to the connection).', registers: [registry],
      collect() { total(this, c.bytesSent); } });
    new Counter({ name: 'outpost_files_http_refused_total', help: 'HTTP requests and connections refused or cut off, by reason (docs/files.md "HTTP").', labelNames: ['reason'], registers: [registry],
      collect() { fill(this, c.refused, (reason) => ({ reason })); } });
    new Counter({ name: 'outpost_files_http_uploads_total', help: 'Uploads (PUT, POST) by result: created, replaced, refused (4xx), failed (5xx), aborted (client gone).', labelNames: ['result'], registers: [registry],
      collect() { fill(this, c.uploads, (result) => ({ result })); } });
    new Counter({ name: 'outpost_files_http_upload_bytes_total', help: 'Bytes of uploads stored.', registers: [registry],
      collect() { total(this, c.uploadBytes); } });
    new Counter({ name: 'outpost_files_http_aborted_total', help: 'HTTP responses cut short: the client went away, or the file could not be read to its end.', registers: [registry],
      collect() { total(this, c.aborted); } });
    new Gauge({ name: 'outpost_files_http_connections', help: 'Open HTTP file service connections.', registers: [registry],
      collect() { this.set(c.connections); } });
    new Gauge({ name: 'outpost_files_http_transfers', help: 'HTTP requests being answered: files being sent, uploads being received.', registers: [registry],
      collect() { this.set(c.transfers); } });
  }
}

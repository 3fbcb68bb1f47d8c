// HTTP(S) GETs whose bodies are read at the caller's pace (docs/files.md "Sync"): a
// response is returned once its headers are in, and the body is an async iterator of
// chunks that pulls from the socket only when asked — so a reader that waits (a
// bandwidth cap) slows the sender through TCP flow control instead of buffering.
// Connections are kept alive between requests (many small files over a WAN), one at a
// time per host. Bounded: the time to connect and get the headers; the caller bounds
// the time between chunks (it knows when it waits on purpose) and aborts through the
// signal. Redirects are not followed: a source is the URL files are at.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpGetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Longest wait from the request to the response's headers (connect included). */
  readonly headersTimeoutMs: number;
}

export interface HttpGetResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: AsyncIterator<Buffer>;
  /** Ends the exchange and its connection: the body is not wanted, or no longer. */
  close(): void;
}

export class HttpGetter {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 1 });

  get(url: string, o: HttpGetOptions): Promise<HttpGetResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(target, { method: 'GET', headers: { ...o.headers, 'accept-encoding': 'identity' }, signal: o.signal, agent: secure ? this.https : this.http });
      req.setTimeout(o.headersTimeoutMs, () => req.destroy(new Error(`no response in ${o.headersTimeoutMs} ms`)));
      req.once('error', reject);
      req.once('response', (res: IncomingMessage) => {
        req.setTimeout(0);
        req.off('error', reject);
        req.on('error', () => undefined); // later errors surface through the body iterator
        const body = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, close: () => { res.destroy(); req.destroy(); } });
      });
      req.end();
    });
  }

  /** Closes the connections kept alive. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

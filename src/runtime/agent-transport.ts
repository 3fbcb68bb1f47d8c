// Sends event batches to the managers (docs/agent.md "Delivery"): POST <url>/api/v1/agent/events
// with the site's bearer token, JSON both ways, bounded by a timeout. The managers are
// tried in order starting with the one that answered last — so the agent stays with the
// active manager and moves on when it stops answering or says it is not the active one
// (a 503). The token file is read at each batch, so a rotated credential is picked up;
// the token is never logged.
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DeliveryFailed, type BatchTransport } from '../protocol/agent/delivery.js';
import { EVENTS_PATH, type EventBatch } from '../protocol/agent/events.js';

/** The largest answer read from a manager. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface ManagerEndpoint {
  readonly url: string;
  /** PEM certificates trusted for HTTPS; absent: the system's. */
  readonly ca?: string;
}

export interface HttpBatchTransportOptions {
  readonly managers: readonly ManagerEndpoint[];
  readonly tokenFile: string;
  readonly timeoutMs: number;
}

export class HttpBatchTransport implements BatchTransport {
  private current = 0;
  private readonly agents: (HttpAgent | HttpsAgent)[];

  constructor(private readonly o: HttpBatchTransportOptions) {
    this.agents = o.managers.map((m) => (m.url.startsWith('https:') ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(m.ca ? { ca: m.ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 1 })));
  }

  /** The manager batches go to first. */
  get manager(): string {
    return this.o.managers[this.current]!.url;
  }

  async send(batch: EventBatch, signal: AbortSignal): Promise<unknown> {
    const token = (await readFile(this.o.tokenFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new DeliveryFailed('token-unreadable', `agent.tokenFile ${this.o.tokenFile}: ${e.code ?? e.message}`);
    })).trim();
    if (token === '') throw new DeliveryFailed('token-unreadable', `agent.tokenFile ${this.o.tokenFile} is empty`);
    const body = Buffer.from(JSON.stringify(batch));
    const failures: DeliveryFailed[] = [];
    for (let i = 0; i < this.o.managers.length; i++) {
      const index = (this.current + i) % this.o.managers.length;
      try {
        const answer = await this.post(index, body, token, signal);
        this.current = index;
        return answer;
      } catch (error) {
        if (signal.aborted) throw error;
        const f = error instanceof DeliveryFailed ? error : new DeliveryFailed('unreachable', (error as Error).message);
        failures.push(new DeliveryFailed(f.reason, `${this.o.managers[index]!.url}: ${f.message}`));
      }
    }
    const last = failures.at(-1)!;
    throw new DeliveryFailed(last.reason, failures.map((f) => f.message).join('; '));
  }

  private post(index: number, body: Buffer, token: string, signal: AbortSignal): Promise<unknown> {
    const base = this.o.managers[index]!.url.replace(/\/$/, '');
    const target = new URL(base + EVENTS_PATH);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(target, {
        method: 'POST',
        agent: this.agents[index],
        signal,
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      req.setTimeout(this.o.timeoutMs, () => req.destroy(new DeliveryFailed('timeout', `no answer in ${this.o.timeoutMs} ms`)));
      req.once('error', (e: NodeJS.ErrnoException) => reject(e instanceof DeliveryFailed ? e : new DeliveryFailed('unreachable', e.code ?? e.message)));
      req.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new DeliveryFailed('bad-answer', `an answer over ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.once('error', (e) => reject(e instanceof DeliveryFailed ? e : new DeliveryFailed('unreachable', e.message)));
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status !== 200) return reject(new DeliveryFailed(statusReason(status), `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`));
          try {
            resolve(JSON.parse(text) as unknown);
          } catch {
            reject(new DeliveryFailed('bad-answer', 'the answer is not JSON'));
          }
        });
      });
      req.end(body);
    });
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }
}

function statusReason(status: number): string {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 503) return 'not-active';
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'refused';
  return 'bad-answer';
}

// The receiving end of the agent's event path over real HTTP on 127.0.0.1, built from
// the manager's own pieces (checkBatch, ingestBatch in src/protocol/agent/) with an
// in-memory store. The real manager serves /api/v1/agent/events too (test/support/
// manager-reports-suite.ts runs the real agent against it); this one stays for what a
// real manager cannot be made to do on cue: it can be told to misbehave the ways a WAN
// and a manager do: down (connections refused), answering garbage or 500, refusing the
// token, or losing its answer after storing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkBatch, EVENTS_PATH, type SiteEvent } from '../../src/protocol/agent/events.js';
import { ingestBatch } from '../../src/protocol/agent/ingest.js';

export type ReceiverMode = 'ok' | 'garbage' | 'error' | 'lose-answer' | 'not-active';

export class EventReceiver {
  /** Stored events per `site/stream`, in the order stored. */
  readonly stored = new Map<string, SiteEvent[]>();
  duplicates = 0;
  gaps: { from: number; to: number }[] = [];
  batches = 0;
  refusals: { status: number; reason: string }[] = [];
  mode: ReceiverMode = 'ok';
  private server?: Server;
  port = 0;

  constructor(private readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every event stored, over all streams. */
  all(): SiteEvent[] {
    return [...this.stored.values()].flat();
  }

  /** Listens (again on the same port after a stop, when it had one). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = (status: number, body: unknown) => {
          if (status !== 200) this.refusals.push({ status, reason: JSON.stringify(body) });
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        };
        if (req.method !== 'POST' || req.url !== EVENTS_PATH) return answer(404, { error: 'not found' });
        if (req.headers.authorization !== `Bearer ${this.token}`) return answer(401, { error: 'unauthorized' });
        if (this.mode === 'not-active') return answer(503, { error: 'not the active manager' });
        if (this.mode === 'error') return answer(500, { error: 'internal' });
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return answer(400, { error: 'invalid JSON' });
        }
        const checked = checkBatch(body);
        if (!checked.ok) return answer(400, { error: `${checked.path}: ${checked.reason}` });
        const key = `${checked.batch.site}/${checked.batch.stream}`;
        const list = this.stored.get(key) ?? [];
        const decision = ingestBatch(list.at(-1)?.seq ?? 0, checked.batch);
        list.push(...decision.fresh);
        this.stored.set(key, list);
        this.duplicates += decision.duplicates;
        if (decision.gap) this.gaps.push(decision.gap);
        this.batches++;
        if (this.mode === 'garbage') return res.writeHead(200).end('<html>proxy error</html>');
        if (this.mode === 'lose-answer') {
          this.mode = 'ok'; // once: the next batch (the same, sent again) is answered
          return res.socket?.destroy();
        }
        return answer(200, { acked: decision.acked });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts open connections: the manager is unreachable. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

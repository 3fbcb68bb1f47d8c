// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): two-byte length-prefixed messages both
// ways, several queries per connection answered in order, an idle timeout and a cap
// on connections and on queries awaiting their answer per connection (pipelining).
// The handler sees whole messages; what it returns is written back framed, in the
// order the queries came, each answer's messages together (a zone transfer's many).
// A transfer comes as an iterator: its messages are pulled a few at a time, as the
// socket drains, so a large zone is never encoded whole and other work (UDP queries,
// other connections) runs between the batches.
import { createServer, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface DnsTcpPeer {
  readonly address: string;
  readonly port: number;
  /** The local address the connection came to. */
  readonly localAddress: string;
}

/** Messages to send back for one query: none (close nothing, answer nothing), one, several, or an iterator of them (a zone transfer). */
export type DnsTcpReply = Buffer | readonly Buffer[] | Iterator<Buffer> | undefined;

/** Messages of a streamed reply written before the socket is let drain and the event loop turn. */
const STREAM_BATCH = 1;

export interface DnsTcpServerOptions {
  readonly address: string;
  readonly port: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxPipelined: number;
  readonly handler: (message: Buffer, peer: DnsTcpPeer) => DnsTcpReply | Promise<DnsTcpReply>;
  /** Told why a connection was refused or dropped. */
  readonly onDrop?: (reason: 'connection-limit' | 'idle' | 'error', peer: DnsTcpPeer, detail?: string) => void;
}

export class DnsTcpServer {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, private readonly opts: DnsTcpServerOptions) {}

  static listen(opts: DnsTcpServerOptions): Promise<DnsTcpServer> {
    const server = createServer({ noDelay: true, pauseOnConnect: false });
    const s = new DnsTcpServer(server, opts);
    server.on('connection', (socket) => s.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.address, port: opts.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve(s);
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Stops accepting, closes every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const peer: DnsTcpPeer = { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0, localAddress: socket.localAddress ?? '?' };
    if (this.sockets.size >= this.opts.maxConnections) {
      this.opts.onDrop?.('connection-limit', peer);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (e) => this.opts.onDrop?.('error', peer, e.message));
    socket.setTimeout(this.opts.idleTimeoutMs, () => {
      this.opts.onDrop?.('idle', peer);
      socket.destroy();
    });
    let pending: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    // Answers leave in query order: while one is awaited, later ones wait behind it.
    let tail: Promise<void> | undefined;
    const settled = () => {
      inFlight--;
      if (inFlight < this.opts.maxPipelined && socket.isPaused()) socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let pos = 0;
      // One write for every answer this chunk completes.
      socket.cork();
      while (pending.length - pos >= 2) {
        const length = pending.readUInt16BE(pos);
        if (pending.length - pos - 2 < length) break;
        const message = pending.subarray(pos + 2, pos + 2 + length);
        pos += 2 + length;
        let reply: DnsTcpReply | Promise<DnsTcpReply>;
        try {
          reply = this.opts.handler(message, peer);
        } catch (error) {
          this.opts.onDrop?.('error', peer, (error as Error).message);
          continue;
        }
        if (tail === undefined && !(reply instanceof Promise) && !isStream(reply)) {
          write(socket, reply);
          continue;
        }
        inFlight++;
        if (inFlight >= this.opts.maxPipelined) socket.pause();
        const previous = tail ?? Promise.resolve();
        const mine: Promise<void> = previous.then(() => reply).then((r) => (isStream(r) ? pump(socket, r) : write(socket, r)))
          .catch((error: unknown) => this.opts.onDrop?.('error', peer, (error as Error).message))
          .finally(() => {
            settled();
            if (tail === mine) tail = undefined;
          });
        tail = mine;
      }
      socket.uncork();
      pending = pos === pending.length ? Buffer.alloc(0) : Buffer.from(pending.subarray(pos));
    });
  }
}

function isStream(reply: DnsTcpReply | Promise<DnsTcpReply>): reply is Iterator<Buffer> {
  return reply !== undefined && !Buffer.isBuffer(reply) && !Array.isArray(reply) && !(reply instanceof Promise);
}

function write(socket: Socket, reply: Buffer | readonly Buffer[] | undefined): void {
  if (reply === undefined || socket.destroyed) return;
  for (const m of Buffer.isBuffer(reply) ? [reply] : reply) writeFramed(socket, m);
}

function writeFramed(socket: Socket, m: Buffer): void {
  const framed = Buffer.allocUnsafe(m.length + 2);
  framed.writeUInt16BE(m.length, 0);
  m.copy(framed, 2);
  socket.write(framed);
}

/** Writes a streamed reply: a batch of messages, then waits for the socket to drain and one event-loop turn, until done or closed. */
async function pump(socket: Socket, messages: Iterator<Buffer>): Promise<void> {
  try {
    for (;;) {
      if (socket.destroyed) return;
      socket.cork();
      let done = false;
      for (let i = 0; i < STREAM_BATCH && !done; i++) {
        const next = messages.next();
        if (next.done) done = true;
        else writeFramed(socket, next.value);
      }
      socket.uncork();
      if (done) return;
      // 'drain' may come in the same turn (a write the kernel took at once): the event loop gets its turn either way.
      if (socket.writableNeedDrain) await drained(socket);
      await nextTurn();
    }
  } catch (error) {
    // A transfer cut short must not look complete: the client sees the connection end.
    socket.destroy();
    throw error;
  } finally {
    messages.return?.();
  }
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

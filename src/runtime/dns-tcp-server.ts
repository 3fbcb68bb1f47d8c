// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): two-byte length-prefixed messages both
// ways, several queries per connection answered in order, an idle timeout and a cap
// on connections and on queries awaiting their answer per connection (pipelining).
// The handler sees whole messages; what it returns is written back framed, in the
// order the queries came, each answer's messages together (a zone transfer's many).
import { createServer, type Server, type Socket } from 'node:net';

export interface DnsTcpPeer {
  readonly address: string;
  readonly port: number;
  /** The local address the connection came to. */
  readonly localAddress: string;
}

/** Messages to send back for one query: none (close nothing, answer nothing), one, or several. */
export type DnsTcpReply = Buffer | readonly Buffer[] | undefined;

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
        if (tail === undefined && !(reply instanceof Promise)) {
          write(socket, reply);
          continue;
        }
        inFlight++;
        if (inFlight >= this.opts.maxPipelined) socket.pause();
        const previous = tail ?? Promise.resolve();
        const mine: Promise<void> = previous.then(() => reply).then((r) => write(socket, r), (error: unknown) => this.opts.onDrop?.('error', peer, (error as Error).message))
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

function write(socket: Socket, reply: DnsTcpReply): void {
  if (reply === undefined || socket.destroyed) return;
  for (const m of Buffer.isBuffer(reply) ? [reply] : reply) {
    const framed = Buffer.allocUnsafe(m.length + 2);
    framed.writeUInt16BE(m.length, 0);
    m.copy(framed, 2);
    socket.write(framed);
  }
}

// One TCP connection between failover partners (docs/failover-protocol.md, "Wire
// protocol"): framing, the pre-shared-key handshake in either role, then MAC'd and
// numbered messages both ways. Anything malformed, unauthenticated or out of order
// ends the connection with a reason; nothing from it reaches the relationship before
// the partner has proved the key.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import {
  FrameReader, NONCE_BYTES, acceptorProof, connectorProof, decodeMessage, encodeFrame, encodeMessage, isWireDecodeError, proofsEqual, sessionKey,
  type FailoverMessage, type Frame, type HelloMessage, type HelloReplyMessage, type HelloResult,
} from '../wire/failover/index.js';

/** Who this server is in one relationship, and the secret it shares with the partner. */
export interface SessionIdentity {
  readonly relationship: string;
  readonly serverName: string;
  readonly role: HelloMessage['role'];
  readonly mode: HelloMessage['mode'];
  readonly configHash: Buffer;
  readonly key: Buffer;
  readonly maxClockSkewMs: number;
}

/**
 * Why a connection ended, as a metric label and a log reason. The refusals: by an
 * authenticated partner (its HELLO-REPLY proof checked), of an authenticated partner
 * (we checked its proof first), and of a connector that has proved nothing yet — only
 * the first two may change a relationship's state, so a stranger cannot.
 */
export type SessionEndReason =
  | 'closed' | 'local' | 'handshake-timeout' | 'bad-frame' | 'auth-failed' | 'refused-by-partner' | 'refused-partner' | 'refused-stranger' | 'socket-error';

export interface SessionHandlers {
  /** The partner proved the key; messages flow from now on. */
  onReady(peer: { readonly serverName: string; readonly role: string; readonly clock: number }): void;
  onMessage(message: FailoverMessage): void;
  /** The connection is gone; called once. `detail` explains it (never holds the key). */
  onEnd(reason: SessionEndReason, detail: string): void;
}

type Phase = 'hello' | 'hello-reply' | 'auth' | 'ready' | 'ended';

/** Bounds the handshake: a peer that connects and says nothing is dropped. */
const HANDSHAKE_TIMEOUT_MS = 5000;

export class FailoverSession {
  private readonly reader = new FrameReader();
  private phase: Phase;
  private sendSequence = 0;
  private macKey?: Buffer;
  private readonly nonce = randomBytes(NONCE_BYTES);
  private peerNonce?: Buffer;
  private identity?: SessionIdentity;
  private peer?: { serverName: string; role: string; clock: number };
  private readonly timer: TimerHandle;

  private constructor(
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly handlers: SessionHandlers,
    private readonly lookup: ((hello: HelloMessage) => SessionIdentity | HelloResult) | undefined,
    identity: SessionIdentity | undefined,
  ) {
    this.identity = identity;
    this.phase = identity ? 'hello-reply' : 'hello';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.end('socket-error', error.code ?? error.message));
    socket.on('close', () => this.end('closed', 'the connection closed'));
    this.timer = clock.setTimer(HANDSHAKE_TIMEOUT_MS, () => { if (this.phase !== 'ready') this.end('handshake-timeout', `no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`); });
  }

  /** The connecting side: sends HELLO on a connected socket. */
  static connector(socket: Socket, identity: SessionIdentity, clock: Clock, handlers: SessionHandlers): FailoverSession {
    const s = new FailoverSession(socket, clock, handlers, undefined, identity);
    s.write({
      kind: 'hello', relationship: identity.relationship, serverName: identity.serverName, role: identity.role, mode: identity.mode,
      configHash: identity.configHash, clock: clock.now(), nonce: s.nonce,
    });
    return s;
  }

  /** The accepting side: `lookup` names the relationship a HELLO asks for, or the refusal. */
  static acceptor(socket: Socket, lookup: (hello: HelloMessage) => SessionIdentity | HelloResult, clock: Clock, handlers: SessionHandlers): FailoverSession {
    return new FailoverSession(socket, clock, handlers, lookup, undefined);
  }

  get relationship(): string | undefined {
    return this.identity?.relationship;
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** Sends a message of the session (after onReady). Ignored once the session ended. */
  send(message: FailoverMessage): void {
    if (this.phase !== 'ready') return;
    this.write(message);
  }

  close(detail: string): void {
    this.end('local', detail);
  }

  private write(message: FailoverMessage): void {
    const { type, body } = encodeMessage(message);
    this.socket.write(encodeFrame({ type, sequence: this.sendSequence++, body }, this.macKey));
  }

  private received(chunk: Buffer): void {
    if (this.phase === 'ended') return;
    this.guarded(() => this.reader.push(chunk));
  }

  /** Decodes and handles frames; a decode error of the reader or of a body ends the connection. */
  private guarded(frames: () => readonly Frame[]): void {
    try {
      for (const frame of frames()) {
        this.frame(decodeMessage(frame.type, frame.body));
        if (this.phase === 'ended') return;
      }
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      if (error.reason === 'bad-version' && this.phase === 'hello') {
        // A newer (or older) partner: say so in our version, so its log can tell why.
        this.write({ kind: 'hello-reply', result: 'version', serverName: '', role: 'primary', clock: this.clock.now(), nonce: this.nonce, proof: Buffer.alloc(32) });
        return this.end('refused-stranger', `unsupported protocol version: ${error.message}`, true);
      }
      this.end('bad-frame', `${error.reason}: ${error.message}`);
    }
  }

  private frame(message: FailoverMessage): void {
    switch (this.phase) {
      case 'hello': return this.onHello(message);
      case 'hello-reply': return this.onHelloReply(message);
      case 'auth': return this.onAuth(message);
      case 'ready': return this.handlers.onMessage(message);
      case 'ended': return;
    }
  }

  /** Acceptor: a HELLO names the relationship; answer with our proof, or refuse. */
  private onHello(message: FailoverMessage): void {
    if (message.kind !== 'hello') return this.end('bad-frame', `expected HELLO, got ${message.kind}`);
    const found = this.lookup!(message);
    const now = this.clock.now();
    let result: HelloResult = typeof found === 'string' ? found : 'ok';
    if (typeof found !== 'string') {
      if (Math.abs(message.clock - now) > found.maxClockSkewMs) result = 'clock-skew';
      else if (!message.configHash.equals(found.configHash)) result = 'config-mismatch';
    }
    const me = typeof found === 'string' ? undefined : found;
    this.peerNonce = message.nonce;
    // A refusal carries our proof too when we know the relationship, so the partner can trust it.
    const reply: HelloReplyMessage = {
      kind: 'hello-reply', result, serverName: me?.serverName ?? '', role: me?.role ?? 'primary', clock: now, nonce: this.nonce,
      proof: me ? acceptorProof(me.key, message.relationship, message.nonce, this.nonce) : Buffer.alloc(32),
    };
    this.write(reply);
    if (result !== 'ok') {
      this.identity = me;
      const detail = result === 'clock-skew' ? `clock skew ${Math.abs(message.clock - now)} ms` : result;
      return this.end('refused-stranger', `${message.serverName} asked for relationship ${JSON.stringify(message.relationship)}: ${detail}`, true);
    }
    this.identity = me;
    this.phase = 'auth';
    this.peer = { serverName: message.serverName, role: message.role, clock: message.clock };
  }

  /** Connector: check the acceptor's proof, prove ours, start the session. */
  private onHelloReply(message: FailoverMessage): void {
    if (message.kind !== 'hello-reply') return this.end('bad-frame', `expected HELLO-REPLY, got ${message.kind}`);
    const id = this.identity!;
    if (!proofsEqual(message.proof, acceptorProof(id.key, id.relationship, this.nonce, message.nonce))) {
      return this.end('auth-failed', message.result === 'ok' ? 'the partner\'s proof does not match our key' : `refused (${message.result}) without a valid proof`);
    }
    if (message.result !== 'ok') return this.end('refused-by-partner', `the partner refused relationship ${JSON.stringify(id.relationship)}: ${message.result}`);
    const skew = Math.abs(message.clock - this.clock.now());
    if (skew > id.maxClockSkewMs) return this.end('refused-partner', `clock skew ${skew} ms exceeds ${id.maxClockSkewMs} ms`);
    this.write({ kind: 'auth', proof: connectorProof(id.key, id.relationship, this.nonce, message.nonce) });
    this.startSession(sessionKey(id.key, this.nonce, message.nonce), { serverName: message.serverName, role: message.role, clock: message.clock });
  }

  /** Acceptor: the connector's proof. */
  private onAuth(message: FailoverMessage): void {
    if (message.kind !== 'auth') return this.end('bad-frame', `expected AUTH, got ${message.kind}`);
    const id = this.identity!;
    if (!proofsEqual(message.proof, connectorProof(id.key, id.relationship, this.peerNonce!, this.nonce))) {
      return this.end('auth-failed', `the connector's proof does not match our key for relationship ${JSON.stringify(id.relationship)}`);
    }
    this.startSession(sessionKey(id.key, this.peerNonce!, this.nonce), this.peer!);
  }

  private startSession(key: Buffer, peer: { serverName: string; role: string; clock: number }): void {
    this.macKey = key;
    this.sendSequence = 0;
    this.phase = 'ready';
    this.timer.cancel();
    this.handlers.onReady(peer);
    // Frames that came right behind AUTH were held until the key was known.
    if (this.phase === 'ready') this.guarded(() => this.reader.startSession(key));
  }

  private end(reason: SessionEndReason, detail: string, flush = false): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.timer.cancel();
    if (flush) this.socket.end();
    else this.socket.destroy();
    this.handlers.onEnd(reason, detail);
  }
}

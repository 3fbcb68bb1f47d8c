// The failover frame (docs/failover-protocol.md, "Frame") and a pure, incremental
// reader of a stream of frames.
//
//   0  magic "OF"   2  version u8 (1)   3  type u8   4  sequence u32   8  length u32 (≤ 4 MiB)
//   12 body (length bytes)   then a 16-byte MAC: HMAC-SHA256(session key, header ‖ body),
//   truncated; absent in HELLO, HELLO-REPLY and AUTH (types 1–3), present in all others.
//
// The reader takes the stream's bytes as they come (`push`) and returns the frames
// completed so far. It checks each header field as soon as its bytes are there —
// magic, version, type (known, and allowed in the connection's phase), sequence
// (the next one expected), length (≤ 4 MiB and ≤ what the type can hold) — so a bad
// frame is refused before any of its body is buffered, and it never holds more than
// one frame (12 + 4 MiB + 16 bytes). MACs are compared in constant time. The first
// error is final: the reader rethrows it on every later call (the connection closes).
//
// Phases: before the session key only handshake frames (types 1–3) are accepted.
// After an AUTH frame the reader holds further bytes undecoded until the caller has
// checked the proof and calls startSession(sessionKey) (bytes after AUTH are already
// MAC'd by the session key the caller does not know yet). startSession sets the key
// and restarts the expected sequence at 0; from then on only MAC'd frames (4–10) are
// accepted. A connection carries at most 2^32 frames each way from the session's
// start: after sequence 0xffffffff every frame is a `bad-sequence` (no wrap-around,
// so no sequence number is ever accepted twice under one key).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { checkUint } from '../writer.js';
import { MESSAGE_TYPE } from './enums.js';
import { MAX_BODY_BYTES } from './fields.js';
import { MAX_BODY_BYTES_OF } from './message.js';

export const FRAME_MAGIC = Buffer.from('OF', 'latin1');
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;
export const FRAME_MAC_BYTES = 16;
/** The largest frame: header, 4 MiB body, MAC. */
export const MAX_FRAME_BYTES = FRAME_HEADER_BYTES + MAX_BODY_BYTES + FRAME_MAC_BYTES;
/** The first type that carries a MAC (HEARTBEAT); HELLO, HELLO-REPLY and AUTH do not. */
const FIRST_MAC_TYPE = 4;
const AUTH_TYPE = MESSAGE_TYPE.codes.auth;
const EMPTY = Buffer.alloc(0);

export interface Frame {
  readonly type: number;
  readonly sequence: number;
  /** The body. From FrameReader: a view of a pushed chunk when the frame lay in one, else a new Buffer. */
  readonly body: Buffer;
}

/** Whether frames of this type carry a MAC. */
export function frameHasMac(type: number): boolean {
  return type >= FIRST_MAC_TYPE;
}

function mac(key: Buffer, headerAndBody: Buffer): Buffer {
  return createHmac('sha256', key).update(headerAndBody).digest().subarray(0, FRAME_MAC_BYTES);
}

function checkKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length === 0) throw new WireEncodeError('bad-value', `${what}: a session key must be a non-empty Buffer`);
}

/**
 * A frame's bytes. `macKey` (the session key) is required for types 4–10 and refused
 * for 1–3. Throws WireEncodeError: 'bad-value' for a type, sequence or key that does
 * not fit, 'too-large' for a body over 4 MiB.
 */
export function encodeFrame(frame: Frame, macKey?: Buffer): Buffer {
  const { type, sequence, body } = frame;
  if (MESSAGE_TYPE.name(type) === undefined) throw new WireEncodeError('bad-value', `frame type ${String(type)} is not one of 1–${MESSAGE_TYPE.names.length}`);
  checkUint(sequence, 0xffff_ffff, 'frame sequence');
  if (!Buffer.isBuffer(body)) throw new WireEncodeError('bad-value', 'frame body must be a Buffer');
  if (body.length > MAX_BODY_BYTES) throw new WireEncodeError('too-large', `frame body of ${body.length} bytes, at most ${MAX_BODY_BYTES}`);
  const withMac = frameHasMac(type);
  if (withMac && macKey === undefined) throw new WireEncodeError('bad-value', `frame type ${type} carries a MAC: it needs the session key`);
  if (!withMac && macKey !== undefined) throw new WireEncodeError('bad-value', `frame type ${type} is a handshake frame: it carries no MAC`);
  const end = FRAME_HEADER_BYTES + body.length;
  const out = Buffer.allocUnsafe(end + (withMac ? FRAME_MAC_BYTES : 0));
  FRAME_MAGIC.copy(out, 0);
  out[2] = FRAME_VERSION;
  out[3] = type;
  out.writeUInt32BE(sequence, 4);
  out.writeUInt32BE(body.length, 8);
  body.copy(out, FRAME_HEADER_BYTES);
  if (macKey !== undefined) {
    checkKey(macKey, 'encodeFrame');
    mac(macKey, out.subarray(0, end)).copy(out, end);
  }
  return out;
}

interface Header {
  readonly type: number;
  readonly sequence: number;
  readonly length: number;
  /** Header + body + MAC. */
  readonly total: number;
}

type Phase = 'handshake' | 'after-auth' | 'session';

export class FrameReader {
  private chunks: Buffer[] = [];
  /** Index of the first chunk still holding buffered bytes. */
  private first = 0;
  /** Bytes of chunks[first] already consumed. */
  private head = 0;
  /** Bytes buffered. */
  private size = 0;
  /** Stream offset of the first buffered byte (error offsets are of the stream). */
  private offset = 0;
  private next = 0;
  private key: Buffer | undefined;
  private phase: Phase = 'handshake';
  private header: Header | undefined;
  private failure: WireDecodeError | undefined;

  /** Bytes received and not yet returned in a frame. */
  get buffered(): number {
    return this.size;
  }

  /** The sequence number the next frame must carry. */
  get expectedSequence(): number {
    return this.next;
  }

  /** Whether startSession has been called. */
  get inSession(): boolean {
    return this.phase === 'session';
  }

  /** Whether the reader holds bytes after an AUTH frame, waiting for startSession. */
  get awaitingSession(): boolean {
    return this.phase === 'after-auth';
  }

  /** Appends bytes of the stream; returns the frames they complete, in order. Throws WireDecodeError (for good). */
  push(chunk: Buffer): Frame[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    return this.guarded();
  }

  /**
   * Starts the authenticated session: frames from now on must carry a MAC made with
   * `sessionKey` and are numbered from 0. Returns the frames completed by bytes that
   * were held after AUTH. Throws WireDecodeError as push does.
   */
  startSession(sessionKey: Buffer): Frame[] {
    if (this.failure) throw this.failure;
    if (this.phase === 'session') throw new Error('FrameReader.startSession: the session has already started');
    checkKey(sessionKey, 'startSession');
    this.key = Buffer.from(sessionKey);
    this.phase = 'session';
    this.next = 0;
    this.header = undefined;
    return this.guarded();
  }

  /** The stream has ended: throws WireDecodeError('truncated') if it stopped inside a frame. */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.size > 0) this.fail(new WireDecodeError('truncated', this.offset + this.size, `the stream ended ${this.size} bytes into a frame${this.header ? ` of ${this.header.total} bytes` : ''}`));
  }

  private fail(e: WireDecodeError): never {
    this.failure = e;
    this.chunks = [];
    this.first = 0;
    this.size = 0;
    this.head = 0;
    throw e;
  }

  private guarded(): Frame[] {
    try {
      return this.drain();
    } catch (e) {
      if (e instanceof WireDecodeError) this.fail(e);
      throw e;
    }
  }

  private drain(): Frame[] {
    const out: Frame[] = [];
    for (;;) {
      if (this.phase === 'after-auth') {
        if (this.size > MAX_FRAME_BYTES) throw new WireDecodeError('oversized', this.offset, `${this.size} bytes arrived after AUTH before the session started, more than one frame (${MAX_FRAME_BYTES})`);
        return out;
      }
      this.header ??= this.readHeader();
      const h = this.header;
      if (h === undefined || this.size < h.total) return out;
      const start = this.offset;
      const bytes = this.take(h.total);
      const end = FRAME_HEADER_BYTES + h.length;
      if (this.key !== undefined) {
        const got = bytes.subarray(end, end + FRAME_MAC_BYTES);
        if (!timingSafeEqual(mac(this.key, bytes.subarray(0, end)), got)) throw new WireDecodeError('bad-mac', start + end, `frame ${h.sequence} (type ${h.type}): the MAC does not match the session key`);
      }
      out.push({ type: h.type, sequence: h.sequence, body: bytes.subarray(FRAME_HEADER_BYTES, end) });
      this.next++;
      this.header = undefined;
      if (h.type === AUTH_TYPE) this.phase = 'after-auth';
    }
  }

  /** Checks the header fields whose bytes are there; the header once all 12 are. */
  private readHeader(): Header | undefined {
    const n = Math.min(this.size, FRAME_HEADER_BYTES);
    if (n === 0) return undefined;
    const b = this.peek(n);
    const at = this.offset;
    for (let i = 0; i < Math.min(n, 2); i++) {
      if (b[i] !== FRAME_MAGIC[i]) throw new WireDecodeError('bad-magic', at + i, `a frame starts with 0x4f46 ("OF"), got 0x${b.subarray(0, Math.min(n, 2)).toString('hex')}`);
    }
    if (n < 3) return undefined;
    if (b[2] !== FRAME_VERSION) throw new WireDecodeError('bad-version', at + 2, `frame version ${b[2]}, this side speaks ${FRAME_VERSION}`);
    if (n < 4) return undefined;
    const type = b[3]!;
    const kind = MESSAGE_TYPE.name(type);
    if (kind === undefined) throw new WireDecodeError('unknown-type', at + 3, `frame type ${type} is not one of 1–${MESSAGE_TYPE.names.length}`);
    const withMac = frameHasMac(type);
    if (withMac && this.phase !== 'session') throw new WireDecodeError('unexpected-type', at + 3, `a ${kind} frame (type ${type}) before the session started: only HELLO, HELLO-REPLY and AUTH come before`);
    if (!withMac && this.phase === 'session') throw new WireDecodeError('unexpected-type', at + 3, `a ${kind} frame (type ${type}) after the session started: the handshake is over`);
    if (n < 8) return undefined;
    const sequence = b.readUInt32BE(4);
    if (sequence !== this.next) throw new WireDecodeError('bad-sequence', at + 4, `frame sequence ${sequence}, expected ${this.next}${sequence < this.next ? ' (a repeat)' : ' (a gap)'}`);
    if (n < FRAME_HEADER_BYTES) return undefined;
    const length = b.readUInt32BE(8);
    const max = MAX_BODY_BYTES_OF[kind];
    if (length > max) throw new WireDecodeError('oversized', at + 8, `a ${kind} body of ${length} bytes, at most ${max}`);
    return { type, sequence, length, total: FRAME_HEADER_BYTES + length + (withMac ? FRAME_MAC_BYTES : 0) };
  }

  /** A copy of the first n buffered bytes (n ≤ 12), without consuming them. */
  private peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    let skip = this.head;
    for (let i = this.first; got < n; i++) {
      const c = this.chunks[i]!;
      got += c.copy(out, got, skip, Math.min(c.length, skip + n - got));
      skip = 0;
    }
    return out;
  }

  /** Consumes the first n buffered bytes: a view when they lie in one chunk, else a new Buffer. */
  private take(n: number): Buffer {
    const first = this.chunks[this.first]!;
    let out: Buffer;
    if (first.length - this.head >= n) {
      out = first.subarray(this.head, this.head + n);
      this.head += n;
    } else {
      out = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const c = this.chunks[this.first]!;
        const k = Math.min(c.length - this.head, n - got);
        c.copy(out, got, this.head, this.head + k);
        got += k;
        this.head += k;
        if (this.head === c.length) this.dropFirst();
      }
    }
    if (this.first < this.chunks.length && this.head === this.chunks[this.first]!.length) this.dropFirst();
    this.size -= n;
    this.offset += n;
    return out;
  }

  /** Forgets the first chunk; compacts the array now and then (no O(n) shift per chunk). */
  private dropFirst(): void {
    this.chunks[this.first] = EMPTY;
    this.first++;
    this.head = 0;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

// A UDP/IPv4 socket that knows interfaces: on receive, the interface a datagram arrived
// on and the address it was sent to (broadcast or unicast); on send, the interface and
// source address to use, including for 255.255.255.255. node:dgram has neither
// (no IP_PKTINFO, no SO_BINDTODEVICE), and a DHCP server picks the subnet by arrival
// interface and must answer a broadcast out of that same interface.
//
// A thin typed wrapper over the native addon in native/udp4/ (docs/native.md):
// addresses are u32 numbers in host order (192.0.2.1 = 0xc0000201), as the DHCP codec
// uses them. Linux only.
import { createRequire } from 'node:module';
import { constants, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One received datagram. */
export interface Udp4Datagram {
  /** The payload: a fresh copy, the caller may keep it. */
  data: Buffer;
  /** Sender's address, u32. */
  from: number;
  fromPort: number;
  /** Interface the datagram arrived on (IP_PKTINFO). */
  ifindex: number;
  /** Destination address of the datagram, u32: 0xffffffff for a limited broadcast. */
  to: number;
}

export interface Udp4OpenOptions {
  /** 0 lets the kernel pick; see localPort. */
  port: number;
  /** Local address, u32; default 0 = INADDR_ANY (needed to receive broadcasts). */
  address?: number;
  /** SO_BROADCAST: allow sending to broadcast addresses. */
  broadcast?: boolean;
  /** SO_REUSEADDR. */
  reuseAddr?: boolean;
  /** SO_RCVBUF request; the kernel doubles it and caps it at net.core.rmem_max. */
  recvBufferBytes?: number;
  /** SO_SNDBUF request; capped at net.core.wmem_max. */
  sendBufferBytes?: number;
  /** SO_BINDTODEVICE: receive from and send through this interface only. */
  device?: string;
  /** Longest datagram delivered (1..65535, default 65535); longer ones are dropped and counted as truncated. */
  maxDatagramBytes?: number;
  /**
   * 'icmp': an ICMP socket instead of UDP (port must be 0; send with port 0), for echo
   * requests: a ping socket where net.ipv4.ping_group_range allows, else raw (needs
   * CAP_NET_RAW, receives echo replies only). Either way a datagram is the bare ICMP message.
   */
  protocol?: 'udp' | 'icmp';
}

/** What the kernel gave: a UDP socket, a ping socket, or a raw ICMP socket. */
export type Udp4SocketKind = 'udp' | 'icmp' | 'icmp-raw';

export interface Udp4SendOptions {
  /** Outgoing interface (IP_PKTINFO ipi_ifindex); 0 or absent = by routing. */
  ifindex?: number;
  /** Source address (IP_PKTINFO ipi_spec_dst), u32; must be local; 0 or absent = by routing. */
  from?: number;
}

export interface Udp4Stats {
  /** Datagrams read from the kernel and handed to onMessage (or dropped for want of a handler). */
  received: number;
  sent: number;
  /** Sends refused because the kernel would block (EAGAIN, or ENOBUFS from a full device queue). */
  sendWouldBlock: number;
  /** Sends that failed for any other reason (no route, bad interface, too large, socket closed...). */
  sendErrors: number;
  /** Datagrams longer than maxDatagramBytes, dropped. */
  truncated: number;
  receiveErrors: number;
  /** errno name of the last send error, e.g. "ENETUNREACH"; null if none. */
  lastSendError: string | null;
  lastReceiveError: string | null;
}

type Handle = object & { readonly __udp4: unique symbol };
type Deliver = (count: number, data: Buffer, meta: Uint32Array) => void;

/** The addon's exports (native/udp4/udp4.c). */
interface Addon {
  open(
    port: number, address: number, broadcast: boolean, reuseAddr: boolean, recvBufferBytes: number,
    sendBufferBytes: number, device: string, slotBytes: number, callback: Deliver, meta: Uint32Array, icmp: boolean,
  ): Handle;
  kind(h: Handle): Udp4SocketKind;
  localPort(h: Handle): number;
  send(h: Handle, data: Buffer, to: number, port: number, ifindex: number, from: number): number;
  sendBatch(h: Handle, data: Buffer, meta: Uint32Array, count: number): number;
  stats(h: Handle): number[];
  bufferSizes(h: Handle): [number, number];
  close(h: Handle): void;
  interfaceIndex(name: string): number;
  interfaceName(ifindex: number): string | undefined;
  lockFile(path: string): number;
  readonly batch: number;
  readonly metaFields: number;
  readonly sendMetaFields: number;
}

/** A queued datagram the kernel refused when the queue was flushed. */
export interface Udp4SendFailure {
  /** errno name, e.g. "EAGAIN", "ENETUNREACH". */
  readonly error: string;
  /** True for EAGAIN/ENOBUFS (counted in sendWouldBlock), false for the rest (sendErrors). */
  readonly wouldBlock: boolean;
  readonly to: number;
  readonly port: number;
  /** A copy of the payload. */
  readonly data: Buffer;
}

/** Numbers per datagram in the batch metadata: length, from, fromPort, ifindex, to. */
const META = 5;
/** Numbers per queued datagram in sendBatch's metadata: length, to, port, ifindex, from, result (the errno, written back). */
const SEND_META = 6;
/** Datagrams per flush (one native call; the addon makes one sendmmsg per 64). */
const QUEUE_DATAGRAMS = 64;
/** Bytes of payload the send queue holds before it flushes by itself. */
const QUEUE_BYTES = 64 * 1024;
const ADDON_PATH = fileURLToPath(new URL('../../../native/udp4/build/Release/udp4.node', import.meta.url));
let loaded: Addon | undefined;

/** The loaded native addon (built by scripts/setup.mjs); its other users (file-lock.ts) go through here. */
export function addon(): Addon {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') throw new Error(`Udp4Socket needs Linux (IP_PKTINFO, SO_BINDTODEVICE, recvmmsg); this is ${process.platform}`);
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (err) {
    loaded = undefined;
    throw new Error(`the native UDP addon is not built or does not load (${ADDON_PATH}): run "node scripts/setup.mjs" (needs gcc, g++, make, python3): ${(err as Error).message}`);
  }
  if (loaded.metaFields !== META || loaded.sendMetaFields !== SEND_META || typeof loaded.kind !== 'function') throw new Error(`the native UDP addon at ${ADDON_PATH} is stale (meta fields ${loaded.metaFields}/${String(loaded.sendMetaFields)}, want ${META}/${SEND_META}; kind() ${typeof loaded.kind}): run "node scripts/setup.mjs"`);
  return loaded;
}

let errnoNames: Map<number, string> | undefined;
function errnoName(errno: number): string | null {
  if (errno === 0) return null;
  errnoNames ??= new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

const isU32 = (n: unknown): n is number => typeof n === 'number' && n >>> 0 === n;
const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;

function optU32(value: number | undefined, what: string, max = 0xffffffff): number {
  if (value === undefined) return 0;
  if (!isU32(value) || value > max) throw new RangeError(`Udp4Socket: ${what} must be an integer from 0 to ${max}, got ${String(value)}`);
  return value;
}

export class Udp4Socket {
  /** The bound port (the one the kernel chose when opened with port 0). */
  readonly localPort: number;
  readonly kind: Udp4SocketKind;
  private readonly native: Addon;
  private readonly handle: Handle;
  private handler: ((d: Udp4Datagram) => void) | null = null;
  private closed = false;
  // The send queue: payloads back to back in queueData, SEND_META numbers each in queueMeta.
  private queueData: Buffer | null = null;
  private readonly queueMeta = new Uint32Array(QUEUE_DATAGRAMS * SEND_META);
  private queued = 0;
  private queuedBytes = 0;
  /** Inside deliver: the queue is flushed when the batch has been handled. */
  private delivering = false;
  private flushScheduled = false;
  private sendErrorHandler: ((f: Udp4SendFailure) => void) | null = null;

  private constructor(opts: Udp4OpenOptions) {
    const native = addon();
    if (!isPort(opts.port)) throw new RangeError(`Udp4Socket: port must be an integer from 0 to 65535, got ${String(opts.port)}`);
    const device = opts.device ?? '';
    if (typeof device !== 'string' || device.length > 15 || device.includes('\0')) throw new RangeError(`Udp4Socket: device must be an interface name of at most 15 characters, got ${JSON.stringify(device)}`);
    const slot = opts.maxDatagramBytes ?? 65535;
    if (!isU32(slot) || slot < 1 || slot > 65535) throw new RangeError(`Udp4Socket: maxDatagramBytes must be an integer from 1 to 65535, got ${String(slot)}`);
    const icmp = opts.protocol === 'icmp';
    if (icmp && opts.port !== 0) throw new RangeError(`Udp4Socket: an ICMP socket has no port (port must be 0), got ${String(opts.port)}`);
    this.native = native;
    this.handle = native.open(
      opts.port, optU32(opts.address, 'address'), opts.broadcast === true, opts.reuseAddr === true,
      optU32(opts.recvBufferBytes, 'recvBufferBytes', 0x7fffffff), optU32(opts.sendBufferBytes, 'sendBufferBytes', 0x7fffffff),
      device, slot, this.deliver, new Uint32Array(native.batch * native.metaFields), icmp,
    );
    this.localPort = native.localPort(this.handle);
    this.kind = native.kind(this.handle);
  }

  /**
   * Opens, binds and starts reading. Throws an Error naming the failed call and errno
   * (e.g. `udp4: bind 0.0.0.0:67: Address already in use (EADDRINUSE)`, with .code).
   * Datagrams are read only from the event loop, so a handler set with onMessage right
   * after open() misses nothing. The open socket keeps the process alive until close().
   */
  static open(opts: Udp4OpenOptions): Udp4Socket {
    return new Udp4Socket(opts);
  }

  /** Sets the one handler, called for each datagram (replacing any earlier handler). */
  onMessage(fn: (d: Udp4Datagram) => void): void {
    this.handler = fn;
  }

  /**
   * Queues one datagram to be sent with others in one batch (sendmmsg): replies made
   * while a received batch is handled leave together when the handlers return; those
   * queued elsewhere (say, once a promise resolved) leave on a setImmediate, or at once
   * when the queue is full. flush() sends the queue now. Never blocks; the payload is
   * copied, so the caller may reuse `data` at once. Outcomes are counted in stats()
   * exactly as for send(); a refused datagram is reported to onSendError. Bad arguments
   * throw, as for send().
   */
  queue(data: Buffer, to: number, port: number, opts?: Udp4SendOptions): void {
    if (!isU32(to)) throw new RangeError(`Udp4Socket.queue: destination must be a u32 address, got ${String(to)}`);
    if (!isPort(port)) throw new RangeError(`Udp4Socket.queue: port must be an integer from 0 to 65535, got ${String(port)}`);
    const ifindex = opts?.ifindex ?? 0;
    const from = opts?.from ?? 0;
    if (!isU32(ifindex) || !isU32(from)) throw new RangeError(`Udp4Socket.queue: ifindex and from must be u32, got ${String(ifindex)} and ${String(from)}`);
    const length = data.length;
    if (length > QUEUE_BYTES) {
      // Larger than the queue itself: keep the order, then send it alone.
      this.flush();
      const err = this.native.send(this.handle, data, to, port, ifindex, from);
      if (err !== 0) this.reportFailure(err, to, port, data);
      return;
    }
    if (this.queued === QUEUE_DATAGRAMS || this.queuedBytes + length > QUEUE_BYTES) this.flush();
    const buf = (this.queueData ??= Buffer.allocUnsafe(QUEUE_BYTES));
    buf.set(data, this.queuedBytes);
    const m = this.queued * SEND_META;
    const meta = this.queueMeta;
    meta[m] = length;
    meta[m + 1] = to;
    meta[m + 2] = port;
    meta[m + 3] = ifindex;
    meta[m + 4] = from;
    meta[m + 5] = 0;
    this.queued++;
    this.queuedBytes += length;
    if (!this.delivering && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.scheduledFlush);
    }
  }

  /**
   * Sends every queued datagram now, in order, in as few sendmmsg calls as the kernel
   * allows. Returns how many of them the kernel refused (each counted in stats() and
   * reported to onSendError). After close(), queued datagrams fail with EBADF.
   */
  flush(): number {
    const count = this.queued;
    if (count === 0) return 0;
    const bytes = this.queuedBytes;
    this.queued = 0;
    this.queuedBytes = 0;
    const data = this.queueData!;
    const sent = this.native.sendBatch(this.handle, data.subarray(0, bytes), this.queueMeta, count);
    if (sent === count) return 0;
    const meta = this.queueMeta;
    for (let i = 0, offset = 0; i < count; i++) {
      const m = i * SEND_META;
      const length = meta[m]!;
      const err = meta[m + 5]!;
      if (err !== 0) this.reportFailure(err, meta[m + 1]!, meta[m + 2]!, data.subarray(offset, offset + length));
      offset += length;
    }
    return count - sent;
  }

  /** Sets the one handler told about each queued datagram the kernel refused (replacing any earlier one). */
  onSendError(fn: (f: Udp4SendFailure) => void): void {
    this.sendErrorHandler = fn;
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private reportFailure(errno: number, to: number, port: number, data: Buffer): void {
    const fn = this.sendErrorHandler;
    if (fn === null) return;
    const error = errnoName(errno) ?? 'EUNKNOWN';
    fn({ error, wouldBlock: error === 'EAGAIN' || error === 'EWOULDBLOCK' || error === 'ENOBUFS', to, port, data: Buffer.from(data) });
  }

  /**
   * Sends one datagram without blocking. True when the kernel took it; false when it
   * would have blocked (counted in sendWouldBlock) or refused it (counted in sendErrors,
   * errno in lastSendError): network errors never throw. Bad arguments throw.
   */
  send(data: Buffer, to: number, port: number, opts?: Udp4SendOptions): boolean {
    if (!isU32(to)) throw new RangeError(`Udp4Socket.send: destination must be a u32 address, got ${String(to)}`);
    if (!isPort(port)) throw new RangeError(`Udp4Socket.send: port must be an integer from 0 to 65535, got ${String(port)}`);
    const ifindex = opts?.ifindex ?? 0;
    const from = opts?.from ?? 0;
    if (!isU32(ifindex) || !isU32(from)) throw new RangeError(`Udp4Socket.send: ifindex and from must be u32, got ${String(ifindex)} and ${String(from)}`);
    return this.native.send(this.handle, data, to, port, ifindex, from) === 0;
  }

  /** Counters since open; still readable after close. Flushes the send queue first, so queued datagrams are counted. */
  stats(): Udp4Stats {
    this.flush();
    const s = this.native.stats(this.handle);
    return {
      received: s[0] ?? 0,
      sent: s[1] ?? 0,
      sendWouldBlock: s[2] ?? 0,
      sendErrors: s[3] ?? 0,
      truncated: s[4] ?? 0,
      receiveErrors: s[5] ?? 0,
      lastSendError: errnoName(s[6] ?? 0),
      lastReceiveError: errnoName(s[7] ?? 0),
    };
  }

  /** SO_RCVBUF and SO_SNDBUF as the kernel set them (0 after close). */
  bufferSizes(): { recv: number; send: number } {
    const [recv, send] = this.native.bufferSizes(this.handle);
    return { recv, send };
  }

  /**
   * Sends what is queued, then stops reading and releases the fd and port at once.
   * Idempotent; safe inside onMessage (the rest of that batch is dropped).
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.native.close(this.handle);
  }

  /** One native call per recvmmsg batch; meta holds metaFields numbers per datagram. */
  private readonly deliver: Deliver = (count, data, meta) => {
    let offset = 0;
    let failed = false;
    let failure: unknown;
    // Replies queued by the handlers leave together once the batch is handled.
    this.delivering = true;
    for (let i = 0, m = 0; i < count && !this.closed; i++, m += META) {
      const length = meta[m]!;
      const datagram: Udp4Datagram = {
        data: data.subarray(offset, offset + length),
        from: meta[m + 1]!,
        fromPort: meta[m + 2]!,
        ifindex: meta[m + 3]!,
        to: meta[m + 4]!,
      };
      offset += length;
      const fn = this.handler;
      if (fn === null) continue;
      try {
        fn(datagram);
      } catch (err) {
        // The rest of the batch is still delivered; the first error then surfaces as
        // an uncaught exception, as from an event handler.
        if (!failed) [failed, failure] = [true, err];
      }
    }
    this.delivering = false;
    this.flush();
    if (failed) throw failure;
  };
}

/** if_nametoindex: the index of a network interface; throws for an unknown name. */
export function interfaceIndex(name: string): number {
  if (typeof name !== 'string' || name === '') throw new TypeError('interfaceIndex: interface name must be a non-empty string');
  const index = addon().interfaceIndex(name);
  if (index === 0) {
    const known = Object.keys(networkInterfaces()).join(', ');
    throw new Error(`unknown network interface "${name}" (interfaces with addresses here: ${known || 'none'})`);
  }
  return index;
}

/** if_indextoname: the name of an interface index, or undefined if there is none. */
export function interfaceName(ifindex: number): string | undefined {
  if (!isU32(ifindex)) throw new RangeError(`interfaceName: ifindex must be a u32, got ${String(ifindex)}`);
  return addon().interfaceName(ifindex) ?? undefined;
}

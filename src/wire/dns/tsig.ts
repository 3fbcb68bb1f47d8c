// TSIG, secret key transaction authentication (RFC 8945; docs/wire-dns.md "TSIG").
// Pure: HMAC from node:crypto, no clock — the caller passes `now` in seconds.
//
// signMessage appends a TSIG record to an encoded message; verifyMessage checks the
// final TSIG record of a received one in RFC 8945 §5.2's order: key (BADKEY), MAC
// size rules (§5.2.2.1: FORMERR) and MAC (BADSIG), time (BADTIME), the key's
// truncation policy (BADTRUNC). The MAC covers (§4.3):
//
//   first message:  [request MAC size + MAC] | message* | TSIG variables
//   later messages: prior MAC size + MAC | unsigned messages before | message* | time signed, fudge
//
// message* = the message without its TSIG record, ARCOUNT less one, the original ID in
// the header; TSIG variables = owner and algorithm names in canonical wire form (lower
// case, uncompressed), class, TTL, time signed, fudge, error, other length and data.
// Streams (zone transfers, §5.3.1) use TsigStreamSigner and TsigStreamVerifier.
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import { MessageWriter } from './compression.js';
import { decodeHeader } from './header.js';
import { nameKey } from './name.js';
import { decodeRdata } from './rdata.js';
import { readQuestion, readRecordHead, writeRecord } from './record.js';
import { DNS_HEADER_BYTES, Rcode, RRClass, RRType, type TSIGData } from './types.js';

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'hmac-sha1';

export interface TsigKey {
  /** The key's name ("xfr.example.com." — the trailing dot optional); compared without case. */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Buffer;
  /**
   * MAC bytes this key signs with and accepts at least (RFC 8945 §5.2.2.1 truncation,
   * BIND's "hmac-sha256-128" is 16). Default: the full hash output; a shorter valid MAC
   * is then refused with BADTRUNC.
   */
  readonly macSize?: number;
}

/** The default fudge: seconds of clock difference allowed either way (RFC 8945 §10). */
export const TSIG_FUDGE = 300;

/** Finds the key a TSIG record names: its owner name and algorithm name as received ("hmac-sha256."). */
export type FindTsigKey = (name: string, algorithm: string) => TsigKey | undefined;

export type TsigError = 'BADKEY' | 'BADSIG' | 'BADTIME' | 'BADTRUNC' | 'FORMERR';

export interface TsigSuccess {
  readonly ok: true;
  readonly key: TsigKey;
  /** The MAC received: the request MAC of the response, or the prior MAC of a stream's next message. */
  readonly mac: Buffer;
  readonly timeSigned: number;
  readonly fudge: number;
}

export interface TsigFailure {
  readonly ok: false;
  readonly error: TsigError;
  /** The key, when it was found (BADSIG, BADTIME, BADTRUNC, errors reported by a signed response). */
  readonly key?: TsigKey;
  /** The MAC received, when it was verified (BADTIME, BADTRUNC) — what a signed error answer digests. */
  readonly mac?: Buffer;
  readonly timeSigned?: number;
  readonly fudge?: number;
  /** The TSIG record's owner and algorithm names as received: what an unsigned error answer echoes. */
  readonly keyName: string;
  readonly algorithm: string;
  readonly detail: string;
}

export type TsigVerdict = TsigSuccess | TsigFailure;

export interface SignOptions {
  /** Seconds since the epoch: the time signed. */
  readonly now: number;
  /** Default TSIG_FUDGE (300). */
  readonly fudge?: number;
  /** Signing a response: the request's MAC (RFC 8945 §4.3.1). */
  readonly requestMac?: Buffer;
  /** The 2nd and later messages of a stream: the previous message's MAC; only the timers are digested (§4.3.2, §5.3.1). */
  readonly previousMac?: Buffer;
  /** TSIG error (RFC 8945 §5.3.2: BADTIME 18, BADTRUNC 22 in a signed error answer). */
  readonly error?: number;
  readonly otherData?: Buffer;
}

export interface VerifyOptions {
  /** Seconds since the epoch. */
  readonly now: number;
  /** Verifying a response: the MAC of the request we sent. */
  readonly requestMac?: Buffer;
  /** Verifying the 2nd or a later message of a stream: the MAC of the previous signed message. */
  readonly previousMac?: Buffer;
}

const HASHES: Readonly<Record<TsigAlgorithm, { readonly hash: string; readonly bytes: number }>> = {
  'hmac-sha1': { hash: 'sha1', bytes: 20 },
  'hmac-sha256': { hash: 'sha256', bytes: 32 },
  'hmac-sha384': { hash: 'sha384', bytes: 48 },
  'hmac-sha512': { hash: 'sha512', bytes: 64 },
};

const absolute = (name: string) => (name.endsWith('.') ? name : `${name}.`);

/** The shortest MAC §5.2.2.1 allows: the larger of 10 bytes and half the hash. */
function minMac(bytes: number): number {
  return Math.max(10, Math.ceil(bytes / 2));
}

/** The MAC bytes `key` signs with (and accepts at least); throws WireEncodeError for a bad key. */
function macSizeOf(key: TsigKey): number {
  const h = HASHES[key.algorithm];
  if (h === undefined) throw new WireEncodeError('bad-value', `TSIG key ${key.name}: unknown algorithm ${String(key.algorithm)}`);
  if (!Buffer.isBuffer(key.secret)) throw new WireEncodeError('bad-value', `TSIG key ${key.name}: secret is not a Buffer`);
  const size = key.macSize ?? h.bytes;
  if (!Number.isInteger(size) || size < minMac(h.bytes) || size > h.bytes) {
    throw new WireEncodeError('bad-value', `TSIG key ${key.name}: macSize ${size} is not an integer in ${minMac(h.bytes)}..${h.bytes} (RFC 8945 §5.2.2.1)`);
  }
  return size;
}

/** Bytes of the TSIG record signMessage appends with `key` (with `otherBytes` of other data): the `reserve` of encodeResponse. */
export function tsigSize(key: TsigKey, otherBytes = 0): number {
  const mac = Buffer.alloc(macSizeOf(key));
  return tsigRecord(absolute(key.name), { algorithm: `${key.algorithm}.`, timeSigned: 0, fudge: 0, mac, originalId: 0, error: 0, other: Buffer.alloc(otherBytes) }).length;
}

/** A 48-bit number as 6 bytes (time signed; the server's time in a BADTIME answer's other data). */
export function uint48(v: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(v, 0, 6);
  return b;
}

/** The canonical wire form (RFC 4034 §6.2: lower case, uncompressed) of the TSIG variables, or of the timers alone. */
function variables(name: string, d: TSIGData, timersOnly: boolean): Buffer {
  const w = new MessageWriter(Buffer.allocUnsafe(600 + d.other.length), 0, 600 + d.other.length, false);
  if (!timersOnly) {
    w.name(nameKey(name), false, 'name');
    w.u16(RRClass.ANY);
    w.u32(0);
    w.name(nameKey(d.algorithm), false, 'algorithm');
  }
  w.u16(Math.floor(d.timeSigned / 0x1_0000_0000));
  w.u32(d.timeSigned % 0x1_0000_0000);
  w.u16(d.fudge);
  if (!timersOnly) {
    w.u16(d.error);
    w.u16(d.other.length);
    w.bytes(d.other);
  }
  return w.buf.subarray(0, w.pos);
}

function macPrefix(hmac: Hmac, mac: Buffer): void {
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(mac.length, 0);
  hmac.update(len).update(mac);
}

/**
 * The MAC over `message` (its TSIG record already left out, `header` its first 12 bytes
 * as digested) per the rules at the top, full length.
 */
function computeMac(key: TsigKey, parts: { prior?: Buffer | undefined; stream: boolean; unsigned?: readonly Buffer[]; header: Buffer; body: Buffer; name: string; data: TSIGData }): Buffer {
  const hmac = createHmac(HASHES[key.algorithm].hash, key.secret);
  if (parts.prior !== undefined) macPrefix(hmac, parts.prior);
  for (const u of parts.unsigned ?? []) hmac.update(u);
  hmac.update(parts.header).update(parts.body);
  hmac.update(variables(parts.name, parts.data, parts.stream));
  return hmac.digest();
}

/** The TSIG record `data` owned by `name`, uncompressed; every field range-checked (WireEncodeError). */
function tsigRecord(name: string, data: TSIGData): Buffer {
  const room = 600 + data.mac.length + data.other.length;
  const w = new MessageWriter(Buffer.allocUnsafe(room), 0, room, false);
  w.at('tsig');
  writeRecord(w, { name, type: RRType.TSIG, class: RRClass.ANY, ttl: 0, data });
  return w.buf.subarray(0, w.pos);
}

/** `message` with `record` appended and ARCOUNT incremented. */
function append(message: Buffer, record: Buffer): Buffer {
  const arcount = message.readUInt16BE(10);
  if (arcount === 0xffff) throw new WireEncodeError('too-large', 'additionals: 65535 records already, no room for TSIG');
  const out = Buffer.concat([message, record]);
  out.writeUInt16BE(arcount + 1, 10);
  return out;
}

/**
 * Signs an encoded message: appends the TSIG record (ARCOUNT + 1) whose original ID is
 * the message's ID. Returns the signed message and its MAC (a response's request MAC,
 * a stream's next previous MAC). Throws WireEncodeError.
 */
export function signMessage(message: Buffer, key: TsigKey, opts: SignOptions): { message: Buffer; mac: Buffer } {
  if (message.length < DNS_HEADER_BYTES) throw new WireEncodeError('bad-value', `message: ${message.length} bytes, shorter than a header`);
  const size = macSizeOf(key);
  if (opts.requestMac !== undefined && opts.previousMac !== undefined) throw new WireEncodeError('bad-value', 'requestMac and previousMac: give one');
  const name = absolute(key.name);
  const draft: TSIGData = {
    algorithm: `${key.algorithm}.`,
    timeSigned: opts.now,
    fudge: opts.fudge ?? TSIG_FUDGE,
    mac: Buffer.alloc(0),
    originalId: message.readUInt16BE(0),
    error: opts.error ?? 0,
    other: opts.otherData ?? Buffer.alloc(0),
  };
  tsigRecord(name, draft); // every field range-checked before the digest
  const stream = opts.previousMac !== undefined;
  const full = computeMac(key, { prior: opts.previousMac ?? opts.requestMac, stream, header: message.subarray(0, DNS_HEADER_BYTES), body: message.subarray(DNS_HEADER_BYTES), name, data: draft });
  const mac = full.subarray(0, size);
  return { message: append(message, tsigRecord(name, { ...draft, mac })), mac };
}

/** Where a message's TSIG record is and what it holds. */
interface FoundTsig {
  /** Offset of the TSIG record: the message without it is [0, start). */
  readonly start: number;
  readonly name: string;
  readonly class: number;
  readonly ttl: number;
  readonly data: TSIGData;
}

/**
 * Finds the TSIG record: undefined when the last record is not one. Throws the
 * WireDecodeError of a message the codec would refuse in the parts read here
 * (truncated, names, RDLENGTH, a TSIG record that is not last, its RDATA, trailing bytes).
 */
function findTsig(buf: Buffer): FoundTsig | undefined {
  const h = decodeHeader(buf);
  const r = new WireReader(buf, DNS_HEADER_BYTES, buf.length, 'truncated');
  for (let i = 0; i < h.qdcount; i++) readQuestion(r);
  const total = h.ancount + h.nscount + h.arcount;
  let found: FoundTsig | undefined;
  for (let i = 0; i < total; i++) {
    const rec = readRecordHead(r);
    if (rec.type !== RRType.TSIG) continue;
    if (i !== total - 1 || h.arcount === 0) throw new WireDecodeError('misplaced-tsig', rec.start, 'TSIG record is not the last additional record');
    const data = decodeRdata(RRType.TSIG, buf, rec.rdStart, rec.rdEnd) as TSIGData;
    found = { start: rec.start, name: rec.name, class: rec.class, ttl: rec.ttl, data };
  }
  if (r.pos !== buf.length) throw new WireDecodeError('trailing-data', r.pos, `${buf.length - r.pos} bytes after the last record`);
  return found;
}

const ERROR_NAMES: Readonly<Record<number, TsigError>> = { [Rcode.BADSIG]: 'BADSIG', [Rcode.BADKEY]: 'BADKEY', [Rcode.BADTIME]: 'BADTIME', [Rcode.BADTRUNC]: 'BADTRUNC' };

/**
 * Verifies the TSIG record of `message`: undefined when it has none, else the verdict.
 * Throws WireDecodeError for a message that does not decode (a TSIG record not last:
 * misplaced-tsig). A response (QR set) whose TSIG carries an error (the peer refused
 * our signature) is a failure with that error, signed (BADTIME: key and mac set) or
 * not (BADKEY, BADSIG with an empty MAC, §5.3.2).
 */
export function verifyMessage(message: Buffer, findKey: FindTsigKey, opts: VerifyOptions): TsigVerdict | undefined {
  const t = findTsig(message);
  return t === undefined ? undefined : check(message, t, findKey, opts, []);
}

function check(message: Buffer, t: FoundTsig, findKey: FindTsigKey, opts: VerifyOptions, unsigned: readonly Buffer[]): TsigVerdict {
  const d = t.data;
  const base = { keyName: t.name, algorithm: d.algorithm };
  const fail = (error: TsigError, detail: string, more: Partial<Pick<TsigFailure, 'key' | 'mac' | 'timeSigned' | 'fudge'>> = {}): TsigFailure => ({ ok: false, error, ...more, ...base, detail });
  const response = (message[2]! & 0x80) !== 0;
  if (t.class !== RRClass.ANY || t.ttl !== 0) return fail('FORMERR', `TSIG record of class ${t.class} and TTL ${t.ttl} (must be ANY and 0)`);

  // §5.2.1: the key, with the algorithm it was configured with (one algorithm per key name).
  const key = findKey(t.name, d.algorithm);
  if (key === undefined || nameKey(absolute(key.name)) !== nameKey(t.name) || nameKey(`${key.algorithm}.`) !== nameKey(d.algorithm)) {
    return fail('BADKEY', `no key ${t.name} with algorithm ${d.algorithm}`);
  }
  const hashBytes = HASHES[key.algorithm].bytes;
  const size = d.mac.length;
  if (size === 0 && response && (d.error === Rcode.BADSIG || d.error === Rcode.BADKEY)) {
    return fail(ERROR_NAMES[d.error]!, `the peer refused our signature: ${ERROR_NAMES[d.error]} (unsigned answer)`, { key });
  }
  // §5.2.2.1: longer than the hash or shorter than max(10, hash / 2) cannot be a MAC.
  if (size > hashBytes) return fail('FORMERR', `MAC of ${size} bytes, longer than ${key.algorithm}'s ${hashBytes}`, { key });
  if (size < minMac(hashBytes)) return fail('FORMERR', `MAC of ${size} bytes, shorter than the ${minMac(hashBytes)} RFC 8945 §5.2.2.1 allows for ${key.algorithm}`, { key });

  const header = Buffer.from(message.subarray(0, DNS_HEADER_BYTES));
  header.writeUInt16BE(d.originalId, 0);
  header.writeUInt16BE(header.readUInt16BE(10) - 1, 10);
  const stream = opts.previousMac !== undefined;
  const expected = computeMac(key, { prior: opts.previousMac ?? opts.requestMac, stream, unsigned, header, body: message.subarray(DNS_HEADER_BYTES, t.start), name: t.name, data: d });
  if (!timingSafeEqual(expected.subarray(0, size), d.mac)) return fail('BADSIG', `MAC does not match (key ${t.name}, ${key.algorithm})`, { key });

  const signed = { key, mac: d.mac, timeSigned: d.timeSigned, fudge: d.fudge };
  // §5.2.3: after the MAC, so an attacker cannot learn our clock from BADTIME answers.
  if (Math.abs(opts.now - d.timeSigned) > d.fudge) return fail('BADTIME', `signed at ${d.timeSigned}, now ${opts.now}: outside the fudge of ${d.fudge} s`, signed);
  // §5.2.4: a MAC shorter than the key's policy.
  if (size < macSizeOf(key)) return fail('BADTRUNC', `MAC of ${size} bytes, key ${t.name} requires ${macSizeOf(key)}`, signed);
  if (d.error !== 0) {
    if (!response) return fail('FORMERR', `a request's TSIG carries error ${d.error}`, signed);
    return fail(ERROR_NAMES[d.error] ?? 'FORMERR', `the peer answered TSIG error ${ERROR_NAMES[d.error] ?? d.error}${d.error === Rcode.BADTIME && d.other.length === 6 ? ` (its time: ${d.other.readUIntBE(0, 6)})` : ''}`, signed);
  }
  return { ok: true, ...signed };
}

/**
 * Adds the TSIG of RFC 8945 §5.3.2 to `response`, the encoded answer (RCODE NOTAUTH) to
 * a request whose TSIG failed: BADKEY and BADSIG unsigned (empty MAC, the request's key
 * and algorithm names, time signed `now`); BADTIME signed with the key and the request
 * MAC, the request's time signed and our time in other data; BADTRUNC signed. FORMERR
 * (a TSIG that cannot be read) gets no TSIG: the response is returned as it is.
 */
export function tsigErrorResponse(response: Buffer, failure: TsigFailure, opts: { now: number; fudge?: number }): Buffer {
  const fudge = opts.fudge ?? TSIG_FUDGE;
  const { key, mac } = failure;
  if (failure.error === 'FORMERR') return response;
  if ((failure.error === 'BADTIME' || failure.error === 'BADTRUNC') && key !== undefined && mac !== undefined) {
    const badTime = failure.error === 'BADTIME';
    return signMessage(response, key, {
      now: badTime ? failure.timeSigned ?? opts.now : opts.now, fudge, requestMac: mac,
      error: Rcode[failure.error], ...(badTime ? { otherData: uint48(opts.now) } : {}),
    }).message;
  }
  const error = failure.error === 'BADKEY' ? Rcode.BADKEY : Rcode.BADSIG;
  return append(response, tsigRecord(failure.keyName, {
    algorithm: failure.algorithm, timeSigned: opts.now, fudge, mac: Buffer.alloc(0), originalId: response.readUInt16BE(0), error, other: Buffer.alloc(0),
  }));
}

/**
 * Signs the messages of a stream (an AXFR/IXFR answer over TCP, RFC 8945 §5.3.1): the
 * first with the request MAC and every variable, each later one with the previous MAC
 * and the timers only. Every message is signed (as BIND does).
 */
export class TsigStreamSigner {
  private previous: Buffer | undefined;

  constructor(private readonly key: TsigKey, private readonly opts: { readonly requestMac: Buffer; readonly fudge?: number }) {}

  sign(message: Buffer, opts: { now: number }): Buffer {
    const base = { now: opts.now, ...(this.opts.fudge === undefined ? {} : { fudge: this.opts.fudge }) };
    const signed = signMessage(message, this.key, this.previous === undefined ? { ...base, requestMac: this.opts.requestMac } : { ...base, previousMac: this.previous });
    this.previous = signed.mac;
    return signed.message;
  }
}

/** Unsigned messages allowed in a row between signed ones (RFC 8945 §5.3.1). */
export const TSIG_MAX_UNSIGNED = 99;

/**
 * Verifies the messages of a stream in order (RFC 8945 §5.3.1): the first must be
 * signed (with the request MAC); up to 99 unsigned messages may follow a signed one and
 * are digested with the next signed one, which must use the same key; the last must be
 * signed (end()). After a failure every later call returns it again.
 */
export class TsigStreamVerifier {
  private previous: Buffer | undefined;
  private key: TsigKey | undefined;
  private readonly unsigned: Buffer[] = [];
  private failure: TsigFailure | undefined;

  constructor(private readonly findKey: FindTsigKey, private readonly opts: { readonly requestMac: Buffer }) {}

  /** A signed message: its verdict. An unsigned one: undefined while allowed, else a failure. Throws WireDecodeError. */
  verify(message: Buffer, opts: { now: number }): TsigVerdict | undefined {
    if (this.failure !== undefined) return this.failure;
    const t = findTsig(message);
    if (t === undefined) {
      if (this.previous === undefined) return this.fail('the first message of the stream is not signed');
      if (this.unsigned.length >= TSIG_MAX_UNSIGNED) return this.fail(`more than ${TSIG_MAX_UNSIGNED} unsigned messages in a row`);
      this.unsigned.push(Buffer.from(message));
      return undefined;
    }
    const first = this.previous === undefined;
    const findKey: FindTsigKey = first ? this.findKey : (name, algorithm) => {
      const k = this.key!;
      return nameKey(name) === nameKey(absolute(k.name)) && nameKey(algorithm) === nameKey(`${k.algorithm}.`) ? k : undefined;
    };
    const verdict = check(message, t, findKey, first ? { now: opts.now, requestMac: this.opts.requestMac } : { now: opts.now, previousMac: this.previous! }, this.unsigned);
    if (!verdict.ok) return (this.failure = verdict);
    this.key = verdict.key;
    this.previous = verdict.mac;
    this.unsigned.length = 0;
    return verdict;
  }

  /** After the last message: undefined when the stream ended with a verified signed message, else a failure. */
  end(): TsigFailure | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.previous === undefined) return this.fail('no signed message in the stream');
    if (this.unsigned.length > 0) return this.fail(`the last ${this.unsigned.length} messages of the stream are not signed`);
    return undefined;
  }

  private fail(detail: string): TsigFailure {
    const k = this.key;
    return (this.failure = { ok: false, error: 'BADSIG', ...(k ? { key: k } : {}), keyName: k ? absolute(k.name) : '', algorithm: k ? `${k.algorithm}.` : '', detail });
  }
}

/** Keys by name, for verifyMessage's `findKey` (name and algorithm must both match) and for signing by name. */
export class TsigKeyring {
  private readonly byName = new Map<string, TsigKey>();

  constructor(keys: readonly TsigKey[]) {
    for (const k of keys) {
      macSizeOf(k);
      this.byName.set(nameKey(absolute(k.name)), k);
    }
  }

  get size(): number {
    return this.byName.size;
  }

  /** The key named `name` (without case, trailing dot optional). */
  get(name: string): TsigKey | undefined {
    return this.byName.get(nameKey(absolute(name)));
  }

  /** verifyMessage's findKey: the key of that name, if its algorithm is `algorithm`. */
  readonly find: FindTsigKey = (name, algorithm) => {
    const k = this.get(name);
    return k !== undefined && nameKey(algorithm) === `${k.algorithm}.` ? k : undefined;
  };
}

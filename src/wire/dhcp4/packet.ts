// The DHCPv4 message codec (RFC 2131 §2, RFC 951): the fixed BOOTP header decoded
// eagerly, options kept as raw bytes (code → Buffer, in order of first appearance,
// unknown codes included) after RFC 3396 concatenation across the options field,
// then file, then sname when option 52 overloads them. Typed option values are
// decoded on demand (options.ts).
//
// Decoded Buffers are views into the input datagram, not copies: keep the input
// unchanged while the message is in use.
//
// Encode writes into one Buffer: header, magic cookie, msg.options in order (long
// ones split into 255-byte instances, RFC 3396), pre-built option blocks copied
// whole, option 82 last (RFC 3046 §2.2), END, zero padding up to 300 bytes. When
// that exceeds maxLength, options spill into file and then sname (when those are
// empty) and option 52 says so.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { isUint32 } from '../ipv4.js';
import { checkUint } from '../writer.js';
import { lengthAllowed } from './basic-types.js';
import {
  BOOTP_MIN_LENGTH,
  BOOTREPLY,
  BOOTREQUEST,
  CHADDR_LENGTH,
  DEFAULT_MAX_DECODE_LENGTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  FILE_LENGTH,
  HTYPE_MAX_ASSIGNED,
  MAGIC_COOKIE,
  MAX_UDP_PAYLOAD,
  MIN_LENGTH,
  OFF,
  Opt,
  SNAME_LENGTH,
} from './constants.js';
import { checkOptionCode, optionWireLength, writeOption, type OptionBlock } from './option-block.js';
import { LENGTH_RULES, optionName, validateOptions } from './options.js';

/** Options by code: raw data after RFC 3396 concatenation, in order of first appearance. */
export type Dhcp4Options = Map<number, Buffer>;

export interface Dhcp4Message {
  /** 1 BOOTREQUEST, 2 BOOTREPLY. */
  op: number;
  /** Hardware type (1 Ethernet). */
  htype: number;
  /** Hardware address length. */
  hlen: number;
  hops: number;
  /** Transaction id, unsigned 32-bit. */
  xid: number;
  secs: number;
  /** Flags; 0x8000 is BROADCAST. */
  flags: number;
  /** Addresses are unsigned 32-bit numbers (see ../ipv4.ts). */
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** The 16-byte chaddr field (decode); the hardware address is its first hlen bytes. encode accepts ≤ 16 bytes. */
  chaddr: Buffer;
  /** The 64-byte sname field (zeros when it carried options); encode accepts ≤ 64 bytes. */
  sname: Buffer;
  /** The 128-byte file field (zeros when it carried options); encode accepts ≤ 128 bytes. */
  file: Buffer;
  /** Options except pad, end and 52 (overload), which are framing. */
  options: Dhcp4Options;
  /** On decode: which fields carried options (bit 1 file, bit 2 sname), from option 52; ignored by encode. */
  overload?: number;
}

export interface Dhcp4DecodeOptions {
  /** Longest datagram accepted (default 4096, like Kea's receive buffer). */
  readonly maxLength?: number;
  /** Also decode every catalogued option with its typed codec, so structured ones (77, 81, 82, 119, 121) are checked (default false). */
  readonly validate?: boolean;
}

export interface Dhcp4EncodeOptions {
  /**
   * Longest datagram to produce (default 576, what every client accepts; use the
   * client's option 57 when larger). Options that do not fit spill into file and
   * sname when those are empty (option 52); else WireEncodeError('too-large').
   */
  readonly maxLength?: number;
  /** Zero-pad after END up to this length (default 300, the BOOTP minimum; capped at maxLength). */
  readonly minLength?: number;
  /** Pre-built options written after msg.options. msg.options, then earlier blocks, win over a block's option with the same code. */
  readonly blocks?: readonly OptionBlock[];
}

// ---------------------------------------------------------------- decode

/** Codes whose length must be checked after every area is read (concatenated, or failed alone). */
const pending: number[] = [];

/** Decodes one datagram. Throws WireDecodeError, and nothing else, on bad input. */
export function decode(buf: Buffer, o?: Dhcp4DecodeOptions): Dhcp4Message {
  const len = buf.length;
  const max = o?.maxLength ?? DEFAULT_MAX_DECODE_LENGTH;
  if (len > max) throw new WireDecodeError('oversized', max, `${len} bytes, at most ${max} accepted`);
  if (len < MIN_LENGTH) throw new WireDecodeError('truncated', len, `${len} bytes; the BOOTP header and magic cookie need ${MIN_LENGTH}`);
  const op = buf[OFF.op]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new WireDecodeError('bad-op', OFF.op, `op ${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)`);
  const htype = buf[OFF.htype]!;
  if (htype === 0 || htype > HTYPE_MAX_ASSIGNED) throw new WireDecodeError('bad-htype', OFF.htype, `hardware type ${htype} is not assigned`);
  const hlen = buf[OFF.hlen]!;
  if (hlen > CHADDR_LENGTH) throw new WireDecodeError('bad-hlen', OFF.hlen, `hardware address length ${hlen} exceeds the ${CHADDR_LENGTH}-byte chaddr`);
  if (buf.readUInt32BE(OFF.cookie) !== MAGIC_COOKIE) throw new WireDecodeError('bad-magic', OFF.cookie, `0x${buf.readUInt32BE(OFF.cookie).toString(16)} is not the DHCP magic cookie`);

  const options: Dhcp4Options = new Map();
  pending.length = 0;
  readArea(buf, OFF.options, len, options, false);
  let sname = buf.subarray(OFF.sname, OFF.sname + SNAME_LENGTH);
  let file = buf.subarray(OFF.file, OFF.file + FILE_LENGTH);
  let overload = 0;
  const ov = options.get(Opt.OVERLOAD);
  if (ov !== undefined) {
    if (ov.length !== 1) throw new WireDecodeError('bad-option-length', OFF.options, `option 52 (overload): ${ov.length} bytes, wants 1`);
    overload = ov[0]!;
    if (overload < 1 || overload > 3) throw new WireDecodeError('bad-overload', ov.byteOffset - buf.byteOffset, `option 52 (overload) value ${overload}`);
    options.delete(Opt.OVERLOAD);
    // RFC 3396 §7: options field, then file, then sname.
    if (overload & 1) {
      readArea(buf, OFF.file, OFF.file + FILE_LENGTH, options, true);
      file = Buffer.alloc(FILE_LENGTH);
    }
    if (overload & 2) {
      readArea(buf, OFF.sname, OFF.sname + SNAME_LENGTH, options, true);
      sname = Buffer.alloc(SNAME_LENGTH);
    }
  }
  for (const code of pending) {
    const rule = LENGTH_RULES[code]!;
    const data = options.get(code);
    if (data === undefined) continue;
    const n = data.length;
    if (!lengthAllowed(rule, n)) throw new WireDecodeError('bad-option-length', OFF.options, `option ${code} (${optionName(code)}): ${n} bytes`);
  }

  const msg: Dhcp4Message = {
    op,
    htype,
    hlen,
    hops: buf[OFF.hops]!,
    xid: buf.readUInt32BE(OFF.xid),
    secs: buf.readUInt16BE(OFF.secs),
    flags: buf.readUInt16BE(OFF.flags),
    ciaddr: buf.readUInt32BE(OFF.ciaddr),
    yiaddr: buf.readUInt32BE(OFF.yiaddr),
    siaddr: buf.readUInt32BE(OFF.siaddr),
    giaddr: buf.readUInt32BE(OFF.giaddr),
    chaddr: buf.subarray(OFF.chaddr, OFF.chaddr + CHADDR_LENGTH),
    sname,
    file,
    options,
    overload,
  };
  if (o?.validate === true) validateOptions(options);
  return msg;
}

/** Reads the options in buf[start, end) into `options`, concatenating repeated codes. */
function readArea(buf: Buffer, start: number, end: number, options: Dhcp4Options, inField: boolean): void {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === Opt.PAD) {
      i++;
      continue;
    }
    if (code === Opt.END) return;
    if (i + 1 >= end) throw new WireDecodeError('option-overrun', i, `option ${code} has no length byte`);
    const s = i + 2;
    const e = s + buf[i + 1]!;
    if (e > end) throw new WireDecodeError('option-overrun', i, `option ${code} of ${e - s} bytes runs past the end of its area at ${end}`);
    if (inField && code === Opt.OVERLOAD) throw new WireDecodeError('overload-loop', i, 'option 52 (overload) inside sname/file');
    const prev = options.get(code);
    if (prev === undefined) {
      options.set(code, buf.subarray(s, e));
      const rule = LENGTH_RULES[code];
      if (rule !== undefined && !lengthAllowed(rule, e - s)) pending.push(code);
    } else {
      options.set(code, Buffer.concat([prev, buf.subarray(s, e)]));
      if (LENGTH_RULES[code] !== undefined && !pending.includes(code)) pending.push(code);
    }
    i = e;
  }
}

// ---------------------------------------------------------------- encode

// encode's layout, kept between planning and writing. encode is synchronous and
// never re-entered, so one module-level scratch serves every call without allocation.
const seen = new Uint32Array(256);
let generation = 0;
/** Option code of each piece; -1 for a whole block copied as it is. */
const pieceCode: number[] = [];
const pieceData: Uint8Array[] = [];
const pieceBlock: (OptionBlock | undefined)[] = [];
let pieceCount = 0;
/** Set by layout: the total length, and the areas when options overflow into file/sname. */
let total = 0;
let spill: Spill | null = null;

interface Spill {
  /** Pieces placed in the options field, file, sname: [code, data] each. */
  readonly areas: [number, Uint8Array][][];
  /** Bytes used in the options field, without option 52 and END. */
  readonly used0: number;
  /** Option 52's value. */
  readonly overload: number;
}

function push(code: number, data: Uint8Array, block: OptionBlock | undefined): void {
  pieceCode[pieceCount] = code;
  pieceData[pieceCount] = data;
  pieceBlock[pieceCount] = block;
  pieceCount++;
}

/** Validates the header and gathers the pieces; returns the options' wire length (END excluded). */
function collect(msg: Dhcp4Message, blocks: readonly OptionBlock[] | undefined): number {
  checkHeader(msg);
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  const g = generation;
  pieceCount = 0;
  let len = 0;
  let relay: Buffer | undefined;
  for (const [code, data] of msg.options) {
    if (!(code > 0 && code < 255 && code !== Opt.OVERLOAD && (code | 0) === code)) checkOptionCode(code);
    seen[code] = g;
    if (code === Opt.RELAY_AGENT_INFO) {
      relay = data;
      continue;
    }
    push(code, data, undefined);
    len += optionWireLength(data.length);
  }
  if (blocks !== undefined) {
    for (const b of blocks) {
      let clash = false;
      for (const c of b.codes) {
        if (seen[c] === g) {
          clash = true;
          break;
        }
      }
      if (!clash) {
        for (const c of b.codes) seen[c] = g;
        push(-1, b.bytes, b);
        len += b.bytes.length;
      } else {
        for (const [c, d] of b.entries) {
          if (seen[c] === g) continue;
          seen[c] = g;
          push(c, d, undefined);
          len += optionWireLength(d.length);
        }
      }
    }
  }
  if (relay !== undefined) {
    push(Opt.RELAY_AGENT_INFO, relay, undefined);
    len += optionWireLength(relay.length);
  }
  return len;
}

/** Plans the encoding of msg; sets `total` and `spill`. */
function layout(msg: Dhcp4Message, o: Dhcp4EncodeOptions | undefined): number {
  const maxLength = o?.maxLength ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (!Number.isInteger(maxLength) || maxLength < MIN_LENGTH + 1 || maxLength > MAX_UDP_PAYLOAD) {
    throw new WireEncodeError('bad-value', `maxLength ${maxLength} (${MIN_LENGTH + 1}..${MAX_UDP_PAYLOAD})`);
  }
  const minLength = Math.min(o?.minLength ?? BOOTP_MIN_LENGTH, maxLength);
  const optLen = collect(msg, o?.blocks);
  const plain = MIN_LENGTH + optLen + 1;
  spill = null;
  if (plain <= maxLength) {
    total = plain < minLength ? minLength : plain;
    return total;
  }
  spill = planSpill(msg, maxLength);
  const t = MIN_LENGTH + spill.used0 + 3 + 1;
  total = t < minLength ? minLength : t;
  return total;
}

function isEmptyField(f: Buffer): boolean {
  for (let i = 0; i < f.length; i++) if (f[i] !== 0) return false;
  return true;
}

/** Places the pieces in the options field, then file, then sname (RFC 3396 §7), keeping each option's parts in that order. */
function planSpill(msg: Dhcp4Message, maxLength: number): Spill {
  const room = [maxLength - MIN_LENGTH - 3 - 1, isEmptyField(msg.file) ? FILE_LENGTH - 1 : 0, isEmptyField(msg.sname) ? SNAME_LENGTH - 1 : 0];
  const cap0 = room[0]!;
  const fieldsFree = room[1]! > 0 || room[2]! > 0;
  const areas: [number, Uint8Array][][] = [[], [], []];
  const tooLarge = (code: number) =>
    new WireEncodeError('too-large', `option ${code} does not fit in ${maxLength} bytes${fieldsFree ? ' even with file and sname overloaded' : ' (file and sname are in use)'}`);
  const place = (code: number, data: Uint8Array) => {
    let a = 0;
    if (data.length === 0) {
      while (a < 3 && room[a]! < 2) a++;
      if (a === 3) throw tooLarge(code);
      areas[a]!.push([code, data]);
      room[a]! -= 2;
      return;
    }
    let from = 0;
    while (from < data.length) {
      const n = Math.min(255, data.length - from);
      let b = a;
      while (b < 3 && room[b]! < n + 2) b++;
      if (b < 3) {
        areas[b]!.push([code, data.subarray(from, from + n)]);
        room[b]! -= n + 2;
        from += n;
        a = b;
        continue;
      }
      while (a < 3 && room[a]! < 3) a++;
      if (a === 3) throw tooLarge(code);
      const k = room[a]! - 2;
      areas[a]!.push([code, data.subarray(from, from + k)]);
      room[a] = 0;
      from += k;
    }
  };
  for (let i = 0; i < pieceCount; i++) {
    const code = pieceCode[i]!;
    if (code >= 0) place(code, pieceData[i]!);
    else for (const [c, d] of pieceBlock[i]!.entries) place(c, d);
  }
  return { areas, used0: cap0 - room[0]!, overload: (areas[1]!.length > 0 ? 1 : 0) | (areas[2]!.length > 0 ? 2 : 0) };
}

function checkHeader(m: Dhcp4Message): void {
  if (
    !(m.op >= 0 && m.op <= 255 && m.htype >= 0 && m.htype <= 255 && m.hlen >= 0 && m.hlen <= 255 && m.hops >= 0 && m.hops <= 255 &&
      m.secs >= 0 && m.secs <= 0xffff && m.flags >= 0 && m.flags <= 0xffff &&
      isUint32(m.xid) && isUint32(m.ciaddr) && isUint32(m.yiaddr) && isUint32(m.siaddr) && isUint32(m.giaddr) &&
      Number.isInteger(m.op) && Number.isInteger(m.htype) && Number.isInteger(m.hlen) && Number.isInteger(m.hops) && Number.isInteger(m.secs) && Number.isInteger(m.flags))
  ) {
    for (const k of ['op', 'htype', 'hlen', 'hops'] as const) checkUint(m[k], 0xff, k);
    for (const k of ['secs', 'flags'] as const) checkUint(m[k], 0xffff, k);
    for (const k of ['xid', 'ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) checkUint(m[k], 0xffffffff, k);
  }
  if (m.chaddr.length > CHADDR_LENGTH) throw new WireEncodeError('too-long', `chaddr: ${m.chaddr.length} bytes (at most ${CHADDR_LENGTH})`);
  if (m.sname.length > SNAME_LENGTH) throw new WireEncodeError('too-long', `sname: ${m.sname.length} bytes (at most ${SNAME_LENGTH})`);
  if (m.file.length > FILE_LENGTH) throw new WireEncodeError('too-long', `file: ${m.file.length} bytes (at most ${FILE_LENGTH})`);
}

/** The length encode(msg, o) produces. Throws WireEncodeError like encode. */
export function encodingLength(msg: Dhcp4Message, o?: Dhcp4EncodeOptions): number {
  return layout(msg, o);
}

/** Encodes msg into a new Buffer. Throws WireEncodeError for values that cannot be encoded. */
export function encode(msg: Dhcp4Message, o?: Dhcp4EncodeOptions): Buffer {
  layout(msg, o);
  const out = Buffer.allocUnsafe(total);
  write(msg, out, 0);
  return out;
}

/**
 * Encodes msg into out at offset (e.g. one preallocated send buffer); returns the
 * number of bytes written. Throws WireEncodeError('no-space') when out is too small.
 */
export function encodeInto(msg: Dhcp4Message, out: Buffer, offset = 0, o?: Dhcp4EncodeOptions): number {
  layout(msg, o);
  if (!Number.isInteger(offset) || offset < 0 || out.length - offset < total) {
    throw new WireEncodeError('no-space', `${total} bytes needed at offset ${offset} of a ${out.length}-byte buffer`);
  }
  write(msg, out, offset);
  return total;
}

function writeField(out: Buffer, at: number, size: number, v: Buffer): void {
  out.set(v, at);
  if (v.length < size) out.fill(0, at + v.length, at + size);
}

function write(m: Dhcp4Message, out: Buffer, o: number): void {
  out[o] = m.op;
  out[o + 1] = m.htype;
  out[o + 2] = m.hlen;
  out[o + 3] = m.hops;
  out.writeUInt32BE(m.xid, o + OFF.xid);
  out.writeUInt16BE(m.secs, o + OFF.secs);
  out.writeUInt16BE(m.flags, o + OFF.flags);
  out.writeUInt32BE(m.ciaddr, o + OFF.ciaddr);
  out.writeUInt32BE(m.yiaddr, o + OFF.yiaddr);
  out.writeUInt32BE(m.siaddr, o + OFF.siaddr);
  out.writeUInt32BE(m.giaddr, o + OFF.giaddr);
  writeField(out, o + OFF.chaddr, CHADDR_LENGTH, m.chaddr);
  out.writeUInt32BE(MAGIC_COOKIE, o + OFF.cookie);
  const end = o + total;
  let p = o + OFF.options;
  if (spill === null) {
    writeField(out, o + OFF.sname, SNAME_LENGTH, m.sname);
    writeField(out, o + OFF.file, FILE_LENGTH, m.file);
    for (let i = 0; i < pieceCount; i++) {
      const code = pieceCode[i]!;
      const data = pieceData[i]!;
      if (code < 0) {
        out.set(data, p);
        p += data.length;
      } else {
        p = writeOption(out, p, code, data);
      }
    }
  } else {
    const { areas, overload } = spill;
    for (const [c, d] of areas[0]!) p = writeOption(out, p, c, d);
    out[p] = Opt.OVERLOAD;
    out[p + 1] = 1;
    out[p + 2] = overload;
    p += 3;
    writeSpillField(out, o + OFF.file, FILE_LENGTH, areas[1]!, m.file, (overload & 1) !== 0);
    writeSpillField(out, o + OFF.sname, SNAME_LENGTH, areas[2]!, m.sname, (overload & 2) !== 0);
  }
  out[p++] = Opt.END;
  if (p < end) out.fill(0, p, end);
}

function writeSpillField(out: Buffer, at: number, size: number, entries: [number, Uint8Array][], field: Buffer, used: boolean): void {
  if (!used) {
    writeField(out, at, size, field);
    return;
  }
  let p = at;
  for (const [c, d] of entries) p = writeOption(out, p, c, d);
  out[p++] = Opt.END;
  out.fill(0, p, at + size);
}

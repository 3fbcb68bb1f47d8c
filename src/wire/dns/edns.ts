// EDNS(0) (RFC 6891): the OPT pseudo-record ↔ Edns, and the options the server
// reads and writes: NSID (RFC 5001), EXPIRE (RFC 7314), COOKIE (RFC 7873). Every
// other option is kept as { code, data } and written back as it is.
//
// OPT on the wire: owner the root, TYPE 41, CLASS the sender's UDP payload size, TTL
// = extended RCODE (8 bits, the upper bits of the 12-bit rcode) | version (8) | DO (1)
// | Z (15), RDATA a sequence of { code u16, length u16, data }.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { MessageWriter } from './compression.js';
import { EdnsOption, type Edns, type EdnsOptionValue } from './types.js';

export const OPT_TYPE = 41;
/** Bytes of an OPT record without options: root owner, TYPE, CLASS, TTL, RDLENGTH. */
export const OPT_FIXED_BYTES = 11;

export const COOKIE_CLIENT_BYTES = 8;
export const COOKIE_SERVER_MIN_BYTES = 8;
export const COOKIE_SERVER_MAX_BYTES = 32;

/** Reads an OPT record's CLASS, TTL and RDATA (buf[start, end)). Throws bad-edns-option, bad-cookie. */
export function readOpt(buf: Buffer, cls: number, ttl: number, start: number, end: number): { edns: Edns; extendedRcode: number } {
  const options: EdnsOptionValue[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < 4) throw new WireDecodeError('bad-edns-option', pos, `EDNS option header of 4 bytes runs past the OPT RDATA (${end - pos} left)`);
    const code = buf.readUInt16BE(pos);
    const len = buf.readUInt16BE(pos + 2);
    if (len > end - pos - 4) throw new WireDecodeError('bad-edns-option', pos, `EDNS option ${code} of ${len} bytes runs past the OPT RDATA (${end - pos - 4} left)`);
    checkOptionLength(code, len, pos);
    options.push({ code, data: buf.subarray(pos + 4, pos + 4 + len) });
    pos += 4 + len;
  }
  return {
    edns: { udpSize: cls, version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0, z: ttl & 0x7fff, options },
    extendedRcode: ttl >>> 24,
  };
}

function checkOptionLength(code: number, len: number, at: number): void {
  if (code === EdnsOption.COOKIE) {
    if (len !== COOKIE_CLIENT_BYTES && (len < COOKIE_CLIENT_BYTES + COOKIE_SERVER_MIN_BYTES || len > COOKIE_CLIENT_BYTES + COOKIE_SERVER_MAX_BYTES)) {
      throw new WireDecodeError('bad-cookie', at, `COOKIE of ${len} bytes (8, or 16 to 40)`);
    }
  } else if (code === EdnsOption.EXPIRE && len !== 0 && len !== 4) {
    throw new WireDecodeError('bad-edns-option', at, `EXPIRE of ${len} bytes (0 in a query, 4 in a response)`);
  }
}

/** Wire length of the OPT record for `edns`. */
export function optLength(edns: Edns): number {
  let n = OPT_FIXED_BYTES;
  for (const o of edns.options) n += 4 + o.data.length;
  return n;
}

/** Writes the OPT record; `extendedRcode` is the upper 8 bits of the 12-bit rcode. */
export function writeOpt(w: MessageWriter, edns: Edns, extendedRcode: number): void {
  w.at('edns');
  if (typeof edns !== 'object' || edns === null) w.fail('', 'not an object');
  w.u8(0);
  w.u16(OPT_TYPE);
  w.uint(edns.udpSize, 16, 'udpSize');
  if (!Number.isInteger(edns.version) || edns.version < 0 || edns.version > 0xff) w.fail('version', `${String(edns.version)} is not an integer in 0..255`);
  if (typeof edns.do !== 'boolean') w.fail('do', 'not a boolean');
  if (!Number.isInteger(edns.z) || edns.z < 0 || edns.z > 0x7fff) w.fail('z', `${String(edns.z)} is not an integer in 0..32767`);
  w.u32(extendedRcode * 0x100_0000 + edns.version * 0x1_0000 + (edns.do ? 0x8000 : 0) + edns.z);
  if (!Array.isArray(edns.options)) w.fail('options', 'not an array');
  const lengthAt = w.pos;
  w.u16(0);
  for (let i = 0; i < edns.options.length; i++) {
    const o = edns.options[i]!;
    const field = `options[${i}]`;
    if (typeof o !== 'object' || o === null) w.fail(field, 'not an object');
    w.uint(o.code, 16, `${field}.code`);
    if (!Buffer.isBuffer(o.data)) w.fail(`${field}.data`, 'not a Buffer');
    try {
      checkOptionLength(o.code, o.data.length, 0);
    } catch (err) {
      if (err instanceof WireDecodeError) w.fail(`${field}.data`, err.message.replace(/^[a-z-]+ at byte 0: /, ''));
      throw err;
    }
    if (o.data.length > 0xffff) w.fail(`${field}.data`, `${o.data.length} bytes (at most 65535)`, 'too-long');
    w.u16(o.data.length);
    w.bytes(o.data);
  }
  const len = w.pos - lengthAt - 2;
  if (len > 0xffff) w.fail('options', `${len} bytes of options (RDATA holds at most 65535)`, 'too-long');
  w.buf.writeUInt16BE(len, lengthAt);
}

/** The data of the first option with `code`, or undefined. */
export function ednsOption(edns: Edns | undefined, code: number): Buffer | undefined {
  if (edns === undefined) return undefined;
  for (const o of edns.options) if (o.code === code) return o.data;
  return undefined;
}

export function hasEdnsOption(edns: Edns | undefined, code: number): boolean {
  return ednsOption(edns, code) !== undefined;
}

/** NSID (RFC 5001): empty in a query (asks for it), the server's identifier in a response. */
export function readNsid(edns: Edns | undefined): Buffer | undefined {
  return ednsOption(edns, EdnsOption.NSID);
}

export function nsidOption(id: Buffer = Buffer.alloc(0)): EdnsOptionValue {
  if (!Buffer.isBuffer(id) || id.length > 0xffff) throw new WireEncodeError('bad-value', 'NSID: a Buffer of at most 65535 bytes');
  return { code: EdnsOption.NSID, data: id };
}

/**
 * EXPIRE (RFC 7314): the seconds a secondary's copy of the zone has left, from a
 * 4-byte option in a response; undefined when absent or empty (a query asking for it:
 * hasEdnsOption(edns, EdnsOption.EXPIRE)).
 */
export function readExpire(edns: Edns | undefined): number | undefined {
  const d = ednsOption(edns, EdnsOption.EXPIRE);
  if (d === undefined || d.length === 0) return undefined;
  if (d.length !== 4) throw new WireDecodeError('bad-edns-option', 0, `EXPIRE of ${d.length} bytes (0 in a query, 4 in a response)`);
  return d.readUInt32BE(0);
}

/** An EXPIRE option: empty (a query) or with the seconds left (a response). */
export function expireOption(seconds?: number): EdnsOptionValue {
  if (seconds === undefined) return { code: EdnsOption.EXPIRE, data: Buffer.alloc(0) };
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) throw new WireEncodeError('bad-value', `EXPIRE: ${seconds} is not an unsigned 32-bit integer`);
  const data = Buffer.allocUnsafe(4);
  data.writeUInt32BE(seconds, 0);
  return { code: EdnsOption.EXPIRE, data };
}

/** DNS cookies (RFC 7873): the client's 8 bytes and, once a server has answered, its 8–32. */
export interface DnsCookie {
  readonly client: Buffer;
  readonly server?: Buffer;
}

/** The COOKIE option, or undefined. Throws WireDecodeError('bad-cookie') on a length RFC 7873 §4 does not allow. */
export function readCookie(edns: Edns | undefined): DnsCookie | undefined {
  const d = ednsOption(edns, EdnsOption.COOKIE);
  if (d === undefined) return undefined;
  checkOptionLength(EdnsOption.COOKIE, d.length, 0);
  const client = d.subarray(0, COOKIE_CLIENT_BYTES);
  return d.length === COOKIE_CLIENT_BYTES ? { client } : { client, server: d.subarray(COOKIE_CLIENT_BYTES) };
}

export function cookieOption(cookie: DnsCookie): EdnsOptionValue {
  const { client, server } = cookie;
  if (!Buffer.isBuffer(client) || client.length !== COOKIE_CLIENT_BYTES) throw new WireEncodeError('bad-value', 'COOKIE: the client cookie is 8 bytes');
  if (server === undefined) return { code: EdnsOption.COOKIE, data: Buffer.from(client) };
  if (!Buffer.isBuffer(server) || server.length < COOKIE_SERVER_MIN_BYTES || server.length > COOKIE_SERVER_MAX_BYTES) {
    throw new WireEncodeError('bad-value', 'COOKIE: the server cookie is 8 to 32 bytes');
  }
  return { code: EdnsOption.COOKIE, data: Buffer.concat([client, server]) };
}

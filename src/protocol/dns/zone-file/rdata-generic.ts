// RFC 3597 generic RDATA: "\# <length> <hex>…", usable for any type. For a type the
// record shapes know field by field (RDataMap), the bytes are decoded into those
// fields by the wire codec's decodeRdata, so "A \# 4 c0000201" and "A 192.0.2.1" give
// the same record.
import { WireDecodeError } from '../../../wire/errors.js';
import { decodeRdata } from '../../../wire/dns/rdata.js';
import { RRType, type CAAData, type RData } from '../../../wire/dns/types.js';
import { ZoneTextError } from '../zone-problem.js';
import { MAX_RDATA, type Fields } from './rdata-fields.js';

export const GENERIC_MARK = '\\#';

/** Reads "<length> <hex>…" after the \# mark. */
export function genericBytes(f: Fields): Buffer {
  const lengthToken = f.word('RFC 3597 length');
  const length = Number(lengthToken.text);
  if (!/^\d+$/.test(lengthToken.text) || length > MAX_RDATA) f.fail(lengthToken, `${f.what} RFC 3597 length "${lengthToken.text}" is not a number in 0..${MAX_RDATA}`);
  const bytes = f.hex('RFC 3597 data', true);
  if (bytes.length !== length) throw new ZoneTextError('bad-rdata', `${f.what} RFC 3597 data is ${bytes.length} bytes, its length says ${length}`, lengthToken.line, lengthToken.column);
  return bytes;
}

export function genericText(bytes: Buffer): string {
  if (bytes.length === 0) return `${GENERIC_MARK} 0`;
  const hex = bytes.toString('hex');
  const chunks: string[] = [];
  for (let i = 0; i < hex.length; i += 64) chunks.push(hex.slice(i, i + 64));
  return `${GENERIC_MARK} ${bytes.length} ${chunks.join(' ')}`;
}

/**
 * The data of a record of `type` from its RFC 3597 bytes: the fields of a type the codec
 * decodes (RDataMap), else the bytes. Throws ZoneTextError when they do not fit the type.
 */
export function genericData(type: number, bytes: Buffer, what: string): RData {
  let data: RData;
  try {
    data = decodeRdata(type, bytes);
  } catch (err) {
    if (err instanceof WireDecodeError) throw new ZoneTextError('bad-rdata', `${what} RFC 3597 data does not fit the type: ${misfit(err, bytes.length)}`);
    throw err;
  }
  // The codec takes any tag of 1–255 letters and digits; a zone file only 1–15 (as its native form), so what it reads it can write.
  if (type === RRType.CAA && !CAA_TAG.test((data as CAAData).tag)) throw new ZoneTextError('bad-rdata', `${what} RFC 3597 data does not fit the type: the CAA tag is not 1 to 15 letters and digits (RFC 8659 §4.1)`);
  return data;
}

/** The codec's decode error in a zone file's words: where in the data and what. */
function misfit(err: WireDecodeError, length: number): string {
  // The message is "<reason> at byte <offset>: <detail>".
  const detail = err.message.slice(err.message.indexOf(': ') + 2);
  if (err.reason === 'bad-rdata-length' && detail.includes('left after the last field')) {
    const left = length - err.offset;
    return `${left} byte${left === 1 ? '' : 's'} left over`;
  }
  return `at byte ${err.offset}: ${detail}`;
}

/** RFC 8659 §4.1: a tag is 1–15 ASCII letters and digits. */
export const CAA_TAG = /^[A-Za-z0-9]{1,15}$/;

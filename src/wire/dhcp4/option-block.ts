// Pre-encoded option bytes that a server builds once (per subnet, class, or
// parameter request list) and encode copies into each reply with one memcpy.
import { WireEncodeError } from '../errors.js';
import { checkUint } from '../writer.js';
import { Opt } from './constants.js';

export interface OptionBlock {
  /** The options in wire form (long ones already split per RFC 3396), without END. */
  readonly bytes: Buffer;
  /** The options it holds, in order. */
  readonly entries: readonly (readonly [number, Buffer])[];
  /** Their codes, in order. */
  readonly codes: readonly number[];
  /** has[code] is true for each code it holds. */
  readonly has: readonly boolean[];
}

/** Wire length of one option whose data is `len` bytes, split into ≤ 255-byte instances (RFC 3396). */
export function optionWireLength(len: number): number {
  return len === 0 ? 2 : len + 2 * Math.ceil(len / 255);
}

/** Writes option `code` at out[pos], split into ≤ 255-byte instances; returns the position after it. */
export function writeOption(out: Buffer, pos: number, code: number, data: Uint8Array): number {
  let len = data.length;
  if (len <= 255) {
    out[pos] = code;
    out[pos + 1] = len;
    out.set(data, pos + 2);
    return pos + 2 + len;
  }
  let from = 0;
  while (len > 0) {
    const n = len > 255 ? 255 : len;
    out[pos] = code;
    out[pos + 1] = n;
    out.set(data.subarray(from, from + n), pos + 2);
    pos += 2 + n;
    from += n;
    len -= n;
  }
  return pos;
}

/** Throws unless `code` may be written as an ordinary option. */
export function checkOptionCode(code: number): void {
  checkUint(code, 255, 'option code');
  if (code === Opt.PAD || code === Opt.END) throw new WireEncodeError('bad-value', `option code ${code} is pad/end, not an option`);
  if (code === Opt.OVERLOAD) throw new WireEncodeError('bad-value', 'option 52 (overload) is written by encode itself');
}

/**
 * Builds a block from (code, data) pairs in the order given. Codes must be distinct;
 * 82 is refused (the server echoes the relay's per request, last).
 */
export function optionBlock(entries: Iterable<readonly [number, Uint8Array]>): OptionBlock {
  const list: [number, Buffer][] = [];
  const has: boolean[] = new Array<boolean>(256).fill(false);
  let len = 0;
  for (const [code, data] of entries) {
    checkOptionCode(code);
    if (code === Opt.RELAY_AGENT_INFO) throw new WireEncodeError('bad-value', 'option 82 does not belong in a block: echo the request\'s');
    if (has[code]) throw new WireEncodeError('bad-value', `option ${code} twice in one block`);
    has[code] = true;
    const copy = Buffer.from(data);
    list.push([code, copy]);
    len += optionWireLength(copy.length);
  }
  const bytes = Buffer.alloc(len);
  let pos = 0;
  for (const [code, data] of list) pos = writeOption(bytes, pos, code, data);
  return Object.freeze({ bytes, entries: Object.freeze(list.map((e) => Object.freeze(e))), codes: Object.freeze(list.map((e) => e[0])), has: Object.freeze(has) });
}

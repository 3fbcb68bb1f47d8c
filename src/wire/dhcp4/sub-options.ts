// Type-length-value sub-options inside one option's data: relay agent information
// (82, RFC 3046) and vendor-encapsulated options (43, RFC 2132 §8.4) share this
// framing. Lengths are checked against the option's data before any read.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { checkUint } from '../writer.js';

export interface SubOption {
  readonly code: number;
  /** A view into the option data on decode. */
  readonly data: Buffer;
}

export interface SubOptionSyntax {
  /** Whether code 0 is a one-byte pad and code 255 ends the list (option 43), or both are ordinary codes (82). */
  readonly padAndEnd: boolean;
}

/** Parses the sub-options of `data`, in order, duplicates kept. */
export function decodeSubOptions(data: Buffer, syntax: SubOptionSyntax): SubOption[] {
  const out: SubOption[] = [];
  const end = data.length;
  let i = 0;
  while (i < end) {
    const code = data[i]!;
    if (syntax.padAndEnd) {
      if (code === 0) {
        i++;
        continue;
      }
      if (code === 255) break;
    }
    if (i + 1 >= end) throw new WireDecodeError('suboption-overrun', i, `sub-option ${code} has no length byte`);
    const len = data[i + 1]!;
    if (i + 2 + len > end) throw new WireDecodeError('suboption-overrun', i, `sub-option ${code} of ${len} bytes runs past the option's ${end} bytes`);
    out.push({ code, data: data.subarray(i + 2, i + 2 + len) });
    i += 2 + len;
  }
  return out;
}

/** The data of the first sub-option `code` without building the list; checks the framing up to it. */
export function findSubOption(data: Buffer, code: number, syntax: SubOptionSyntax): Buffer | undefined {
  const end = data.length;
  let i = 0;
  while (i < end) {
    const c = data[i]!;
    if (syntax.padAndEnd) {
      if (c === 0) {
        i++;
        continue;
      }
      if (c === 255) return undefined;
    }
    if (i + 1 >= end) throw new WireDecodeError('suboption-overrun', i, `sub-option ${c} has no length byte`);
    const len = data[i + 1]!;
    if (i + 2 + len > end) throw new WireDecodeError('suboption-overrun', i, `sub-option ${c} of ${len} bytes runs past the option's ${end} bytes`);
    if (c === code) return data.subarray(i + 2, i + 2 + len);
    i += 2 + len;
  }
  return undefined;
}

export function subOptionsLength(subs: readonly SubOption[]): number {
  let n = 0;
  for (const s of subs) n += 2 + s.data.length;
  return n;
}

export function encodeSubOptions(subs: readonly SubOption[], syntax: SubOptionSyntax): Buffer {
  const out = Buffer.allocUnsafe(subOptionsLength(subs));
  let i = 0;
  for (const s of subs) {
    checkUint(s.code, 255, 'sub-option code');
    if (syntax.padAndEnd && (s.code === 0 || s.code === 255)) throw new WireEncodeError('bad-value', `sub-option code ${s.code} is reserved for pad/end`);
    if (s.data.length > 255) throw new WireEncodeError('too-long', `sub-option ${s.code}: ${s.data.length} bytes (at most 255)`);
    out[i] = s.code;
    out[i + 1] = s.data.length;
    out.set(s.data, i + 2);
    i += 2 + s.data.length;
  }
  return out;
}

// Option 43, vendor-specific information (RFC 2132 §8.4). Its data is opaque to
// DHCP; most vendors encapsulate sub-options in the options' own syntax (code 0
// pads, code 255 ends), which this codec reads and writes. Some (Aruba instant
// APs, for one) put plain text there instead: use the raw bytes for those.
import type { Codec } from '../codec.js';
import { decodeSubOptions, encodeSubOptions, findSubOption, subOptionsLength, type SubOption } from './sub-options.js';

const SYNTAX = { padAndEnd: true };

/** Encapsulated sub-options of option 43; encode writes no END (its absence ends the list, RFC 2132 §8.4). */
export const vendorSubOptions: Codec<SubOption[]> = {
  decode: (data) => decodeSubOptions(data, SYNTAX),
  encode: (subs) => encodeSubOptions(subs, SYNTAX),
  encodingLength: subOptionsLength,
};

export function vendorSubOption(data: Buffer, code: number): Buffer | undefined {
  return findSubOption(data, code, SYNTAX);
}

// Option 82, relay agent information (RFC 3046): sub-options added by a relay and
// echoed unchanged by the server, last in its reply. Known sub-options: 1
// circuit-id, 2 remote-id (RFC 3046), 5 link-selection (RFC 3527), 11 server
// identifier override (RFC 5107); the others are kept as bytes.
import type { Codec } from '../codec.js';
import { WireDecodeError } from '../errors.js';
import { RelayAgentSubOpt } from './constants.js';
import { decodeSubOptions, encodeSubOptions, findSubOption, subOptionsLength, type SubOption } from './sub-options.js';

const SYNTAX = { padAndEnd: false };
/** Sub-options whose data is one IPv4 address. */
const ADDRESS_SUBOPTIONS: ReadonlySet<number> = new Set([RelayAgentSubOpt.LINK_SELECTION, RelayAgentSubOpt.SERVER_ID_OVERRIDE]);

export const relayAgentInfo: Codec<SubOption[]> = {
  decode(data) {
    const subs = decodeSubOptions(data, SYNTAX);
    for (const s of subs) {
      if (ADDRESS_SUBOPTIONS.has(s.code) && s.data.length !== 4) {
        throw new WireDecodeError('bad-option-length', s.data.byteOffset - data.byteOffset - 2, `relay agent sub-option ${s.code}: ${s.data.length} bytes, wants 4`);
      }
    }
    return subs;
  },
  encode: (subs) => encodeSubOptions(subs, SYNTAX),
  encodingLength: subOptionsLength,
};

/** Sub-option `code` of option 82's data, without decoding the rest (the server's hot path). */
export function relayAgentSubOption(data: Buffer, code: number): Buffer | undefined {
  return findSubOption(data, code, SYNTAX);
}

export function circuitId(data: Buffer): Buffer | undefined {
  return findSubOption(data, RelayAgentSubOpt.CIRCUIT_ID, SYNTAX);
}

export function remoteId(data: Buffer): Buffer | undefined {
  return findSubOption(data, RelayAgentSubOpt.REMOTE_ID, SYNTAX);
}

/** The link-selection address (RFC 3527) as an unsigned 32-bit number. */
export function linkSelection(data: Buffer): number | undefined {
  return addressSubOption(data, RelayAgentSubOpt.LINK_SELECTION);
}

/** The server identifier override address (RFC 5107). */
export function serverIdOverride(data: Buffer): number | undefined {
  return addressSubOption(data, RelayAgentSubOpt.SERVER_ID_OVERRIDE);
}

function addressSubOption(data: Buffer, code: number): number | undefined {
  const v = findSubOption(data, code, SYNTAX);
  if (v === undefined) return undefined;
  if (v.length !== 4) throw new WireDecodeError('bad-option-length', v.byteOffset - data.byteOffset - 2, `relay agent sub-option ${code}: ${v.length} bytes, wants 4`);
  return v.readUInt32BE(0);
}

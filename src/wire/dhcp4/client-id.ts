// Option 61, client identifier (RFC 2132 §9.14): a type byte (1 = Ethernet
// hardware address, 255 = RFC 4361 IAID + DUID, 0 = other) and the identifier.
// The server keys leases on the raw bytes; this codec splits them for display.
import type { Codec } from '../codec.js';
import { WireEncodeError } from '../errors.js';
import { checkUint } from '../writer.js';
import { checkLength, type LengthRule } from './basic-types.js';

export interface ClientId {
  readonly type: number;
  readonly id: Buffer;
}

export const CLIENT_ID_RULE: LengthRule = { min: 2, max: Infinity, multiple: 1 };

export const clientId: Codec<ClientId> = {
  decode(data) {
    checkLength(CLIENT_ID_RULE, data, 'client identifier');
    return { type: data[0]!, id: data.subarray(1) };
  },
  encode(v) {
    if (v.id.length === 0) throw new WireEncodeError('bad-value', 'client identifier: empty id');
    const out = Buffer.allocUnsafe(1 + v.id.length);
    out[0] = checkUint(v.type, 255, 'client identifier type');
    out.set(v.id, 1);
    return out;
  },
  encodingLength: (v) => 1 + v.id.length,
};

/** The IAID and DUID of an RFC 4361 client identifier (type 255), or undefined for other forms. */
export function rfc4361Parts(v: ClientId): { iaid: number; duid: Buffer } | undefined {
  if (v.type !== 255 || v.id.length < 5) return undefined;
  return { iaid: v.id.readUInt32BE(0), duid: v.id.subarray(4) };
}

// Option 121, classless static routes (RFC 3442): each route is a prefix width
// (0–32), the destination's significant octets (ceil(width / 8)), and a router.
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { isUint32 } from '../ipv4.js';

export interface ClasslessRoute {
  /** Destination network as an unsigned 32-bit number (bits past the prefix as received). */
  readonly destination: number;
  readonly prefixLength: number;
  /** Router address; 0 means the destination is on-link. */
  readonly router: number;
}

export const classlessRoutes: Codec<ClasslessRoute[]> = {
  decode(data) {
    if (data.length === 0) throw new WireDecodeError('bad-option-length', 0, 'classless routes: empty option');
    const out: ClasslessRoute[] = [];
    let i = 0;
    while (i < data.length) {
      const width = data[i]!;
      if (width > 32) throw new WireDecodeError('bad-option-value', i, `classless route: prefix width ${width} above 32`);
      const sig = (width + 7) >> 3;
      if (i + 1 + sig + 4 > data.length) throw new WireDecodeError('suboption-overrun', i, `classless route /${width} needs ${1 + sig + 4} bytes, ${data.length - i} left`);
      let dest = 0;
      for (let k = 0; k < 4; k++) dest = dest * 256 + (k < sig ? data[i + 1 + k]! : 0);
      out.push({ destination: dest, prefixLength: width, router: data.readUInt32BE(i + 1 + sig) });
      i += 1 + sig + 4;
    }
    return out;
  },
  encode(routes) {
    const out = Buffer.allocUnsafe(classlessRoutes.encodingLength(routes));
    let i = 0;
    for (const r of routes) {
      out[i] = r.prefixLength;
      const sig = (r.prefixLength + 7) >> 3;
      for (let k = 0; k < sig; k++) out[i + 1 + k] = (r.destination >>> (24 - 8 * k)) & 255;
      out.writeUInt32BE(r.router, i + 1 + sig);
      i += 1 + sig + 4;
    }
    return out;
  },
  encodingLength(routes) {
    if (routes.length === 0) throw new WireEncodeError('bad-value', 'classless routes: no routes');
    let n = 0;
    for (const r of routes) {
      if (!Number.isInteger(r.prefixLength) || r.prefixLength < 0 || r.prefixLength > 32) throw new WireEncodeError('bad-value', `classless route: prefix length ${r.prefixLength}`);
      if (!isUint32(r.destination) || !isUint32(r.router)) throw new WireEncodeError('bad-value', 'classless route: destination and router must be unsigned 32-bit numbers');
      n += 1 + ((r.prefixLength + 7) >> 3) + 4;
    }
    return n;
  },
};

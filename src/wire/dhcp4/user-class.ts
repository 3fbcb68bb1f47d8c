// Option 77, user class (RFC 3004): one or more classes, each a length byte (≥ 1)
// and opaque data. Some clients (Windows, iPXE) send one bare string instead; use
// userClassesLenient for those.
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError, isWireDecodeError } from '../errors.js';

export const userClass: Codec<Buffer[]> = {
  decode(data) {
    if (data.length < 2) throw new WireDecodeError('bad-option-length', 0, `user class: ${data.length} bytes, wants at least 2`);
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      const len = data[i]!;
      if (len === 0) throw new WireDecodeError('bad-option-value', i, 'user class of length 0');
      if (i + 1 + len > data.length) throw new WireDecodeError('suboption-overrun', i, `user class of ${len} bytes runs past the option's ${data.length} bytes`);
      out.push(data.subarray(i + 1, i + 1 + len));
      i += 1 + len;
    }
    return out;
  },
  encode(classes) {
    if (classes.length === 0) throw new WireEncodeError('bad-value', 'user class: no classes');
    const out = Buffer.allocUnsafe(userClass.encodingLength(classes));
    let i = 0;
    for (const c of classes) {
      if (c.length === 0 || c.length > 255) throw new WireEncodeError('bad-value', `user class of ${c.length} bytes (1..255 allowed)`);
      out[i] = c.length;
      out.set(c, i + 1);
      i += 1 + c.length;
    }
    return out;
  },
  encodingLength(classes) {
    let n = 0;
    for (const c of classes) n += 1 + c.length;
    return n;
  },
};

/** RFC 3004 classes when the data has that form, else the whole data as one class. Never throws. */
export function userClassesLenient(data: Buffer): Buffer[] {
  try {
    return userClass.decode(data);
  } catch (err) {
    if (isWireDecodeError(err)) return [data];
    throw err;
  }
}

// Option 81, client FQDN (RFC 4702): flags, two deprecated RCODE bytes, and a
// domain name — in DNS wire form without compression when the E flag is set
// (possibly partial: no root label), else in deprecated ASCII.
import type { Codec } from '../codec.js';
import { WireDecodeError } from '../errors.js';
import { NameWriter, nameFromText, nameToText, readName } from '../dns-name.js';
import { checkUint } from '../writer.js';
import { checkLength, type LengthRule } from './basic-types.js';

export const FqdnFlag = {
  /** S: the server should perform the A RR (forward) update. */
  S: 0x01,
  /** O: the server overrode the client's S preference (server → client only). */
  O: 0x02,
  /** E: the name is in canonical wire format. */
  E: 0x04,
  /** N: the server should perform no DNS updates. */
  N: 0x08,
} as const;

export interface ClientFqdn {
  /** Flag bits (FqdnFlag); the four MBZ bits are kept as received. */
  readonly flags: number;
  readonly rcode1: number;
  readonly rcode2: number;
  /**
   * Presentation text: "host.example.com." when fully qualified, "host" for a
   * partial name, "" when the client sent no name. With E clear, the ASCII as sent.
   */
  readonly name: string;
}

export const FQDN_RULE: LengthRule = { min: 3, max: Infinity, multiple: 1 };

export const clientFqdn: Codec<ClientFqdn> = {
  decode(data) {
    checkLength(FQDN_RULE, data, 'client FQDN');
    const flags = data[0]!;
    let name: string;
    if (flags & FqdnFlag.E) {
      const r = readName(data, 3, data.length, { base: 0, compression: false, allowPartial: true, overrun: 'suboption-overrun' });
      if (r.next !== data.length) throw new WireDecodeError('bad-option-value', r.next, `client FQDN: ${data.length - r.next} bytes after the name`);
      name = nameToText(r);
    } else {
      let end = data.length;
      while (end > 3 && data[end - 1] === 0) end--;
      name = data.toString('utf8', 3, end);
    }
    return { flags, rcode1: data[1]!, rcode2: data[2]!, name };
  },
  encode(v) {
    const name = encodeName(v);
    const out = Buffer.allocUnsafe(3 + name.length);
    out[0] = checkUint(v.flags, 255, 'client FQDN flags');
    out[1] = checkUint(v.rcode1, 255, 'client FQDN rcode1');
    out[2] = checkUint(v.rcode2, 255, 'client FQDN rcode2');
    out.set(name, 3);
    return out;
  },
  encodingLength: (v) => 3 + encodeName(v).length,
};

function encodeName(v: ClientFqdn): Buffer {
  if (!(v.flags & FqdnFlag.E)) return Buffer.from(v.name, 'utf8');
  const w = new NameWriter(false);
  w.write(nameFromText(v.name));
  return w.toBuffer();
}

// Option 119, domain search list (RFC 3397): names in DNS wire form, compressed
// with pointers that count from the start of the (RFC 3396-concatenated) option
// data. Encode compresses each name's longest suffix already written; decode
// follows only pointers that point strictly backward, so it cannot loop.
import type { Codec } from '../codec.js';
import { WireDecodeError, WireEncodeError } from '../errors.js';
import { NameWriter, nameFromText, nameToText, readName } from '../dns-name.js';

/** Names without their trailing dot ("example.com"); every name in the list is absolute. */
export const domainSearch: Codec<string[]> = {
  decode(data) {
    if (data.length === 0) throw new WireDecodeError('bad-option-length', 0, 'domain search: empty option');
    const out: string[] = [];
    let pos = 0;
    while (pos < data.length) {
      const r = readName(data, pos, data.length, { base: 0, compression: true, allowPartial: false, overrun: 'suboption-overrun' });
      const t = nameToText(r);
      out.push(t === '.' ? t : t.slice(0, -1));
      pos = r.next;
    }
    return out;
  },
  encode: (names) => write(names).toBuffer(),
  encodingLength: (names) => write(names).length,
};

function write(names: readonly string[]): NameWriter {
  if (names.length === 0) throw new WireEncodeError('bad-value', 'domain search: no names');
  const w = new NameWriter(true);
  for (const n of names) {
    if (n === '') throw new WireEncodeError('bad-name', 'domain search: empty name');
    const name = nameFromText(n);
    w.write(name.absolute ? name : { labels: name.labels, absolute: true });
  }
  return w;
}

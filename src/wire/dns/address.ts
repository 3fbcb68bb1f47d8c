// The text of A and AAAA RDATA: dotted quads (strict, as src/wire/ipv4.ts reads
// them) and IPv6 addresses, read in any RFC 4291 §2.2 form and written in the
// RFC 5952 canonical form (lower case, no leading zeros, the longest run of two or
// more zero groups as "::", the first of equal runs; §5: IPv4-mapped addresses as
// "::ffff:192.0.2.1").
import { WireEncodeError } from '../errors.js';
import { ipv4FromString } from '../ipv4.js';

/** The 4 bytes at buf[at] as "192.0.2.1". */
export function ipv4Text(buf: Buffer, at: number): string {
  return `${buf[at]!}.${buf[at + 1]!}.${buf[at + 2]!}.${buf[at + 3]!}`;
}

/**
 * Writes a dotted quad's 4 bytes at buf[at]; false (bytes there undefined) unless `text` is
 * exactly four decimal numbers 0–255 without leading zeros, as ipv4FromString reads them.
 * A character loop: the encoder's hottest field.
 */
export function writeIpv4(text: string, buf: Buffer, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  let first = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || (digits > 1 && first === 0x30) || value > 255 || part > 3) return false;
      buf[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      if (digits === 0) first = c;
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 16 bytes of an IPv6 address in any RFC 4291 §2.2 text form (no zone index). Throws WireEncodeError('bad-value'). */
export function ipv6Bytes(text: string): Buffer {
  const bad = (): never => {
    throw new WireEncodeError('bad-value', `"${text}" is not an IPv6 address`);
  };
  if (typeof text !== 'string' || text.length > 45) bad();
  const halves = text.split('::');
  if (halves.length > 2) bad();
  const groups = (part: string, last: boolean): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (last && i === fields.length - 1 && f.includes('.')) {
        let v = 0;
        try {
          v = ipv4FromString(f);
        } catch {
          bad();
        }
        out.push(v >>> 16, v & 0xffff);
      } else {
        if (!HEX_GROUP.test(f)) bad();
        out.push(parseInt(f, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  let all: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) bad();
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) bad();
    all = head;
  }
  const b = Buffer.allocUnsafe(16);
  for (let i = 0; i < 8; i++) b.writeUInt16BE(all[i]!, i * 2);
  return b;
}

/** The 16 bytes at buf[at] in RFC 5952 canonical text. */
export function ipv6Text(buf: Buffer, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(buf.readUInt16BE(at + i * 2));
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4Text(buf, at + 12)}`;
  }
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

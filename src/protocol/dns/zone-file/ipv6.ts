// IPv6 addresses between text and bytes, written as RFC 5952 §4 recommends: lower case,
// no leading zeros, the longest run of two or more zero groups (the first of equal
// runs) as "::". Mixed notation (§5) is not used: every address is eight hex groups.
import { isIPv6 } from '../../../core/ip.js';

/** The 16 bytes of an IPv6 address, or undefined when the text is not one. */
export function ipv6ToBytes(text: string): Buffer | undefined {
  if (!isIPv6(text)) return undefined;
  const out = Buffer.alloc(16);
  let head = text;
  if (text.includes('.')) {
    // The embedded IPv4 address as the two groups it stands for.
    const at = text.lastIndexOf(':');
    const o = text.slice(at + 1).split('.').map(Number) as [number, number, number, number];
    head = `${text.slice(0, at + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [left = '', right] = head.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952 text of 16 bytes. */
export function ipv6FromBytes(bytes: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(bytes.readUInt16BE(i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** RFC 5952 text of an address, or undefined when the text is not one. */
export function canonicalIPv6(text: string): string | undefined {
  const bytes = ipv6ToBytes(text);
  return bytes === undefined ? undefined : ipv6FromBytes(bytes);
}

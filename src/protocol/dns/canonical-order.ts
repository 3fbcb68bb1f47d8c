// The zone file writer's sort key for RFC 4034 §6.1 canonical name order: labels from
// the root down, each compared as bytes with ASCII letters lowered, a label that is a
// prefix of another first ("example.com." < "a.example.com." < "B.example.com." <
// "z.example.com."). compareNames (src/wire/dns/name.ts) is that order as a comparator;
// canonicalNameKey gives a string whose plain comparison is the same order, so a zone's
// names are sorted by building one key per name instead of comparing labels per pair.
import { nameFromText } from '../../wire/dns-name.js';

const PLAIN = /^[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_*-]+)*\.$/;

/**
 * A key per name (presentation text, absolute) such that a < b in canonical order
 * exactly when key(a) < key(b): labels root first, letters lowered, each label ended by
 * the character 0; bytes 0 and 1 are written as the characters 1,1 and 1,2 (a
 * prefix-free code that keeps byte order), every other byte as its own character.
 */
export function canonicalNameKey(name: string): string {
  if (name === '.') return '';
  if (PLAIN.test(name)) return `${name.slice(0, -1).toLowerCase().split('.').reverse().join('\0')}\0`;
  const wire = nameFromText(name).labels;
  let key = '';
  for (let i = wire.length - 1; i >= 0; i--) {
    for (const b of wire[i]!) key += b <= 1 ? `\x01${String.fromCharCode(b + 1)}` : String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
    key += '\0';
  }
  return key;
}

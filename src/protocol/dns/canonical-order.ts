// RFC 4034 §6.1 canonical order of names: by labels from the root down, each label
// compared as bytes with ASCII letters lowered, a label that is a prefix of another
// first ("example.com." < "a.example.com." < "B.example.com." < "z.example.com.").
// canonicalNameKey gives a string whose plain comparison is that order, so a zone's
// names are sorted by building one key per name.
import { nameFromText } from '../../wire/dns-name.js';

const PLAIN = /^[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_*-]+)*\.$/;

/**
 * A key per name (canonical presentation text, absolute) such that a < b in canonical
 * order exactly when key(a) < key(b): labels root first, letters lowered, each label
 * ended by the character 0; bytes 0 and 1 are written as the characters 1,1 and 1,2
 * (a prefix-free code that keeps byte order), every other byte as its own character.
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

/** Negative, zero or positive as a sorts before, with or after b in canonical order. */
export function compareNames(a: string, b: string): number {
  const ka = canonicalNameKey(a);
  const kb = canonicalNameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The case-insensitive identity of a name (canonical text: only ASCII letters differ in case). */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** True when `name` is `zone` or below it (both canonical presentation text; `keys` when both are nameKey()s already). */
export function isAtOrBelow(name: string, zone: string, keys = false): boolean {
  const n = keys ? name : nameKey(name);
  const z = keys ? zone : nameKey(zone);
  if (z === '.') return true;
  if (n === z) return true;
  if (!n.endsWith(z) || n.charCodeAt(n.length - z.length - 1) !== 0x2e) return false;
  // The dot before the zone must end a label, not be an escaped one.
  let backslashes = 0;
  for (let i = n.length - z.length - 2; i >= 0 && n.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The name one label up ("a.b.example." → "b.example."); undefined for the root. */
export function parentName(name: string): string | undefined {
  if (name === '.') return undefined;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x2e) return i === name.length - 1 ? '.' : name.slice(i + 1);
  }
  return undefined;
}

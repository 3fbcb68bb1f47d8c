// Domain names in a zone file: "@" is the origin, a name without a final (unescaped)
// dot is relative to it, everything goes through dns-name.ts's nameFromText/nameToText
// so the result is the canonical presentation text every layer uses. Writing goes the
// other way: relative to the origin where that is shorter, with the characters a zone
// file gives meaning to ( ) ; " and a leading $ or a lone @ escaped.
import { nameFromText, nameToText } from '../../../wire/dns-name.js';
import { WireEncodeError } from '../../../wire/errors.js';
import { ZoneTextError } from '../zone-problem.js';
import type { ZoneToken } from './lexer.js';

/** True when the text ends with a dot that is not escaped. */
export function endsWithDot(text: string): boolean {
  if (text.charCodeAt(text.length - 1) !== 0x2e) return false;
  let backslashes = 0;
  for (let i = text.length - 2; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The canonical absolute text of `text`, or throws ZoneTextError('bad-name'). Plain names (the usual case) skip the byte round. */
export function canonicalName(text: string, line?: number, column?: number): string {
  if (PLAIN.test(text) && plainLengthOk(text)) return text;
  try {
    const name = nameFromText(text);
    if (!name.absolute) throw new ZoneTextError('bad-name', `"${text}" is not an absolute name`, line, column);
    return nameToText(name);
  } catch (err) {
    if (err instanceof WireEncodeError) throw new ZoneTextError('bad-name', `bad name ${err.message.replace(/^bad-name: /, '')}`, line, column);
    throw err;
  }
}

// Letters, digits, hyphen, underscore, star, absolute: nameToText(nameFromText(x)) === x.
const PLAIN = /^(?:[A-Za-z0-9_*-]+\.)+$/;

function plainLengthOk(text: string): boolean {
  if (text.length > 254) return false; // wire length is text length + 1
  let start = 0;
  for (;;) {
    const dot = text.indexOf('.', start);
    if (dot < 0) return true;
    if (dot - start > 63) return false;
    start = dot + 1;
  }
}

/** Reads a name token: "@" is the origin, relative names are completed with it. */
export function nameFromToken(token: ZoneToken, origin: string): string {
  const { text } = token;
  if (token.quoted) throw new ZoneTextError('bad-name', `a domain name cannot be quoted ("${text}")`, token.line, token.column);
  if (text === '@') return origin;
  if (endsWithDot(text)) return canonicalName(text, token.line, token.column);
  return canonicalName(origin === '.' ? `${text}.` : `${text}.${origin}`, token.line, token.column);
}

/**
 * How to write `name` (presentation text) in a zone file whose origin is `origin`:
 * "@", a name relative to the origin (when the origin is an exact suffix, so the case
 * read back is the same; never to the root), or the absolute name. `owner` also
 * escapes a leading "$" (a directive).
 */
export function nameToZoneText(name: string, origin: string | undefined, owner = false): string {
  let text = name;
  if (origin !== undefined && origin !== '.') {
    if (name === origin) return '@';
    if (name.length > origin.length && name.endsWith(origin) && name.charCodeAt(name.length - origin.length - 1) === 0x2e && endsWithDot(name.slice(0, name.length - origin.length))) {
      text = name.slice(0, name.length - origin.length - 1);
    }
  } else if (origin === '.' && name === '.') {
    return '@';
  }
  if (SPECIAL.test(text)) text = escapeSpecial(text);
  if (text === '@' || (owner && text.charCodeAt(0) === 0x24)) text = `\\${text}`;
  return text;
}

// nameToText leaves these printable characters alone; a zone file gives them meaning.
const SPECIAL = /[();"]/;

/** Escapes ( ) ; " that are not escaped already. */
function escapeSpecial(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      out += c + (text[i + 1] ?? '');
      i++;
    } else {
      out += SPECIAL.test(c) ? `\\${c}` : c;
    }
  }
  return out;
}

// <character-string>s (RFC 1035 §5.1): a token or a quoted string, "\X" for the
// character X, "\DDD" for a byte in decimal; other characters are their UTF-8 bytes.
// Written back always quoted, with " and \ escaped and bytes outside printable ASCII
// as \DDD, so any bytes survive a round trip.
import { ZoneTextError } from '../zone-problem.js';
import type { ZoneToken } from './lexer.js';

export const MAX_CHARACTER_STRING = 255;

/** The bytes of a token; longer than `max` bytes is refused, naming `what`. */
export function bytesFromToken(token: ZoneToken, what: string, max = MAX_CHARACTER_STRING): Buffer {
  const bytes = decodeEscapes(token);
  if (bytes.length > max) {
    const hint = max === MAX_CHARACTER_STRING ? '; split it into several quoted strings of at most 255 bytes' : '';
    throw new ZoneTextError('bad-rdata', `${what} of ${bytes.length} bytes is longer than ${max}${hint}`, token.line, token.column);
  }
  return bytes;
}

function decodeEscapes(token: ZoneToken): Buffer {
  const { text } = token;
  if (!text.includes('\\')) return Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      if (c < 0x80) out.push(c);
      else {
        // A whole code point (surrogate pairs included) as UTF-8.
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        for (const b of Buffer.from(ch, 'utf8')) out.push(b);
        i += ch.length - 1;
      }
      continue;
    }
    const d = text.slice(i + 1, i + 4);
    if (/^\d{3}$/.test(d)) {
      const v = Number(d);
      if (v > 255) throw new ZoneTextError('bad-rdata', `escape \\${d} is above 255`, token.line, token.column);
      out.push(v);
      i += 3;
    } else if (i + 1 < text.length) {
      const cp = text.codePointAt(i + 1)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) out.push(b);
      i += ch.length;
    } else {
      throw new ZoneTextError('bad-rdata', 'lone backslash at the end of a string', token.line, token.column);
    }
  }
  return Buffer.from(out);
}

/** The quoted presentation of bytes. */
export function quotedText(bytes: Buffer): string {
  let s = '"';
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x5c) continue;
    s += bytes.toString('latin1', from, i);
    s += b === 0x22 || b === 0x5c ? `\\${String.fromCharCode(b)}` : `\\${b.toString().padStart(3, '0')}`;
    from = i + 1;
  }
  return `${s}${bytes.toString('latin1', from)}"`;
}

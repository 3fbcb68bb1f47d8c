// The path of an HTTP request-target (RFC 9112 §3.2), percent-decoded for the tree path
// check (tree-path.ts): origin-form "/path?query" or absolute-form "http://host/path"
// (the query is ignored); the bytes as sent (Node hands the request line over as latin1)
// with %XX decoded, then read as UTF-8. Refused, with the reason counted: a target that
// is neither form ("*", "host:port"), a "%" not followed by two hex digits, an encoded
// "/" (%2F: a segment must not hide a separator), an encoded NUL, bytes that are not
// UTF-8. An encoded "\" (%5C) decodes and is then read as "/" by the tree path check,
// so "..%5C" is a ".." segment. Pure.

export type TargetRefusal = 'bad-target' | 'bad-encoding' | 'encoded-slash' | 'encoded-nul' | 'not-utf8';

export type TargetResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: TargetRefusal };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeTarget(target: string): TargetResult {
  let path = target;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(path);
  if (scheme) {
    // What follows the authority: a path, or nothing ("http://host", "http://host?q"): "/".
    const rest = path.slice(scheme[0].length);
    path = rest.startsWith('/') ? rest : `/${rest}`;
  }
  if (!path.startsWith('/')) return { ok: false, reason: 'bad-target' };
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  if (!path.includes('%') && /^[\x20-\x7e]*$/.test(path)) return { ok: true, path };
  const raw = Buffer.from(path, 'latin1');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b !== 0x25) {
      out[n++] = b;
      continue;
    }
    const hi = hex(raw[i + 1]);
    const lo = hex(raw[i + 2]);
    if (hi < 0 || lo < 0) return { ok: false, reason: 'bad-encoding' };
    const v = hi * 16 + lo;
    if (v === 0x2f) return { ok: false, reason: 'encoded-slash' };
    if (v === 0) return { ok: false, reason: 'encoded-nul' };
    out[n++] = v;
    i += 2;
  }
  try {
    return { ok: true, path: utf8.decode(out.subarray(0, n)) };
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
}

function hex(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

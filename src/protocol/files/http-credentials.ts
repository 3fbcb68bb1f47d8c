// The Authorization header (RFC 9110 §11.4): an auth-scheme, then a token68 (Basic) or
// a comma-separated list of auth-params, token or quoted-string valued (Digest).
// Parameter names compare case-insensitively; a name given twice, more than
// MAX_PARAMS parameters, an unterminated quoted-string or a stray character make the
// header malformed (undefined). Also what other headers share with it: parameter
// lists (parseParams, for Content-Type and Content-Disposition too), quoted-strings read
// and written, RFC 8187 ext-values (username*, filename*). Pure.

export interface Credentials {
  /** The scheme, lower-cased: "basic", "digest". */
  readonly scheme: string;
  readonly token68?: string;
  /** Parameters by lower-cased name, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

export const MAX_PARAMS = 32;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export function parseCredentials(header: string): Credentials | undefined {
  const scheme = TOKEN.exec(header);
  if (!scheme) return undefined;
  const rest = header.slice(scheme[0].length);
  const name = scheme[0].toLowerCase();
  if (rest.trim() === '') return { scheme: name, params: new Map() };
  if (!/^ +/.test(rest)) return undefined;
  const body = rest.trimStart().trimEnd();
  if (TOKEN68.test(body)) return { scheme: name, token68: body, params: new Map() };
  const parsed = parseParams(body, ',', false);
  return parsed && { scheme: name, params: parsed };
}

/**
 * Parameters `name=value` separated by `separator` (auth-params: ","; Content-Type and
 * Content-Disposition parameters: ";"), values a token or a quoted-string; with
 * `lenientValues` an unquoted value runs to the next separator and a backslash in a
 * quoted one escapes only a quote or a backslash (Content-Disposition file names as
 * browsers and old clients send them). Names lower-cased; a name twice, more than
 * MAX_PARAMS, or a stray character: undefined.
 */
export function parseParams(text: string, separator: ',' | ';', lenientValues: boolean): Map<string, string> | undefined {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const ows = () => { while (i < n && (text[i] === ' ' || text[i] === '\t')) i++; };
  while (i < n) {
    ows();
    if (text[i] === separator) {
      i++;
      continue;
    }
    const key = TOKEN.exec(text.slice(i));
    if (!key) return undefined;
    i += key[0].length;
    ows();
    if (text[i] !== '=') return undefined;
    i++;
    ows();
    let value: string;
    if (text[i] === '"') {
      const q = readQuoted(text, i, lenientValues);
      if (!q) return undefined;
      value = q.value;
      i = q.next;
    } else if (lenientValues) {
      const end = text.indexOf(separator, i);
      value = text.slice(i, end < 0 ? n : end).trim();
      i = end < 0 ? n : end;
    } else {
      const t = TOKEN.exec(text.slice(i));
      if (!t) return undefined;
      value = t[0];
      i += t[0].length;
    }
    const k = key[0].toLowerCase();
    if (params.has(k) || params.size >= MAX_PARAMS) return undefined;
    params.set(k, value);
    ows();
    if (i < n && text[i] !== separator) return undefined;
  }
  return params;
}

/**
 * A quoted-string (RFC 9110 §5.6.4) starting at `at`: its value with escapes undone and
 * the index after it. `literalBackslash`: "\\" escapes only a quote or a backslash and
 * stands for itself before anything else (browsers send Windows paths in file names
 * unescaped, curl escapes them).
 */
export function readQuoted(s: string, at: number, literalBackslash = false): { value: string; next: number } | undefined {
  let value = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { value, next: i + 1 };
    if (c === '\\' && (!literalBackslash || s[i + 1] === '"' || s[i + 1] === '\\')) {
      i++;
      if (i >= s.length) return undefined;
      value += s[i];
    } else {
      const code = c.charCodeAt(0);
      if ((code < 0x20 && c !== '\t') || code === 0x7f) return undefined;
      value += c;
    }
  }
  return undefined;
}

/** `value` as a quoted-string. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** An RFC 8187 ext-value in UTF-8 (UTF-8'lang'percent-encoded), decoded; undefined when absent or not one. */
export function extValue(v: string | undefined): string | undefined {
  const m = v === undefined ? null : /^UTF-8'[A-Za-z0-9-]*'(.*)$/i.exec(v);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

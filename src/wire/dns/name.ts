// Names as the DNS engine compares them: presentation text (types.ts), equal when
// their labels are equal with ASCII letters folded (RFC 4343: only A–Z/a–z, never
// other bytes), ordered canonically (RFC 4034 §6.1). Names without backslashes
// and with only printable ASCII (the usual case) are handled on the string itself;
// others are parsed into labels with src/wire/dns-name.ts. The functions expect
// valid names (as decode produces and encode accepts); a malformed escape throws
// WireEncodeError('bad-name').
import { nameFromText, nameToText, type WireName } from '../dns-name.js';

/** Printable ASCII but "\": the text is its own bytes, dots are label separators. */
const PLAIN = /^[\x21-\x5b\x5d-\x7e]*$/;

export function isPlainName(name: string): boolean {
  return PLAIN.test(name);
}

function lowerLabels(name: string): WireName {
  const n = nameFromText(name);
  return {
    absolute: n.absolute,
    labels: n.labels.map((l) => {
      let copy: Buffer | undefined;
      for (let i = 0; i < l.length; i++) {
        const b = l[i]!;
        if (b >= 0x41 && b <= 0x5a) {
          copy ??= Buffer.from(l);
          copy[i] = b | 0x20;
        }
      }
      return copy ?? l;
    }),
  };
}

/**
 * The canonical key of a name: ASCII letters in lower case, escapes in the one form
 * nameToText writes ("\." "\\" "\DDD"), so two names are equal exactly when their keys are.
 */
export function nameKey(name: string): string {
  if (PLAIN.test(name)) return name.toLowerCase(); // ASCII only: toLowerCase folds A–Z and nothing else
  return nameToText(lowerLabels(name));
}

export function namesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  if (PLAIN.test(a) && PLAIN.test(b)) return a.length === b.length && a.toLowerCase() === b.toLowerCase();
  return nameKey(a) === nameKey(b);
}

/** Labels of a name, the root label not counted: "." → 0, "www.example.com." → 3. */
export function labelCount(name: string): number {
  if (name === '.' || name === '') return 0;
  if (PLAIN.test(name)) {
    let n = 0;
    for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 0x2e) n++;
    return name.endsWith('.') ? n : n + 1;
  }
  return nameFromText(name).labels.length;
}

/** The name without its first label ("www.example.com." → "example.com.", "com." → "."); undefined for the root. */
export function parent(name: string): string | undefined {
  if (name === '.' || name === '') return undefined;
  if (PLAIN.test(name)) {
    const dot = name.indexOf('.');
    if (dot < 0) return '';
    return dot === name.length - 1 ? '.' : name.slice(dot + 1);
  }
  const n = nameFromText(name);
  return nameToText({ labels: n.labels.slice(1), absolute: n.absolute });
}

/** True when `name` is `zone` or below it (case-insensitive, label by label). */
export function isSubdomain(name: string, zone: string): boolean {
  if (PLAIN.test(name) && PLAIN.test(zone)) {
    if (zone === '.') return name.endsWith('.');
    const n = name.toLowerCase();
    const z = zone.toLowerCase();
    if (n === z) return true;
    return n.length > z.length && n.endsWith(z) && n.charCodeAt(n.length - z.length - 1) === 0x2e;
  }
  const n = lowerLabels(name);
  const z = lowerLabels(zone);
  if (n.absolute !== z.absolute || z.labels.length > n.labels.length) return false;
  const off = n.labels.length - z.labels.length;
  for (let i = 0; i < z.labels.length; i++) if (!n.labels[off + i]!.equals(z.labels[i]!)) return false;
  return true;
}

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/**
 * Canonical DNS name order (RFC 4034 §6.1): labels compared from the root down, each
 * as a lower-cased octet string (a label that is a prefix of another sorts first), and
 * a name sorts before the names below it. Returns < 0, 0 or > 0, like a sort comparator.
 */
export function compareNames(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return comparePlain(a, b);
  const la = lowerLabels(a).labels;
  const lb = lowerLabels(b).labels;
  for (let i = la.length - 1, j = lb.length - 1; ; i--, j--) {
    if (i < 0) return j < 0 ? 0 : -1;
    if (j < 0) return 1;
    const c = Buffer.compare(la[i]!, lb[j]!);
    if (c !== 0) return c;
  }
}

function comparePlain(a: string, b: string): number {
  let ae = a.endsWith('.') ? a.length - 1 : a.length;
  let be = b.endsWith('.') ? b.length - 1 : b.length;
  for (;;) {
    if (ae <= 0) return be <= 0 ? 0 : -1;
    if (be <= 0) return 1;
    const as = a.lastIndexOf('.', ae - 1) + 1;
    const bs = b.lastIndexOf('.', be - 1) + 1;
    const la = ae - as;
    const lb = be - bs;
    const n = Math.min(la, lb);
    for (let i = 0; i < n; i++) {
      const d = lower(a.charCodeAt(as + i)) - lower(b.charCodeAt(bs + i));
      if (d !== 0) return d;
    }
    if (la !== lb) return la - lb;
    ae = as - 1;
    be = bs - 1;
  }
}

/** The first `count` labels of a name, as a relative name ("host.sub.example.com.", 2 → "host.sub"); "" for 0. */
export function leadingLabels(name: string, count: number): string {
  if (count <= 0) return '';
  if (PLAIN.test(name)) {
    let at = -1;
    for (let i = 0; i < count; i++) {
      at = name.indexOf('.', at + 1);
      if (at < 0) return name;
    }
    return name.slice(0, at);
  }
  const n = nameFromText(name);
  return nameToText({ labels: n.labels.slice(0, count), absolute: false });
}

/** A relative name put in front of an absolute one ("host", "example.net." → "host.example.net."); undefined past 255 bytes. */
export function joinNames(relative: string, suffix: string): string | undefined {
  const joined = relative === '' ? suffix : suffix === '.' ? `${relative}.` : `${relative}.${suffix}`;
  try {
    nameFromText(joined);
  } catch {
    return undefined;
  }
  return joined;
}

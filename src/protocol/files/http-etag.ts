// Entity tags (RFC 9110 §8.8.3): the strong tag of a served file, made from its inode,
// size and modification time (to the microsecond) — a file replaced, rewritten or
// touched gets a new tag —, and the lists clients send in If-Match and If-None-Match
// with the strong and weak comparisons of §8.8.3.2. Pure.

export interface EntityTag {
  readonly weak: boolean;
  /** The opaque-tag with its quotes, e.g. "\"5f-3e8\"". */
  readonly tag: string;
}

/** What a file's validators are made from. */
export interface FileVersion {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** The strong ETag of a file version. */
export function fileEtag(f: FileVersion): string {
  return `"${f.ino.toString(16)}-${f.size.toString(16)}-${Math.floor(f.mtimeMs * 1000).toString(16)}"`;
}

/** Entity tags in a list header at most; a longer list is malformed. */
export const MAX_ETAGS = 64;

/**
 * An If-Match / If-None-Match value: "*", a list of entity tags, or undefined when it
 * is malformed. Empty list elements are skipped (RFC 9110 §5.6.1).
 */
export function parseEtagList(value: string): '*' | EntityTag[] | undefined {
  const v = value.trim();
  if (v === '*') return '*';
  const tags: EntityTag[] = [];
  let i = 0;
  const n = v.length;
  const skipOws = () => { while (i < n && (v[i] === ' ' || v[i] === '\t')) i++; };
  for (;;) {
    skipOws();
    if (i >= n) break;
    if (v[i] === ',') {
      i++;
      continue;
    }
    let weak = false;
    if (v.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (v[i] !== '"') return undefined;
    const close = v.indexOf('"', i + 1);
    if (close < 0) return undefined;
    const tag = v.slice(i, close + 1);
    // etagc = %x21 / %x23-7E / obs-text
    for (let k = 1; k < tag.length - 1; k++) {
      const c = tag.charCodeAt(k);
      if (c < 0x21 || c === 0x7f) return undefined;
    }
    tags.push({ weak, tag });
    if (tags.length > MAX_ETAGS) return undefined;
    i = close + 1;
    skipOws();
    if (i < n && v[i] !== ',') return undefined;
  }
  return tags.length === 0 ? undefined : tags;
}

/** One entity tag as an If-Range value carries it, or undefined. */
export function parseEtag(value: string): EntityTag | undefined {
  const list = parseEtagList(value);
  return Array.isArray(list) && list.length === 1 ? list[0] : undefined;
}

/** Strong comparison: both strong and the same opaque-tag. */
export function strongMatch(a: EntityTag, current: string): boolean {
  return !a.weak && a.tag === current;
}

/** Weak comparison: the same opaque-tag, weak or not. */
export function weakMatch(a: EntityTag, current: string): boolean {
  return a.tag === current;
}

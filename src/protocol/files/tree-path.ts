// The path a client asks for, checked before it touches the disk (docs/files.md "Paths"):
// HTTP paths come percent-decoded, TFTP file names as sent. One or more leading "/" are
// dropped (phones ask for "/SEPxxxx.cnf.xml" as often as for "SEPxxxx.cnf.xml", and
// tftp-hpa's -s does the same); "\" is read as "/" (Windows-style clients); then every
// segment must be a plain name: no "." or "..", no empty segment (but a final "/" for a
// directory), no NUL or control character, at most 255 bytes, 1024 in all. What is left
// is relative and can only name something inside the tree; symbolic links that lead out
// of it are the caller's check (site/files-tree.ts). Pure.

export type TreePathRefusal = 'empty' | 'dot-segment' | 'empty-segment' | 'control-character' | 'too-long' | 'not-utf8';

export type TreePathResult = { readonly ok: true; readonly path: string; readonly directory: boolean } | { readonly ok: false; readonly reason: TreePathRefusal };

const MAX_PATH = 1024;
const MAX_SEGMENT = 255;

export function treePath(requested: string): TreePathResult {
  if (requested.includes('\uFFFD')) return { ok: false, reason: 'not-utf8' };
  const slashes = requested.replace(/\\/g, '/');
  const relative = slashes.replace(/^\/+/, '');
  if (relative.length === 0) return { ok: false, reason: 'empty' };
  if (Buffer.byteLength(relative) > MAX_PATH) return { ok: false, reason: 'too-long' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(relative)) return { ok: false, reason: 'control-character' };
  const directory = relative.endsWith('/');
  const segments = (directory ? relative.slice(0, -1) : relative).split('/');
  for (const s of segments) {
    if (s === '') return { ok: false, reason: 'empty-segment' };
    if (s === '.' || s === '..') return { ok: false, reason: 'dot-segment' };
    if (Buffer.byteLength(s) > MAX_SEGMENT) return { ok: false, reason: 'too-long' };
  }
  return { ok: true, path: segments.join('/'), directory };
}

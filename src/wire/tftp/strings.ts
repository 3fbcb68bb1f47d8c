// TFTP's strings and options: NUL-terminated byte strings (read as UTF-8), and the
// RFC 2347 name/value pairs that follow a request's mode or fill an OACK. Option names
// compare without case: they are kept in lower case, and a name given twice is refused.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import type { WireReader } from '../reader.js';
import type { WireWriter } from '../writer.js';
import type { TftpOption } from './types.js';

/** The string at the reader's position up to its NUL (consumed); throws unterminated-string. */
export function readString(r: WireReader, what: string): string {
  const start = r.pos;
  const nul = r.buf.indexOf(0, start);
  if (nul < 0 || nul >= r.end) throw new WireDecodeError('unterminated-string', start, `${what}: no NUL before the end of the packet`);
  r.pos = nul + 1;
  return r.buf.toString('utf8', start, nul);
}

/** Name/value pairs up to the end of the reader. */
export function readOptions(r: WireReader): TftpOption[] {
  const options: TftpOption[] = [];
  const seen = new Set<string>();
  while (r.remaining > 0) {
    const at = r.pos;
    const name = readString(r, 'option name').toLowerCase();
    if (name === '') throw new WireDecodeError('bad-option', at, 'an option with an empty name');
    if (seen.has(name)) throw new WireDecodeError('bad-option', at, `option ${JSON.stringify(name)} given twice`);
    if (r.remaining === 0) throw new WireDecodeError('bad-option', r.pos, `option ${JSON.stringify(name)} has no value`);
    seen.add(name);
    options.push({ name, value: readString(r, `value of option ${JSON.stringify(name)}`) });
  }
  return options;
}

/** Bytes of a string and its NUL; throws WireEncodeError for a string holding a NUL. */
export function stringLength(s: string, what: string): number {
  if (typeof s !== 'string') throw new WireEncodeError('bad-value', `${what}: not a string`);
  if (s.includes('\0')) throw new WireEncodeError('bad-value', `${what}: holds a NUL character`);
  return Buffer.byteLength(s) + 1;
}

export function optionsLength(options: readonly TftpOption[]): number {
  if (!Array.isArray(options)) throw new WireEncodeError('bad-value', 'options: not an array');
  const seen = new Set<string>();
  let n = 0;
  for (const o of options) {
    const key = typeof o.name === 'string' ? o.name.toLowerCase() : '';
    if (key === '') throw new WireEncodeError('bad-value', 'option name: empty or not a string');
    if (seen.has(key)) throw new WireEncodeError('bad-value', `option ${JSON.stringify(o.name)} given twice`);
    seen.add(key);
    n += stringLength(o.name, 'option name') + stringLength(o.value, `value of option ${o.name}`);
  }
  return n;
}

export function writeString(w: WireWriter, s: string): void {
  w.room(Buffer.byteLength(s) + 1);
  w.pos += w.buf.write(s, w.pos, 'utf8');
  w.buf[w.pos++] = 0;
}

export function writeOptions(w: WireWriter, options: readonly TftpOption[]): void {
  for (const o of options) {
    writeString(w, o.name);
    writeString(w, o.value);
  }
}

/** The value of option `name` (lower case), or undefined. */
export function findOption(options: readonly TftpOption[], name: string): string | undefined {
  return options.find((o) => o.name === name)?.value;
}

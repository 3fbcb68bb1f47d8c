// One record per text line, `<crc32 of the JSON, 8 hex digits> <json>\n`: the framing of
// the append-only files whose records are small JSON values (the DNS change queue, the
// event outbox). A line that fails its checksum or does not parse is damaged — or, when
// it is the last, a torn write that was never acknowledged.
import { crc32 } from 'node:zlib';

export function encodeCrcLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The value of a line (without its newline), or undefined when it is damaged. */
export function decodeCrcLine(text: string): unknown {
  if (text.length < 10 || text[8] !== ' ') return undefined;
  const json = text.slice(9);
  if (crc32(json) !== parseInt(text.slice(0, 8), 16) || !/^[0-9a-f]{8}$/.test(text.slice(0, 8))) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

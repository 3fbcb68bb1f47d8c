// The on-disk format of a zone's IXFR journal (docs/dns.md, "The IXFR journal"): an
// 8-byte magic with the format version, then one frame per zone version:
//
//   "IXFD" · body length u32 LE · CRC32 of (length bytes + body) u32 LE · body
//
// The body is JSON: the zone, the digest of the zone's source text at the version the
// difference leads to, the two SOA records, and the deleted and added records, each
// [owner, type, class, ttl, RDATA in base64] with the RDATA in uncompressed wire form
// (the codec's encodeRdata/decodeRdata). Readers trust no length: a frame that is cut
// short, fails its CRC or does not decode ends the readable part of the file.
import { decodeRdata, encodeRdata } from '../wire/dns/rdata.js';
import { nameKey } from '../wire/dns/name.js';
import { RRType, hasType, type ResourceRecord } from '../wire/dns/types.js';
import type { SoaRecord, ZoneDiff } from '../protocol/dns/zone-diff.js';
import { crc32 } from './lease-journal-format.js';

export const JOURNAL_MAGIC = Buffer.from('OPIXFR01', 'latin1');
const FRAME_MAGIC = Buffer.from('IXFD', 'latin1');
export const FRAME_HEADER_BYTES = 12;
/** No frame body is longer; a reader refuses more (a zone of 2 million records fits). */
export const MAX_FRAME_BODY = 512 * 1024 * 1024;

/** One version of the zone: the difference that led to it and the digest of the source text it was read from. */
export interface JournalEntry {
  readonly diff: ZoneDiff;
  readonly digest: string;
}

type StoredRecord = [string, number, number, number, string];

interface StoredEntry {
  zone: string;
  digest: string;
  from: StoredRecord;
  to: StoredRecord;
  deleted: StoredRecord[];
  added: StoredRecord[];
}

export function encodeFrame(zone: string, entry: JournalEntry): Buffer {
  const stored: StoredEntry = {
    zone,
    digest: entry.digest,
    from: storeRecord(entry.diff.from),
    to: storeRecord(entry.diff.to),
    deleted: entry.diff.deleted.map(storeRecord),
    added: entry.diff.added.map(storeRecord),
  };
  const body = Buffer.from(JSON.stringify(stored), 'utf8');
  if (body.length > MAX_FRAME_BODY) throw new RangeError(`a journal entry of ${body.length} bytes is over the ${MAX_FRAME_BODY}-byte limit`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(body.length, 4);
  body.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameCrc(frame.subarray(4, 8), body), 8);
  return frame;
}

/** The entries of a journal file and where its readable part ends; `damage` says why it ends before the file does. */
export interface DecodedJournal {
  readonly entries: JournalEntry[];
  readonly goodBytes: number;
  readonly damage?: string;
}

export function decodeJournal(file: Buffer, zone: string): DecodedJournal {
  if (file.length < JOURNAL_MAGIC.length || !file.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)) {
    return { entries: [], goodBytes: 0, damage: file.length === 0 ? 'empty file' : 'not an Outpost IXFR journal of this format version' };
  }
  const entries: JournalEntry[] = [];
  let pos = JOURNAL_MAGIC.length;
  const stop = (reason: string): DecodedJournal => ({ entries, goodBytes: pos, damage: `at offset ${pos}: ${reason}` });
  while (pos < file.length) {
    if (file.length - pos < FRAME_HEADER_BYTES) return stop('frame header cut short');
    if (!file.subarray(pos, pos + 4).equals(FRAME_MAGIC)) return stop('no frame magic');
    const length = file.readUInt32LE(pos + 4);
    if (length > MAX_FRAME_BODY) return stop(`frame length ${length} over the limit`);
    if (file.length - pos - FRAME_HEADER_BYTES < length) return stop(`frame of ${length} bytes cut short`);
    const body = file.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + length);
    if (file.readUInt32LE(pos + 8) !== frameCrc(file.subarray(pos + 4, pos + 8), body)) return stop('frame CRC mismatch');
    let entry: JournalEntry;
    try {
      entry = readEntry(JSON.parse(body.toString('utf8')) as unknown, zone);
    } catch (error) {
      return stop(`frame does not decode: ${(error as Error).message}`);
    }
    entries.push(entry);
    pos += FRAME_HEADER_BYTES + length;
  }
  return { entries, goodBytes: pos };
}

function frameCrc(length: Buffer, body: Buffer): number {
  return crc32(Buffer.concat([length, body]));
}

function storeRecord(rr: ResourceRecord): StoredRecord {
  return [rr.name, rr.type, rr.class, rr.ttl, encodeRdata(rr.type, rr.data).toString('base64')];
}

function readEntry(value: unknown, zone: string): JournalEntry {
  if (typeof value !== 'object' || value === null) throw new TypeError('not an object');
  const v = value as Partial<StoredEntry>;
  if (typeof v.zone !== 'string' || nameKey(v.zone) !== nameKey(zone)) throw new TypeError(`zone ${String(v.zone)}, not ${zone}`);
  if (typeof v.digest !== 'string') throw new TypeError('no digest');
  if (!Array.isArray(v.deleted) || !Array.isArray(v.added)) throw new TypeError('no record lists');
  return { digest: v.digest, diff: { from: readSoa(v.from), to: readSoa(v.to), deleted: v.deleted.map(readRecord), added: v.added.map(readRecord) } };
}

function readSoa(value: unknown): SoaRecord {
  const rr = readRecord(value);
  if (!hasType(rr, RRType.SOA)) throw new TypeError('an SOA record was expected');
  return rr;
}

function readRecord(value: unknown): ResourceRecord {
  if (!Array.isArray(value) || value.length !== 5) throw new TypeError('a record is not [owner, type, class, ttl, rdata]');
  const [name, type, cls, ttl, rdata] = value as unknown[];
  const u = (n: unknown, max: number) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
  if (typeof name !== 'string' || !name.endsWith('.') || !u(type, 0xffff) || !u(cls, 0xffff) || !u(ttl, 0xffffffff) || typeof rdata !== 'string') {
    throw new TypeError('a record field is out of range');
  }
  return { name, type: type as number, class: cls as number, ttl: ttl as number, data: decodeRdata(type as number, Buffer.from(rdata, 'base64')) };
}

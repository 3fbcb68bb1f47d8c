// Questions and resource records on the wire (RFC 1035 §4.1.2, §4.1.3):
//
//   question: QNAME | QTYPE u16 | QCLASS u16
//   record:   NAME | TYPE u16 | CLASS u16 | TTL u32 | RDLENGTH u16 | RDATA
//
// Owner and question names are always eligible for compression.
import { WireDecodeError } from '../errors.js';
import { WireReader } from '../reader.js';
import { readNameText, type ReadNameOptions } from '../dns-name.js';
import { MessageWriter } from './compression.js';
import { isKnownType, isOpaque, readRdata, writeRdata } from './rdata.js';
import { RRClass, RRType, type Question, type RData, type ResourceRecord } from './types.js';

/** Owner and question names: pointers allowed, counting from the message start (buf[0]). */
const OWNER: ReadNameOptions = { base: 0, compression: true, allowPartial: false, overrun: 'truncated' };

export function readQuestion(r: WireReader): Question {
  const n = readNameText(r.buf, r.pos, r.end, OWNER);
  r.pos = n.next;
  return { name: n.text, type: r.u16('QTYPE'), class: r.u16('QCLASS') };
}

/** A record's fixed part, its RDATA left in place at [rdStart, rdEnd). */
export interface RecordHead {
  readonly start: number;
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdStart: number;
  readonly rdEnd: number;
}

/** Reads a record up to its RDATA and skips the RDATA. Throws truncated, rdata-overrun and the name reasons. */
export function readRecordHead(r: WireReader): RecordHead {
  const start = r.pos;
  const n = readNameText(r.buf, r.pos, r.end, OWNER);
  r.pos = n.next;
  const type = r.u16('TYPE');
  const cls = r.u16('CLASS');
  const ttl = r.u32('TTL');
  const rdLength = r.u16('RDLENGTH');
  if (rdLength > r.end - r.pos) throw new WireDecodeError('rdata-overrun', r.pos - 2, `RDLENGTH ${rdLength} runs past the end of the message (${r.end - r.pos} bytes left)`);
  const rdStart = r.pos;
  r.pos += rdLength;
  return { start, name: n.text, type, class: cls, ttl, rdStart, rdEnd: r.pos };
}

/**
 * The record's data. Empty RDATA of a known type in class ANY or NONE (RFC 2136 §2.4,
 * §2.5: UPDATE prerequisites and deletions) is OpaqueData with no bytes.
 */
export function readRecordData(buf: Buffer, h: RecordHead): RData {
  if (h.rdStart === h.rdEnd && (h.class === RRClass.ANY || h.class === RRClass.NONE)) return { opaque: buf.subarray(h.rdStart, h.rdEnd) };
  return readRdata(h.type, buf, h.rdStart, h.rdEnd, true);
}

export function writeQuestion(w: MessageWriter, q: Question): void {
  if (typeof q !== 'object' || q === null) w.fail('', 'not an object');
  w.name(q.name, true, 'name');
  w.uint(q.type, 16, 'type');
  w.uint(q.class, 16, 'class');
}

export function writeRecord(w: MessageWriter, rr: ResourceRecord): void {
  if (typeof rr !== 'object' || rr === null) w.fail('', 'not an object');
  w.name(rr.name, true, 'name');
  w.uint(rr.type, 16, 'type');
  if (rr.type === RRType.OPT) w.fail('type', 'an OPT record is written from the message\'s edns, not as a record');
  w.uint(rr.class, 16, 'class');
  w.uint(rr.ttl, 32, 'ttl');
  const lengthAt = w.pos;
  w.u16(0);
  const data = rr.data;
  if (isOpaque(data) && data.opaque.length === 0 && isKnownType(rr.type) && rr.class !== RRClass.ANY && rr.class !== RRClass.NONE) {
    w.fail('data.opaque', `empty RDATA of type ${rr.type} is only allowed in class ANY or NONE (RFC 2136 UPDATE)`);
  }
  writeRdata(w, rr.type, data);
  const len = w.pos - lengthAt - 2;
  if (len > 0xffff) w.fail('data', `${len} bytes of RDATA (at most 65535)`, 'too-long');
  w.buf[lengthAt] = len >>> 8;
  w.buf[lengthAt + 1] = len & 0xff;
}

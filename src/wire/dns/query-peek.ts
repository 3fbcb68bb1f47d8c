// The hot path's look at a query (docs/wire-dns.md, "Query peek"): without decoding
// the message, tells whether it is a plain query — opcode QUERY, one question whose
// name has no compression pointer, nothing in answer and authority, at most an OPT
// record without options — and if so gives the cache key of its answer and what a
// cached answer must be patched with. Anything else (or anything odd) returns
// undefined and takes the full decoder.

/** Flag bits a cached answer takes from the query it answers: RD and CD. */
export const ECHOED_FLAGS = 0x0110;

export interface PlainQuery {
  /** The question name in wire form, lower-cased (latin1), + type + class + EDNS state: equal keys, equal answers but for id, flags and name case. */
  readonly key: string;
  readonly id: number;
  readonly flags: number;
  /** Offset just past the question: the question is bytes [12, questionEnd). */
  readonly questionEnd: number;
  readonly qtype: number;
  /** The OPT record's UDP size, or undefined without EDNS. */
  readonly udpSize: number | undefined;
  readonly dnssecOk: boolean;
}

const OPT = 41;

export function peekQuery(buf: Buffer): PlainQuery | undefined {
  if (buf.length < 17 || buf.length > 512) return undefined;
  const flags = buf.readUInt16BE(2);
  // QR clear, opcode 0; the other bits are the responder's to judge.
  if ((flags & 0xf800) !== 0) return undefined;
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return undefined;
  const additionals = buf.readUInt16BE(10);
  if (additionals > 1) return undefined;
  let pos = 12;
  let key = '';
  for (;;) {
    if (pos >= buf.length) return undefined;
    const len = buf[pos]!;
    if (len === 0) break;
    if (len > 63 || pos + 1 + len > buf.length) return undefined;
    // Length-prefixed labels: a label holding a dot never reads as two labels.
    key += String.fromCharCode(len);
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = buf[i]!;
      key += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    pos += 1 + len;
  }
  if (pos - 12 + 1 > 255) return undefined;
  pos += 1;
  if (pos + 4 > buf.length) return undefined;
  const qtype = buf.readUInt16BE(pos);
  const qclass = buf.readUInt16BE(pos + 2);
  const questionEnd = pos + 4;
  let udpSize: number | undefined;
  let dnssecOk = false;
  if (additionals === 1) {
    // Exactly a root-owned OPT with version 0 and no options: 11 bytes.
    if (buf.length !== questionEnd + 11 || buf[questionEnd] !== 0 || buf.readUInt16BE(questionEnd + 1) !== OPT) return undefined;
    if (buf[questionEnd + 6] !== 0 || buf.readUInt16BE(questionEnd + 9) !== 0) return undefined; // version, RDLENGTH
    udpSize = buf.readUInt16BE(questionEnd + 3);
    const ednsFlags = buf.readUInt16BE(questionEnd + 7);
    if ((ednsFlags & 0x7fff) !== 0 || buf[questionEnd + 5] !== 0) return undefined;
    dnssecOk = (ednsFlags & 0x8000) !== 0;
  } else if (buf.length !== questionEnd) {
    return undefined;
  }
  key += `|${qtype}|${qclass}|${udpSize ?? '-'}${dnssecOk ? 'do' : ''}`;
  return { key, id: buf.readUInt16BE(0), flags, questionEnd, qtype, udpSize, dnssecOk };
}

/**
 * Writes a cached answer for `q` into `out` (at least template.length bytes): the
 * template with the query's id, RD and CD bits, and question bytes (the client's
 * spelling of the name; same length as the template's, as the keys are equal).
 * Returns the length.
 */
export function patchAnswer(template: Buffer, query: Buffer, q: PlainQuery, out: Buffer): number {
  template.copy(out, 0, 0, template.length);
  out.writeUInt16BE(q.id, 0);
  out.writeUInt16BE((template.readUInt16BE(2) & ~ECHOED_FLAGS) | (q.flags & ECHOED_FLAGS), 2);
  query.copy(out, 12, 12, q.questionEnd);
  return template.length;
}

// Records packed into as few messages as they fit in (zone transfers, RFC 5936 §2.2:
// the records of a zone in any grouping, an RRset may span two messages). Each call
// writes one message — header, questions, as many records of the stream as fit into
// the answer section, then the OPT record — with message-wide compression, and keeps
// the record that did not fit for the next call. Records are taken from an iterator,
// so a whole zone is never turned into messages at once.
import { WireEncodeError } from '../errors.js';
import { MessageWriter } from './compression.js';
import { optLength, writeOpt } from './edns.js';
import { patchCounts, writeHeader } from './header.js';
import { MAX_MESSAGE_BYTES, checkMessage } from './message.js';
import { writeQuestion, writeRecord } from './record.js';
import type { LimitOptions } from './truncate.js';
import type { DnsMessage, ResourceRecord } from './types.js';

/** What every message of a packed stream shares: header fields, questions (often the first message's only) and EDNS. */
export type PackHead = Pick<DnsMessage, 'id' | 'flags' | 'rcode' | 'questions' | 'edns'>;

export class RecordPacker {
  private pending: ResourceRecord | undefined;
  private exhausted = false;
  /** Records written so far. */
  written = 0;

  constructor(private readonly records: Iterator<ResourceRecord>) {
    this.advance();
  }

  /** True when every record has been written. */
  get done(): boolean {
    return this.pending === undefined;
  }

  /**
   * Writes one message into buf at `offset` (room for min(limit, 65535) bytes): `head`,
   * then records of the stream until the next does not fit in `limit` less `reserve`
   * (room for a TSIG record the caller appends). Returns the length. Throws
   * WireEncodeError('too-large') when not even one record fits an otherwise empty message.
   */
  packInto(head: PackHead, buf: Buffer, offset: number, limit: number, opts: LimitOptions = {}): number {
    const room = Math.min(limit, MAX_MESSAGE_BYTES) - (opts.reserve ?? 0);
    if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < room) throw new WireEncodeError('no-space', `a ${buf.length}-byte buffer at offset ${offset} cannot hold ${room} bytes`);
    const msg: DnsMessage = { ...head, answers: [], authorities: [], additionals: [] };
    checkMessage(msg);
    const end = offset + room;
    const w = new MessageWriter(buf, offset, end, opts.compress ?? true);
    writeHeader(w, head.id, head.flags, head.rcode & 0x0f, [0, 0, 0, 0]);
    w.limit = end - (head.edns === undefined ? 0 : optLength(head.edns));
    for (let i = 0; i < head.questions.length; i++) {
      w.at('questions', i);
      writeQuestion(w, head.questions[i]!);
    }
    let count = 0;
    while (this.pending !== undefined && count < 0xffff) {
      const mark = w.mark();
      try {
        w.at('answers', count);
        writeRecord(w, this.pending);
      } catch (err) {
        if (!(err instanceof WireEncodeError) || err.reason !== 'no-space') throw err;
        w.rollback(mark);
        if (count === 0) throw new WireEncodeError('too-large', `record ${this.pending.name} type ${this.pending.type} does not fit in a message of ${room} bytes`);
        break;
      }
      count++;
      this.written++;
      this.advance();
    }
    w.limit = end;
    if (head.edns !== undefined) writeOpt(w, head.edns, head.rcode >>> 4);
    patchCounts(buf, offset, head.questions.length, count, 0, head.edns === undefined ? 0 : 1);
    return w.pos - offset;
  }

  private advance(): void {
    if (this.exhausted) {
      this.pending = undefined;
      return;
    }
    const next = this.records.next();
    if (next.done) {
      this.exhausted = true;
      this.pending = undefined;
    } else {
      this.pending = next.value;
    }
  }
}

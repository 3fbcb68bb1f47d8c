// Reads the answer to an AXFR (RFC 5936) or IXFR (RFC 1995) request, one message at a
// time, into one of three results:
//
//   up-to-date    IXFR answered with our SOA alone (RFC 1995 §4: nothing newer)
//   full          every record of the zone: AXFR, or IXFR answered AXFR-style
//                 (SOA_N, the records, SOA_N), as a primary without the history does
//   incremental   IXFR differences: SOA_N, then per version SOA_old, deleted
//                 records, SOA_new, added records, and SOA_N again at the end
//
// Bounded: records, bytes and messages past the limits throw too-large; anything the
// RFCs do not allow throws malformed; a non-NOERROR answer throws refused.
import { namesEqual } from '../../../wire/dns/name.js';
import { Opcode, Rcode, RRClass, RRType, hasType, type DnsMessage, type ResourceRecord, type TypedRecord } from '../../../wire/dns/types.js';
import { compareSerial } from '../serial.js';
import { rcodeName } from './requests.js';

export interface XfrLimits {
  /** Records in one transfer at most. */
  readonly maxRecords: number;
  /** Bytes of messages in one transfer at most. */
  readonly maxBytes: number;
  /** Messages in one transfer at most. */
  readonly maxMessages: number;
}

/** The zone-file reader's limits (256 MiB, 2 000 000 records): a transfer may bring what a file may. */
export const DEFAULT_XFR_LIMITS: XfrLimits = { maxRecords: 2_000_000, maxBytes: 256 * 1024 * 1024, maxMessages: 1_000_000 };

export type SoaRecord = TypedRecord<typeof RRType.SOA>;

/** One version step of an IXFR: from → to, what was deleted and added (the SOAs not among them). */
export interface IxfrDiff {
  readonly from: SoaRecord;
  readonly to: SoaRecord;
  readonly deleted: ResourceRecord[];
  readonly added: ResourceRecord[];
}

export type XfrResult =
  | { readonly kind: 'up-to-date'; readonly soa: SoaRecord }
  | { readonly kind: 'full'; readonly soa: SoaRecord; readonly records: readonly ResourceRecord[] }
  | { readonly kind: 'incremental'; readonly soa: SoaRecord; readonly diffs: readonly IxfrDiff[] };

export type XfrErrorReason = 'refused' | 'malformed' | 'too-large';

export class XfrError extends Error {
  constructor(readonly reason: XfrErrorReason, message: string, readonly rcode?: number) {
    super(message);
    this.name = 'XfrError';
  }
}

type Phase = 'first' | 'second' | 'full' | 'deleting' | 'adding' | 'done';

export class XfrReader {
  private phase: Phase = 'first';
  private final?: SoaRecord;
  private readonly records: ResourceRecord[] = [];
  private readonly diffs: IxfrDiff[] = [];
  private current?: { from: SoaRecord; to?: SoaRecord; deleted: ResourceRecord[]; added: ResourceRecord[] };
  private count = 0;
  private bytes = 0;
  private messages = 0;
  private upToDate = false;

  /**
   * `type` is RRType.AXFR or RRType.IXFR; for IXFR, `ourSerial` is the serial we asked
   * from (an answer with it alone means we are current).
   */
  constructor(
    private readonly origin: string,
    private readonly type: number,
    private readonly ourSerial?: number,
    private readonly limits: XfrLimits = DEFAULT_XFR_LIMITS,
  ) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Reads one response message (`bytes` long on the wire); true when the transfer is complete. */
  push(m: DnsMessage, bytes: number): boolean {
    if (this.phase === 'done') throw new XfrError('malformed', 'a message after the transfer ended');
    if (++this.messages > this.limits.maxMessages) throw new XfrError('too-large', `more than ${this.limits.maxMessages} messages`);
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes) throw new XfrError('too-large', `more than ${this.limits.maxBytes} bytes`);
    if (!m.flags.qr || m.flags.opcode !== Opcode.QUERY) throw new XfrError('malformed', 'not a response to a query');
    if (m.rcode !== Rcode.NOERROR) throw new XfrError('refused', `the primary answered ${rcodeName(m.rcode)}`, m.rcode);
    // RFC 5936 §2.2.1: the first message echoes the question; later ones may too, or carry none.
    const q = m.questions[0];
    if (m.questions.length > 1 || (q && (!namesEqual(q.name, this.origin) || q.type !== this.type))) throw new XfrError('malformed', 'the answer is for another question');
    if (this.messages === 1 && !q) throw new XfrError('malformed', 'the first message has no question');
    if (m.answers.length === 0) throw new XfrError('malformed', 'a transfer message with no records');
    const answers = m.answers;
    for (let i = 0; i < answers.length; i++) {
      if (this.done) throw new XfrError('malformed', 'records after the closing SOA');
      if (++this.count > this.limits.maxRecords) throw new XfrError('too-large', `more than ${this.limits.maxRecords} records`);
      this.record(answers[i]!, i === answers.length - 1);
    }
    return this.done;
  }

  result(): XfrResult {
    if (this.phase !== 'done' || !this.final) throw new XfrError('malformed', 'the transfer ended before its closing SOA');
    if (this.upToDate) return { kind: 'up-to-date', soa: this.final };
    if (this.diffs.length > 0) return { kind: 'incremental', soa: this.final, diffs: this.diffs };
    return { kind: 'full', soa: this.final, records: this.records };
  }

  private apexSoa(rr: ResourceRecord): SoaRecord | undefined {
    return hasType(rr, RRType.SOA) && namesEqual(rr.name, this.origin) ? rr : undefined;
  }

  private record(rr: ResourceRecord, lastInMessage: boolean): void {
    if (rr.class !== RRClass.IN) throw new XfrError('malformed', `${rr.name} has class ${rr.class}, not IN`);
    const soa = this.apexSoa(rr);
    if (rr.type === RRType.SOA && !soa) throw new XfrError('malformed', `an SOA record at ${rr.name}, not the apex`);
    switch (this.phase) {
      case 'first':
        if (!soa) throw new XfrError('malformed', 'the first record is not the zone\'s SOA');
        this.final = soa;
        // RFC 1995 §4: an SOA alone, ending its message, not newer than ours: nothing to transfer.
        if (this.type === RRType.IXFR && this.ourSerial !== undefined && lastInMessage && compareSerial(soa.data.serial, this.ourSerial) !== 'newer') {
          this.upToDate = true;
          this.phase = 'done';
          return;
        }
        this.phase = 'second';
        return;
      case 'second':
        if (soa && this.type === RRType.IXFR && soa.data.serial !== this.final!.data.serial) {
          this.current = { from: soa, deleted: [], added: [] };
          this.phase = 'deleting';
          return;
        }
        this.phase = 'full';
        this.records.push(this.final!);
        return this.full(rr, soa);
      case 'full':
        return this.full(rr, soa);
      case 'deleting':
        if (soa) {
          this.current!.to = soa;
          this.phase = 'adding';
        } else {
          this.current!.deleted.push(rr);
        }
        return;
      case 'adding': {
        if (!soa) {
          this.current!.added.push(rr);
          return;
        }
        const c = this.current!;
        this.diffs.push({ from: c.from, to: c.to!, deleted: c.deleted, added: c.added });
        if (soa.data.serial === this.final!.data.serial && c.to!.data.serial === soa.data.serial) {
          this.phase = 'done';
          return;
        }
        this.current = { from: soa, deleted: [], added: [] };
        this.phase = 'deleting';
        return;
      }
      case 'done':
        throw new XfrError('malformed', 'records after the closing SOA');
    }
  }

  private full(rr: ResourceRecord, soa: SoaRecord | undefined): void {
    if (!soa) {
      this.records.push(rr);
      return;
    }
    if (soa.data.serial !== this.final!.data.serial) throw new XfrError('malformed', `a second SOA (serial ${soa.data.serial}) inside the zone of serial ${this.final!.data.serial}`);
    this.phase = 'done';
  }
}

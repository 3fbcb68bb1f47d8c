// The site's event outbox (docs/agent.md "Outbox"): every event the site reports
// upstream, numbered and appended durably, read back in order by the delivery, deleted
// once the manager acknowledged it. In agent.dataDir/outbox:
//
//   stream                          the stream id: 32 hex digits, made once
//   acked                           `<crc> {"acked":N}`: the manager stored 1..N (replaced atomically)
//   events-0000000000000001.log     segments of CRC-framed JSON lines {"s":seq,"t":ms,"k":kind,"d":data},
//                                   named by their first number; a new one past segmentBytes
//
// An append resolves after its line is fdatasync'ed; appends of one tick share one write
// and one fdatasync. Only those lines are ever read for delivery, so a number the
// manager has seen is never given to another event after a crash. At open a torn last
// line (never acknowledged) is cut off; a damaged line before it is counted and its
// number delivered as an `outbox.damaged` event, so the manager sees the loss. A
// segment is deleted once every event in it is acknowledged.
//
// Bounded: appends that would take the segments past maxBytes are refused and counted;
// when room returns, one `outbox.overflow` event says how many were refused, of which
// kinds and when (a small reserve is kept for it). Nothing is dropped silently.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import type { EventKind, SiteEvent } from '../protocol/agent/events.js';
import type { OutboxSource } from '../protocol/agent/delivery.js';
import { decodeCrcLine, encodeCrcLine } from './crc-line.js';
import { GroupCommit } from './group-commit.js';
import { writeFileAtomically } from './atomic-file.js';
import { fsyncDir, makeDurableDir } from './lease-journal-files.js';

export const OUTBOX_SUBDIR = 'outbox';
const STREAM_FILE = 'stream';
const ACKED_FILE = 'acked';
const SEGMENT = /^events-(\d{16})\.log$/;
const segmentName = (first: number) => `events-${String(first).padStart(16, '0')}.log`;
/** Room kept for the overflow event. */
const OVERFLOW_RESERVE = 4096;
/** Largest line an event may take; larger data is refused. */
export const MAX_EVENT_BYTES = 64 * 1024;
const READ_CHUNK = 256 * 1024;


export interface EventOutboxOptions {
  /** agent.dataDir; the outbox is its `outbox` directory. */
  readonly dataDir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly now: () => number;
  /** Called after appended events became durable (the delivery wakes). */
  readonly onDurable?: () => void;
}

export interface OutboxRecovery {
  readonly stream: string;
  readonly acked: number;
  /** Events on disk not yet acknowledged. */
  readonly pending: number;
  readonly segments: number;
  /** Damaged lines before the end (their numbers are delivered as outbox.damaged). */
  readonly damaged: number;
  /** Bytes of a torn last line cut off. */
  readonly tornBytes: number;
}

export class OutboxError extends Error {
  constructor(readonly reason: 'full' | 'too-large' | 'failed' | 'closed', message: string) {
    super(message);
  }
}

interface Segment {
  readonly first: number;
  readonly name: string;
  /** Bytes of whole, durable lines. */
  bytes: number;
  /** Its last number (first - 1 while empty). */
  last: number;
}

type Line = { s: number; t: number; k: EventKind; d: Record<string, unknown> };

function decodeEvent(text: string): Line | undefined {
  const v = decodeCrcLine(text) as Line | undefined;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.s) && typeof v.k === 'string' && Number.isSafeInteger(v.t) && typeof v.d === 'object' ? v : undefined;
}

interface Pending { readonly seq: number; readonly text: string }

interface Overflow { refused: number; firstAt: number; lastAt: number; kinds: Set<string> }

/** Where the last read stopped, so the next read after it continues without rescanning. */
interface Cursor { readonly segment: number; readonly pos: number; readonly next: number }

export class EventOutbox implements OutboxSource {
  private readonly commits: GroupCommit<Pending>;
  private closed = false;
  private nextSeq: number;
  private durableSeq: number;
  private ackedSeq: number;
  private cursor?: Cursor;
  private overflow?: Overflow;
  /** Bytes of the segments plus those of appends not yet written: kept as they change, asked at every append. */
  private totalBytes: number;
  /** Events refused since open (full or too large). */
  refused = 0;
  /** When the oldest unacknowledged event happened (ms), if known. */
  oldestAt?: number;

  private constructor(
    private readonly dir: string,
    readonly stream: string,
    private readonly segments: Segment[],
    private fh: fs.promises.FileHandle,
    acked: number,
    private readonly o: EventOutboxOptions,
  ) {
    const last = segments.at(-1)!.last;
    this.nextSeq = last + 1;
    this.durableSeq = last;
    this.ackedSeq = Math.min(acked, last);
    this.totalBytes = segments.reduce((n, seg) => n + seg.bytes, 0);
    this.commits = new GroupCommit((batch) => this.write(batch), (e) => new OutboxError('failed', `the outbox cannot write: ${e.message}`));
  }

  static async open(o: EventOutboxOptions): Promise<{ outbox: EventOutbox; recovery: OutboxRecovery }> {
    const dir = join(o.dataDir, OUTBOX_SUBDIR);
    await makeDurableDir(dir);
    const stream = await readOrMakeStream(dir);
    const acked = await readAcked(dir);
    const names = (await fs.promises.readdir(dir)).filter((n) => SEGMENT.test(n)).sort();
    const segments: Segment[] = [];
    let damaged = 0;
    let tornBytes = 0;
    for (const [i, name] of names.entries()) {
      const first = Number(SEGMENT.exec(name)![1]);
      const text = await fs.promises.readFile(join(dir, name), 'latin1'); // byte offsets; lines are decoded as UTF-8 when read
      const scan = scanSegment(text, first, i === names.length - 1);
      damaged += scan.damaged;
      if (scan.goodBytes < Buffer.byteLength(text, 'latin1')) {
        tornBytes += Buffer.byteLength(text, 'latin1') - scan.goodBytes;
        await truncateDurably(join(dir, name), scan.goodBytes);
      }
      segments.push({ first, name, bytes: scan.goodBytes, last: scan.last });
    }
    // Every event acknowledged, or none yet: start a segment after the last number.
    if (segments.length === 0) {
      const first = acked + 1;
      segments.push({ first, name: segmentName(first), bytes: 0, last: first - 1 });
    }
    const active = segments.at(-1)!;
    const fh = await fs.promises.open(join(dir, active.name), 'a', 0o600);
    await fsyncDir(dir);
    const outbox = new EventOutbox(dir, stream, segments, fh, acked, o);
    await outbox.dropAcknowledgedSegments();
    await outbox.refreshOldest();
    return {
      outbox,
      recovery: { stream, acked: outbox.ackedSeq, pending: outbox.depth, segments: outbox.segments.length, damaged, tornBytes },
    };
  }

  get acked(): number {
    return this.ackedSeq;
  }

  get durable(): number {
    return this.durableSeq;
  }

  /** Events appended and not yet acknowledged. */
  get depth(): number {
    return this.durableSeq - this.ackedSeq;
  }

  /** Bytes of the segments on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Appends an event; resolves with its number once it is on disk. Rejects with OutboxError (full, too-large, failed, closed). */
  append(kind: EventKind, data: Readonly<Record<string, unknown>>): Promise<number> {
    if (this.closed) return Promise.reject(new OutboxError('closed', 'the outbox is closed'));
    if (this.commits.failure) return Promise.reject(new OutboxError('failed', `the outbox cannot write: ${this.commits.failure.message}`));
    const at = this.o.now();
    const line = (seq: number) => encodeCrcLine({ s: seq, t: at, k: kind, d: data });
    let text = line(this.nextSeq);
    const size = Buffer.byteLength(text);
    if (size > MAX_EVENT_BYTES) return Promise.reject(this.refuse(kind, at, 'too-large', `an event of ${size} bytes is larger than ${MAX_EVENT_BYTES}`));
    if (this.totalBytes + size > this.o.maxBytes - OVERFLOW_RESERVE) return Promise.reject(this.refuse(kind, at, 'full', `the outbox holds ${this.totalBytes} bytes of ${this.o.maxBytes}`));
    if (this.reportOverflow(at)) text = line(this.nextSeq); // the overflow event took the number
    return this.enqueue(text, at);
  }

  private refuse(kind: string, at: number, reason: 'full' | 'too-large', message: string): OutboxError {
    this.refused++;
    const o = (this.overflow ??= { refused: 0, firstAt: at, lastAt: at, kinds: new Set() });
    o.refused++;
    o.lastAt = at;
    o.kinds.add(kind);
    return new OutboxError(reason, message);
  }

  /** Once events fit again, one outbox.overflow event before them reports those refused (it may use the reserve kept for it); whether it was written. */
  private reportOverflow(at: number): boolean {
    const o = this.overflow;
    if (!o || this.closed || this.commits.failure || this.totalBytes > this.o.maxBytes - OVERFLOW_RESERVE) return false;
    this.overflow = undefined;
    const text = encodeCrcLine({ s: this.nextSeq, t: at, k: 'outbox.overflow', d: { refused: o.refused, firstAt: o.firstAt, lastAt: o.lastAt, kinds: [...o.kinds].sort() } });
    void this.enqueue(text, at).catch(() => undefined);
    return true;
  }

  private enqueue(text: string, at: number): Promise<number> {
    const seq = this.nextSeq++;
    this.totalBytes += Buffer.byteLength(text);
    if (this.depth === 0 && this.oldestAt === undefined) this.oldestAt = at;
    return this.commits.submit({ seq, text }).then(() => seq);
  }

  /** One group commit: whole lines to the active segment until it reaches segmentBytes, the rest to a new one. */
  private async write(batch: readonly Pending[]): Promise<void> {
    for (let i = 0; i < batch.length;) {
      if (this.segments.at(-1)!.bytes >= this.o.segmentBytes) await this.startSegment(batch[i]!.seq);
      const seg = this.segments.at(-1)!;
      let bytes = 0;
      const part: string[] = [];
      for (; i < batch.length && (part.length === 0 || seg.bytes + bytes < this.o.segmentBytes); i++) {
        part.push(batch[i]!.text);
        bytes += Buffer.byteLength(batch[i]!.text);
      }
      await this.fh.write(part.join(''));
      await this.fh.datasync();
      seg.bytes += bytes;
      seg.last = batch[i - 1]!.seq;
    }
    this.durableSeq = batch.at(-1)!.seq;
    this.o.onDurable?.();
  }

  private async startSegment(first: number): Promise<void> {
    const name = segmentName(first);
    const fh = await fs.promises.open(join(this.dir, name), 'a', 0o600);
    await fsyncDir(this.dir);
    await this.fh.close().catch(() => undefined);
    this.fh = fh;
    this.segments.push({ first, name, bytes: 0, last: first - 1 });
  }

  async read(after: number, maxEvents: number, maxBytes: number): Promise<SiteEvent[]> {
    const { events, cursor } = await this.scan(after, maxEvents, maxBytes, this.cursor);
    this.cursor = cursor;
    return events;
  }

  /** Durable events after `after`, from `cursor` when it stopped right there (sequential reads never rescan a segment). */
  private async scan(after: number, maxEvents: number, maxBytes: number, cursor?: Cursor): Promise<{ events: SiteEvent[]; cursor?: Cursor }> {
    const events: SiteEvent[] = [];
    let bytes = 0;
    let next = after + 1;
    const limit = this.durableSeq;
    let segIndex = cursor && cursor.next === next ? this.segments.findIndex((s) => s.first === cursor.segment) : -1;
    let pos = 0;
    if (segIndex >= 0) pos = cursor!.pos;
    else segIndex = Math.max(0, lastIndexWhere(this.segments, (s) => s.first <= next));
    const full = () => events.length >= maxEvents || (events.length > 0 && bytes >= maxBytes) || next > limit;
    // Numbers without a good line (damaged on disk) are delivered as outbox.damaged.
    const damagedUpTo = (seq: number) => {
      while (next < seq && !full()) events.push({ seq: next++, at: 0, kind: 'outbox.damaged', data: {} });
    };
    while (!full() && segIndex < this.segments.length) {
      const seg = this.segments[segIndex]!;
      damagedUpTo(seg.first);
      const fh = await fs.promises.open(join(this.dir, seg.name), 'r');
      try {
        let chunk = READ_CHUNK;
        while (!full() && pos < seg.bytes) {
          const buf = Buffer.alloc(Math.min(chunk, seg.bytes - pos));
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          const data = buf.subarray(0, bytesRead);
          let start = 0;
          for (let nl = data.indexOf(10); nl !== -1 && !full(); nl = data.indexOf(10, start)) {
            const line = decodeEvent(data.toString('utf8', start, nl));
            if (line && line.s >= next) {
              damagedUpTo(line.s);
              if (full()) break; // this line is read again next time
              events.push({ seq: line.s, at: line.t, kind: line.k, data: line.d });
              bytes += nl - start + 1;
              next = line.s + 1;
            }
            start = nl + 1;
          }
          if (start === 0 && bytesRead === buf.length && !full()) {
            // No whole line in the chunk: one longer than it (lines are at most MAX_EVENT_BYTES, but read what is there).
            if (chunk >= seg.bytes - pos) break;
            chunk *= 2;
            continue;
          }
          if (start === 0) break;
          pos += start;
        }
      } finally {
        await fh.close();
      }
      if (full()) break;
      segIndex++;
      pos = 0;
    }
    const seg = this.segments[segIndex];
    return { events, ...(seg ? { cursor: { segment: seg.first, pos, next } } : {}) };
  }

  async ack(seq: number): Promise<void> {
    if (seq <= this.ackedSeq) return;
    const upTo = Math.min(seq, this.durableSeq);
    await writeFileAtomically(join(this.dir, ACKED_FILE), encodeCrcLine({ acked: upTo }));
    this.ackedSeq = upTo;
    await this.dropAcknowledgedSegments();
    await this.refreshOldest();
    this.reportOverflow(this.o.now());
  }

  /** Deletes segments whose every event is acknowledged (never the one appended to). A delete lost to a crash is redone at the next ack. */
  private async dropAcknowledgedSegments(): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]!.first <= this.ackedSeq + 1) {
      const seg = this.segments.shift()!;
      this.totalBytes -= seg.bytes;
      await fs.promises.rm(join(this.dir, seg.name), { force: true });
    }
  }

  private async refreshOldest(): Promise<void> {
    if (this.depth === 0) {
      this.oldestAt = this.commits.waiting().length > 0 ? this.o.now() : undefined;
      return;
    }
    const { events } = await this.scan(this.ackedSeq, 1, 1);
    this.oldestAt = events[0]?.at || undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.commits.idle();
    await this.fh.close().catch(() => undefined);
  }
}

/** Reads a segment's lines: the bytes of whole lines up to the last good one (in the last segment) or all (before it), its last number, damaged lines. */
function scanSegment(text: string, first: number, isLast: boolean): { goodBytes: number; last: number; damaged: number } {
  let pos = 0;
  let goodEnd = 0;
  let last = first - 1;
  let damagedSinceGood = 0;
  let damaged = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) break;
    const line = decodeEvent(Buffer.from(text.slice(pos, nl), 'latin1').toString('utf8'));
    if (line && line.s > last) {
      damaged += damagedSinceGood;
      damagedSinceGood = 0;
      last = line.s;
      goodEnd = nl + 1;
    } else {
      damagedSinceGood++;
    }
    pos = nl + 1;
  }
  // In the last segment, damage after the last good line is a torn write: cut off. Before it, a damaged line is counted.
  if (isLast) return { goodBytes: goodEnd, last, damaged };
  return { goodBytes: Buffer.byteLength(text, 'latin1'), last, damaged: damaged + damagedSinceGood };
}

function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const fh = await fs.promises.open(path, 'r+');
  try {
    await fh.truncate(length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function readOrMakeStream(dir: string): Promise<string> {
  const path = join(dir, STREAM_FILE);
  const text = await fs.promises.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (text !== undefined) {
    const id = text.trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
    throw new Error(`${path} does not hold a stream id (32 hex digits)`);
  }
  const id = randomBytes(16).toString('hex');
  await writeFileAtomically(path, `${id}\n`);
  return id;
}

async function readAcked(dir: string): Promise<number> {
  const path = join(dir, ACKED_FILE);
  const text = await fs.promises.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (text === undefined) return 0;
  const v = decodeCrcLine(text.replace(/\n$/, '')) as { acked?: unknown } | undefined;
  if (!v || !Number.isSafeInteger(v.acked) || (v.acked as number) < 0) throw new Error(`${path} is damaged`);
  return v.acked as number;
}

// The durable queue of DNS changes (docs/dns.md "DHCP → DNS"): one append-only file,
// ddns-queue.log, in the DHCP lease directory (whose lock makes it one process's).
// Each line is `<crc32 hex> <json>\n`: {"a":seq,"c":change} accepts a change,
// {"d":[seq…]} ends changes (delivered, refused, given up, or merged away). A change is
// sent only after the line that accepts it is fdatasynced (the backlog marks it busy
// meanwhile); appends of one tick share one write and one fdatasync.
//
// At open the file is read back: a last line cut short or failing its checksum is a
// torn write (never acknowledged) and dropped; a damaged line before the end is skipped
// and counted (DNS changes are not worth refusing to serve DHCP for). The pending
// changes are then rewritten into a fresh file (tmp, fdatasync, rename, directory
// fsync), and again whenever ended lines outnumber live ones by far.
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { DdnsBacklog, type DdnsQueue } from '../protocol/ddns/backlog.js';
import type { DnsChange, QueuedChange } from '../protocol/ddns/change.js';
import { decodeCrcLine, encodeCrcLine } from './crc-line.js';
import { GroupCommit } from './group-commit.js';
import { fsyncDir, makeDurableDir } from './lease-journal-files.js';

export const DDNS_QUEUE_FILE = 'ddns-queue.log';

export interface DdnsQueueOptions {
  readonly dir: string;
  /** Rewrite the file once it holds this many lines and four times as many as are live. Default 10 000. */
  readonly compactLines?: number;
}

export interface DdnsQueueRecovery {
  readonly pending: number;
  /** Damaged lines skipped before the end of the file. */
  readonly damaged: number;
  /** Bytes of a torn last line dropped. */
  readonly tornBytes: number;
}

type Line = { a: number; c: DnsChange } | { d: number[] };

const encodeLine = (record: Line): string => encodeCrcLine(record);

function decodeLine(text: string): Line | undefined {
  const v = decodeCrcLine(text) as Line | undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if ('a' in v && Number.isSafeInteger(v.a) && typeof v.c === 'object' && v.c !== null) return v;
  if ('d' in v && Array.isArray(v.d)) return v;
  return undefined;
}

export class FileDdnsQueue implements DdnsQueue {
  readonly backlog = new DdnsBacklog();
  private lines = 0;
  private readonly commits: GroupCommit<string>;

  private constructor(private readonly path: string, private fh: fs.promises.FileHandle, private readonly compactLines: number) {
    this.commits = new GroupCommit(async (texts) => {
      await this.fh.write(texts.join(''));
      await this.fh.datasync();
      this.lines += texts.length;
    }, undefined, () => this.compactIfWorthIt());
  }

  static async open(o: DdnsQueueOptions): Promise<{ queue: FileDdnsQueue; recovery: DdnsQueueRecovery }> {
    await makeDurableDir(o.dir);
    const path = join(o.dir, DDNS_QUEUE_FILE);
    const text = await fs.promises.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    const backlog = new DdnsBacklog();
    let damaged = 0;
    let tornBytes = 0;
    const parts = text.split('\n');
    const last = parts.pop() ?? ''; // text after the last newline: a torn write
    tornBytes += Buffer.byteLength(last);
    parts.forEach((raw, i) => {
      const line = decodeLine(raw);
      if (line === undefined) {
        if (i === parts.length - 1) tornBytes += Buffer.byteLength(raw) + 1;
        else damaged++;
        return;
      }
      if ('a' in line) backlog.restore({ seq: line.a, change: line.c });
      else for (const seq of line.d) backlog.remove(seq);
    });
    const fh = await FileDdnsQueue.rewrite(o.dir, path, [...backlog.pending()]);
    const queue = new FileDdnsQueue(path, fh, o.compactLines ?? 10_000);
    for (const q of backlog.pending()) queue.backlog.restore(q);
    queue.lines = queue.backlog.size;
    return { queue, recovery: { pending: queue.backlog.size, damaged, tornBytes } };
  }

  /** Writes the pending changes into a new file and puts it in place of the old one, durably; returns it open for appending. */
  private static async rewrite(dir: string, path: string, pending: readonly QueuedChange[]): Promise<fs.promises.FileHandle> {
    const tmp = `${path}.tmp`;
    const out = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await out.writeFile(pending.map((q) => encodeLine({ a: q.seq, c: q.change })).join(''));
      await out.datasync();
    } finally {
      await out.close();
    }
    await fs.promises.rename(tmp, path);
    await fsyncDir(dir);
    return fs.promises.open(path, 'a', 0o600);
  }

  add(change: DnsChange): Promise<void> {
    const d = this.backlog.decide(change);
    this.backlog.apply(d);
    if (d.appended) this.backlog.setBusy(d.appended.seq, true);
    const lines: Line[] = [];
    if (d.dropped.length > 0) lines.push({ d: [...d.dropped] });
    if (d.appended) lines.push({ a: d.appended.seq, c: change });
    if (lines.length === 0) return Promise.resolve();
    return this.write(lines).finally(() => { if (d.appended) this.backlog.setBusy(d.appended.seq, false); });
  }

  done(seq: number): Promise<void> {
    this.backlog.remove(seq);
    return this.write([{ d: [seq] }]);
  }

  private write(records: Line[]): Promise<void> {
    return this.commits.submit(records.map(encodeLine).join(''));
  }

  private async compactIfWorthIt(): Promise<void> {
    if (this.lines < this.compactLines || this.lines <= 4 * this.backlog.size) return;
    // A failed rewrite leaves the old file in place (rename is atomic): keep appending to it.
    const fresh = await FileDdnsQueue.rewrite(dirname(this.path), this.path, [...this.backlog.pending()]).catch(() => undefined);
    if (fresh) {
      await this.fh.close().catch(() => undefined);
      this.fh = fresh;
      this.lines = this.backlog.size;
    }
  }

  async close(): Promise<void> {
    await this.commits.idle();
    await this.fh.close();
  }
}

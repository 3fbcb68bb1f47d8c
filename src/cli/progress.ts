// Progress on long CLI operations (docs/api.md "CLI"): a bar for what has a known size (a
// CSV file sent), a count for what has not (rows of a list, bytes of an export), and the
// time spent while the manager works (an import checked and written). On stderr, only
// when it is a terminal unless --progress asks for it (--no-progress never), so pipes
// and --json output stay clean.
import type { Command } from 'commander';

export interface ProgressChoice { readonly progress?: boolean; readonly json?: boolean }

/** The options that choose progress, for the commands that show it. */
export const withProgress = (c: Command): Command => c
  .option('--progress', 'show progress on stderr (default: when stderr is a terminal)')
  .option('--no-progress', 'never show progress');

const WIDTH = 24;
const THROTTLE_MS = 100;

function amount(n: number, unit: 'bytes' | 'rows'): string {
  if (unit === 'rows') return n.toLocaleString('en-US');
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export class Progress {
  private last = 0;
  private started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private line = '';

  constructor(private readonly out: NodeJS.WritableStream | undefined, private label: string, private readonly unit: 'bytes' | 'rows', private total?: number) {}

  /** Shows progress when asked for, or when stderr is a terminal and the output is not --json. */
  static for(o: ProgressChoice, label: string, unit: 'bytes' | 'rows', total?: number): Progress {
    const on = o.progress ?? (process.stderr.isTTY === true && !o.json);
    return new Progress(on ? process.stderr : undefined, label, unit, total);
  }

  update(done: number, force = false): void {
    const now = Date.now();
    if (!this.out || (!force && now - this.last < THROTTLE_MS)) return;
    this.last = now;
    if (this.total !== undefined && this.total > 0) {
      const share = Math.min(1, done / this.total);
      const filled = Math.round(share * WIDTH);
      this.draw(`${this.label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${amount(done, this.unit)}/${amount(this.total, this.unit)}`);
    } else {
      this.draw(`${this.label} ${amount(done, this.unit)}`);
    }
  }

  /** A step whose end is the manager's answer: the time spent, ticking. */
  waiting(label: string): void {
    if (!this.out) return;
    this.end();
    this.label = label;
    this.started = Date.now();
    const tick = () => this.draw(`${label} ${((Date.now() - this.started) / 1000).toFixed(1)} s`);
    tick();
    this.timer = setInterval(tick, 200);
    this.timer.unref();
  }

  /** Ends the line (with a last figure). */
  end(note?: string): void {
    if (!this.out) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (note) this.draw(`${this.label} ${note}`);
    if (this.line) this.out.write('\n');
    this.line = '';
  }

  private draw(text: string): void {
    this.out!.write(`\r${text}${' '.repeat(Math.max(0, this.line.length - text.length))}`);
    this.line = text;
  }
}

/** A body that reports each chunk as it is read for sending, and calls `sent` after the last. */
export function countingBody(data: Buffer, progress: Progress, sent: () => void): ReadableStream<Uint8Array> {
  const CHUNK = 64 * 1024;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) {
        progress.update(data.length, true);
        controller.close();
        sent();
        return;
      }
      const chunk = data.subarray(offset, offset + CHUNK);
      offset += chunk.length;
      progress.update(offset);
      controller.enqueue(chunk);
    },
  });
}

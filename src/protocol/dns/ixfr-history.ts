// The differences a zone keeps for IXFR (RFC 1995): consecutive ZoneDiffs, oldest
// first, each starting at the serial the one before it ends at, the last ending at the
// version served. Immutable: a new zone version comes with a new history, swapped in
// with it, so a transfer sees a zone and a history that agree.
import { soaSerial, type ZoneDiff } from './zone-diff.js';

export class IxfrHistory {
  static readonly EMPTY = new IxfrHistory([]);

  private constructor(readonly diffs: readonly ZoneDiff[]) {}

  /** The longest run of `diffs` (oldest first) whose serials chain up to the last one; at most `keep` of the newest. */
  static of(diffs: readonly ZoneDiff[], keep: number): IxfrHistory {
    const chained = chainTail(diffs);
    return chained.length === 0 || keep <= 0 ? IxfrHistory.EMPTY : new IxfrHistory(chained.slice(Math.max(0, chained.length - keep)));
  }

  /** Versions an IXFR can start from: one per difference kept. */
  get versions(): number {
    return this.diffs.length;
  }

  /** The serial the history ends at (undefined when empty). */
  get lastSerial(): number | undefined {
    const last = this.diffs[this.diffs.length - 1];
    return last === undefined ? undefined : soaSerial(last.to);
  }

  /** The history with `diff` appended, trimmed to the newest `keep`; a diff that does not follow on starts a new one. */
  append(diff: ZoneDiff, keep: number): IxfrHistory {
    if (keep <= 0) return IxfrHistory.EMPTY;
    const follows = this.lastSerial === soaSerial(diff.from);
    const diffs = follows ? [...this.diffs, diff] : [diff];
    return new IxfrHistory(diffs.slice(Math.max(0, diffs.length - keep)));
  }

  /** The differences from version `serial` to the newest, or undefined when `serial` is not kept. */
  since(serial: number): readonly ZoneDiff[] | undefined {
    for (let i = this.diffs.length - 1; i >= 0; i--) if (soaSerial(this.diffs[i]!.from) === serial) return this.diffs.slice(i);
    return undefined;
  }
}

/** The newest run of diffs whose serials chain (each starts where the one before ends). */
function chainTail(diffs: readonly ZoneDiff[]): readonly ZoneDiff[] {
  let start = diffs.length - 1;
  while (start > 0 && soaSerial(diffs[start - 1]!.to) === soaSerial(diffs[start]!.from)) start--;
  return start < 0 ? [] : diffs.slice(start);
}

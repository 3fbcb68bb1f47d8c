// Summary statistics over the per-run figures of one contender.

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a fraction: how far apart the runs landed. */
  relativeSpread: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { runs: values.length, median: m, min, max, relativeSpread: m > 0 ? (max - min) / m : 0 };
}

/** outpost/peer; undefined when either side is missing or the peer figure is zero. */
export function ratio(outpost: number | undefined, peer: number | undefined): number | undefined {
  if (outpost === undefined || peer === undefined || peer <= 0) return undefined;
  return outpost / peer;
}

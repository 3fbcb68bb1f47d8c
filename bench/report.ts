// Human output (per-run lines, summary table, RESULT line) and the JSON record.
import type { Summary } from './stats.js';

export interface RunRecord {
  repetition: number;
  contender: string;
  value: number;
  note: string;
  warning?: string;
  details: Record<string, unknown>;
}

/** Figures large enough that decimals are noise are printed as integers. */
export function formatFigure(v: number | undefined): string {
  if (v === undefined) return 'n/a';
  return v >= 100 ? String(Math.round(v)) : v.toPrecision(4);
}

export function formatRatio(r: number | undefined): string {
  return r === undefined ? 'n/a' : r.toFixed(3);
}

export function runLine(total: number, rec: RunRecord, unit: string, width = 8): string {
  const rep = `run ${rec.repetition}/${total}`;
  const warn = rec.warning ? `  WARNING: ${rec.warning}` : '';
  return `  ${rep.padEnd(10)} ${rec.contender.padEnd(width)} ${formatFigure(rec.value).padStart(10)} ${unit}  (${rec.note})${warn}`;
}

export function summaryTable(
  contenders: readonly string[],
  summaries: Record<string, Summary>,
  ratios: Record<string, number | undefined>,
  unit: string,
  outpost = 'outpost',
): string {
  const header = ['contender', `median ${unit}`, 'min–max', 'spread', `${outpost}/this`];
  const rows = contenders.map((c) => {
    const s = summaries[c];
    return [
      c,
      formatFigure(s?.median),
      s ? `${formatFigure(s.min)}–${formatFigure(s.max)}` : 'n/a',
      s ? `${(s.relativeSpread * 100).toFixed(1)} %` : 'n/a',
      c === outpost || !(c in ratios) ? '' : formatRatio(ratios[c]),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

/**
 * RESULT <name> outpost=<x> <peer>=<y> ratio=<x/y> unit=<u>. With several
 * peers, all are listed fastest first and the ratio is against the fastest:
 * the bar Outpost has to clear.
 */
export function resultLine(
  name: string,
  outpost: number | undefined,
  peers: { name: string; median: number }[],
  ratio: number | undefined,
  unit: string,
): string {
  const ordered = [...peers].sort((a, b) => b.median - a.median);
  const peerFields = ordered.map((p) => `${p.name}=${formatFigure(p.median)}`).join(' ');
  return `RESULT ${name} outpost=${formatFigure(outpost)} ${peerFields} ratio=${formatRatio(ratio)} unit=${unit}`;
}

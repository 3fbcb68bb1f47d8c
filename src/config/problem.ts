import type { Code } from '../core/codes.js';

/** One thing wrong with a config: where (a JSON path such as $.status.port) and why. */
export interface ConfigProblem {
  readonly code: Code;
  readonly path: string;
  readonly reason: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function jsonPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((acc, s) => {
    if (typeof s === 'number') return `${acc}[${s}]`;
    return IDENTIFIER.test(s) ? `${acc}.${s}` : `${acc}[${JSON.stringify(s)}]`;
  }, '$');
}

export function formatProblem(source: string, p: ConfigProblem): string {
  return `${source}: ${p.path}: ${p.reason}`;
}

/** A value as an error message names it: "the string \"x\"", "an empty array", "number 7". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

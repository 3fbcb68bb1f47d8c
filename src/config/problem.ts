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

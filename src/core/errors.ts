import type { Code } from './codes.js';

/** An error carrying a registered code, so callers and logs can tell failures apart. */
export class OutpostError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'OutpostError';
  }
}

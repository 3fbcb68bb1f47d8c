// Errors of the manager's operations: a registered code, what kind of failure it is (the
// API turns the kind into an HTTP status), and the object and field it concerns, so
// every error names the object, the field and the reason (docs/manager.md "Errors").
import type { Code } from '../core/codes.js';
import { OutpostError } from '../core/errors.js';

export type FailureKind = 'invalid' | 'not-found' | 'conflict' | 'exhausted' | 'precondition-failed' | 'unauthorized' | 'forbidden';

export class ManagerError extends OutpostError {
  constructor(
    code: Code,
    readonly kind: FailureKind,
    message: string,
    /** The object concerned, e.g. "subnet 12" or "subnet 198.51.100.0/24". */
    readonly object?: string,
    /** The field concerned, e.g. "prefix". */
    readonly field?: string,
  ) {
    super(code, message);
    this.name = 'ManagerError';
  }
}

/** If-Match: refuses a change made against another version of the object than its current one. */
export function requireVersion(object: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new ManagerError('MANAGER_VERSION_MISMATCH', 'precondition-failed', `${object} is at version ${current}, not ${expected}`, object);
  }
}

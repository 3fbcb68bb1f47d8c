import type { Clock } from '../core/clock.js';
import type { Code } from '../core/codes.js';
import { logEvent, type Logger } from './log.js';

/**
 * Logs an event at most `perInterval` times per interval and counts the rest, so
 * hostile or broken wire input cannot flood the log; the next line that gets through
 * says how many were suppressed.
 */
export class RateLimitedLog {
  private windowStart = -Infinity;
  private emitted = 0;
  private suppressed = 0;
  total = 0;

  constructor(
    private readonly log: Logger,
    private readonly code: Code,
    private readonly clock: Clock,
    private readonly perInterval = 10,
    private readonly intervalMs = 60_000,
  ) {}

  event(fields: Record<string, unknown>): void {
    this.total++;
    const now = this.clock.monotonic();
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.emitted = 0;
    }
    if (this.emitted >= this.perInterval) {
      this.suppressed++;
      return;
    }
    this.emitted++;
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    logEvent(this.log, this.code, { ...fields, ...extra, total: this.total });
  }
}

// A secondary's timers from its copy's SOA (RFC 1034 §4.3.5, RFC 1035 §3.3.13):
// refresh — how long a copy counts as current; retry — how long after a failed
// attempt the next one starts; expire — how long after the last successful refresh
// the copy stops being authoritative. All are wall-clock deadlines (ms since the
// epoch) so they survive a restart: they are kept on disk with the copy.
import type { SOAData } from '../../../wire/dns/types.js';

/** Bounds on the SOA's values (seconds), as Knot applies them: a 0 refresh must not spin, a 30-year expire must fit. */
export const TIMER_LIMITS = {
  minRefresh: 1, maxRefresh: 28 * 86_400,
  minRetry: 1, maxRetry: 86_400,
  minExpire: 2, maxExpire: 365 * 86_400,
} as const;

export interface SoaTimers {
  /** Seconds, clamped to TIMER_LIMITS. */
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function soaTimers(soa: SOAData): SoaTimers {
  const L = TIMER_LIMITS;
  return { refresh: clamp(soa.refresh, L.minRefresh, L.maxRefresh), retry: clamp(soa.retry, L.minRetry, L.maxRetry), expire: clamp(soa.expire, L.minExpire, L.maxExpire) };
}

/** What is kept on disk beside a copy: its serial, when it was last confirmed current, and when it expires. */
export interface ZoneTimers {
  readonly serial: number;
  /** The last successful refresh (a transfer, or an SOA answer that was not newer), ms since the epoch. */
  readonly refreshedAt: number;
  /** refreshedAt + the SOA expire: past it without a refresh, the copy expires. */
  readonly expiresAt: number;
}

/** Timers after a successful refresh at `at` of a copy with this SOA. */
export function refreshedTimers(soa: SOAData, at: number): ZoneTimers {
  return { serial: soa.serial, refreshedAt: at, expiresAt: at + soaTimers(soa).expire * 1000 };
}

/** When the next refresh is due after a successful one. */
export function refreshDueAt(soa: SOAData, t: ZoneTimers): number {
  return t.refreshedAt + soaTimers(soa).refresh * 1000;
}

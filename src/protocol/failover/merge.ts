// Which of two records of one address wins when the partners' copies meet (an UPDATE,
// a resync page): docs/failover-protocol.md, "Merge rule". Pure and symmetric, so both
// servers converge on the same record whatever order the copies arrive in.
import type { Lease, LeaseState } from '../dhcp/lease.js';

const HOLDS: ReadonlySet<LeaseState> = new Set(['bound', 'declined']);
const RANK: Readonly<Record<LeaseState, number>> = { bound: 4, declined: 3, released: 2, expired: 1, offered: 0 };

/** Positive when `a` is newer than `b`, negative when older, 0 when neither (the same record). */
export function compareRecords(a: Lease, b: Lease, maxClockSkewMs: number): number {
  // Expiry is a local inference: a binding the partner extended past it is newer.
  if (a.state === 'expired' && b.state === 'bound' && a.clientKey === b.clientKey && b.expiresAt > a.startedAt) return -1;
  if (b.state === 'expired' && a.state === 'bound' && a.clientKey === b.clientKey && a.expiresAt > b.startedAt) return 1;
  const apart = a.startedAt - b.startedAt;
  const holdA = HOLDS.has(a.state);
  const holdB = HOLDS.has(b.state);
  // Clocks may differ by up to the skew limit: within it, keeping the address held is the safe side.
  if (Math.abs(apart) <= maxClockSkewMs && holdA !== holdB) return holdA ? 1 : -1;
  if (apart !== 0) return apart;
  if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] - RANK[b.state];
  if (a.expiresAt !== b.expiresAt) return a.expiresAt - b.expiresAt;
  if (a.clientKey !== b.clientKey) return a.clientKey < b.clientKey ? 1 : -1;
  return 0;
}

/** Whether an incoming record should replace ours (there is none, or it is newer). */
export function incomingWins(incoming: Lease, ours: Lease | undefined, maxClockSkewMs: number): boolean {
  return ours === undefined || compareRecords(incoming, ours, maxClockSkewMs) > 0;
}

// The states of one secondary zone and how each is served (docs/dns.md, "Secondary
// zones"). Pure data: the transitions are in transitions.ts.
//
//   loading ──no copy──▶ transferring ⇄ unavailable          (no copy: SERVFAIL)
//      │                      │
//      └──copy──▶ fresh ⇄ refreshing ⇄ retrying              (answers from the copy)
//                                   └──expire──▶ stale | expired
//
// stale and expired are both "past the SOA expire without a successful refresh"; which
// one a zone enters is its expiry policy: 'never' keeps answering from the copy
// (stale), 'soa' answers SERVFAIL as BIND and Knot do (expired).

export type SecondaryState =
  /** Reading the copy kept on disk (at start). */
  | 'loading'
  /** No usable copy; a transfer of the whole zone runs. */
  | 'transferring'
  /** No usable copy; the last transfer failed; waiting for the retry timer. */
  | 'unavailable'
  /** A copy refreshed within the SOA refresh interval; waiting for the refresh timer. */
  | 'fresh'
  /** A copy within its expire; an SOA query (and maybe a transfer) runs. */
  | 'refreshing'
  /** A copy within its expire; the last refresh failed; waiting for the retry timer. */
  | 'retrying'
  /** Past the expire without a successful refresh, expiry 'never': still answered from the copy, flagged stale. */
  | 'stale'
  /** Past the expire without a successful refresh, expiry 'soa': answered SERVFAIL. */
  | 'expired';

export const SECONDARY_STATES: readonly SecondaryState[] = ['loading', 'transferring', 'unavailable', 'fresh', 'refreshing', 'retrying', 'stale', 'expired'];

/** What a secondary does when its primaries stay unreachable past the SOA expire (dns.zones[].expiry). */
export type ExpiryPolicy = 'soa' | 'never';

/** Whether the zone answers queries from its copy in this state (else SERVFAIL). */
export function answersFromCopy(state: SecondaryState): boolean {
  return state === 'fresh' || state === 'refreshing' || state === 'retrying' || state === 'stale';
}

/** Whether the zone holds a copy in this state (served or not). */
export function hasCopy(state: SecondaryState): boolean {
  return answersFromCopy(state) || state === 'expired';
}

// The states of one failover relationship on one server, and who answers clients in
// each (docs/failover-protocol.md, "State machine"). Pure data: the transitions are in
// transitions.ts, the serving rules here.

export type FailoverState =
  | 'startup'
  | 'recovering'
  | 'ready'
  | 'normal'
  | 'interrupted'
  | 'partner-down'
  | 'maintenance'
  | 'terminated';

/** The partner's state as last reported in a HEARTBEAT; 'unknown' before any contact or after it is lost. */
export type PartnerState = FailoverState | 'unknown';

export const FAILOVER_STATES: readonly FailoverState[] = ['startup', 'recovering', 'ready', 'normal', 'interrupted', 'partner-down', 'maintenance', 'terminated'];
export const PARTNER_STATES: readonly PartnerState[] = [...FAILOVER_STATES, 'unknown'];

export type FailoverMode = 'hot-standby' | 'load-balancing';
export type FailoverRole = 'primary' | 'standby' | 'secondary';

/** Which clients this server answers in a state: none, all, or only those it owns (its role's clients). */
export type ServingScope = 'none' | 'own' | 'all';

const SCOPE: Readonly<Record<FailoverState, ServingScope>> = {
  startup: 'none',
  recovering: 'none',
  ready: 'none',
  normal: 'own',
  interrupted: 'own',
  'partner-down': 'all',
  maintenance: 'none',
  terminated: 'own',
};

export function servingScope(state: FailoverState): ServingScope {
  return SCOPE[state];
}

/**
 * Whether this server answers a client in this state. `clientIsOurs`: in
 * load-balancing, the client's RFC 3074 hash bucket belongs to this server; in
 * hot-standby, the primary's clients are all clients and the standby's are none.
 */
export function answers(state: FailoverState, clientIsOurs: boolean): boolean {
  const scope = SCOPE[state];
  return scope === 'all' || (scope === 'own' && clientIsOurs);
}

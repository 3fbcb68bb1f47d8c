// The life of an address's durable binding as a pure table: (state × event) → next
// state. 'free' means no binding is held. The engine asks this table before every
// change it commits, so no code path can, say, hand out a quarantined address.
import type { LeaseState } from './lease.js';

export type BindingState = Exclude<LeaseState, 'offered'> | 'free';
export type LeaseEvent = 'ack' | 'release' | 'decline' | 'expire';

export const BINDING_STATES: readonly BindingState[] = ['free', 'bound', 'released', 'expired', 'declined'];
export const LEASE_EVENTS: readonly LeaseEvent[] = ['ack', 'release', 'decline', 'expire'];

const table: Readonly<Record<BindingState, Partial<Record<LeaseEvent, BindingState>>>> = {
  free: { ack: 'bound', decline: 'declined' },
  bound: { ack: 'bound', release: 'released', decline: 'declined', expire: 'expired' },
  released: { ack: 'bound', decline: 'declined' },
  expired: { ack: 'bound', decline: 'declined' },
  // A quarantined address comes back only when its probation ends.
  declined: { decline: 'declined', expire: 'expired' },
};

export function nextBindingState(state: BindingState, event: LeaseEvent): BindingState | undefined {
  return table[state][event];
}

/** True while the address must not be given to anyone else. */
export function holdsAddress(state: BindingState): boolean {
  return state === 'bound' || state === 'declined';
}

// The failover state machine as one pure function of (my state × partner state ×
// event) → next state (docs/failover-protocol.md, "State machine"), and the one
// transition() that applies it and records from, to, partner state and cause.
// test/protocol/failover-transitions.test.ts checks every combination against an
// independent statement of the rules.
import type { FailoverState, PartnerState } from './states.js';

export type FailoverEvent =
  /** An authenticated connection to the partner is up (handshake done). */
  | 'connected'
  /** This server has pulled every subnet's bindings from the partner (resync done). */
  | 'synced'
  /** The connection closed, or `missedHeartbeats` intervals passed without a frame. */
  | 'contact-lost'
  /** A confirmation rule says the partner is dead (refused connect, unanswered clients). */
  | 'partner-dead'
  /** The partner reported a new state in a HEARTBEAT (the partner state is the new one). */
  | 'partner-changed'
  /** `startupWait` passed without contact. */
  | 'startup-timeout'
  /** The failback delay after resync passed (automatic failback). */
  | 'failback-due'
  /** The partner refused us or we refused it (version, config hash, clock skew, key). */
  | 'refused'
  /** Operator: take this server out of service (the partner takes over). */
  | 'cmd-maintenance'
  /** Operator: the partner is down; serve all its clients. */
  | 'cmd-partner-down'
  /** Operator: leave maintenance, or fail back now (manual failback). */
  | 'cmd-resume';

export const FAILOVER_EVENTS: readonly FailoverEvent[] = [
  'connected', 'synced', 'contact-lost', 'partner-dead', 'partner-changed', 'startup-timeout',
  'failback-due', 'refused', 'cmd-maintenance', 'cmd-partner-down', 'cmd-resume',
];

/** States in which this server is the one left serving (its partner must fail back into it). */
const SERVES_ALONE: ReadonlySet<PartnerState> = new Set(['partner-down']);
/** Partner states of a partner that kept running (not one returning from a restart or maintenance). */
const SERVED_THROUGH: ReadonlySet<PartnerState> = new Set(['normal', 'interrupted', 'partner-down', 'terminated']);

/**
 * The next state, or undefined when the event changes nothing in this state.
 * `partner` is the partner's state as known at the event (for 'partner-changed',
 * the state it just reported).
 */
export function nextFailoverState(state: FailoverState, partner: PartnerState, event: FailoverEvent): FailoverState | undefined {
  // Operator commands first: they mean the same in every state but maintenance.
  if (event === 'cmd-maintenance') return state === 'maintenance' ? undefined : 'maintenance';
  if (state === 'maintenance') {
    // Back to service: resync what the partner did meanwhile, or serve alone-safe if out of contact.
    return event === 'cmd-resume' ? (partner === 'unknown' ? 'interrupted' : 'recovering') : undefined;
  }
  if (event === 'cmd-partner-down') return state === 'partner-down' || partner !== 'unknown' ? undefined : 'partner-down';
  // A partner that went into maintenance hands us its clients, whatever we were doing.
  if (event === 'partner-changed' && partner === 'maintenance') return state === 'partner-down' ? undefined : 'partner-down';
  if (event === 'refused') return state === 'terminated' || state === 'partner-down' ? undefined : 'terminated';

  switch (state) {
    case 'startup':
      if (event === 'connected') return 'recovering';
      if (event === 'startup-timeout') return 'interrupted';
      if (event === 'partner-dead') return 'partner-down';
      return undefined;
    case 'recovering':
      // A returning server whose partner serves alone waits to fail back; otherwise it joins.
      if (event === 'synced') return SERVES_ALONE.has(partner) ? 'ready' : 'normal';
      if (event === 'contact-lost') return 'interrupted';
      if (event === 'partner-dead') return 'partner-down';
      return undefined;
    case 'ready':
      if (event === 'failback-due' || event === 'cmd-resume') return 'normal';
      // The partner stopped serving alone (it went normal, or restarted): nothing to wait for.
      if (event === 'partner-changed' && !SERVES_ALONE.has(partner)) return 'normal';
      if (event === 'contact-lost') return 'interrupted';
      return undefined;
    case 'normal':
      if (event === 'contact-lost') return 'interrupted';
      return undefined;
    case 'interrupted':
      // Still serving while the resync runs; in sync again → normal.
      if (event === 'synced') return 'normal';
      if (event === 'partner-dead') return 'partner-down';
      return undefined;
    case 'partner-down':
      // Serving alone until the returning partner has resynced and fails back.
      if (event === 'partner-changed' && partner === 'normal') return 'normal';
      // Both served while cut off from each other (a partition): in sync again, both go back to normal.
      if (event === 'synced' && SERVED_THROUGH.has(partner)) return 'normal';
      return undefined;
    case 'terminated':
      // The partner accepted us after all (its config or clock was fixed).
      if (event === 'connected') return 'interrupted';
      if (event === 'partner-dead') return 'partner-down';
      return undefined;
  }
}

export interface FailoverTransition {
  readonly relationship: string;
  readonly from: FailoverState;
  readonly to: FailoverState;
  readonly partner: PartnerState;
  readonly event: FailoverEvent;
  readonly cause: string;
  readonly at: number;
}

/** One relationship's state, changed only through transition(); keeps the last transitions. */
export class FailoverStateMachine {
  private current: FailoverState = 'startup';
  private partnerState: PartnerState = 'unknown';
  private since: number;
  readonly history: FailoverTransition[] = [];

  constructor(
    readonly relationship: string,
    private readonly now: () => number,
    private readonly onTransition: (t: FailoverTransition) => void = () => {},
    private readonly historyLimit = 100,
  ) {
    this.since = now();
  }

  get state(): FailoverState {
    return this.current;
  }

  get partner(): PartnerState {
    return this.partnerState;
  }

  /** When the current state began (ms since the epoch). */
  get enteredAt(): number {
    return this.since;
  }

  /**
   * Applies an event. For 'partner-changed' pass the partner's new state; for
   * 'contact-lost' the partner becomes 'unknown'. Returns the transition made, or
   * undefined when the state stays.
   */
  transition(event: FailoverEvent, cause: string, partner?: PartnerState): FailoverTransition | undefined {
    if (partner !== undefined) this.partnerState = partner;
    if (event === 'contact-lost') this.partnerState = 'unknown';
    const to = nextFailoverState(this.current, this.partnerState, event);
    if (to === undefined || to === this.current) return undefined;
    const t: FailoverTransition = { relationship: this.relationship, from: this.current, to, partner: this.partnerState, event, cause, at: this.now() };
    this.current = to;
    this.since = t.at;
    this.history.push(t);
    if (this.history.length > this.historyLimit) this.history.shift();
    this.onTransition(t);
    return t;
  }
}


// The secondary zone state machine as one pure function of (state × event × expiry
// policy) → next state and the action to take (docs/dns.md, "Secondary zones"), and
// the one transition() that applies it and keeps a log of from → to and cause.
// test/protocol/dns-secondary-transitions.test.ts checks every combination against an
// independent statement of the rules. Timers follow RFC 1034 §4.3.5 and RFC 1996.
import type { ExpiryPolicy, SecondaryState } from './states.js';

export type SecondaryEvent =
  /** A copy was read from disk and its expire has not passed. */
  | 'copy-loaded'
  /** A copy was read from disk but its expire passed while the server was down. */
  | 'copy-loaded-expired'
  /** Nothing usable on disk (no copy, or a damaged one). */
  | 'no-copy'
  /** The SOA refresh interval passed since the last successful refresh. */
  | 'refresh-due'
  /** The SOA retry interval passed since the last failed attempt. */
  | 'retry-due'
  /** The SOA expire passed since the last successful refresh. */
  | 'expire-due'
  /** A NOTIFY (RFC 1996) from a configured primary: act as if the refresh timer fired. */
  | 'notify'
  /** A primary answered the SOA query with a newer serial (RFC 1982): a transfer follows. */
  | 'serial-newer'
  /** A primary answered with our serial: the copy is current. */
  | 'serial-same'
  /** A primary answered with an older serial (it went backwards): nothing is transferred. */
  | 'serial-older'
  /** A transfer (IXFR or AXFR) gave a valid new copy, now served. */
  | 'transfer-done'
  /** A primary had a newer serial but no transfer succeeded. */
  | 'transfer-failed'
  /** No primary answered (timeouts, refused connections, errors). */
  | 'unreachable'
  /** Operator: transfer the whole zone again, whatever the serials say. */
  | 'retransfer';

export const SECONDARY_EVENTS: readonly SecondaryEvent[] = [
  'copy-loaded', 'copy-loaded-expired', 'no-copy', 'refresh-due', 'retry-due', 'expire-due', 'notify',
  'serial-newer', 'serial-same', 'serial-older', 'transfer-done', 'transfer-failed', 'unreachable', 'retransfer',
];

/**
 * What the driver does after the step:
 * - `query`: start an attempt with an SOA query to the primaries (a transfer if newer);
 * - `transfer`: start an attempt with a transfer of the whole zone (no SOA query);
 * - `succeeded`: the copy is current: refresh and expire timers restart from now;
 * - `arm-retry`: the attempt failed: try again after the SOA retry interval;
 * - `none`: nothing (the attempt under way goes on, or timers stay as they are).
 * A `query` or `transfer` while an attempt runs is remembered and run when it ends.
 */
export type SecondaryAction = 'query' | 'transfer' | 'succeeded' | 'arm-retry' | 'none';

export interface SecondaryStep {
  readonly to: SecondaryState;
  readonly action: SecondaryAction;
}

const step = (to: SecondaryState, action: SecondaryAction = 'none'): SecondaryStep => ({ to, action });

/**
 * The step for `event` in `state`, or undefined when the event means nothing there
 * (it cannot happen in that state, or changes nothing).
 */
export function nextSecondaryStep(state: SecondaryState, event: SecondaryEvent, policy: ExpiryPolicy): SecondaryStep | undefined {
  const pastExpire: SecondaryState = policy === 'never' ? 'stale' : 'expired';
  // The other policy's past-expire state is never entered.
  if ((state === 'stale' || state === 'expired') && state !== pastExpire) return undefined;
  switch (state) {
    case 'loading':
      if (event === 'copy-loaded') return step('fresh'); // the driver re-arms the timers kept on disk
      if (event === 'copy-loaded-expired') return step(pastExpire, 'query');
      if (event === 'no-copy') return step('transferring', 'transfer');
      return undefined;
    case 'transferring':
      if (event === 'transfer-done') return step('fresh', 'succeeded');
      if (event === 'transfer-failed' || event === 'unreachable') return step('unavailable', 'arm-retry');
      if (event === 'notify' || event === 'retransfer') return step('transferring', 'transfer');
      return undefined;
    case 'unavailable':
      if (event === 'retry-due' || event === 'notify' || event === 'retransfer') return step('transferring', 'transfer');
      return undefined;
    case 'fresh':
      if (event === 'refresh-due' || event === 'notify') return step('refreshing', 'query');
      if (event === 'retransfer') return step('refreshing', 'transfer');
      // An SOA whose expire is shorter than its refresh.
      if (event === 'expire-due') return step(pastExpire);
      return undefined;
    case 'refreshing':
    case 'retrying':
    case 'stale':
    case 'expired':
      return copyStep(state, event, pastExpire);
  }
}

/** A zone with a copy, refreshing or waiting to retry, before or past its expire. */
function copyStep(state: 'refreshing' | 'retrying' | 'stale' | 'expired', event: SecondaryEvent, pastExpire: SecondaryState): SecondaryStep | undefined {
  const past = state === 'stale' || state === 'expired';
  // Still trying: before the expire, the attempt runs in 'refreshing'; past it, the zone stays stale or expired meanwhile.
  const trying: SecondaryState = past ? state : 'refreshing';
  const waiting: SecondaryState = past ? state : 'retrying';
  switch (event) {
    case 'retry-due':
      return state === 'refreshing' ? undefined : step(trying, 'query');
    case 'notify':
      return step(trying, 'query');
    case 'retransfer':
      return step(trying, 'transfer');
    case 'serial-newer':
      return state === 'retrying' ? undefined : step(trying); // the transfer follows within the attempt
    case 'serial-same':
    case 'serial-older': // the primary answers for the zone: it is reachable; the copy is kept (and a warning logged)
    case 'transfer-done':
      return state === 'retrying' ? undefined : step('fresh', 'succeeded');
    case 'transfer-failed':
    case 'unreachable':
      return state === 'retrying' ? undefined : step(waiting, 'arm-retry');
    case 'expire-due':
      return past ? undefined : step(pastExpire);
    default:
      return undefined;
  }
}

export interface SecondaryTransition {
  readonly zone: string;
  readonly from: SecondaryState;
  readonly to: SecondaryState;
  readonly event: SecondaryEvent;
  readonly cause: string;
  readonly at: number;
}

/** One zone's state, changed only through transition(); keeps the last transitions. */
export class SecondaryStateMachine {
  private current: SecondaryState = 'loading';
  private since: number;
  readonly history: SecondaryTransition[] = [];

  constructor(
    readonly zone: string,
    readonly policy: ExpiryPolicy,
    private readonly now: () => number,
    private readonly onTransition: (t: SecondaryTransition) => void = () => {},
    private readonly historyLimit = 50,
  ) {
    this.since = now();
  }

  get state(): SecondaryState {
    return this.current;
  }

  /** When the current state began (ms since the epoch). */
  get enteredAt(): number {
    return this.since;
  }

  /**
   * Applies an event: returns the step taken (its action for the driver), or undefined
   * when the event means nothing in this state. A change of state is logged.
   */
  transition(event: SecondaryEvent, cause: string): SecondaryStep | undefined {
    const s = nextSecondaryStep(this.current, event, this.policy);
    if (s === undefined) return undefined;
    if (s.to !== this.current) {
      const t: SecondaryTransition = { zone: this.zone, from: this.current, to: s.to, event, cause, at: this.now() };
      this.current = s.to;
      this.since = t.at;
      this.history.push(t);
      if (this.history.length > this.historyLimit) this.history.shift();
      this.onTransition(t);
    }
    return s;
  }
}

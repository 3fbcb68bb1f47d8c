// The site daemon's lifecycle as an explicit state machine: a pure table of
// (state, event) → next state, and one transition() that refuses anything else.

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
export type LifecycleEvent = 'start' | 'started' | 'startFailed' | 'stop' | 'serviceFailed' | 'stopped' | 'stoppedAfterFailure';

export const LIFECYCLE_STATES: readonly LifecycleState[] = ['idle', 'starting', 'running', 'stopping', 'stopped', 'failed'];
export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['start', 'started', 'startFailed', 'stop', 'serviceFailed', 'stopped', 'stoppedAfterFailure'];

const table: Readonly<Record<LifecycleState, Partial<Record<LifecycleEvent, LifecycleState>>>> = {
  idle: { start: 'starting', stop: 'stopped' },
  // A stop while starting waits for the start to settle, then stops what did start.
  starting: { started: 'running', startFailed: 'stopping', stop: 'stopping', serviceFailed: 'stopping' },
  running: { stop: 'stopping', serviceFailed: 'stopping' },
  // A further signal or failure while stopping changes nothing: the stop is under way.
  stopping: { stop: 'stopping', serviceFailed: 'stopping', stopped: 'stopped', stoppedAfterFailure: 'failed' },
  stopped: { stop: 'stopped' },
  failed: { stop: 'failed' },
};

/** The next state, or undefined when the event is not allowed in that state. */
export function nextLifecycleState(state: LifecycleState, event: LifecycleEvent): LifecycleState | undefined {
  return table[state][event];
}

export interface TransitionRecord {
  readonly from: LifecycleState;
  readonly to: LifecycleState;
  readonly event: LifecycleEvent;
  readonly cause: string;
}

export class Lifecycle {
  private current: LifecycleState = 'idle';
  readonly history: TransitionRecord[] = [];

  constructor(private readonly onTransition: (t: TransitionRecord) => void = () => {}) {}

  get state(): LifecycleState {
    return this.current;
  }

  transition(event: LifecycleEvent, cause: string): LifecycleState {
    const to = nextLifecycleState(this.current, event);
    if (to === undefined) throw new Error(`lifecycle: event "${event}" is not allowed in state "${this.current}" (cause: ${cause})`);
    const record = { from: this.current, to, event, cause };
    this.current = to;
    this.history.push(record);
    this.onTransition(record);
    return to;
  }
}

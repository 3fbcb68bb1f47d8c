// Time is injected so timeouts are tested with fake time (BRIEF practice 6).

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going backwards. */
  monotonic(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

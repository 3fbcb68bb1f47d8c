// The one transition() of a TFTP transfer's state machine: the next state from a pure
// (state × event) table, every transition reported with from → to, event and cause.
// An event the table has no entry for in the current state is ignored (and said so).
import type { Clock } from '../../core/clock.js';

export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Partial<Record<E, S>>>>;

export interface TftpTransition<S extends string = string, E extends string = string> {
  readonly from: S;
  readonly to: S;
  readonly event: E;
  readonly cause: string;
  /** Monotonic milliseconds. */
  readonly at: number;
}

export class TftpMachine<S extends string, E extends string> {
  constructor(
    private readonly table: TransitionTable<S, E>,
    public state: S,
    private readonly clock: Clock,
    private readonly onTransition?: (t: TftpTransition<S, E>) => void,
  ) {}

  /** Moves by `event`; returns the new state, or undefined when the event does not apply (nothing changes). */
  transition(event: E, cause: string): S | undefined {
    const to = this.table[this.state][event];
    if (to === undefined) return undefined;
    const from = this.state;
    this.state = to;
    this.onTransition?.({ from, to, event, cause, at: this.clock.monotonic() });
    return to;
  }
}

// The one transition() of a state machine given as a pure (state × event) table (TFTP
// transfers, the agent's event delivery): every transition reported with from → to,
// event and cause. An event the table has no entry for in the current state is ignored
// (transition() says so by returning undefined).
import type { Clock } from './clock.js';

export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Partial<Record<E, S>>>>;

export interface Transition<S extends string = string, E extends string = string> {
  readonly from: S;
  readonly to: S;
  readonly event: E;
  readonly cause: string;
  /** Monotonic milliseconds. */
  readonly at: number;
}

export class TableMachine<S extends string, E extends string> {
  constructor(
    private readonly table: TransitionTable<S, E>,
    public state: S,
    private readonly clock: Clock,
    private readonly onTransition?: (t: Transition<S, E>) => void,
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

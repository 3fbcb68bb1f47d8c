// The sync of the served set as named states and events (docs/files.md "Sync"): one pure
// (state × event) table, and the one transition() that applies it and keeps a log of
// from → to, event and cause. test/protocol/files-sync-machine.test.ts checks every pair
// against an independent statement of the rules.
//
//   idle ──sync──▶ fetching ⇄ verifying            (one object at a time)
//                     │ all-held
//                     ▼
//                  switching ──switched──▶ complete ──sync──▶ fetching
//   fetching: up-to-date ──▶ complete
//   fetching: attempt-failed ──▶ waiting-retry ─┐
//   fetching: attempt-incomplete ──▶ failed-partially ─┴─ retry-due | sync ──▶ fetching
//   any: stop ──▶ stopped
//
// Whatever the state, the set served is the last complete one (or none yet): only
// `switched` changes it.

export type SyncState =
  /** Started; no attempt yet. */
  | 'idle'
  /** An attempt runs: downloading the next object of the plan. */
  | 'fetching'
  /** An object's bytes are all in: its size and SHA-256 are checked before it is kept. */
  | 'verifying'
  /** Every object is held: the new set is built and `current` switched to it. */
  | 'switching'
  /** The set served is the manifest's. */
  | 'complete'
  /** The last attempt got nothing: no source reachable (a WAN outage), a disk error or a manifest refused; retried after retryInterval. */
  | 'waiting-retry'
  /** The last attempt ended with some content missing (rejected, not found, a source failing mid-way); what verified is kept; retried after retryInterval. */
  | 'failed-partially'
  /** The service stopped. */
  | 'stopped';

export type SyncEvent =
  /** Start, the operator (POST /files/sync) or a new manifest: begin an attempt. */
  | 'sync'
  /** The retry interval passed since the last failed attempt. */
  | 'retry-due'
  /** The set served is the manifest already. */
  | 'up-to-date'
  /** An object's bytes were all received (or were on disk already): check them. */
  | 'object-received'
  /** Its size and SHA-256 matched: kept. */
  | 'object-verified'
  /** Its size or SHA-256 did not match (or the source announced another length): deleted, counted. */
  | 'object-rejected'
  /** Every object of the set is held. */
  | 'all-held'
  /** The new set is served. */
  | 'switched'
  /** The attempt ended without any object and without a rejection (no source reachable), on a disk error, or with a manifest that cannot be built. */
  | 'attempt-failed'
  /** The attempt ended with objects still missing after some progress or a rejection. */
  | 'attempt-incomplete'
  | 'stop';

export const SYNC_STATES: readonly SyncState[] = ['idle', 'fetching', 'verifying', 'switching', 'complete', 'waiting-retry', 'failed-partially', 'stopped'];
export const SYNC_EVENTS: readonly SyncEvent[] = [
  'sync', 'retry-due', 'up-to-date', 'object-received', 'object-verified', 'object-rejected', 'all-held', 'switched', 'attempt-failed', 'attempt-incomplete', 'stop',
];

const table: Readonly<Record<SyncState, Partial<Record<SyncEvent, SyncState>>>> = {
  'idle': { 'sync': 'fetching', 'stop': 'stopped' },
  'fetching': {
    'up-to-date': 'complete',
    'object-received': 'verifying',
    'object-rejected': 'fetching', // refused by its headers (a length that is not the manifest's) or for sending too much
    'all-held': 'switching',
    'attempt-failed': 'waiting-retry',
    'attempt-incomplete': 'failed-partially',
    'stop': 'stopped',
  },
  'verifying': {
    'object-verified': 'fetching',
    'object-rejected': 'fetching', // the attempt goes on with the other objects
    'attempt-failed': 'waiting-retry', // the object could not be kept (disk)
    'stop': 'stopped',
  },
  'switching': { 'switched': 'complete', 'attempt-failed': 'waiting-retry', 'stop': 'stopped' },
  'complete': { 'sync': 'fetching', 'stop': 'stopped' },
  'waiting-retry': { 'sync': 'fetching', 'retry-due': 'fetching', 'stop': 'stopped' },
  'failed-partially': { 'sync': 'fetching', 'retry-due': 'fetching', 'stop': 'stopped' },
  'stopped': {},
};

/** The next state, or undefined when the event means nothing in that state (it is then ignored). */
export function nextSyncState(state: SyncState, event: SyncEvent): SyncState | undefined {
  return table[state][event];
}

/** Whether an attempt runs in this state (a `sync` then is not started again). */
export function attemptRunning(state: SyncState): boolean {
  return state === 'fetching' || state === 'verifying' || state === 'switching';
}

export interface SyncTransition {
  readonly from: SyncState;
  readonly to: SyncState;
  readonly event: SyncEvent;
  readonly cause: string;
  readonly at: number;
}

/** The sync's state, changed only through transition(); keeps the last transitions. */
export class SyncMachine {
  private current: SyncState = 'idle';
  private since: number;
  readonly history: SyncTransition[] = [];

  constructor(
    private readonly now: () => number,
    private readonly onTransition: (t: SyncTransition) => void = () => {},
    private readonly historyLimit = 20,
  ) {
    this.since = now();
  }

  get state(): SyncState {
    return this.current;
  }

  /** When the current state began (ms since the epoch). */
  get enteredAt(): number {
    return this.since;
  }

  /** Applies an event: the new state, or undefined when the event means nothing here (nothing changes). */
  transition(event: SyncEvent, cause: string): SyncState | undefined {
    const to = nextSyncState(this.current, event);
    if (to === undefined) return undefined;
    const t: SyncTransition = { from: this.current, to, event, cause, at: this.now() };
    this.current = to;
    this.since = t.at;
    this.history.push(t);
    if (this.history.length > this.historyLimit) this.history.shift();
    this.onTransition(t);
    return to;
  }
}

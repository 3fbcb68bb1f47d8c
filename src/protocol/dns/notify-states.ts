// The life of one NOTIFY (RFC 1996) to one secondary, as a pure (state × event) table:
// sent and waiting for the response, sent again on each retry until the last try
// expires; ended by the matching response (acknowledged, or refused when its RCODE is
// an error), by a newer NOTIFY of the same zone to the same server (superseded), or
// by the service stopping.

export type NotifyState = 'waiting' | 'acknowledged' | 'refused' | 'failed' | 'superseded' | 'stopped';
export type NotifyEvent = 'answered' | 'answered-error' | 'retry-due' | 'last-try-expired' | 'superseded' | 'stop';

export const NOTIFY_STATES: readonly NotifyState[] = ['waiting', 'acknowledged', 'refused', 'failed', 'superseded', 'stopped'];
export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['answered', 'answered-error', 'retry-due', 'last-try-expired', 'superseded', 'stop'];

const table: Readonly<Record<NotifyState, Partial<Record<NotifyEvent, NotifyState>>>> = {
  waiting: {
    'answered': 'acknowledged',
    'answered-error': 'refused',
    'retry-due': 'waiting', // sent again
    'last-try-expired': 'failed',
    'superseded': 'superseded',
    'stop': 'stopped',
  },
  // Ended: a late response, a timer or a newer NOTIFY changes nothing.
  acknowledged: {},
  refused: {},
  failed: {},
  superseded: {},
  stopped: {},
};

/** The next state, or undefined when the event does not apply in that state (it is then ignored). */
export function nextNotifyState(state: NotifyState, event: NotifyEvent): NotifyState | undefined {
  return table[state][event];
}

export function isNotifyEnded(state: NotifyState): boolean {
  return state !== 'waiting';
}

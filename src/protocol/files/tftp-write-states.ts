// The life of one TFTP write transfer (WRQ) as a pure (state × event) table. The server
// answers the request (OACK or ACK 0) and receives blocks one at a time, each
// acknowledged; a block received again is acknowledged again (the client missed the
// ACK), one ahead of the next expected is ignored. The final (short) block is stored
// — the whole file at once, atomically — and only then acknowledged; the server then
// dallies one timeout, acknowledging the final block again should the client resend
// it. Timeouts send the last ACK (or the OACK) again until the retries are used up. A
// client's ERROR, a file over the limit, a packet a write cannot take, a store error
// or the service stopping end it.

export type TftpWriteState = 'new' | 'receiving' | 'storing' | 'dallying' | 'completed' | 'timed-out' | 'aborted' | 'failed' | 'stopped';
export type TftpWriteEvent =
  | 'started' | 'data' | 'final-data' | 'duplicate-data' | 'unexpected-data' | 'too-large' | 'stored' | 'store-failed'
  | 'timeout' | 'gave-up' | 'client-error' | 'illegal-packet' | 'stop';

export const TFTP_WRITE_STATES: readonly TftpWriteState[] = ['new', 'receiving', 'storing', 'dallying', 'completed', 'timed-out', 'aborted', 'failed', 'stopped'];
export const TFTP_WRITE_EVENTS: readonly TftpWriteEvent[] = [
  'started', 'data', 'final-data', 'duplicate-data', 'unexpected-data', 'too-large', 'stored', 'store-failed',
  'timeout', 'gave-up', 'client-error', 'illegal-packet', 'stop',
];

export const TFTP_WRITE_TABLE: Readonly<Record<TftpWriteState, Partial<Record<TftpWriteEvent, TftpWriteState>>>> = {
  'new': { 'started': 'receiving', 'stop': 'stopped' },
  'receiving': {
    'data': 'receiving',
    'final-data': 'storing',
    'duplicate-data': 'receiving', // acknowledged again
    'unexpected-data': 'receiving', // ignored
    'too-large': 'failed',
    'timeout': 'receiving', // the last ACK (or the OACK) sent again
    'gave-up': 'timed-out',
    'client-error': 'aborted',
    'illegal-packet': 'failed',
    'stop': 'stopped',
  },
  'storing': {
    'duplicate-data': 'storing', // the final block again: acknowledged once stored
    'stored': 'dallying',
    'store-failed': 'failed',
    'stop': 'stopped',
  },
  'dallying': {
    'duplicate-data': 'dallying', // the final ACK sent again
    'timeout': 'completed',
    'stop': 'completed',
  },
  'completed': {},
  'timed-out': {},
  'aborted': {},
  'failed': {},
  'stopped': {},
};

export function isWriteEnded(state: TftpWriteState): boolean {
  return state === 'completed' || state === 'timed-out' || state === 'aborted' || state === 'failed' || state === 'stopped';
}

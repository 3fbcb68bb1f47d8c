// The life of one TFTP read transfer (RRQ) as a pure (state × event) table. A new
// transfer either sends its OACK and waits for ACK 0 (negotiating) or starts sending
// at once (no option granted). While sending, an ACK of a block not yet acknowledged
// slides the window, the final block's ACK completes it; duplicate ACKs and ACKs of
// blocks never sent change nothing (no sorcerer's apprentice); a timeout sends again
// from the first block not acknowledged (tftp-read.ts says what exactly), until the
// retries are used up. A client's ERROR, a packet a read transfer cannot take, a read
// error or the service stopping end it. Ended transfers take no event.

export type TftpReadState = 'new' | 'negotiating' | 'sending' | 'completed' | 'timed-out' | 'aborted' | 'failed' | 'stopped';
export type TftpReadEvent =
  | 'options-sent' | 'started' | 'oack-acked' | 'acked' | 'final-acked' | 'duplicate-ack' | 'unexpected-ack'
  | 'timeout' | 'gave-up' | 'client-error' | 'illegal-packet' | 'read-failed' | 'stop';

export const TFTP_READ_STATES: readonly TftpReadState[] = ['new', 'negotiating', 'sending', 'completed', 'timed-out', 'aborted', 'failed', 'stopped'];
export const TFTP_READ_EVENTS: readonly TftpReadEvent[] = [
  'options-sent', 'started', 'oack-acked', 'acked', 'final-acked', 'duplicate-ack', 'unexpected-ack',
  'timeout', 'gave-up', 'client-error', 'illegal-packet', 'read-failed', 'stop',
];

/** How a transfer can end. */
const ENDINGS = { 'gave-up': 'timed-out', 'client-error': 'aborted', 'illegal-packet': 'failed', 'stop': 'stopped' } as const;

export const TFTP_READ_TABLE: Readonly<Record<TftpReadState, Partial<Record<TftpReadEvent, TftpReadState>>>> = {
  'new': { 'options-sent': 'negotiating', 'started': 'sending', 'stop': 'stopped' },
  'negotiating': {
    'oack-acked': 'sending',
    'unexpected-ack': 'negotiating', // an ACK other than 0: ignored
    'timeout': 'negotiating', // the OACK sent again
    ...ENDINGS,
  },
  'sending': {
    'acked': 'sending', // the window slides
    'final-acked': 'completed',
    'duplicate-ack': 'sending', // ignored: never a reason to send
    'unexpected-ack': 'sending', // a block never sent: ignored
    'timeout': 'sending', // sent again from the first block not acknowledged
    'read-failed': 'failed',
    ...ENDINGS,
  },
  'completed': {},
  'timed-out': {},
  'aborted': {},
  'failed': {},
  'stopped': {},
};

export function isReadEnded(state: TftpReadState): boolean {
  return state !== 'new' && state !== 'negotiating' && state !== 'sending';
}

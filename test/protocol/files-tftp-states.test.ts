// The state tables of TFTP transfers (src/protocol/files/tftp-read-states.ts,
// tftp-write-states.ts) against an independent statement of their rules, every
// (state × event) pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TFTP_READ_EVENTS, TFTP_READ_STATES, TFTP_READ_TABLE, isReadEnded, type TftpReadEvent, type TftpReadState } from '../../src/protocol/files/tftp-read-states.js';
import { TFTP_WRITE_EVENTS, TFTP_WRITE_STATES, TFTP_WRITE_TABLE, isWriteEnded, type TftpWriteEvent, type TftpWriteState } from '../../src/protocol/files/tftp-write-states.js';

test('read: every (state × event) pair follows the rules', () => {
  // A new transfer sends its OACK (negotiating) or its first block (sending), or is stopped.
  // Negotiating takes only ACK 0 forward; any other ACK is ignored there; a timeout stays.
  // Sending: ACKs slide (or complete on the final block), duplicates and unexpected ACKs
  // and timeouts stay; only sending reads the file. In both, running out of retries
  // times out, the client's ERROR aborts, an illegal packet fails, stop stops.
  // Ended states take nothing.
  const running = new Set<TftpReadState>(['negotiating', 'sending']);
  const expected = (s: TftpReadState, e: TftpReadEvent): TftpReadState | undefined => {
    if (s === 'new') return ({ 'options-sent': 'negotiating', 'started': 'sending', 'stop': 'stopped' } as Partial<Record<TftpReadEvent, TftpReadState>>)[e];
    if (!running.has(s)) return undefined;
    if (e === 'gave-up') return 'timed-out';
    if (e === 'client-error') return 'aborted';
    if (e === 'illegal-packet') return 'failed';
    if (e === 'stop') return 'stopped';
    if (e === 'timeout' || e === 'unexpected-ack') return s;
    if (s === 'negotiating') return e === 'oack-acked' ? 'sending' : undefined;
    if (e === 'acked' || e === 'duplicate-ack') return 'sending';
    if (e === 'final-acked') return 'completed';
    if (e === 'read-failed') return 'failed';
    return undefined;
  };
  for (const s of TFTP_READ_STATES) {
    for (const e of TFTP_READ_EVENTS) assert.equal(TFTP_READ_TABLE[s][e], expected(s, e), `${s} × ${e}`);
    assert.equal(isReadEnded(s), s !== 'new' && !running.has(s), s);
  }
});

test('write: every (state × event) pair follows the rules', () => {
  // A new transfer starts receiving (or is stopped). Receiving: a block stays, the final
  // block stores, blocks again or ahead stay, too large fails, timeouts stay, running
  // out of retries times out, the client's ERROR aborts, an illegal packet fails.
  // Storing waits for the store (stored → dallying, failed → failed) and takes only the
  // final block again. Dallying re-acknowledges the final block and completes on its
  // timeout or on stop. Stop stops the rest. Ended states take nothing.
  const expected = (s: TftpWriteState, e: TftpWriteEvent): TftpWriteState | undefined => {
    switch (s) {
      case 'new': return e === 'started' ? 'receiving' : e === 'stop' ? 'stopped' : undefined;
      case 'receiving':
        if (e === 'data' || e === 'duplicate-data' || e === 'unexpected-data' || e === 'timeout') return 'receiving';
        if (e === 'final-data') return 'storing';
        if (e === 'too-large' || e === 'illegal-packet') return 'failed';
        if (e === 'gave-up') return 'timed-out';
        if (e === 'client-error') return 'aborted';
        if (e === 'stop') return 'stopped';
        return undefined;
      case 'storing':
        return ({ 'duplicate-data': 'storing', 'stored': 'dallying', 'store-failed': 'failed', 'stop': 'stopped' } as Partial<Record<TftpWriteEvent, TftpWriteState>>)[e];
      case 'dallying':
        return e === 'duplicate-data' ? 'dallying' : e === 'timeout' || e === 'stop' ? 'completed' : undefined;
      default:
        return undefined;
    }
  };
  for (const s of TFTP_WRITE_STATES) {
    for (const e of TFTP_WRITE_EVENTS) assert.equal(TFTP_WRITE_TABLE[s][e], expected(s, e), `${s} × ${e}`);
    assert.equal(isWriteEnded(s), !['new', 'receiving', 'storing', 'dallying'].includes(s), s);
  }
});

// The sync state machine (src/protocol/files/sync-machine.ts): every state × event
// against an independent statement of the rules, and the log of transitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptRunning, nextSyncState, SYNC_EVENTS, SYNC_STATES, SyncMachine, type SyncTransition } from '../../src/protocol/files/sync-machine.js';
import { assertTransitionMatrix } from '../support/transition-matrix.js';

// state, event → next state; every pair not listed changes nothing. ANY: every state but stopped.
const RULES = `
idle              sync                fetching
fetching          up-to-date          complete
fetching          object-received     verifying
fetching          object-rejected     fetching
fetching          all-held            switching
fetching          attempt-failed      waiting-retry
fetching          attempt-incomplete  failed-partially
verifying         object-verified     fetching
verifying         object-rejected     fetching
verifying         attempt-failed      waiting-retry
switching         switched            complete
switching         attempt-failed      waiting-retry
complete          sync                fetching
waiting-retry     sync                fetching
waiting-retry     retry-due           fetching
failed-partially  sync                fetching
failed-partially  retry-due           fetching
ANY               stop                stopped
`;

test('transition matrix: every state × event as the rules say', () => {
  assertTransitionMatrix(RULES, SYNC_STATES, SYNC_EVENTS, nextSyncState, ['stopped']);
});

test('an attempt runs in fetching, verifying and switching only; a sync asked meanwhile changes nothing', () => {
  assert.deepEqual(SYNC_STATES.filter(attemptRunning), ['fetching', 'verifying', 'switching']);
  for (const s of SYNC_STATES.filter(attemptRunning)) assert.equal(nextSyncState(s, 'sync'), undefined);
  // Only `switched` leads from a state without the new set to complete through switching; up-to-date skips it.
  assert.deepEqual(SYNC_STATES.filter((s) => nextSyncState(s, 'switched') !== undefined), ['switching']);
});

test('transition() records from → to, event, cause and time; an event that means nothing is ignored', () => {
  let now = 1000;
  const seen: string[] = [];
  const m = new SyncMachine(() => now, (t: SyncTransition) => seen.push(`${t.from}->${t.to} ${t.event} (${t.cause}) @${t.at}`), 3);
  assert.equal(m.state, 'idle');
  assert.equal(m.transition('switched', 'nothing to switch'), undefined);
  assert.equal(m.transition('sync', 'start'), 'fetching');
  now = 2000;
  assert.equal(m.transition('object-received', 'a.cfg: 3 bytes'), 'verifying');
  assert.equal(m.transition('object-rejected', 'a.cfg: sha256 mismatch'), 'fetching');
  assert.equal(m.transition('attempt-incomplete', '1 file missing'), 'failed-partially');
  assert.equal(m.enteredAt, 2000);
  assert.deepEqual(seen, [
    'idle->fetching sync (start) @1000',
    'fetching->verifying object-received (a.cfg: 3 bytes) @2000',
    'verifying->fetching object-rejected (a.cfg: sha256 mismatch) @2000',
    'fetching->failed-partially attempt-incomplete (1 file missing) @2000',
  ]);
  assert.deepEqual(m.history.map((t) => t.to), ['verifying', 'fetching', 'failed-partially'], 'the last 3 kept');
  assert.equal(m.transition('stop', 'stopping'), 'stopped');
  assert.equal(m.transition('retry-due', 'a timer left over'), undefined);
  assert.equal(m.state, 'stopped');
});

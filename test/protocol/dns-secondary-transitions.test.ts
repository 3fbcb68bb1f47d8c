// The secondary zone state machine: every (expiry policy × state × event) against an
// independent statement of the rules (docs/dns.md, "Secondary zones"), and the log of
// transitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECONDARY_STATES, answersFromCopy, hasCopy } from '../../src/protocol/dns/secondary/states.js';
import { SECONDARY_EVENTS, SecondaryStateMachine, nextSecondaryStep } from '../../src/protocol/dns/secondary/transitions.js';

// state, event → next state and action; PAST is stale (expiry never) or expired (expiry soa).
// Every pair not listed changes nothing (undefined).
const RULES = `
loading       copy-loaded          fresh         none
loading       copy-loaded-expired  PAST          query
loading       no-copy              transferring  transfer
transferring  transfer-done        fresh         succeeded
transferring  transfer-failed      unavailable   arm-retry
transferring  unreachable          unavailable   arm-retry
transferring  notify               transferring  transfer
transferring  retransfer           transferring  transfer
unavailable   retry-due            transferring  transfer
unavailable   notify               transferring  transfer
unavailable   retransfer           transferring  transfer
fresh         refresh-due          refreshing    query
fresh         notify               refreshing    query
fresh         retransfer           refreshing    transfer
fresh         expire-due           PAST          none
refreshing    notify               refreshing    query
refreshing    retransfer           refreshing    transfer
refreshing    serial-newer         refreshing    none
refreshing    serial-same          fresh         succeeded
refreshing    serial-older         fresh         succeeded
refreshing    transfer-done        fresh         succeeded
refreshing    transfer-failed      retrying      arm-retry
refreshing    unreachable          retrying      arm-retry
refreshing    expire-due           PAST          none
retrying      retry-due            refreshing    query
retrying      notify               refreshing    query
retrying      retransfer           refreshing    transfer
retrying      expire-due           PAST          none
PAST          retry-due            PAST          query
PAST          notify               PAST          query
PAST          retransfer           PAST          transfer
PAST          serial-newer         PAST          none
PAST          serial-same          fresh         succeeded
PAST          serial-older         fresh         succeeded
PAST          transfer-done        fresh         succeeded
PAST          transfer-failed      PAST          arm-retry
PAST          unreachable          PAST          arm-retry
`;

function expected(policy: 'soa' | 'never'): Map<string, { to: string; action: string }> {
  const past = policy === 'never' ? 'stale' : 'expired';
  const m = new Map<string, { to: string; action: string }>();
  for (const line of RULES.trim().split('\n')) {
    const [state, event, to, action] = line.trim().split(/\s+/) as [string, string, string, string];
    const sub = (s: string) => (s === 'PAST' ? past : s);
    m.set(`${sub(state)} ${event}`, { to: sub(to), action });
  }
  return m;
}

for (const policy of ['soa', 'never'] as const) {
  test(`transition matrix (expiry ${policy}): every state × event as the rules say`, () => {
    const rules = expected(policy);
    let listed = 0;
    for (const state of SECONDARY_STATES) {
      for (const event of SECONDARY_EVENTS) {
        const want = rules.get(`${state} ${event}`);
        if (want) listed++;
        assert.deepEqual(nextSecondaryStep(state, event, policy), want, `${state} × ${event}`);
      }
    }
    // The other past-expire state is never entered under this policy: its rules are not in the table.
    assert.equal(listed, rules.size);
  });
}

test('the serving rule: a copy is answered in fresh, refreshing, retrying and stale; SERVFAIL in the others', () => {
  assert.deepEqual(SECONDARY_STATES.filter(answersFromCopy), ['fresh', 'refreshing', 'retrying', 'stale']);
  assert.deepEqual(SECONDARY_STATES.filter(hasCopy), ['fresh', 'refreshing', 'retrying', 'stale', 'expired']);
});

test('transition() logs from → to with event and cause, returns the action even without a change, and ignores what means nothing', () => {
  let now = 1000;
  const seen: string[] = [];
  const m = new SecondaryStateMachine('voice.example.com.', 'never', () => now, (t) => seen.push(`${t.from}->${t.to} ${t.event} (${t.cause}) @${t.at}`));
  assert.equal(m.transition('retry-due', 'nothing to retry'), undefined);
  assert.deepEqual(m.transition('copy-loaded', 'from disk'), { to: 'fresh', action: 'none' });
  now = 2000;
  assert.deepEqual(m.transition('refresh-due', 'timer'), { to: 'refreshing', action: 'query' });
  assert.deepEqual(m.transition('notify', 'NOTIFY during the refresh'), { to: 'refreshing', action: 'query' }, 'no change, the action remembered');
  m.transition('expire-due', 'expire');
  assert.deepEqual(seen, ['loading->fresh copy-loaded (from disk) @1000', 'fresh->refreshing refresh-due (timer) @2000', 'refreshing->stale expire-due (expire) @2000']);
  assert.equal(m.state, 'stale');
  assert.equal(m.enteredAt, 2000);
  assert.deepEqual(m.history.map((h) => h.to), ['fresh', 'refreshing', 'stale']);
});

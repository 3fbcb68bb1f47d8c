// The failover state machine: every (my state × partner state × event) against the
// table of docs/failover-protocol.md, written out here row by row, independently of
// the code's structure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILOVER_STATES, PARTNER_STATES, answers, type FailoverState, type PartnerState } from '../../src/protocol/failover/states.js';
import { FAILOVER_EVENTS, FailoverStateMachine, nextFailoverState, type FailoverEvent } from '../../src/protocol/failover/transitions.js';

type When = PartnerState | '*' | `not ${PartnerState}` | `not ${PartnerState},${PartnerState}`;
// [my state or '*', event, partner condition, next]. First matching row wins; no row: the state stays.
const RULES: readonly (readonly [FailoverState | '*', FailoverEvent, When, FailoverState])[] = [
  ['maintenance', 'cmd-resume', 'unknown', 'interrupted'],
  ['maintenance', 'cmd-resume', 'not unknown', 'recovering'],
  ['maintenance', '*' as FailoverEvent, '*', 'maintenance'], // everything else: stays (matched specially below)
  ['*', 'cmd-maintenance', '*', 'maintenance'],
  ['*', 'cmd-partner-down', 'unknown', 'partner-down'],
  ['*', 'partner-changed', 'maintenance', 'partner-down'],
  ['partner-down', 'refused', '*', 'partner-down'],
  ['*', 'refused', '*', 'terminated'],
  ['startup', 'connected', '*', 'recovering'],
  ['startup', 'startup-timeout', '*', 'interrupted'],
  ['startup', 'partner-dead', '*', 'partner-down'],
  ['recovering', 'synced', 'partner-down', 'ready'],
  ['recovering', 'synced', 'not partner-down', 'normal'],
  ['recovering', 'contact-lost', '*', 'interrupted'],
  ['recovering', 'partner-dead', '*', 'partner-down'],
  ['ready', 'failback-due', '*', 'normal'],
  ['ready', 'cmd-resume', '*', 'normal'],
  ['ready', 'partner-changed', 'not partner-down', 'normal'],
  ['ready', 'contact-lost', '*', 'interrupted'],
  ['normal', 'contact-lost', '*', 'interrupted'],
  ['interrupted', 'synced', '*', 'normal'],
  ['interrupted', 'partner-dead', '*', 'partner-down'],
  ['partner-down', 'partner-changed', 'normal', 'normal'],
  // after a partition both served: in sync again, back to normal; a returning partner fails back instead
  ['partner-down', 'synced', 'normal', 'normal'],
  ['partner-down', 'synced', 'interrupted', 'normal'],
  ['partner-down', 'synced', 'partner-down', 'normal'],
  ['partner-down', 'synced', 'terminated', 'normal'],
  ['terminated', 'connected', '*', 'interrupted'],
  ['terminated', 'partner-dead', '*', 'partner-down'],
];

function holds(when: When, partner: PartnerState): boolean {
  if (when === '*') return true;
  if (when.startsWith('not ')) return !when.slice(4).split(',').includes(partner);
  return when === partner;
}

function expected(state: FailoverState, partner: PartnerState, event: FailoverEvent): FailoverState {
  for (const [s, e, when, next] of RULES) {
    if (s === 'maintenance' && state === 'maintenance' && (e as string) === '*') return 'maintenance';
    if ((s === '*' || s === state) && e === event && holds(when, partner)) return next;
  }
  return state;
}

test('transition matrix: every my state × partner state × event as the documented table says', () => {
  let combinations = 0;
  for (const state of FAILOVER_STATES) {
    for (const partner of PARTNER_STATES) {
      for (const event of FAILOVER_EVENTS) {
        combinations++;
        const got = nextFailoverState(state, partner, event) ?? state;
        assert.equal(got, expected(state, partner, event), `${state} × partner ${partner} × ${event}`);
      }
    }
  }
  assert.equal(combinations, 8 * 9 * 11);
});

test('serving: none in startup, recovering, ready and maintenance; own clients in normal, interrupted, terminated; all in partner-down', () => {
  const all = FAILOVER_STATES.map((s) => `${s}:${answers(s, true) ? 'o' : '-'}${answers(s, false) ? 'a' : '-'}`);
  assert.deepEqual(all, ['startup:--', 'recovering:--', 'ready:--', 'normal:o-', 'interrupted:o-', 'partner-down:oa', 'maintenance:--', 'terminated:o-']);
});

test('the machine logs from, to, partner state and cause; a lost contact makes the partner unknown', () => {
  let now = 1000;
  const seen: string[] = [];
  const m = new FailoverStateMachine('branch-07', () => now, (t) => seen.push(`${t.from}->${t.to} partner=${t.partner} ${t.event} (${t.cause})`));
  assert.equal(m.transition('synced', 'not in contact yet'), undefined);
  m.transition('connected', 'handshake done', 'partner-down');
  now = 2000;
  m.transition('synced', '3 subnets pulled');
  assert.equal(m.state, 'ready');
  assert.equal(m.enteredAt, 2000);
  m.transition('failback-due', 'failback delay 0 s passed');
  m.transition('contact-lost', 'connection reset');
  assert.equal(m.partner, 'unknown');
  m.transition('partner-dead', 'connect refused');
  assert.deepEqual(seen, [
    'startup->recovering partner=partner-down connected (handshake done)',
    'recovering->ready partner=partner-down synced (3 subnets pulled)',
    'ready->normal partner=partner-down failback-due (failback delay 0 s passed)',
    'normal->interrupted partner=unknown contact-lost (connection reset)',
    'interrupted->partner-down partner=unknown partner-dead (connect refused)',
  ]);
  assert.deepEqual(m.history.map((t) => t.to), ['recovering', 'ready', 'normal', 'interrupted', 'partner-down']);
});

test('hot-standby story: primary dies, standby takes over, primary returns, resyncs, fails back', () => {
  const p = new FailoverStateMachine('r', () => 0);
  const s = new FailoverStateMachine('r', () => 0);
  p.transition('connected', 'x', 'startup'); s.transition('connected', 'x', 'startup');
  p.transition('synced', 'x', 'recovering'); s.transition('synced', 'x', 'normal');
  assert.deepEqual([p.state, s.state], ['normal', 'normal']);
  s.transition('contact-lost', 'FIN');
  s.transition('partner-dead', 'refused');
  assert.equal(s.state, 'partner-down');
  const p2 = new FailoverStateMachine('r', () => 0); // the primary restarted
  p2.transition('connected', 'x', 'partner-down');
  s.transition('connected', 'x');
  assert.equal(s.state, 'partner-down', 'the survivor keeps serving while the returning server resyncs');
  p2.transition('synced', 'x');
  assert.equal(p2.state, 'ready');
  s.transition('partner-changed', 'heartbeat', 'ready');
  assert.equal(s.state, 'partner-down');
  p2.transition('failback-due', 'delay over');
  s.transition('partner-changed', 'heartbeat', 'normal');
  assert.deepEqual([p2.state, s.state], ['normal', 'normal']);
});

// Every (binding state × event) pair of the lease state machine, against an
// independent statement of the rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINDING_STATES, LEASE_EVENTS, holdsAddress, nextBindingState, type BindingState, type LeaseEvent } from '../../src/protocol/dhcp/lease-machine.js';

// ack: a client gets the address (new, renewed, rebound, rebooted);
// release/decline: the client gives it up / reports a conflict; expire: time is up.
const rules: Record<BindingState, Partial<Record<LeaseEvent, BindingState>>> = {
  free: { ack: 'bound', decline: 'declined' },
  bound: { ack: 'bound', release: 'released', decline: 'declined', expire: 'expired' },
  released: { ack: 'bound', decline: 'declined' },
  expired: { ack: 'bound', decline: 'declined' },
  declined: { decline: 'declined', expire: 'expired' },
};

test('lease transition matrix', () => {
  for (const s of BINDING_STATES) for (const e of LEASE_EVENTS) assert.equal(nextBindingState(s, e), rules[s][e], `${s} × ${e}`);
});

test('only bound and declined bindings hold their address', () => {
  assert.deepEqual(BINDING_STATES.filter(holdsAddress), ['bound', 'declined']);
});

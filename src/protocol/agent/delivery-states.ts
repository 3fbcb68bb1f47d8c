// Event delivery as named states and events (docs/agent.md "Delivery"): one pure
// (state × event) table; test/protocol/agent-delivery.test.ts checks every pair against
// an independent statement of the rules.
//
//   idle ──pending──▶ sending ──acked──▶ sending (the next batch)
//     ▲                  │ failed
//     └────drained───────┤
//                        ▼
//                     backoff ──retry-due──▶ sending
//   any: stop ──▶ stopped
import type { TransitionTable } from '../../core/table-machine.js';

export type DeliveryState =
  /** Every durable event is acknowledged; waiting for the next one. */
  | 'idle'
  /** A batch is being read, sent or acknowledged. */
  | 'sending'
  /** The last batch failed (no manager reachable, a refusal, a bad answer): waiting before it is sent again. */
  | 'backoff'
  | 'stopped';

export type DeliveryEvent =
  /** Events wait to be sent: at start, or an event was appended. */
  | 'pending'
  /** A batch was acknowledged: the next is sent, or `drained` follows when none waits. */
  | 'acked'
  /** Every durable event is acknowledged. */
  | 'drained'
  /** A batch was not acknowledged. */
  | 'failed'
  /** The backoff time passed. */
  | 'retry-due'
  | 'stop';

export const DELIVERY_STATES: readonly DeliveryState[] = ['idle', 'sending', 'backoff', 'stopped'];
export const DELIVERY_EVENTS: readonly DeliveryEvent[] = ['pending', 'acked', 'drained', 'failed', 'retry-due', 'stop'];

export const DELIVERY_TABLE: TransitionTable<DeliveryState, DeliveryEvent> = {
  idle: { pending: 'sending', stop: 'stopped' },
  sending: { acked: 'sending', drained: 'idle', failed: 'backoff', stop: 'stopped' },
  // New events while backing off wait for the retry: a manager that just failed is not hammered.
  backoff: { 'retry-due': 'sending', stop: 'stopped' },
  stopped: {},
};

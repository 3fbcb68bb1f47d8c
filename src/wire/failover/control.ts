// The bodies that keep a session going and end it:
//
//   HEARTBEAT      state u8, clock u64, unsynced u32 (bindings not yet acknowledged by the partner)
//   STATE-COMMAND  command u8, token u32 (the caller's id for matching the outcome)
//   BYE            reason u8, text string
import type { Codec } from '../codec.js';
import { BYE_REASON, FAILOVER_STATE, STATE_COMMAND, readEnum, type ByeReason, type FailoverState, type StateCommand } from './enums.js';
import { MAX_STRING_BYTES, STRING_PREFIX_BYTES, TIME_BYTES, bodyCodec, readString, readTime, stringLength, writeString, writeTime, writeU32 } from './fields.js';

export interface HeartbeatMessage {
  readonly kind: 'heartbeat';
  /** The sender's state of the relationship. */
  readonly state: FailoverState;
  readonly clock: number;
  readonly unsynced: number;
}

export interface StateCommandMessage {
  readonly kind: 'state-command';
  readonly command: StateCommand;
  readonly token: number;
}

export interface ByeMessage {
  readonly kind: 'bye';
  readonly reason: ByeReason;
  /** A human explanation; may be empty. */
  readonly text: string;
}

export const HEARTBEAT_BYTES = 1 + TIME_BYTES + 4;
export const STATE_COMMAND_BYTES = 1 + 4;
export const BYE_MAX_BYTES = 1 + STRING_PREFIX_BYTES + MAX_STRING_BYTES;

export const heartbeat: Codec<HeartbeatMessage> = bodyCodec(
  'HEARTBEAT',
  () => HEARTBEAT_BYTES,
  (w, m) => {
    w.u8(FAILOVER_STATE.code(m.state));
    writeTime(w, m.clock, 'HEARTBEAT clock');
    writeU32(w, m.unsynced, 'HEARTBEAT unsynced');
  },
  (r) => ({ kind: 'heartbeat', state: readEnum(r, FAILOVER_STATE), clock: readTime(r, 'HEARTBEAT clock'), unsynced: r.u32('HEARTBEAT unsynced') }),
);

export const stateCommand: Codec<StateCommandMessage> = bodyCodec(
  'STATE-COMMAND',
  () => STATE_COMMAND_BYTES,
  (w, m) => {
    w.u8(STATE_COMMAND.code(m.command));
    writeU32(w, m.token, 'STATE-COMMAND token');
  },
  (r) => ({ kind: 'state-command', command: readEnum(r, STATE_COMMAND), token: r.u32('STATE-COMMAND token') }),
);

export const bye: Codec<ByeMessage> = bodyCodec(
  'BYE',
  (m) => 1 + stringLength(m.text, 'BYE text'),
  (w, m) => {
    w.u8(BYE_REASON.code(m.reason));
    writeString(w, m.text, 'BYE text');
  },
  (r) => ({ kind: 'bye', reason: readEnum(r, BYE_REASON), text: readString(r, 'BYE text') }),
);

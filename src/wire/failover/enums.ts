// The one-byte codes of the failover protocol (docs/failover-protocol.md, "Wire
// protocol"), each a two-way map between the name other layers use and the code on
// the wire. Codes start at 1 everywhere: a zero byte is never a valid code, so a
// zeroed or truncated field cannot pass for one.
import { WireDecodeError, WireEncodeError } from '../errors.js';
import type { WireReader } from '../reader.js';

export interface WireEnum<N extends string> {
  /** What the code is, for error messages ("failover state"). */
  readonly what: string;
  /** Name → code. */
  readonly codes: Readonly<Record<N, number>>;
  /** Every name, in code order. */
  readonly names: readonly N[];
  /** The code of a name. Throws WireEncodeError('bad-value') for anything else (an untyped caller's mistake). */
  code(name: N): number;
  /** The name of a code, or undefined when the protocol defines none. */
  name(code: number): N | undefined;
}

/** The names of a WireEnum, as a type. */
export type EnumName<E> = E extends WireEnum<infer N> ? N : never;

export function wireEnum<const T extends Record<string, number>>(what: string, codes: T): WireEnum<keyof T & string> {
  type N = keyof T & string;
  const byCode = new Map<number, N>();
  for (const [name, code] of Object.entries(codes)) {
    if (!Number.isInteger(code) || code < 1 || code > 255 || byCode.has(code)) throw new RangeError(`${what}: bad or repeated code ${code}`);
    byCode.set(code, name as N);
  }
  const names = [...byCode.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  return Object.freeze({
    what,
    codes: Object.freeze({ ...codes }),
    names: Object.freeze(names),
    code(name: N): number {
      const c = Object.hasOwn(codes, name) ? codes[name] : undefined;
      if (c === undefined) throw new WireEncodeError('bad-value', `${what}: "${String(name)}" is not one of ${names.join(', ')}`);
      return c;
    },
    name: (code: number) => byCode.get(code),
  });
}

/** Reads one code byte; an undefined code is refused with 'bad-enum'. */
export function readEnum<N extends string>(r: WireReader, e: WireEnum<N>): N {
  const at = r.pos;
  const code = r.u8(e.what);
  const name = e.name(code);
  if (name === undefined) throw new WireDecodeError('bad-enum', at, `${e.what} code ${code} is not one of ${e.names.map((n) => `${e.codes[n]} ${n}`).join(', ')}`);
  return name;
}

/** Frame types (the table "Messages after AUTH"). */
export const MESSAGE_TYPE = wireEnum('message type', {
  hello: 1,
  'hello-reply': 2,
  auth: 3,
  heartbeat: 4,
  update: 5,
  'update-ack': 6,
  'resync-request': 7,
  'resync-page': 8,
  'state-command': 9,
  bye: 10,
});
export type MessageKind = EnumName<typeof MESSAGE_TYPE>;

/** A lease's state on the wire: the four states a store holds ('offered' never leaves the engine). */
export const LEASE_STATE = wireEnum('lease state', { bound: 1, released: 2, expired: 3, declined: 4 });
export type WireLeaseState = EnumName<typeof LEASE_STATE>;

/** A relationship's state on one server, in the order of the spec's state table (HEARTBEAT). */
export const FAILOVER_STATE = wireEnum('failover state', {
  startup: 1,
  recovering: 2,
  ready: 3,
  normal: 4,
  interrupted: 5,
  'partner-down': 6,
  maintenance: 7,
  terminated: 8,
});
export type FailoverState = EnumName<typeof FAILOVER_STATE>;

/** The sender's role in the relationship (HELLO, HELLO-REPLY): standby in hot-standby, secondary in load-balancing. */
export const FAILOVER_ROLE = wireEnum('role', { primary: 1, standby: 2, secondary: 3 });
export type FailoverRole = EnumName<typeof FAILOVER_ROLE>;

/** The relationship's mode (HELLO). split-scope has no partner traffic, so no code. */
export const FAILOVER_MODE = wireEnum('mode', { 'hot-standby': 1, 'load-balancing': 2 });
export type FailoverMode = EnumName<typeof FAILOVER_MODE>;

/** The acceptor's answer to HELLO (HELLO-REPLY). */
export const HELLO_RESULT = wireEnum('hello result', {
  ok: 1,
  'unknown-relationship': 2,
  version: 3,
  'config-mismatch': 4,
  'clock-skew': 5,
  busy: 6,
  'auth-failed': 7,
});
export type HelloResult = EnumName<typeof HELLO_RESULT>;

/** An operator's command relayed to the partner (STATE-COMMAND). */
export const STATE_COMMAND = wireEnum('state command', { maintenance: 1, 'partner-down': 2, resume: 3, takeover: 4 });
export type StateCommand = EnumName<typeof STATE_COMMAND>;

/**
 * Why an UPDATE lease was rejected (UPDATE-ACK). `newer`: the receiver's record won
 * the merge and is the one returned; `unknown-subnet`: the receiver has no such
 * subnet in this relationship; `invalid`: the receiver's checks refused the lease
 * (e.g. an address outside its subnet). With the last two the sender's lease is echoed.
 */
export const REJECT_REASON = wireEnum('reject reason', { newer: 1, 'unknown-subnet': 2, invalid: 3 });
export type RejectReason = EnumName<typeof REJECT_REASON>;

/** Why a side closes the connection (BYE). */
export const BYE_REASON = wireEnum('bye reason', {
  /** The server is stopping. */
  shutdown: 1,
  /** The peer broke the protocol (a frame or message that failed a check). */
  'protocol-error': 2,
  /** The relationship's configuration changed; the connection is made again with the new config hash. */
  'config-changed': 3,
  /** The peer went silent (heartbeats or update acknowledgements missing). */
  timeout: 4,
  /** A newer connection of the same relationship took this one's place. */
  replaced: 5,
});
export type ByeReason = EnumName<typeof BYE_REASON>;

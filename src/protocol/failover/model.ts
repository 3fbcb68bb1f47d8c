// One failover relationship as the protocol runs it: the config's relationship
// compiled into numbers (milliseconds, subnet ids) by compile.ts from the validated
// `failover` section.
import type { FailoverMode, FailoverRole } from './states.js';

export interface RelationshipModel {
  readonly name: string;
  readonly mode: FailoverMode;
  readonly role: FailoverRole;
  /** The partner's server name (for logs and status). */
  readonly partnerName: string;
  /** Ids of the engine's subnets this relationship covers. */
  readonly subnetIds: readonly number[];
  /** load-balancing: % of hash buckets (and of each pool) the primary has. */
  readonly split: number;
  /** hot-standby: % of each pool the standby owns. */
  readonly standbyReserve: number;
  readonly mcltMs: number;
  readonly heartbeatMs: number;
  readonly missedHeartbeats: number;
  readonly updateTimeoutMs: number;
  readonly pageSize: number;
  readonly startupWaitMs: number;
  readonly maxClockSkewMs: number;
  readonly confirm: {
    /** A refused connect to the partner's port confirms its death. */
    readonly refused: boolean;
    /** Distinct unanswered clients that confirm it (0: suspicion alone suffices). */
    readonly unansweredClients: number;
    /** The `secs` a client's request must show to count as unanswered. */
    readonly ackDelaySeconds: number;
  };
  readonly failback: { readonly automatic: boolean; readonly delayMs: number };
}

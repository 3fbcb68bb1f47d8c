// A DHCPv4 lease as the engine and every lease store see it. Kept small and flat:
// a site holds up to millions of them (target ≤ 1 KiB each in memory at 1M).

export type LeaseState =
  /** Offered to a client and held for it until the offer times out. Never made durable. */
  | 'offered'
  /** Acknowledged: the client may use the address until `expiresAt`. */
  | 'bound'
  /** Released by the client; the binding is remembered so the client gets it back. */
  | 'released'
  /** Past `expiresAt` and reclaimed; remembered for the same reason. */
  | 'expired'
  /** Declined by a client (address conflict): quarantined until `expiresAt`. */
  | 'declined';

export interface Lease {
  /** The address, as an unsigned 32-bit number. The primary key. */
  readonly address: number;
  /** Which configured subnet (its id) the address belongs to. */
  readonly subnetId: number;
  /** The client's identity: option 61 as hex ("01:…" style not used: plain hex) or "hw:" + chaddr hex. */
  readonly clientKey: string;
  /** The client's hardware address, hex without separators (htype 1: 12 digits). */
  readonly hwAddress: string;
  readonly state: LeaseState;
  /** When the current state began (ms since the epoch). */
  readonly startedAt: number;
  /** When it ends: lease expiry, offer timeout, or end of quarantine (ms since the epoch). */
  readonly expiresAt: number;
  /** Client-supplied host name (option 12 or 81), if any. */
  readonly hostname?: string;
  /**
   * Failover only (src/protocol/failover/sync-ledger.ts): what the partner is known to
   * hold for this address while this record is not yet acknowledged by it. Absent
   * without failover and on records the partner has.
   */
  readonly partnerExpiry?: number;
}

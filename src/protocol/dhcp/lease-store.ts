// The one interface every DHCPv4 lease store implements: the in-memory one for the
// protocol tier, the fsynced journal of the site daemon (src/storage), and later the
// failover partner's replica. One shared test suite runs against each
// (test/support/lease-store-suite.ts).
import type { Lease } from './lease.js';

export interface LeaseStore {
  /** The lease of an address, in any state, or undefined. */
  get(address: number): Lease | undefined;
  /** The lease a client holds (or last held) in a subnet. Stores never hold 'offered': offers live in the engine's memory. */
  findByClient(subnetId: number, clientKey: string): Lease | undefined;
  /**
   * Records a lease (insert or replace by address). Reads (get, findByClient) see it
   * at once, before it is durable, so two requests for one address in the same tick
   * cannot both win. The promise resolves once it is durable: the engine sends a
   * DHCPACK only after that. Calls made in the same
   * tick may share one fsync (group commit); their order is kept.
   */
  commit(lease: Lease): Promise<void>;
  /** Forgets an address entirely (durably), e.g. when its subnet is removed. */
  remove(address: number): Promise<void>;
  /**
   * Expiry scan: leases in state 'bound' or 'declined' whose `expiresAt` ≤ now, at
   * most `limit`, earliest first.
   * A query, not a removal: a lease stays due until the engine commits its next
   * state (reclaimed → 'expired'), so a lease is never lost between scan and commit.
   */
  dueForExpiry(now: number, limit: number): Lease[];
  /** Every lease, in no particular order. */
  all(): Iterable<Lease>;
  /** Number of leases held. */
  readonly size: number;
  /** Flushes and releases resources; afterwards every commit made so far is durable. */
  close(): Promise<void>;
}

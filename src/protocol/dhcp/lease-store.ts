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
   * Records a lease (insert or replace by address). Resolves once it is durable:
   * the engine sends a DHCPACK only after this resolves. Calls made in the same
   * tick may share one fsync (group commit); their order is kept.
   */
  commit(lease: Lease): Promise<void>;
  /** Forgets an address entirely (durably), e.g. when its subnet is removed. */
  remove(address: number): Promise<void>;
  /** Every lease, in no particular order. */
  all(): Iterable<Lease>;
  /** Number of leases held. */
  readonly size: number;
  /** Flushes and releases resources; afterwards every commit made so far is durable. */
  close(): Promise<void>;
}

// The lease store the engine sees under failover: every change of a binding in a
// relationship's subnet is written here with what the partner knows (sync-ledger.ts),
// made durable, then replicated to the partner before the commit resolves — and so
// before the client's ACK (G1). Other subnets go straight to the local store.
import type { Lease } from '../dhcp/lease.js';
import type { LeaseStore } from '../dhcp/lease-store.js';
import type { FailoverPolicy } from './policy.js';

export class ReplicatedLeaseStore implements LeaseStore {
  constructor(private readonly local: LeaseStore, private readonly policy: FailoverPolicy) {}

  get(address: number): Lease | undefined { return this.local.get(address); }
  findByClient(subnetId: number, clientKey: string): Lease | undefined { return this.local.findByClient(subnetId, clientKey); }
  dueForExpiry(now: number, limit: number): Lease[] { return this.local.dueForExpiry(now, limit); }
  all(): Iterable<Lease> { return this.local.all(); }
  get size(): number { return this.local.size; }
  remove(address: number): Promise<void> { return this.local.remove(address); }
  close(): Promise<void> { return this.local.close(); }

  commit(lease: Lease): Promise<void> {
    const r = this.policy.relationshipOf(lease.subnetId);
    if (r === undefined) return this.local.commit(lease);
    // Annotated and written in this tick, so reads see it at once (the LeaseStore contract).
    const durable = this.local.commit(r.ledger.annotate(lease));
    const stored = this.local.get(lease.address)!;
    // Sent only once durable here: the partner never holds a record this server could lose.
    return durable.then(() => r.replicate(stored));
  }
}

// What the partner knows of each binding, per relationship: the rules 3 and 4 of
// docs/failover-protocol.md (G2) computed from it. A record we wrote is *pending* until
// the partner acknowledges it (UPDATE-ACK, or its next RESYNC-REQUEST after a page).
// Records carry `partnerExpiry` on disk, written with them, so the bounds survive a
// restart conservatively: after one, every record we wrote is pending again until a
// resync acknowledges it.
import type { Lease } from '../dhcp/lease.js';

const held = (l: Lease | undefined): boolean => l !== undefined && (l.state === 'bound' || l.state === 'declined');

export class SyncLedger {
  private readonly pending = new Set<number>();

  constructor(private readonly get: (address: number) => Lease | undefined, private readonly mcltMs: number) {}

  /** After a restart: records written before it that carry partnerExpiry are pending again. */
  load(leases: Iterable<Lease>): void {
    for (const l of leases) if (l.partnerExpiry !== undefined) this.pending.add(l.address);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  isPending(address: number): boolean {
    return this.pending.has(address);
  }

  /** The record to write for a change we make: `next` with what the partner knows; the address becomes pending. */
  annotate(next: Lease): Lease {
    const prev = this.get(next.address);
    const prevPending = prev !== undefined && this.pending.has(next.address);
    let partnerExpiry: number;
    if (held(next)) {
      // Lower bound: the partner holds the previous record if it acknowledged it, else what that record said.
      partnerExpiry = prev === undefined ? 0 : prevPending ? prev.partnerExpiry ?? 0 : held(prev) ? prev.expiresAt : 0;
    } else {
      // Upper bound: the latest expiry we held; the partner knows no later one.
      partnerExpiry = Math.max(held(prev) ? prev!.expiresAt : 0, prevPending ? prev!.partnerExpiry ?? 0 : 0);
    }
    this.pending.add(next.address);
    return { ...next, partnerExpiry };
  }

  /** The partner acknowledged `record` (the store's own object); it counts only while it is still the current one. */
  acknowledged(record: Lease): void {
    if (this.get(record.address) === record) this.pending.delete(record.address);
  }

  /** A record taken from the partner: both hold it. */
  received(address: number): void {
    this.pending.delete(address);
  }

  /**
   * Rule 3: the latest expiry we may grant, out of contact, on an address the partner
   * owns: what it is known to hold, plus MCLT. Nothing known: no extension at all.
   */
  extensionLimit(address: number): number {
    const rec = this.get(address);
    if (rec === undefined) return 0;
    const known = this.pending.has(address) ? rec.partnerExpiry ?? 0 : held(rec) ? rec.expiresAt : 0;
    return known === 0 ? 0 : known + this.mcltMs;
  }

  /** Rule 4: an ended binding whose end the partner has not acknowledged is fenced until its upper bound + MCLT. */
  fenced(address: number, now: number): boolean {
    if (!this.pending.has(address)) return false;
    const rec = this.get(address);
    if (rec === undefined || held(rec)) return false;
    return now < (rec.partnerExpiry ?? 0) + this.mcltMs;
  }
}

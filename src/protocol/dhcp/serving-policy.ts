// What a DHCP failover relationship (src/protocol/failover) tells the engine, as an
// interface the engine asks: whether to answer a client at all, which share of each
// pool it may allocate from, whether a free address's last binding is still fenced,
// and how far a binding may be extended now (docs/failover-protocol.md, G2 rules 1–4).
// Without a policy the engine serves every client from every address, unbounded.
import type { Dhcp4Message } from '../../wire/dhcp4/index.js';
import type { ClientInfo } from './client.js';
import type { AddressRange, PoolModel, SubnetModel } from './model.js';

export interface ServingPolicy {
  /** Whether this server answers this client, whose request selected this subnet, now. */
  answers(subnet: SubnetModel, client: ClientInfo, req: Dhcp4Message): boolean;
  /** The contiguous part of a pool this server may allocate free addresses from; undefined: none of it. Asked once per pool. */
  ownedRange(subnet: SubnetModel, pool: PoolModel): AddressRange | undefined;
  /** A free address of this server's share may go to a client now: the end of its last binding is not fenced (rule 4). */
  mayReuse(subnet: SubnetModel, address: number): boolean;
  /**
   * The latest expiry (ms since the epoch) this server may grant on the address now;
   * Infinity when unbounded (rule 3). `owned`: the address is in this server's share of
   * its pool, or outside every pool (a reservation: one client only).
   */
  expiryLimit(subnet: SubnetModel, address: number, owned: boolean): number;
}

/** A lease store's commit that failed because the failover partner did not take the binding; the client gets no ACK. */
export class ReplicationRefused extends Error {
  constructor(readonly reason: 'partner-rejected' | 'partner-timeout' | 'partner-lost', detail: string) {
    super(`failover partner did not take the binding: ${reason} (${detail})`);
    this.name = 'ReplicationRefused';
  }
}

// The DHCP engine's ServingPolicy over every failover relationship of the server: a
// subnet in a relationship follows its rules, any other subnet is served plainly.
import type { Dhcp4Message } from '../../wire/dhcp4/index.js';
import type { ClientInfo } from '../dhcp/client.js';
import type { AddressRange, PoolModel, SubnetModel } from '../dhcp/model.js';
import type { ServingPolicy } from '../dhcp/serving-policy.js';
import type { Lease } from '../dhcp/lease.js';
import { ownedRange } from './ownership.js';
import type { FailoverRelationship } from './relationship.js';

/** A split-scope subnet: both servers answer every client, each from its own share of the pools; no partner traffic. */
export interface SplitScope {
  readonly role: 'primary' | 'secondary';
  readonly split: number;
}

export class FailoverPolicy implements ServingPolicy {
  private readonly bySubnet = new Map<number, FailoverRelationship>();
  /** Set by the engine's owner: told of every record taken from a partner (Dhcp4Engine.noteExternal). */
  onExternal?: (lease: Lease) => void;

  constructor(relationships: readonly FailoverRelationship[], private readonly splitScope: ReadonlyMap<number, SplitScope> = new Map()) {
    for (const r of relationships) {
      for (const id of r.model.subnetIds) this.bySubnet.set(id, r);
      r.onTaken = (lease) => this.onExternal?.(lease);
    }
  }

  relationshipOf(subnetId: number): FailoverRelationship | undefined {
    return this.bySubnet.get(subnetId);
  }

  answers(subnet: SubnetModel, client: ClientInfo, req: Dhcp4Message): boolean {
    const r = this.bySubnet.get(subnet.id);
    return r === undefined || r.answers(client, req.secs);
  }

  ownedRange(subnet: SubnetModel, pool: PoolModel): AddressRange | undefined {
    const r = this.bySubnet.get(subnet.id);
    if (r !== undefined) return r.ownedRange(pool);
    const split = this.splitScope.get(subnet.id);
    return split === undefined ? pool : ownedRange(pool, 'split-scope', split.role, split.split, 0);
  }

  mayReuse(subnet: SubnetModel, address: number): boolean {
    return this.bySubnet.get(subnet.id)?.mayReuse(address) ?? true;
  }

  expiryLimit(subnet: SubnetModel, address: number, owned: boolean): number {
    return this.bySubnet.get(subnet.id)?.expiryLimit(address, owned) ?? Infinity;
  }
}

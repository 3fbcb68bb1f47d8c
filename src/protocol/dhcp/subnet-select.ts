// Which subnet a request belongs to (RFC 2131 §4.3.1 and the relay RFCs): the link
// address is, in order, the relay's link-selection sub-option (RFC 3527), option 118
// (RFC 3011), giaddr, or — for a client on our own link — the interface it arrived on.
import type { ClientInfo } from './client.js';
import { subnetContains, type DhcpModel, type SubnetModel } from './model.js';

export interface Arrival {
  /** Name of the interface the datagram arrived on. */
  readonly interface: string;
  /** Our address the datagram was sent to (a unicast address, or a broadcast one). */
  readonly localAddress: number;
  /** True when it was sent to a broadcast address. */
  readonly broadcast: boolean;
}

/** The subnets the client may get an address from (its subnet and those sharing its link), or empty. */
export function selectSubnets(model: DhcpModel, client: ClientInfo, giaddr: number, ciaddr: number, arrival: Arrival): readonly SubnetModel[] {
  const link = client.linkSelection ?? (giaddr !== 0 ? giaddr : undefined);
  if (link !== undefined) {
    const subnet = model.subnets.find((s) => subnetContains(s, link)) ?? model.subnets.find((s) => s.relayAddresses.includes(link));
    return subnet ? subnet.sharedWith : [];
  }
  const attached = model.interfaces.get(arrival.interface)?.subnets ?? [];
  if (ciaddr !== 0) {
    // A renewing client on our link: its address picks among the link's subnets.
    const own = attached.find((s) => subnetContains(s, ciaddr));
    if (own) return own.sharedWith;
  }
  // Every subnet on the link (and those sharing a network with them) may serve the client.
  return attached.length <= 1 ? (attached[0]?.sharedWith ?? []) : [...new Set(attached.flatMap((s) => s.sharedWith))];
}

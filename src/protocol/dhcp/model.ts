// The DHCPv4 service as the engine runs it: the validated site config compiled into
// numbers, ranges and pre-encoded option bytes (compile.ts). Everything here is
// read-only while serving; a new config builds a new model.
import type { DdnsSettings } from '../../config/ddns-effective.js';
import type { ClientInfo } from './client.js';

/** Option data by code, in wire form (RFC 3396 splitting is the encoder's job). */
export type OptionData = ReadonlyMap<number, Buffer>;

export interface OptionLayer {
  /** Options this level contributes. */
  readonly data: OptionData;
  /** Codes sent even when the client did not ask for them in option 55 (Kea's always-send). */
  readonly alwaysSend: ReadonlySet<number>;
}

export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

export interface PoolModel {
  /** First and last address, inclusive, as unsigned 32-bit numbers. */
  readonly first: number;
  readonly last: number;
  /** When set, only clients in one of these classes may get an address from this pool. */
  readonly onlyClasses?: readonly string[];
  readonly options: OptionLayer;
}

export interface ReservationModel {
  readonly address?: number;
  /** Classes the client belongs to besides those it matches. */
  readonly classes?: readonly string[];
  /** Hardware address, lower-case hex without separators. */
  readonly hwAddress?: string;
  /** Option 61 bytes as lower-case hex. */
  readonly clientId?: string;
  /** Option 82 circuit-id / remote-id bytes as lower-case hex. */
  readonly circuitId?: string;
  readonly remoteId?: string;
  readonly hostname?: string;
  readonly options: OptionLayer;
}

export interface SubnetModel {
  readonly id: number;
  readonly network: number;
  readonly prefixLength: number;
  readonly mask: number;
  readonly broadcast: number;
  readonly pools: readonly PoolModel[];
  /** Ranges never handed out dynamically (exclusions, reserved addresses, network, broadcast), sorted. */
  readonly excluded: readonly AddressRange[];
  readonly reservations: readonly ReservationModel[];
  /** Seconds. */
  readonly leaseTime: number;
  readonly renewTime: number;
  readonly rebindTime: number;
  readonly options: OptionLayer;
  /** When set, only clients in one of these classes get addresses from this subnet. */
  readonly onlyClasses?: readonly string[];
  /** Relay addresses (giaddr) outside the subnet that select it. */
  readonly relayAddresses: readonly number[];
  /** Subnets that share one link (a shared network); the subnet itself included. */
  sharedWith: readonly SubnetModel[];
  /** Our address as the clients of this subnet see it (option 54), when configured. */
  readonly serverId?: number;
  /** The interface the subnet is directly attached to, if any. */
  readonly interface?: string;
  /** DHCP → DNS registration here (what option 81 replies say), when enabled. */
  readonly ddns?: DdnsSettings;
}

export interface ClassModel {
  readonly name: string;
  /** Whether a client (its request came through giaddr, 0 when direct) is in the class. */
  readonly matches: (client: ClientInfo, giaddr: number) => boolean;
  readonly options: OptionLayer;
}

export interface InterfaceModel {
  readonly name: string;
  /** Our address on it (option 54 for its clients), when configured. */
  readonly address?: number;
  /** The subnets directly attached to this interface (broadcasts arriving here select among them). */
  readonly subnets: readonly SubnetModel[];
}

export interface DhcpModel {
  readonly subnets: readonly SubnetModel[];
  readonly interfaces: ReadonlyMap<string, InterfaceModel>;
  readonly classes: readonly ClassModel[];
  readonly globalOptions: OptionLayer;
  /** UDP port we listen on; clients are answered on port + 1, relays on this port. */
  readonly port: number;
  /** Identify clients by option 61 when they send it (else by hardware address). */
  readonly matchClientId: boolean;
  /** NAK clients that ask for an address that is wrong for their network (RFC 2131 §4.3.2). */
  readonly authoritative: boolean;
  /** How long an offered address is held for the client (ms). */
  readonly offerHoldMs: number;
  /** How long a declined address is quarantined (s); also an address that answered a ping before offer. */
  readonly declineProbation: number;
  /** Ping a fresh address before offering it: how long to wait for an echo reply (ms). Absent: no ping. */
  readonly pingTimeoutMs?: number;
}

export const EMPTY_LAYER: OptionLayer = { data: new Map(), alwaysSend: new Set() };

export function isExcluded(subnet: SubnetModel, address: number): boolean {
  for (const r of subnet.excluded) {
    if (address < r.first) return false;
    if (address <= r.last) return true;
  }
  return false;
}

export function subnetContains(subnet: SubnetModel, address: number): boolean {
  return ((address & subnet.mask) >>> 0) === subnet.network;
}

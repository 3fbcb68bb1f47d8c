// A lease on the failover wire (UPDATE, UPDATE-ACK, RESYNC-PAGE):
//
//   address u32, subnet u32, state u8 (1 bound, 2 released, 3 expired, 4 declined),
//   started u64, expires u64, partnerExpiry u64 (0: none),
//   clientKey string, hwAddress string, hostname string (empty: none)
//
// WireLease has the shape of the protocol layer's Lease (src/protocol/dhcp/lease.ts)
// plus `partnerExpiry`, without importing it (the wire layer is below protocol): a
// decoded WireLease is assignable to Lease, and a stored Lease (with or without a
// partnerExpiry) can be encoded as it is. Absent optional fields are omitted, never
// undefined. A hostname of "" and a partnerExpiry of 0 are "none" on the wire, so
// they encode like absent ones and decode to absent ones.
import type { Codec } from '../codec.js';
import { WireEncodeError } from '../errors.js';
import type { WireReader } from '../reader.js';
import type { WireWriter } from '../writer.js';
import { LEASE_STATE, readEnum, type WireLeaseState } from './enums.js';
import { MAX_LEASE_STRING_BYTES, STRING_PREFIX_BYTES, TIME_BYTES, bodyCodec, checkTime, readString, readTime, stringLength, writeString, writeTime, writeU32 } from './fields.js';

export type { WireLeaseState } from './enums.js';

export interface WireLease {
  /** The address, as an unsigned 32-bit number. */
  readonly address: number;
  /** The id of the configured subnet the address belongs to. */
  readonly subnetId: number;
  readonly clientKey: string;
  readonly hwAddress: string;
  readonly state: WireLeaseState;
  /** When the current state began (ms since the epoch). */
  readonly startedAt: number;
  /** When it ends (ms since the epoch). */
  readonly expiresAt: number;
  /** Client-supplied host name; absent when none (never ""). */
  readonly hostname?: string;
  /** An expiry the partner is known to hold for the address (ms since the epoch; rule 3 of the spec); absent when none (never 0). */
  readonly partnerExpiry?: number;
}

/** Address, subnet, state, three times. */
const FIXED_BYTES = 4 + 4 + 1 + 3 * TIME_BYTES;
/** The smallest lease on the wire: three empty strings. */
export const MIN_LEASE_BYTES = FIXED_BYTES + 3 * STRING_PREFIX_BYTES;
/** The largest lease on the wire: three strings of 255 bytes. */
export const MAX_LEASE_BYTES = MIN_LEASE_BYTES + 3 * MAX_LEASE_STRING_BYTES;

export function leaseLength(l: WireLease): number {
  if (typeof l !== 'object' || l === null) throw new WireEncodeError('bad-value', 'a lease must be an object');
  return FIXED_BYTES + stringLength(l.clientKey, 'clientKey', MAX_LEASE_STRING_BYTES) + stringLength(l.hwAddress, 'hwAddress', MAX_LEASE_STRING_BYTES) + stringLength(l.hostname ?? '', 'hostname', MAX_LEASE_STRING_BYTES);
}

export function writeLease(w: WireWriter, l: WireLease): void {
  writeU32(w, l.address, 'lease address');
  writeU32(w, l.subnetId, 'lease subnetId');
  w.u8(LEASE_STATE.code(l.state));
  writeTime(w, l.startedAt, 'lease startedAt');
  writeTime(w, l.expiresAt, 'lease expiresAt');
  writeTime(w, l.partnerExpiry === undefined ? 0 : checkTime(l.partnerExpiry, 'lease partnerExpiry'), 'lease partnerExpiry');
  writeString(w, l.clientKey, 'lease clientKey', MAX_LEASE_STRING_BYTES);
  writeString(w, l.hwAddress, 'lease hwAddress', MAX_LEASE_STRING_BYTES);
  writeString(w, l.hostname ?? '', 'lease hostname', MAX_LEASE_STRING_BYTES);
}

export function readLease(r: WireReader): WireLease {
  const address = r.u32('lease address');
  const subnetId = r.u32('lease subnet');
  const state = readEnum(r, LEASE_STATE);
  const startedAt = readTime(r, 'lease started');
  const expiresAt = readTime(r, 'lease expires');
  const partnerExpiry = readTime(r, 'lease partnerExpiry');
  const clientKey = readString(r, 'lease clientKey', MAX_LEASE_STRING_BYTES);
  const hwAddress = readString(r, 'lease hwAddress', MAX_LEASE_STRING_BYTES);
  const hostname = readString(r, 'lease hostname', MAX_LEASE_STRING_BYTES);
  // One key order, optional keys last and only when present (one hidden class per shape).
  const lease: { -readonly [K in keyof WireLease]: WireLease[K] } = { address, subnetId, clientKey, hwAddress, state, startedAt, expiresAt };
  if (hostname !== '') lease.hostname = hostname;
  if (partnerExpiry !== 0) lease.partnerExpiry = partnerExpiry;
  return lease;
}

/** One lease as a whole buffer (message bodies write leases in place with writeLease/readLease). */
export const wireLease: Codec<WireLease> = bodyCodec('lease', leaseLength, writeLease, readLease);

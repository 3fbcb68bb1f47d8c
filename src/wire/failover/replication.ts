// The bodies that carry bindings (docs/failover-protocol.md, "Messages after AUTH"):
//
//   UPDATE          batch u32, count u16, leases[count]
//   UPDATE-ACK      batch u32, count u16, rejected[count]: address u32, reason u8, lease
//   RESYNC-REQUEST  subnet u32, after u32 (address cursor), limit u16
//   RESYNC-PAGE     subnet u32, last u8 (1: the subnet is done, 0: more), next u32, count u16, leases[count]
//
// A count is checked against the bytes left (each lease takes at least
// MIN_LEASE_BYTES) before any entry is read, so a count never makes the decoder
// allocate or loop beyond what the body holds. Encode refuses more than 65535
// entries and bodies over 4 MiB (`too-large`): at the largest lease (MAX_LEASE_BYTES,
// 804 bytes) 5216 leases fit in one message, at the smallest every 65535 do.
import type { Codec } from '../codec.js';
import { WireDecodeError } from '../errors.js';
import type { WireReader } from '../reader.js';
import type { WireWriter } from '../writer.js';
import { REJECT_REASON, readEnum, type RejectReason } from './enums.js';
import { bodyCodec, checkCount, readCount, writeU16, writeU32 } from './fields.js';
import { MIN_LEASE_BYTES, leaseLength, readLease, writeLease, type WireLease } from './lease.js';

export interface UpdateMessage {
  readonly kind: 'update';
  /** The sender's batch number, echoed in UPDATE-ACK. */
  readonly batch: number;
  readonly leases: readonly WireLease[];
}

export interface RejectedLease {
  /** The address of the rejected UPDATE lease. */
  readonly address: number;
  readonly reason: RejectReason;
  /** `newer`: the receiver's record (the one that won); otherwise the sender's lease, echoed. */
  readonly lease: WireLease;
}

export interface UpdateAckMessage {
  readonly kind: 'update-ack';
  readonly batch: number;
  /** The UPDATE's leases that were not applied; every other lease of the batch was. */
  readonly rejected: readonly RejectedLease[];
}

export interface ResyncRequestMessage {
  readonly kind: 'resync-request';
  readonly subnetId: number;
  /** Send leases with addresses after this one (the cursor: 0 for the first page, else the previous page's `next`). */
  readonly after: number;
  /** At most this many leases in the page. */
  readonly limit: number;
}

export interface ResyncPageMessage {
  readonly kind: 'resync-page';
  readonly subnetId: number;
  /** The subnet is done: no page follows. */
  readonly last: boolean;
  /** The cursor for the next RESYNC-REQUEST. */
  readonly next: number;
  readonly leases: readonly WireLease[];
}

export const RESYNC_REQUEST_BYTES = 4 + 4 + 2;
/** address u32 + reason u8 before each rejected entry's lease. */
const REJECTED_HEAD_BYTES = 5;

function leasesLength(leases: readonly WireLease[], what: string): number {
  checkCount(leases.length, what);
  let n = 2;
  for (const l of leases) n += leaseLength(l);
  return n;
}

function writeLeases(w: WireWriter, leases: readonly WireLease[], what: string): void {
  writeU16(w, checkCount(leases.length, what), `${what} count`);
  for (const l of leases) writeLease(w, l);
}

function readLeases(r: WireReader, what: string): WireLease[] {
  const count = readCount(r, MIN_LEASE_BYTES, what);
  const out = new Array<WireLease>(count);
  for (let i = 0; i < count; i++) out[i] = readLease(r);
  return out;
}

export const update: Codec<UpdateMessage> = bodyCodec(
  'UPDATE',
  (m) => 4 + leasesLength(m.leases, 'UPDATE leases'),
  (w, m) => {
    writeU32(w, m.batch, 'UPDATE batch');
    writeLeases(w, m.leases, 'UPDATE leases');
  },
  (r) => ({ kind: 'update', batch: r.u32('UPDATE batch'), leases: readLeases(r, 'UPDATE leases') }),
);

export const updateAck: Codec<UpdateAckMessage> = bodyCodec(
  'UPDATE-ACK',
  (m) => {
    checkCount(m.rejected.length, 'UPDATE-ACK rejected');
    let n = 4 + 2;
    for (const e of m.rejected) n += REJECTED_HEAD_BYTES + leaseLength(e.lease);
    return n;
  },
  (w, m) => {
    writeU32(w, m.batch, 'UPDATE-ACK batch');
    writeU16(w, m.rejected.length, 'UPDATE-ACK count');
    for (const e of m.rejected) {
      writeU32(w, e.address, 'UPDATE-ACK address');
      w.u8(REJECT_REASON.code(e.reason));
      writeLease(w, e.lease);
    }
  },
  (r) => {
    const batch = r.u32('UPDATE-ACK batch');
    const count = readCount(r, REJECTED_HEAD_BYTES + MIN_LEASE_BYTES, 'UPDATE-ACK rejected');
    const rejected = new Array<RejectedLease>(count);
    for (let i = 0; i < count; i++) rejected[i] = { address: r.u32('UPDATE-ACK address'), reason: readEnum(r, REJECT_REASON), lease: readLease(r) };
    return { kind: 'update-ack', batch, rejected };
  },
);

export const resyncRequest: Codec<ResyncRequestMessage> = bodyCodec(
  'RESYNC-REQUEST',
  () => RESYNC_REQUEST_BYTES,
  (w, m) => {
    writeU32(w, m.subnetId, 'RESYNC-REQUEST subnet');
    writeU32(w, m.after, 'RESYNC-REQUEST after');
    writeU16(w, m.limit, 'RESYNC-REQUEST limit');
  },
  (r) => ({ kind: 'resync-request', subnetId: r.u32('RESYNC-REQUEST subnet'), after: r.u32('RESYNC-REQUEST after'), limit: r.u16('RESYNC-REQUEST limit') }),
);

function readLast(r: WireReader): boolean {
  const at = r.pos;
  const v = r.u8('RESYNC-PAGE last');
  if (v > 1) throw new WireDecodeError('bad-enum', at, `RESYNC-PAGE last flag ${v} is neither 0 (more pages) nor 1 (the subnet is done)`);
  return v === 1;
}

export const resyncPage: Codec<ResyncPageMessage> = bodyCodec(
  'RESYNC-PAGE',
  (m) => 4 + 1 + 4 + leasesLength(m.leases, 'RESYNC-PAGE leases'),
  (w, m) => {
    writeU32(w, m.subnetId, 'RESYNC-PAGE subnet');
    w.u8(m.last ? 1 : 0);
    writeU32(w, m.next, 'RESYNC-PAGE next');
    writeLeases(w, m.leases, 'RESYNC-PAGE leases');
  },
  (r) => ({
    kind: 'resync-page',
    subnetId: r.u32('RESYNC-PAGE subnet'),
    last: readLast(r),
    next: r.u32('RESYNC-PAGE next'),
    leases: readLeases(r, 'RESYNC-PAGE leases'),
  }),
);

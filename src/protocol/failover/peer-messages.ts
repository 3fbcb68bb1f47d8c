// The messages partners exchange after authentication, as the relationship sees them
// (the wire codec in src/wire/failover encodes them; the site layer translates), and
// the link they travel on.
import type { Lease } from '../dhcp/lease.js';
import type { FailoverState } from './states.js';

export interface Heartbeat { readonly type: 'heartbeat'; readonly state: FailoverState; readonly clock: number; readonly unsynced: number }
export interface Update { readonly type: 'update'; readonly batch: number; readonly leases: readonly Lease[] }
export interface UpdateAck { readonly type: 'update-ack'; readonly batch: number; readonly rejected: readonly { readonly address: number; readonly lease: Lease }[] }
/** `after`: the last address of the previous page (0: from the start); `limit` 0: no more pages, the previous one is stored. */
export interface ResyncRequest { readonly type: 'resync-request'; readonly subnet: number; readonly after: number; readonly limit: number }
export interface ResyncPage { readonly type: 'resync-page'; readonly subnet: number; readonly last: boolean; readonly next: number; readonly leases: readonly Lease[] }

export type PeerMessage = Heartbeat | Update | UpdateAck | ResyncRequest | ResyncPage;

/** An authenticated connection to the partner, in order, both ways. */
export interface PeerLink {
  send(message: PeerMessage): void;
  close(reason: string): void;
}

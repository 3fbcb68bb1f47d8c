// The messages partners exchange after authentication, as the relationship uses them:
// the wire codec's own types (src/wire/failover), and the link they travel on.
import type { HeartbeatMessage, ResyncPageMessage, ResyncRequestMessage, UpdateAckMessage, UpdateMessage } from '../../wire/failover/index.js';

export type PeerMessage = HeartbeatMessage | UpdateMessage | UpdateAckMessage | ResyncRequestMessage | ResyncPageMessage;
export type { ResyncPageMessage };

/** An authenticated connection to the partner, in order, both ways. */
export interface PeerLink {
  send(message: PeerMessage): void;
  close(reason: string): void;
}

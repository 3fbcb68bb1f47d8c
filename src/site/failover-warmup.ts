// A throwaway hot-standby pair for the DHCP warm-up (dhcp-warmup.ts) under failover.
//
// Under failover every ACK waits for the partner's UPDATE-ACK, so the replication path
// (relationship batching, the message codec, framing and MAC, the partner's apply and
// acknowledgement) is as hot as the engine. Cold, it made a fresh pair's first ~0.5 s
// of a storm slow: requests queued and their ACKs left in bursts that overflowed a
// relay's receive buffer (measured in docs/benchmarks.md, dhcp4-ha: ~1 000 ACKs lost
// per trial at 4 000/s, 0.2 % once warm). So the warm-up's engine replicates through
// two relationships of the real classes, in this process, joined by a link that
// encodes, MACs, frames and decodes every message as a session does; each partner's
// store is a throwaway of the real store's class. Nothing leaves the process.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import type { RelationshipModel } from '../protocol/failover/model.js';
import type { PeerLink, PeerMessage } from '../protocol/failover/peer-messages.js';
import { FailoverPolicy } from '../protocol/failover/policy.js';
import { FailoverRelationship } from '../protocol/failover/relationship.js';
import { ReplicatedLeaseStore } from '../protocol/failover/replicated-store.js';
import { FrameReader, decodeMessage, encodeFrame, encodeMessage } from '../wire/failover/index.js';

export interface WarmPair {
  /** The engine's store, replicated to the warm partner before each commit resolves. */
  readonly store: LeaseStore;
  readonly policy: FailoverPolicy;
  dispose(): Promise<void>;
}

/** How long a fresh pair may take to reach normal (empty stores: a few ms). */
const NORMAL_WITHIN_MS = 250;

/** One direction of the warm link: the session's encoding and checks, delivered on a later turn. */
function codecLink(key: Buffer, deliver: () => FailoverRelationship | undefined): PeerLink {
  const reader = new FrameReader();
  reader.startSession(key);
  let sequence = 0;
  return {
    send(message) {
      const { type, body } = encodeMessage(message);
      const bytes = encodeFrame({ type, sequence: sequence++, body }, key);
      setImmediate(() => {
        const to = deliver();
        if (to) for (const f of reader.push(bytes)) to.receive(decodeMessage(f.type, f.body) as PeerMessage);
      });
    },
    close: () => undefined,
  };
}

/**
 * Starts a hot-standby pair over `subnetIds`, `primaryStore` (the warm engine's) and a
 * partner store from `openPartnerStore`, shaped after `model` (its timers; the pair's
 * own names), and waits until both are normal. Undefined when they do not get there in
 * time (the warm-up then serves plainly).
 */
export async function openWarmPair(
  model: RelationshipModel,
  subnetIds: readonly number[],
  primaryStore: LeaseStore,
  openPartnerStore: () => Promise<{ store: LeaseStore; dispose: () => Promise<void> }>,
  clock: Clock,
): Promise<WarmPair | undefined> {
  const partner = await openPartnerStore();
  const shaped = (role: 'primary' | 'standby'): RelationshipModel => ({
    ...model, name: 'warm-up', mode: 'hot-standby', role, subnetIds, partnerName: role === 'primary' ? 'warm-standby' : 'warm-primary',
    failback: { automatic: true, delayMs: 0 },
  });
  const relationship = (role: 'primary' | 'standby', store: LeaseStore) =>
    new FailoverRelationship({ model: shaped(role), clock, store, onTransition: () => undefined, probe: () => Promise.resolve('open') });
  const primary = relationship('primary', primaryStore);
  const standby = relationship('standby', partner.store);
  let open = true;
  const dispose = async () => {
    open = false;
    primary.stop();
    standby.stop();
    await partner.dispose();
  };
  const key = randomBytes(32);
  primary.start();
  standby.start();
  primary.attach(codecLink(key, () => (open ? standby : undefined)));
  standby.attach(codecLink(key, () => (open ? primary : undefined)));
  const until = performance.now() + NORMAL_WITHIN_MS;
  while (primary.state !== 'normal' || standby.state !== 'normal') {
    if (performance.now() > until) {
      await dispose();
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const policy = new FailoverPolicy([primary]);
  return { store: new ReplicatedLeaseStore(primaryStore, policy), policy, dispose };
}

// What the DHCPv4 engine counts: received and sent per message type, and every drop
// by reason. Plain numbers here (pure layer); the service exports them as metrics.
import type { ProbeResult } from './conflict-probe.js';

export const DROP_REASONS = [
  'decode-error', 'not-a-request', 'no-message-type', 'unsupported-message-type', 'no-subnet',
  'for-other-server', 'pool-exhausted', 'unknown-client', 'missing-requested-address',
  'not-offered', 'lease-of-other-client', 'address-quarantined', 'store-failed',
  'ping-in-progress', 'ping-conflicts', 'offer-withdrawn',
  // failover (serving-policy.ts): not this server's client now; the partner did not take
  // the binding; the binding may not be extended out of contact with the partner.
  'failover-not-ours', 'failover-partner-rejected', 'failover-partner-timeout', 'failover-partner-lost', 'failover-extension-limit',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export class DhcpCounters {
  readonly received = new Map<string, number>();
  readonly sent = new Map<string, number>();
  readonly dropped = new Map<DropReason, number>();
  /** Undecodable datagrams by the codec's reason (truncated, bad-op, option-overrun, …). */
  readonly decodeErrors = new Map<string, number>();
  declines = 0;
  /** Pings before offer by result: free (no answer), in-use (answered: address quarantined), unknown (could not ping; offered anyway). */
  readonly pingChecks = new Map<ProbeResult, number>();

  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  drop(reason: DropReason): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }
}

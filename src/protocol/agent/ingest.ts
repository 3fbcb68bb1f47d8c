// The manager's side of event delivery (docs/agent.md "Delivery"): which events of a
// checked batch are new, given the highest number already stored for its stream. The
// caller stores the new ones and its new highest number in one transaction, then
// answers { acked }. Events at or below the stored number are duplicates (a batch sent
// again after a lost answer) and are skipped; a batch that starts past the next number
// is stored too, with the gap reported — the site has nothing older left to send (its
// outbox acknowledged it to someone: a manager database restored from an older backup).
import type { EventBatch, SiteEvent } from './events.js';

export interface IngestDecision {
  /** The events to store, in order. */
  readonly fresh: readonly SiteEvent[];
  readonly duplicates: number;
  /** Numbers never received: from..to inclusive. */
  readonly gap?: { readonly from: number; readonly to: number };
  /** The answer: the highest number stored once `fresh` is. */
  readonly acked: number;
}

export function ingestBatch(stored: number, batch: EventBatch): IngestDecision {
  const fresh = batch.events.filter((e) => e.seq > stored);
  const first = fresh[0]?.seq;
  return {
    fresh,
    duplicates: batch.events.length - fresh.length,
    ...(first !== undefined && first > stored + 1 ? { gap: { from: stored + 1, to: first - 1 } } : {}),
    acked: Math.max(stored, batch.events.at(-1)?.seq ?? 0),
  };
}

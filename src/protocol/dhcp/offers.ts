// Addresses offered and held for a client until it requests them or the hold ends.
// Offers are never made durable: a lost offer only costs the client a retry.
import type { Clock } from '../../core/clock.js';

export interface Offer {
  readonly address: number;
  readonly subnetId: number;
  readonly clientKey: string;
  readonly expiresAt: number;
}

export class OfferTable {
  private readonly byAddress = new Map<number, Offer>();
  private readonly byClient = new Map<string, Offer>();

  constructor(private readonly clock: Clock, private readonly onExpire: (offer: Offer) => void) {}

  get size(): number {
    return this.byAddress.size;
  }

  add(offer: Offer): void {
    const previous = this.byClient.get(offer.clientKey);
    if (previous && previous.address !== offer.address) this.drop(previous);
    this.byAddress.set(offer.address, offer);
    this.byClient.set(offer.clientKey, offer);
  }

  forAddress(address: number): Offer | undefined {
    return this.live(this.byAddress.get(address));
  }

  forClient(clientKey: string): Offer | undefined {
    return this.live(this.byClient.get(clientKey));
  }

  /** Forgets an offer (the client took it, or chose another server). */
  remove(offer: Offer): void {
    if (this.byAddress.get(offer.address) === offer) this.byAddress.delete(offer.address);
    if (this.byClient.get(offer.clientKey) === offer) this.byClient.delete(offer.clientKey);
  }

  /** Drops every offer whose hold has ended, telling onExpire; returns how many. */
  sweep(): number {
    const now = this.clock.now();
    let n = 0;
    for (const offer of this.byAddress.values()) {
      if (offer.expiresAt <= now) { this.drop(offer); n++; }
    }
    return n;
  }

  private live(offer: Offer | undefined): Offer | undefined {
    if (offer && offer.expiresAt <= this.clock.now()) {
      this.drop(offer);
      return undefined;
    }
    return offer;
  }

  private drop(offer: Offer): void {
    this.remove(offer);
    this.onExpire(offer);
  }
}

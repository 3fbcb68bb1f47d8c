// The bandwidth cap of the sync (files.sync.bandwidth, docs/files.md "Sync"): a token
// bucket over an injected time. Bytes already received are charged whole, the bucket
// may go into debt, and the caller waits until the debt is paid before it reads on —
// so the average never exceeds the rate, whatever the chunk sizes, and a pause refills
// at most `burst` bytes. Pure: the caller passes the time.

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` bytes per second; `burst` the most that accrues while idle. */
  constructor(readonly rate: number, readonly burst: number, now: number) {
    if (!(rate > 0) || !(burst > 0)) throw new RangeError('a token bucket needs a positive rate and burst');
    this.tokens = burst;
    this.last = now;
  }

  /** Charges `bytes` at time `now` (ms); returns how long to wait (ms) before the next read, 0 when none. */
  take(bytes: number, now: number): number {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }
}

/** The bucket for a cap of `rate` bytes/s: a burst of a quarter second (at least 1 KiB), so a link is never flooded. */
export function bandwidthBucket(rate: number, now: number): TokenBucket {
  return new TokenBucket(rate, Math.max(1024, Math.floor(rate / 4)), now);
}

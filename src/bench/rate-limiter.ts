// A token bucket in records per second: acquire(n) says how long to wait before sending n records.
// Allows a burst of at most one second's worth so a stalled sender does not flood afterwards.

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = 0;
    this.last = now();
  }

  /** Milliseconds to wait before `n` records may go (0 = now); the tokens are taken either way. */
  acquire(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.perSecond) * 1000;
  }
}

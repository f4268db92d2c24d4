// Latency histograms (HDR, 3 significant digits) in microseconds, with the percentiles the bench
// reports. Values above the trackable range are clamped rather than dropped, so max stays honest.

import hdr from 'hdr-histogram-js';

const HIGHEST_US = 120_000_000; // two minutes

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one latency (microseconds), `count` times (e.g. once per record of a batch). */
  record(micros: number, count = 1): void {
    const v = Math.min(Math.max(1, Math.round(micros)), HIGHEST_US);
    if (count === 1) this.h.recordValue(v);
    else this.h.recordValueWithCount(v, count);
  }

  get count(): number {
    return this.h.totalCount;
  }

  reset(): void {
    this.h.reset();
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    if (this.h.totalCount === 0)
      return { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
    return {
      count: this.h.totalCount,
      p50Ms: ms(this.h.getValueAtPercentile(50)),
      p95Ms: ms(this.h.getValueAtPercentile(95)),
      p99Ms: ms(this.h.getValueAtPercentile(99)),
      p999Ms: ms(this.h.getValueAtPercentile(99.9)),
      maxMs: ms(this.h.maxValue),
      meanMs: ms(this.h.mean),
    };
  }
}

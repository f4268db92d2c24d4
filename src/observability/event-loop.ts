// Event-loop delay from perf_hooks.monitorEventLoopDelay, summarised over fixed windows: the quantiles
// and the max describe the last complete window (5 s by default), the sum and count add up every
// window. Unlike a reset on every scrape, any number of scrapers (Prometheus, `fluxmq bench http`,
// a person with curl) see the same values.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const NS_PER_S = 1e9;

export const EVENT_LOOP_QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

export interface EventLoopWindow {
  /** Seconds of delay at each of EVENT_LOOP_QUANTILES. */
  quantiles: number[];
  max: number;
}

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopWindow | null = null;
  private totalSeconds = 0;
  private totalCount = 0;

  constructor(readonly windowMs = 5000) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** The last complete window (the current one until the first window ends). */
  get window(): EventLoopWindow {
    return this.last ?? this.summarise();
  }

  /** Sum (seconds) and count of every sample so far, the current window included. */
  get totals(): { sum: number; count: number } {
    const h = this.histogram;
    return {
      sum: this.totalSeconds + (h.count > 0 ? delay(h.mean) * h.count : 0),
      count: this.totalCount + h.count,
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private roll(): void {
    const h = this.histogram;
    this.last = this.summarise();
    if (h.count > 0) {
      this.totalSeconds += delay(h.mean) * h.count;
      this.totalCount += h.count;
    }
    h.reset();
  }

  private summarise(): EventLoopWindow {
    const h = this.histogram;
    if (h.count === 0) return { quantiles: EVENT_LOOP_QUANTILES.map(() => 0), max: 0 };
    return {
      quantiles: EVENT_LOOP_QUANTILES.map((q) => delay(h.percentile(q * 100))),
      max: delay(h.max),
    };
  }
}

/** The histogram records the time between timer ticks; the delay is what exceeds the tick. */
function delay(ns: number): number {
  return Math.max(0, ns / NS_PER_S - RESOLUTION_MS / 1000);
}

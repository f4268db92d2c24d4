// Running totals of a bench and one-second snapshots for the dashboard and the plain output.
// MB means 10^6 bytes throughout.

import { LatencyHistogram, type LatencySummary } from './histogram.js';

export interface Snapshot {
  elapsedMs: number;
  records: number;
  bytes: number;
  /** Rates over the last interval. */
  recordsPerSec: number;
  mbPerSec: number;
  /** Rates since the start. */
  avgRecordsPerSec: number;
  avgMbPerSec: number;
  inflight: number;
  errors: Record<string, number>;
  latency: LatencySummary;
  /** 0..1 toward --records or --duration, null when unbounded. */
  progress: number | null;
}

export class BenchStats {
  records = 0;
  bytes = 0;
  inflight = 0;
  readonly errors: Record<string, number> = {};
  readonly latency = new LatencyHistogram();
  private readonly started = performance.now();
  private lastAt = this.started;
  private lastRecords = 0;
  private lastBytes = 0;

  constructor(private readonly goal: { records?: number; durationMs?: number } = {}) {}

  add(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
  }

  error(name: string): void {
    this.errors[name] = (this.errors[name] ?? 0) + 1;
  }

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  snapshot(): Snapshot {
    const now = performance.now();
    const dt = Math.max(1e-3, (now - this.lastAt) / 1000);
    const total = Math.max(1e-3, (now - this.started) / 1000);
    const s: Snapshot = {
      elapsedMs: now - this.started,
      records: this.records,
      bytes: this.bytes,
      recordsPerSec: (this.records - this.lastRecords) / dt,
      mbPerSec: (this.bytes - this.lastBytes) / dt / 1e6,
      avgRecordsPerSec: this.records / total,
      avgMbPerSec: this.bytes / total / 1e6,
      inflight: this.inflight,
      errors: { ...this.errors },
      latency: this.latency.summary(),
      progress: this.progress(now),
    };
    this.lastAt = now;
    this.lastRecords = this.records;
    this.lastBytes = this.bytes;
    return s;
  }

  private progress(now: number): number | null {
    if (this.goal.records) return Math.min(1, this.records / this.goal.records);
    if (this.goal.durationMs) return Math.min(1, (now - this.started) / this.goal.durationMs);
    return null;
  }
}

// What a consume bench reports, shared by direct partition fetches (consume.ts) and the group
// member (group-consume.ts): the expected record count and the throughput summary.

import type { ConsumeBenchOptions } from './options.js';
import type { BenchStats, Snapshot } from './stats.js';

export interface ConsumeHooks {
  onSnapshot?: (s: Snapshot) => void;
  signal?: AbortSignal;
}

export interface ConsumeBenchResult {
  kind: 'consume';
  topic: string;
  partitions: number;
  records: number;
  /**
   * Bytes received (MB = 10^6 bytes): record batch bytes of direct fetches; with a group, the key
   * and value bytes of the records handed over (the group consumer decodes its batches).
   */
  bytes: number;
  expectedRecords: number;
  verified: boolean;
  /** Fetch requests; with a group, the record batches the group consumer handed over. */
  fetches: number;
  /** The consumer group, or null for direct partition fetches. */
  group: string | null;
  /** With a group: its committed offsets after the run by partition (null: none committed). */
  committed: Record<string, number | null> | null;
  /** With a group: milliseconds until it had joined and got its partitions (not in durationMs). */
  joinMs: number | null;
  durationMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  errors: Record<string, number>;
}

/** Records to expect: what lies between `from` and `end`, capped at --records. */
export function expectedRecords(
  from: Map<number, number>,
  end: Map<number, number>,
  records: number | undefined,
): number {
  let available = 0;
  for (const [p, stop] of end) available += Math.max(0, stop - (from.get(p) ?? stop));
  return records !== undefined ? Math.min(records, available) : available;
}

/** The throughput and verification fields every consume result shares. */
export function consumeSummary(
  o: ConsumeBenchOptions,
  partitions: number,
  stats: BenchStats,
  expected: number,
  durationMs: number,
) {
  const seconds = Math.max(durationMs, 1e-3) / 1000;
  return {
    kind: 'consume' as const,
    topic: o.topic,
    partitions,
    records: stats.records,
    bytes: stats.bytes,
    expectedRecords: expected,
    verified: o.records !== undefined ? stats.records >= expected : stats.records === expected,
    durationMs: Math.round(durationMs),
    recordsPerSec: Math.round(stats.records / seconds),
    mbPerSec: Math.round((stats.bytes / seconds / 1e6) * 100) / 100,
    errors: { ...stats.errors },
  };
}

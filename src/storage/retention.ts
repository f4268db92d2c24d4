// Retention (cleanup.policy=delete): whole closed segments are deleted from the oldest, never the
// active one, in Kafka's order: first those past retention.ms (judged by the newest record
// timestamp in the segment), then the oldest while the log exceeds retention.bytes. The log start
// offset follows the first remaining segment. -1 disables either rule; the broker sets both to -1
// for topics whose cleanup.policy has no `delete`.

import type { PartitionLog } from './partition-log.js';

export type RetentionReason = 'retention.ms' | 'retention.bytes';

export interface RetentionDeletion {
  reason: RetentionReason;
  segments: number;
  bytes: number;
}

/** Applies retention.ms then retention.bytes to `log`; returns what each rule deleted (empty: nothing). */
export function enforceRetention(log: PartitionLog, now: number): RetentionDeletion[] {
  const out: RetentionDeletion[] = [];
  const { retentionMs, retentionBytes } = log.config;
  if (retentionMs >= 0) {
    const r = log.deleteOldSegments((s) => now - s.largestTimestamp > retentionMs);
    if (r.segments > 0) out.push({ reason: 'retention.ms', ...r });
  }
  if (retentionBytes >= 0) {
    const r = log.deleteOldSegments((s, logSize) => logSize - s.size >= retentionBytes);
    if (r.segments > 0) out.push({ reason: 'retention.bytes', ...r });
  }
  return out;
}

// acks=-1 in a cluster (Kafka's DelayedProduce): the response waits until, in every partition of the
// request that was appended, the high watermark reached the offset after the request's last record.
// Per partition, as Kafka's Partition.checkEnoughReplicasReachOffset:
//   - the high watermark passed the offset: NONE, unless the ISR is by then smaller than
//     min.insync.replicas: NOT_ENOUGH_REPLICAS_AFTER_APPEND (the data is written but not as
//     replicated as asked);
//   - this broker stopped leading the partition (or moved to another leader epoch):
//     NOT_LEADER_OR_FOLLOWER;
//   - the request's timeout passed first: REQUEST_TIMED_OUT.
// Nothing polls: partitions call their watchers on high watermark, ISR and leadership changes.

import { ErrorCode } from '../../protocol/errors.js';
import type { Partition } from './partition.js';

export interface ReplicationWait {
  partition: Partition;
  /** The offset after the last appended record: the high watermark must reach it. */
  requiredOffset: number;
  /** min.insync.replicas of the topic. */
  minInsyncReplicas: number;
}

/** The error code of one wait, or null while it still waits. */
export function replicationOutcome(w: ReplicationWait, leaderEpoch: number): number | null {
  const p = w.partition;
  if (!p.isLeader || p.isClosed || p.leaderEpoch !== leaderEpoch) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (p.highWatermark < w.requiredOffset) return null;
  return p.isr.length >= w.minInsyncReplicas ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
}

/**
 * Resolves with one error code per wait (in order) once every partition answered, or after
 * `timeoutMs` with REQUEST_TIMED_OUT for those still waiting.
 */
export function awaitReplication(waits: readonly ReplicationWait[], timeoutMs: number): Promise<number[]> {
  const epochs = waits.map((w) => w.partition.leaderEpoch);
  const codes: (number | null)[] = waits.map((w, i) => replicationOutcome(w, epochs[i]!));
  if (codes.every((c) => c !== null)) return Promise.resolve(codes as number[]);
  return new Promise((resolve) => {
    const unwatch: (() => void)[] = [];
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      for (const u of unwatch) u();
      resolve(codes.map((c) => c ?? ErrorCode.REQUEST_TIMED_OUT));
    };
    const check = (): void => {
      if (done) return;
      let waiting = false;
      for (let i = 0; i < waits.length; i++) {
        if (codes[i] === null) codes[i] = replicationOutcome(waits[i]!, epochs[i]!);
        if (codes[i] === null) waiting = true;
      }
      if (!waiting) finish();
    };
    const timer = setTimeout(finish, Math.max(0, timeoutMs));
    const seen = new Set<Partition>();
    for (let i = 0; i < waits.length; i++) {
      const p = waits[i]!.partition;
      if (codes[i] !== null || seen.has(p)) continue;
      seen.add(p);
      unwatch.push(p.watch(check));
    }
  });
}

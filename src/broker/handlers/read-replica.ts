// KIP-392: which replica a consumer should fetch from, as Kafka's RackAwareReplicaSelector picks it.
// Only a leader picks, only for consumer fetches from v11 that name a rack (client.rack), and only
// when replica.selector.class is the rack-aware selector. The leader stays the answer when it is in
// the consumer's rack or no eligible replica is. Eligible: a follower in the ISR (KAFKA-14372: one
// outside may lag without bound) that holds the fetch offset; among those in the consumer's rack,
// the one with the highest log end offset, then the one caught up most recently, then the lowest id.

import type { Partition } from '../../cluster/replication/partition.js';
import type { MetadataImage } from '../../cluster/types.js';

/** The broker id the consumer should fetch this partition from instead of the leader, or -1. */
export function preferredReadReplica(
  part: Partition,
  image: MetadataImage,
  clientRack: string,
  fetchOffset: number,
  now: number,
): number {
  if (clientRack === '' || !part.isLeader) return -1;
  if (image.brokers.get(part.localBrokerId)?.rack === clientRack) return -1;
  let best = -1;
  let bestEnd = -1;
  let bestLag = Infinity;
  for (const [id, f] of part.followerStates()) {
    if (!part.isr.includes(id)) continue;
    if (f.logEndOffset < fetchOffset || f.logStartOffset > fetchOffset) continue;
    if (image.brokers.get(id)?.rack !== clientRack) continue;
    const lag = now - f.lastCaughtUpTimeMs;
    const better =
      f.logEndOffset > bestEnd ||
      (f.logEndOffset === bestEnd && (lag < bestLag || (lag === bestLag && id < best)));
    if (best < 0 || better) {
      best = id;
      bestEnd = f.logEndOffset;
      bestLag = lag;
    }
  }
  return best;
}

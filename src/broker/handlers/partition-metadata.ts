// One partition as Metadata and DescribeTopicPartitions describe it. A single broker leads every
// partition. In a cluster the state comes from the metadata image, and a leader that is not among
// the brokers listed to this client (its registration lapsed and the controller has not moved
// leadership yet) is answered as LEADER_NOT_AVAILABLE with leader -1, as Kafka's metadata cache
// does. A client told of a leader it has no endpoint for would wait on it: KafkaJS, for one, only
// fetches from brokers in the list and would not ask for Metadata again for minutes; on
// LEADER_NOT_AVAILABLE it retries its Metadata request until a live leader is named.

import type { TopicMetadata } from '../../cluster/metadata-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { MetadataResponsePartition } from '../../protocol/messages/index.js';
import type { BrokerState } from '../broker-state.js';

/** Metadata's partition fields; DescribeTopicPartitions carries the same ones (and ELR fields). */
export type PartitionDescription = Omit<MetadataResponsePartition, 'unknownTaggedFields'>;

/**
 * Partitions `from` (inclusive) to `to` (exclusive) of `topic`. `listed` holds the ids of the
 * brokers the response lists (brokersForListener); a leader outside it is not available.
 */
export function describePartitions(
  broker: BrokerState,
  topic: TopicMetadata,
  listed: ReadonlySet<number>,
  from = 0,
  to = topic.partitions,
): PartitionDescription[] {
  const out: PartitionDescription[] = [];
  const image = broker.cluster?.image();
  const states = image?.partitions.get(topic.name);
  for (let p = from; p < to; p++) {
    if (!image) {
      out.push({
        errorCode: ErrorCode.NONE,
        partitionIndex: p,
        leaderId: broker.nodeId,
        leaderEpoch: broker.leaderEpoch,
        replicaNodes: [broker.nodeId],
        isrNodes: [broker.nodeId],
        offlineReplicas: [],
      });
      continue;
    }
    const st = states?.[p];
    if (!st) {
      // not in this broker's image yet (just created)
      out.push({
        errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p,
        leaderId: -1,
        leaderEpoch: -1,
        replicaNodes: [],
        isrNodes: [],
        offlineReplicas: [],
      });
      continue;
    }
    const leaderListed = st.leader >= 0 && listed.has(st.leader);
    out.push({
      errorCode: leaderListed ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p,
      leaderId: leaderListed ? st.leader : -1,
      leaderEpoch: st.leaderEpoch,
      replicaNodes: st.replicas,
      isrNodes: st.isr,
      offlineReplicas: st.replicas.filter((r) => !image.brokers.has(r)),
    });
  }
  return out;
}

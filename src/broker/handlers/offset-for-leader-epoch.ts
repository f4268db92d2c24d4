// OffsetForLeaderEpoch (key 23), v0-v4. For each partition: the largest leader epoch <= the requested
// one that the leader knows and the offset where it ends (KIP-101, KIP-279), from the leader epoch
// cache; -1/-1 (UNDEFINED) when the requested epoch is unknown or newer than the latest. Followers use
// it to truncate a divergent log before fetching, consumers (KIP-320, replica id -1) to detect
// truncation after a leader change.
//
// As Kafka's ReplicaManager.lastOffsetForLeaderEpoch: answered by the leader only, after the
// currentLeaderEpoch check (v2+: older FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH), then
// NOT_LEADER_OR_FOLLOWER on a replica that does not lead; a partition of the cluster without a replica
// here is NOT_LEADER_OR_FOLLOWER, an unknown one UNKNOWN_TOPIC_OR_PARTITION. Kafka does not check the
// replica id (v3+) itself: the request needs ClusterAction or Describe on the topic, which the
// authorization step applies. On a single broker every batch is written at epoch 0.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponseEpochEndOffsetInput,
  type OffsetForLeaderEpochResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

type PartitionResult = OffsetForLeaderEpochResponseEpochEndOffsetInput;

function failed(partition: number, errorCode: number): PartitionResult {
  return { partition, errorCode, leaderEpoch: -1, endOffset: -1 };
}

export const offsetForLeaderEpochHandler: ApiHandler<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponseInput
> = {
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker } = ctx;
    const topics = req.topics.map((t) => {
      const meta = broker.topics.get(t.topic);
      return {
        topic: t.topic,
        partitions: t.partitions.map((p): PartitionResult => {
          const inRange = meta !== undefined && p.partition >= 0 && p.partition < meta.partitions;
          const part = inRange ? broker.replicas.get(t.topic, p.partition) : undefined;
          if (!part) {
            return failed(
              p.partition,
              inRange && broker.replicas.mode === 'cluster'
                ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            );
          }
          const epoch = part.leaderEpoch;
          if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== epoch) {
            return failed(
              p.partition,
              p.currentLeaderEpoch < epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH,
            );
          }
          if (!part.isLeader) return failed(p.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          const end = part.endOffsetForEpoch(p.leaderEpoch);
          return {
            partition: p.partition,
            errorCode: ErrorCode.NONE,
            leaderEpoch: end.leaderEpoch,
            endOffset: end.endOffset,
          };
        }),
      };
    });
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => failed(p.partition, errorCode)),
      })),
    };
  },
};

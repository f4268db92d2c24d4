// Partition offsets over ListOffsets, asked of each partition's leader: earliest (-2), latest (-1)
// or the first offset at or after a timestamp.

import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey, type ListOffsetsResponse, type MetadataResponse } from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check, KafkaRequestError } from '../errors.js';
import type { TopicPartitionRef } from './types.js';

export const EARLIEST = -2;
export const LATEST = -1;

/** `${topic}:${partition}`, the key of the offset maps. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The leader of a partition according to `meta`; throws when the partition is unknown or leaderless. */
export function leaderOf(meta: MetadataResponse, topic: string, partition: number): number {
  const t = meta.topics.find((x) => x.name === topic);
  const p = t?.partitions.find((x) => x.partitionIndex === partition);
  if (!t || !p) {
    throw new KafkaRequestError(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      `find partition ${topic}-${partition}`,
      `Partition ${partition} of topic '${topic}' does not exist.`,
    );
  }
  if (p.leaderId < 0) {
    throw new KafkaRequestError(ErrorCode.LEADER_NOT_AVAILABLE, `find the leader of ${topic}-${partition}`);
  }
  return p.leaderId;
}

/**
 * The offset for `timestamp` (EARLIEST, LATEST or a time in ms) of every partition, keyed by
 * tpKey. For a time after the last record the offset is -1, as Kafka answers.
 */
export async function listOffsets(
  client: ClusterClient,
  partitions: TopicPartitionRef[],
  timestamp: number,
  meta?: MetadataResponse,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (partitions.length === 0) return out;
  const metadata = meta ?? (await client.refreshMetadata([...new Set(partitions.map((p) => p.topic))]));
  const byLeader = new Map<number, TopicPartitionRef[]>();
  for (const p of partitions) {
    const leader = leaderOf(metadata, p.topic, p.partition);
    let list = byLeader.get(leader);
    if (!list) byLeader.set(leader, (list = []));
    list.push(p);
  }
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const topics = [...new Set(list.map((p) => p.topic))].map((name) => ({
        name,
        partitions: list
          .filter((p) => p.topic === name)
          .map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp })),
      }));
      const { response } = await client.request<ListOffsetsResponse>(
        leader,
        ApiKey.ListOffsets,
        () => ({ replicaId: -1, isolationLevel: 0, topics, timeoutMs: 30_000 }),
        { min: 1 },
      );
      for (const t of response.topics) {
        for (const p of t.partitions) {
          check(p.errorCode, `list offsets of ${t.name}-${p.partitionIndex}`);
          out.set(tpKey(t.name, p.partitionIndex), p.offset);
        }
      }
    }),
  );
  return out;
}

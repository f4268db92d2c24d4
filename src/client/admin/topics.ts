// Topic administration over the Kafka protocol: list and describe (Metadata, ListOffsets,
// DescribeConfigs), create (CreateTopics), delete (DeleteTopics), add partitions
// (CreatePartitions), delete records (DeleteRecords). Changes go to the controller.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type CreatePartitionsResponse,
  type CreateTopicsResponse,
  type DeleteRecordsResponse,
  type DeleteTopicsResponse,
  type MetadataResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check, KafkaRequestError, UnsupportedApiError } from '../errors.js';
import { describeConfigs } from './configs.js';
import { leaderOf, listOffsets } from './offsets.js';
import type {
  CreatedTopic,
  CreateTopicSpec,
  DeletedTopic,
  PartitionDetail,
  TopicDetail,
  TopicPartitionRef,
  TopicSummary,
} from './types.js';

const TIMEOUT_MS = 30_000;

function missingTopic(name: string, action = 'find'): KafkaRequestError {
  return new KafkaRequestError(
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    `${action} topic '${name}'`,
    `Topic '${name}' does not exist.`,
  );
}

/** Metadata for `names` without creating them; throws for a topic that does not exist. */
export async function topicMetadata(client: ClusterClient, names: string[]): Promise<MetadataResponse> {
  const meta = await client.refreshMetadata(names, false);
  for (const t of meta.topics) {
    if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw missingTopic(t.name ?? '?');
    check(t.errorCode, `describe topic '${t.name}'`);
  }
  return meta;
}

export async function listTopics(client: ClusterClient, includeInternal = false): Promise<TopicSummary[]> {
  const meta = await client.refreshMetadata(null);
  return meta.topics
    .filter((t) => t.errorCode === 0 && (includeInternal || !t.isInternal))
    .map((t) => ({
      name: t.name ?? '',
      topicId: t.topicId,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicaNodes.length ?? 0,
      internal: t.isInternal,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function describeTopics(client: ClusterClient, names: string[]): Promise<TopicDetail[]> {
  const meta = await topicMetadata(client, names);
  const refs: TopicPartitionRef[] = [];
  for (const t of meta.topics)
    for (const p of t.partitions) refs.push({ topic: t.name!, partition: p.partitionIndex });
  const [earliest, latest] = await Promise.all([
    listOffsets(client, refs, -2, meta).catch(() => new Map<string, number>()),
    listOffsets(client, refs, -1, meta).catch(() => new Map<string, number>()),
  ]);
  let configs = new Map<string, TopicDetail['configs']>();
  try {
    const described = await describeConfigs(
      client,
      names.map((name) => ({ type: 'topic' as const, name })),
    );
    configs = new Map(
      described.map((r) => [r.name, r.configs.filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG')]),
    );
  } catch (err) {
    if (!(err instanceof UnsupportedApiError)) throw err;
  }
  const byName = new Map(meta.topics.map((t) => [t.name!, t]));
  return names.map((name) => {
    const t = byName.get(name);
    if (!t) throw missingTopic(name);
    const key = (p: number) => `${name}:${p}`;
    const partitions: PartitionDetail[] = t.partitions
      .map((p) => ({
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offline: p.offlineReplicas,
        earliestOffset: earliest.get(key(p.partitionIndex)) ?? null,
        latestOffset: latest.get(key(p.partitionIndex)) ?? null,
      }))
      .sort((a, b) => a.partition - b.partition);
    return {
      name,
      topicId: t.topicId,
      internal: t.isInternal,
      replicationFactor: partitions[0]?.replicas.length ?? 0,
      partitions,
      configs: configs.get(name) ?? [],
    };
  });
}

export async function createTopic(
  client: ClusterClient,
  spec: CreateTopicSpec,
  validateOnly = false,
): Promise<CreatedTopic> {
  const { response, version } = await client.request<CreateTopicsResponse>(
    'controller',
    ApiKey.CreateTopics,
    (v) => {
      if (v < 4 && !spec.assignment && (spec.partitions < 0 || spec.replicationFactor < 0)) {
        throw new UnsupportedApiError(
          `the broker speaks CreateTopics v${v}, which needs an explicit partition count and replication factor`,
        );
      }
      return {
        topics: [
          {
            name: spec.name,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            assignments: (spec.assignment ?? []).map((brokerIds, partitionIndex) => ({
              partitionIndex,
              brokerIds,
            })),
            configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
        timeoutMs: TIMEOUT_MS,
        validateOnly,
      };
    },
  );
  const r = response.topics.find((t) => t.name === spec.name) ?? response.topics[0];
  if (!r) throw new Error(`CreateTopics answered without a result for '${spec.name}'`);
  check(r.errorCode, `create topic '${spec.name}'`, r.errorMessage);
  return {
    name: spec.name,
    topicId: version >= 7 && !validateOnly ? r.topicId : null,
    partitions: version >= 5 ? r.numPartitions : (spec.assignment?.length ?? spec.partitions),
    replicationFactor:
      version >= 5 ? r.replicationFactor : (spec.assignment?.[0]?.length ?? spec.replicationFactor),
    validateOnly,
  };
}

export async function deleteTopics(client: ClusterClient, names: string[]): Promise<DeletedTopic[]> {
  const { response } = await client.request<DeleteTopicsResponse>('controller', ApiKey.DeleteTopics, () => ({
    topicNames: names,
    topics: names.map((name) => ({ name, topicId: undefined })),
    timeoutMs: TIMEOUT_MS,
  }));
  const out: DeletedTopic[] = [];
  for (const name of names) {
    const r = response.responses.find((x) => x.name === name);
    if (!r) throw new Error(`DeleteTopics answered without a result for '${name}'`);
    if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw missingTopic(name, 'delete');
    check(r.errorCode, `delete topic '${name}'`, r.errorMessage);
    out.push({ name, topicId: r.topicId && r.topicId !== 'AAAAAAAAAAAAAAAAAAAAAA' ? r.topicId : null });
  }
  return out;
}

/** Raises the partition count of a topic to `total`. */
export async function addPartitions(
  client: ClusterClient,
  topic: string,
  total: number,
  validateOnly = false,
): Promise<{ topic: string; partitions: number; validateOnly: boolean }> {
  const { response } = await client.request<CreatePartitionsResponse>(
    'controller',
    ApiKey.CreatePartitions,
    () => ({
      topics: [{ name: topic, count: total, assignments: null }],
      timeoutMs: TIMEOUT_MS,
      validateOnly,
    }),
  );
  const r = response.results[0];
  if (!r) throw new Error(`CreatePartitions answered without a result for '${topic}'`);
  if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw missingTopic(topic, 'add partitions to');
  check(r.errorCode, `add partitions to topic '${topic}'`, r.errorMessage);
  return { topic, partitions: total, validateOnly };
}

/** Deletes the records below `offset` (-1: all) of each partition; returns the new log start offsets. */
export async function deleteRecords(
  client: ClusterClient,
  targets: { topic: string; partition: number; offset: number }[],
): Promise<{ topic: string; partition: number; lowWatermark: number }[]> {
  const meta = await topicMetadata(client, [...new Set(targets.map((t) => t.topic))]);
  const byLeader = new Map<number, typeof targets>();
  for (const t of targets) {
    const leader = leaderOf(meta, t.topic, t.partition);
    let list = byLeader.get(leader);
    if (!list) byLeader.set(leader, (list = []));
    list.push(t);
  }
  const out: { topic: string; partition: number; lowWatermark: number }[] = [];
  for (const [leader, list] of byLeader) {
    const topics = [...new Set(list.map((t) => t.topic))].map((name) => ({
      name,
      partitions: list
        .filter((t) => t.topic === name)
        .map((t) => ({ partitionIndex: t.partition, offset: t.offset })),
    }));
    const { response } = await client.request<DeleteRecordsResponse>(leader, ApiKey.DeleteRecords, () => ({
      topics,
      timeoutMs: TIMEOUT_MS,
    }));
    for (const t of response.topics) {
      for (const p of t.partitions) {
        check(p.errorCode, `delete records of ${t.name}-${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark });
      }
    }
  }
  return out;
}

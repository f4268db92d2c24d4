// Leadership and replica placement over the Kafka protocol: ElectLeaders (preferred or unclean),
// AlterPartitionReassignments (start or cancel moves) and ListPartitionReassignments (KIP-455).
// All go to the controller; a FluxMQ cluster answers them on any broker.

import { ErrorCode, errorName } from '../../protocol/errors.js';
import {
  ApiKey,
  type AlterPartitionReassignmentsResponse,
  type ElectLeadersResponse,
  type ListPartitionReassignmentsResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check, UnsupportedApiError } from '../errors.js';
import { topicMetadata } from './topics.js';
import type {
  ElectionType,
  OngoingReassignment,
  PartitionOutcome,
  ReassignmentTarget,
  TopicPartitionRef,
} from './types.js';

const TIMEOUT_MS = 60_000;
const ELECTION_TYPES: Record<ElectionType, number> = { preferred: 0, unclean: 1 };

/** Partitions of some topics: every partition of a topic when `partitions` is absent. */
export interface TopicPartitions {
  topic: string;
  partitions?: number[];
}

function outcome(topic: string, partition: number, code: number, message: string | null): PartitionOutcome {
  return {
    topic,
    partition,
    errorCode: code,
    error: code === ErrorCode.NONE ? null : errorName(code),
    message: code === ErrorCode.NONE ? null : message,
  };
}

/** Items grouped by topic, in first-seen order. */
function groupByTopic<T extends { topic: string }, U>(items: T[], pick: (item: T) => U): [string, U[]][] {
  const out = new Map<string, U[]>();
  for (const item of items) {
    const list = out.get(item.topic);
    if (list) list.push(pick(item));
    else out.set(item.topic, [pick(item)]);
  }
  return [...out];
}

function byTopic(refs: TopicPartitionRef[]): { topic: string; partitions: number[] }[] {
  return groupByTopic(refs, (r) => r.partition).map(([topic, partitions]) => ({
    topic,
    partitions: [...new Set(partitions)],
  }));
}

/** Expands topics named without partitions to all their partitions (Metadata). */
async function expand(client: ClusterClient, targets: TopicPartitions[]): Promise<TopicPartitionRef[]> {
  const whole = [...new Set(targets.filter((t) => !t.partitions).map((t) => t.topic))];
  const meta = whole.length > 0 ? await topicMetadata(client, whole) : null;
  const refs: TopicPartitionRef[] = [];
  for (const t of targets) {
    if (t.partitions) {
      for (const partition of t.partitions) refs.push({ topic: t.topic, partition });
      continue;
    }
    const m = meta!.topics.find((x) => x.name === t.topic);
    for (const p of [...(m?.partitions ?? [])].sort((a, b) => a.partitionIndex - b.partitionIndex))
      refs.push({ topic: t.topic, partition: p.partitionIndex });
  }
  return refs;
}

const sortOutcomes = <T extends TopicPartitionRef>(list: T[]): T[] =>
  list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));

/**
 * Elects leaders: the preferred replica, or (unclean) any live replica of a partition that has no
 * leader. `targets` null: every partition of the cluster, and Kafka then lists only the partitions
 * that had an election. ELECTION_NOT_NEEDED comes back as a per-partition outcome, not as an error.
 */
export async function electLeaders(
  client: ClusterClient,
  type: ElectionType,
  targets: TopicPartitions[] | null,
): Promise<PartitionOutcome[]> {
  const refs = targets === null ? null : await expand(client, targets);
  if (refs !== null && refs.length === 0) return [];
  const { response, version } = await client.request<ElectLeadersResponse>(
    'controller',
    ApiKey.ElectLeaders,
    (v) => {
      if (v < 1 && type !== 'preferred') {
        throw new UnsupportedApiError(
          `the broker speaks ElectLeaders v${v}, which has preferred elections only (unclean elections need Kafka 2.4 or later)`,
        );
      }
      return {
        electionType: ELECTION_TYPES[type],
        topicPartitions: refs === null ? null : byTopic(refs),
        timeoutMs: TIMEOUT_MS,
      };
    },
  );
  if (version >= 1) check(response.errorCode, `elect leaders (${type})`);
  return sortOutcomes(
    response.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => outcome(t.topic, p.partitionId, p.errorCode, p.errorMessage)),
    ),
  );
}

/** Starts (replicas) or cancels (null) partition reassignments; one outcome per partition. */
export async function alterPartitionReassignments(
  client: ClusterClient,
  targets: ReassignmentTarget[],
): Promise<PartitionOutcome[]> {
  if (targets.length === 0) return [];
  const topics = groupByTopic(targets, (t) => ({ partitionIndex: t.partition, replicas: t.replicas }));
  const { response } = await client.request<AlterPartitionReassignmentsResponse>(
    'controller',
    ApiKey.AlterPartitionReassignments,
    () => ({
      timeoutMs: TIMEOUT_MS,
      topics: topics.map(([name, partitions]) => ({ name, partitions })),
    }),
  );
  check(response.errorCode, 'reassign partitions', response.errorMessage);
  return sortOutcomes(
    response.responses.flatMap((t) =>
      t.partitions.map((p) => outcome(t.name, p.partitionIndex, p.errorCode, p.errorMessage)),
    ),
  );
}

/** Reassignments in progress (of the given partitions, or of all when null). */
export async function listPartitionReassignments(
  client: ClusterClient,
  targets: TopicPartitions[] | null,
): Promise<OngoingReassignment[]> {
  const refs = targets === null ? null : await expand(client, targets);
  if (refs !== null && refs.length === 0) return [];
  const { response } = await client.request<ListPartitionReassignmentsResponse>(
    'controller',
    ApiKey.ListPartitionReassignments,
    () => ({
      timeoutMs: TIMEOUT_MS,
      topics:
        refs === null ? null : byTopic(refs).map((t) => ({ name: t.topic, partitionIndexes: t.partitions })),
    }),
  );
  check(response.errorCode, 'list partition reassignments', response.errorMessage);
  const out: OngoingReassignment[] = [];
  for (const t of response.topics) {
    for (const p of t.partitions) {
      out.push({
        topic: t.name,
        partition: p.partitionIndex,
        replicas: p.replicas,
        addingReplicas: p.addingReplicas,
        removingReplicas: p.removingReplicas,
      });
    }
  }
  return sortOutcomes(out);
}

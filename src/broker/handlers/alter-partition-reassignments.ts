// AlterPartitionReassignments (key 45), v0 (KIP-455): per partition, target replicas start a move,
// null cancels the one in progress.
//
// Targets are checked first, with Kafka's (KRaft controller's) codes and texts: an empty list, a
// broker named twice, or a broker that is not registered answer INVALID_REPLICA_ASSIGNMENT; an
// unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION.
//
// Single broker: the only valid target is this broker, which is the current assignment, so the
// move is complete at once (NONE); there is never a move to cancel (NO_REASSIGNMENT_IN_PROGRESS).
// Cluster: valid targets and cancellations go to the metadata client, which answers the code.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type AlterPartitionReassignmentsRequest,
  type AlterPartitionReassignmentsResponseInput,
  type AlterPartitionReassignmentsResponseReassignablePartitionResponseInput,
} from '../../protocol/messages/index.js';
import type { BrokerState } from '../broker-state.js';
import type { ApiHandler } from '../handler.js';

type PartitionResponse = AlterPartitionReassignmentsResponseReassignablePartitionResponseInput;

/** Kafka's error text for a target replica list, or null when it is acceptable. */
export function invalidTarget(
  replicas: readonly number[],
  registered: (id: number) => boolean,
): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const seen = new Set<number>();
  for (const id of replicas) {
    if (!registered(id)) {
      return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    }
    if (seen.has(id)) return `The manual partition assignment includes the broker ${id} more than once.`;
    seen.add(id);
  }
  return null;
}

/** Partition count of a topic (undefined when it does not exist), from the cluster image when there is one. */
function partitionCount(broker: BrokerState, topic: string): number | undefined {
  if (broker.cluster) return broker.cluster.image().partitions.get(topic)?.length;
  return broker.topics.get(topic)?.partitions;
}

async function reassignOne(
  broker: BrokerState,
  topic: string,
  partitionIndex: number,
  replicas: number[] | null,
): Promise<PartitionResponse> {
  const answer = (errorCode: number, errorMessage: string | null = null): PartitionResponse => ({
    partitionIndex,
    errorCode,
    errorMessage,
  });
  const count = partitionCount(broker, topic);
  if (count === undefined || partitionIndex < 0 || partitionIndex >= count) {
    return answer(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      `The partition ${topic}-${partitionIndex} does not exist.`,
    );
  }
  const cluster = broker.cluster;
  if (replicas !== null) {
    const registered = cluster
      ? (id: number) => cluster.image().brokers.has(id)
      : (id: number) => id === broker.nodeId;
    const invalid = invalidTarget(replicas, registered);
    if (invalid) return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, invalid);
  }
  if (!cluster) return answer(replicas === null ? ErrorCode.NO_REASSIGNMENT_IN_PROGRESS : ErrorCode.NONE);
  const code = await cluster.reassign(topic, partitionIndex, replicas);
  return answer(code);
}

export const alterPartitionReassignmentsHandler: ApiHandler<
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponseInput
> = {
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const responses = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) => reassignOne(ctx.broker, t.name, p.partitionIndex, p.replicas)),
        ),
      })),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      responses: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode,
          errorMessage: null,
        })),
      })),
    };
  },
};

// ListPartitionReassignments (key 46), v0 (KIP-455): the partitions with a move in progress (all, or
// those of the named topics and partitions; unknown ones are left out, as Kafka does). A single
// broker never has one, so it answers an empty list.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ListPartitionReassignmentsRequest,
  type ListPartitionReassignmentsResponseInput,
  type ListPartitionReassignmentsResponseOngoingTopicReassignmentInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const listPartitionReassignmentsHandler: ApiHandler<
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponseInput
> = {
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const topics: ListPartitionReassignmentsResponseOngoingTopicReassignmentInput[] = [];
    const cluster = ctx.broker.cluster;
    if (cluster) {
      const image = cluster.image();
      const wanted =
        req.topics === null
          ? [...image.partitions.keys()].sort().map((name) => ({ name, partitionIndexes: null }))
          : req.topics;
      for (const t of wanted) {
        const states = image.partitions.get(t.name);
        if (!states) continue;
        const indexes =
          t.partitionIndexes === null ? states.map((_, i) => i) : [...new Set(t.partitionIndexes)];
        const partitions = indexes.flatMap((i) => {
          const s = states[i];
          if (!s || (s.addingReplicas.length === 0 && s.removingReplicas.length === 0)) return [];
          return [
            {
              partitionIndex: i,
              replicas: s.replicas,
              addingReplicas: s.addingReplicas,
              removingReplicas: s.removingReplicas,
            },
          ];
        });
        if (partitions.length > 0) topics.push({ name: t.name, partitions });
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] };
  },
};

// DescribeTopicPartitions (key 75), v0 (KIP-966): topic metadata with paging. Topics come sorted by
// name; an empty list means every topic. At most response_partition_limit partitions (capped at
// 2000, Kafka's max.request.partition.size.limit) are returned; when more remain, next_cursor
// names the topic and partition to continue from. A cursor topic missing from a non-empty list is
// INVALID_REQUEST. Leaders, replicas and ISR are Metadata's (partition-metadata.ts); there are no
// eligible leader replicas (KIP-966's ELR is not kept).

import { ZERO_UUID } from '../../protocol/codec/uuid.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponseTopicInput,
  type DescribeTopicPartitionsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';
import { brokersForListener } from './broker-endpoints.js';
import { describePartitions } from './partition-metadata.js';

type TopicResult = DescribeTopicPartitionsResponseTopicInput;

const MAX_PARTITION_LIMIT = 2000;
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

function failed(name: string, errorCode: number): TopicResult {
  return {
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export const describeTopicPartitionsHandler: ApiHandler<
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponseInput
> = {
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { broker } = ctx;
    const all = req.topics.length === 0;
    const cursor = req.cursor;
    const from = cursor?.topicName ?? '';
    let names = all ? broker.topics.all().map((t) => t.name) : [...new Set(req.topics.map((t) => t.name))];
    names = names.filter((n) => n >= from).sort();
    if (!all && cursor && !names.includes(cursor.topicName)) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => failed(t.name, ErrorCode.INVALID_REQUEST)),
        nextCursor: null,
      };
    }
    const listed = new Set(brokersForListener(ctx).map((b) => b.id));
    let budget = Math.max(0, Math.min(req.responsePartitionLimit, MAX_PARTITION_LIMIT));
    const topics: TopicResult[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      const meta = broker.topics.get(name);
      if (!meta) {
        topics.push(failed(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      const first = cursor && name === cursor.topicName ? Math.max(0, cursor.partitionIndex) : 0;
      if (budget === 0) {
        nextCursor = { topicName: name, partitionIndex: first };
        break;
      }
      const to = Math.min(meta.partitions, first + budget);
      const partitions = describePartitions(broker, meta, listed, first, to).map((d) => ({
        ...d,
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      }));
      budget -= partitions.length;
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: meta.topicId,
        isInternal: meta.internal,
        partitions,
        topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      });
      if (to < meta.partitions) {
        nextCursor = { topicName: name, partitionIndex: to };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, topics: req.topics.map((t) => failed(t.name, errorCode)), nextCursor: null };
  },
};

// Metadata (key 3), v0-v12. On a single broker it leads every partition with leader epoch 0; in a
// cluster, brokers, leaders, replicas and ISR come from the cluster's metadata (partition-metadata.ts). Topics may be
// asked for by name or (v10+) by id; a null topic list (v1+) or an empty one in v0 means all
// topics. Unknown topics are auto-created when both the request (v4+) and
// `auto.create.topics.enable` allow it.

import { ErrorCode } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/codec/uuid.js';
import {
  ApiKey,
  type MetadataRequest,
  type MetadataResponseInput,
  type MetadataResponseTopicInput,
} from '../../protocol/messages/index.js';
import type { TopicMetadata } from '../../cluster/metadata-store.js';
import type { BrokerState } from '../broker-state.js';
import type { ApiHandler } from '../handler.js';
import { brokersForListener } from './broker-endpoints.js';
import { describePartitions } from './partition-metadata.js';

/** Kafka's value for "authorized operations not requested". */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

function topicEntry(
  broker: BrokerState,
  t: TopicMetadata,
  listed: ReadonlySet<number>,
): MetadataResponseTopicInput {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: describePartitions(broker, t, listed),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function errorEntry(name: string | null, topicId: string, errorCode: number): MetadataResponseTopicInput {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponseInput> = {
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const allTopics = req.topics === null || (version === 0 && req.topics.length === 0);
    const allowAutoCreate = version < 4 ? true : req.allowAutoTopicCreation;
    const brokers = brokersForListener(ctx);
    const listed = new Set(brokers.map((b) => b.id));
    const topics: MetadataResponseTopicInput[] = [];
    if (allTopics) {
      for (const t of broker.topics.all()) topics.push(topicEntry(broker, t, listed));
    } else {
      for (const requested of req.topics!) {
        if (requested.name === null || requested.name === undefined) {
          const byId = broker.topics.getById(requested.topicId);
          topics.push(
            byId
              ? topicEntry(broker, byId, listed)
              : errorEntry(null, requested.topicId, ErrorCode.UNKNOWN_TOPIC_ID),
          );
          continue;
        }
        let found: TopicMetadata | number;
        try {
          found = broker.topics.getOrAutoCreate(requested.name, allowAutoCreate);
        } catch (err) {
          ctx.logger.warn({ err, topic: requested.name }, 'auto-creating topic failed');
          found = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        topics.push(
          typeof found === 'number'
            ? errorEntry(requested.name, ZERO_UUID, found)
            : topicEntry(broker, found, listed),
        );
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: brokers.map((b) => ({ nodeId: b.id, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.clusterId,
      controllerId: broker.cluster ? broker.cluster.image().controllerId : broker.nodeId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
};

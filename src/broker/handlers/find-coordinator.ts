// FindCoordinator (key 10), v0-v6; batched keys from v4. On a single broker this broker
// coordinates every consumer group (the first lookup creates __consumer_offsets) and every
// transactional id (the first lookup creates __transaction_state); share-group keys (type 2) are
// not a thing here: INVALID_REQUEST. In a cluster a group's coordinator is the leader of its
// partition of __consumer_offsets, and a transactional id's the leader of its partition of
// __transaction_state, as in Kafka.
//
// Served ahead of the group coordinator APIs because librdkafka enables its LZ4 codec only on
// brokers that advertise FindCoordinator (it uses it as the marker of Kafka >= 0.8.2); without it,
// `compression.codec=lz4` is silently sent uncompressed.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../coordinator/group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../coordinator/txn/transaction-log.js';
import {
  ApiKey,
  type FindCoordinatorRequest,
  type FindCoordinatorResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';

const GROUP = 0;
const TRANSACTION = 1;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/** This broker's endpoint on the listener the request came in on. */
function thisBroker(ctx: RequestContext): { nodeId: number; host: string; port: number } {
  const { broker } = ctx;
  const e = broker.endpoints.find((x) => x.listener === ctx.connection.listener) ?? broker.endpoints[0]!;
  return { nodeId: broker.nodeId, host: e.host, port: e.port };
}

/**
 * Cluster mode: the coordinator of a key is the leader of its partition of the internal topic
 * (Kafka's rule: abs(hash(key)) % partitions), on the listener the request came in on.
 */
function leaderOfKeyPartition(ctx: RequestContext, topic: string, key: string): Answer {
  const image = ctx.broker.cluster!.image();
  const meta = image.topics.get(topic);
  const unavailable = (why: string): Answer => ({
    errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
    errorMessage: why,
    nodeId: -1,
    host: '',
    port: -1,
  });
  if (!meta) return unavailable(`${topic} is being created`);
  const partition = partitionForGroup(key, meta.partitions);
  const leader = image.partitions.get(topic)?.[partition]?.leader ?? -1;
  const reg = leader >= 0 ? image.brokers.get(leader) : undefined;
  const e = reg?.endpoints.find((x) => x.listener === ctx.connection.listener) ?? reg?.endpoints[0];
  if (!reg || !e) return unavailable(`${topic}-${partition} has no leader`);
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: reg.id, host: e.host, port: e.port };
}

function answer(ctx: RequestContext, keyType: number, key: string): Answer {
  const { broker } = ctx;
  if (keyType === GROUP) {
    // as in Kafka, the first FindCoordinator for a group creates __consumer_offsets
    try {
      broker.groups.ensureOffsetsTopic();
    } catch (err) {
      if (err instanceof KafkaError && err.code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
        return { errorCode: err.code, errorMessage: err.message, nodeId: -1, host: '', port: -1 };
      }
      ctx.logger.error({ err }, 'cannot create the offsets topic');
      return {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The offsets topic cannot be created',
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    if (broker.cluster) return leaderOfKeyPartition(ctx, OFFSETS_TOPIC, key);
    return { errorCode: ErrorCode.NONE, errorMessage: null, ...thisBroker(ctx) };
  }
  const none = { nodeId: -1, host: '', port: -1 };
  if (keyType === TRANSACTION) {
    // as in Kafka, the first FindCoordinator for a transactional id creates __transaction_state
    try {
      broker.txn.ensureStateTopic();
    } catch (err) {
      if (err instanceof KafkaError && err.code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
        return { errorCode: err.code, errorMessage: err.message, ...none };
      }
      ctx.logger.error({ err }, 'cannot create the transaction state topic');
      return {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The transaction state topic cannot be created',
        ...none,
      };
    }
    if (broker.cluster) return leaderOfKeyPartition(ctx, TRANSACTION_STATE_TOPIC, key);
    return { errorCode: ErrorCode.NONE, errorMessage: null, ...thisBroker(ctx) };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unknown coordinator key type ${keyType}`,
    ...none,
  };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponseInput> = {
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const keyType = ctx.header.apiVersion >= 1 ? req.keyType : GROUP;
    if (ctx.header.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        coordinators: req.coordinatorKeys.map((key) => ({ key, ...answer(ctx, keyType, key) })),
      };
    }
    return { throttleTimeMs: 0, ...answer(ctx, keyType, req.key) };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: req.coordinatorKeys.map((key) => ({
        key,
        nodeId: -1,
        host: '',
        port: -1,
        errorCode,
        errorMessage: null,
      })),
    };
  },
};

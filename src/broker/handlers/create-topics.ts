// CreateTopics (key 19), v0-v7. Validates names, partition counts, the replication factor (one
// broker: only 1; a cluster: at most its live brokers), manual assignments (every partition 0..n-1
// exactly once, on existing brokers: this one, or the cluster's live ones) and
// the topic configs this broker honours (others get INVALID_CONFIG naming the key).
// validate_only (v1+) checks everything and creates nothing. From v5 the answer lists every config
// of the new topic with its value and source, as DescribeConfigs would.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/codec/uuid.js';
import {
  ApiKey,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponseCreatableTopicResultInput,
  type CreateTopicsResponseInput,
} from '../../protocol/messages/index.js';
import { describeTopicConfigs } from '../config-resources.js';
import type { ApiHandler, RequestContext } from '../handler.js';

type TopicResult = CreateTopicsResponseCreatableTopicResultInput;

function failed(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}

/**
 * Partition count, replication factor and replica lists implied by a manual replica assignment;
 * `brokerExists` says which broker ids may be named (this broker alone, or the cluster's live ones).
 */
function fromAssignments(
  t: CreateTopicsRequestCreatableTopic,
  brokerExists: (id: number) => boolean,
  describeBrokers: string,
): { partitions: number; rf: number; assignment: number[][] } {
  if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
    );
  }
  const seen = new Set<number>();
  for (const a of t.assignments) {
    if (seen.has(a.partitionIndex))
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Partition ${a.partitionIndex} is assigned twice.`,
      );
    seen.add(a.partitionIndex);
    if (a.brokerIds.length === 0)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Partition ${a.partitionIndex} has no replicas.`,
      );
    if (new Set(a.brokerIds).size !== a.brokerIds.length)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Partition ${a.partitionIndex} names a broker twice: [${a.brokerIds.join(', ')}].`,
      );
    if (a.brokerIds.length !== t.assignments[0]!.brokerIds.length)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'All partitions should have the same number of replicas.',
      );
    for (const b of a.brokerIds) {
      if (!brokerExists(b))
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Broker ${b} does not exist; ${describeBrokers}.`,
        );
    }
  }
  for (let p = 0; p < seen.size; p++) {
    if (!seen.has(p))
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Partitions must be numbered 0 to ${seen.size - 1}; ${p} is missing.`,
      );
  }
  const rf = t.assignments[0]!.brokerIds.length;
  const assignment: number[][] = [];
  for (const a of t.assignments) assignment[a.partitionIndex] = [...a.brokerIds];
  return { partitions: seen.size, rf, assignment };
}

async function createOne(
  ctx: RequestContext,
  t: CreateTopicsRequestCreatableTopic,
  validateOnly: boolean,
): Promise<TopicResult> {
  const { broker } = ctx;
  try {
    let numPartitions = t.numPartitions;
    let replicationFactor = t.replicationFactor;
    let assignment: number[][] | undefined;
    if (t.assignments.length > 0) {
      const live = broker.cluster?.image().brokers;
      const implied = live
        ? fromAssignments(t, (id) => live.has(id), `live brokers are ${[...live.keys()].join(', ')}`)
        : fromAssignments(t, (id) => id === broker.nodeId, `the only broker is ${broker.nodeId}`);
      numPartitions = implied.partitions;
      replicationFactor = implied.rf;
      if (live) assignment = implied.assignment;
    }
    const configs: Record<string, string | null> = {};
    for (const c of t.configs) configs[c.name] = c.value;
    const created = await broker.topics.create({
      name: t.name,
      numPartitions,
      replicationFactor,
      configs,
      validateOnly,
      assignment,
    });
    const replicas = broker.cluster?.image().partitions.get(created.name)?.[0]?.replicas.length;
    return {
      name: t.name,
      topicId: validateOnly ? ZERO_UUID : created.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: created.partitions,
      replicationFactor: replicas ?? (replicationFactor === -1 ? 1 : replicationFactor),
      configs: describeTopicConfigs(broker.configs, created).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.configSource,
        isSensitive: c.isSensitive,
      })),
    };
  } catch (err) {
    if (err instanceof KafkaError) return failed(t.name, err.code, err.message);
    throw err;
  }
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponseInput> = {
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(req, ctx) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics = await Promise.all(
      req.topics.map((t) =>
        counts.get(t.name)! > 1
          ? failed(
              t.name,
              ErrorCode.INVALID_REQUEST,
              `Create topics request from client contains duplicate topic name '${t.name}'.`,
            )
          : createOne(ctx, t, req.validateOnly),
      ),
    );
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, topics: req.topics.map((t) => failed(t.name, errorCode, null)) };
  },
};

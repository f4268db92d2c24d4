// Produce (key 0), served v3-v11. Advertised from v0 as Kafka 4.0 does (KAFKA-18659: librdkafka
// otherwise concludes the broker cannot take compressed batches), while v0-v2 requests, which
// carry legacy message sets, are refused with UNSUPPORTED_VERSION per partition.
//
// Hot path: batches are validated from their headers (no record objects, no decompression), get
// their offsets written in place, and are appended with one write per partition.

import { ErrorCode, errorName } from '../../protocol/errors.js';
import {
  ApiKey,
  type ProduceRequest,
  type ProduceResponseInput,
  type ProduceResponsePartitionProduceResponseInput,
} from '../../protocol/messages/index.js';
import { TRANSACTIONAL_FLAG } from '../../protocol/records/batch-header.js';
import { validateProducedBatches } from '../../protocol/records/validate.js';
import { StorageError } from '../../storage/index.js';
import { partitionKey } from '../purgatory.js';
import type { ApiHandler, RequestContext } from '../handler.js';

type PartitionResult = ProduceResponsePartitionProduceResponseInput;

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionResult {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
  };
}

function maxMessageBytes(ctx: RequestContext, configs: Record<string, string>): number {
  const override = configs['max.message.bytes'];
  return override !== undefined ? Number(override) : ctx.broker.settings.messageMaxBytes;
}

function producePartition(
  ctx: RequestContext,
  topicName: string,
  index: number,
  records: Buffer | null,
): PartitionResult {
  const { broker } = ctx;
  const topic = broker.topics.getOrAutoCreate(topicName, true);
  if (typeof topic === 'number') return failed(index, topic);
  const log =
    index >= 0 && index < topic.partitions ? broker.topics.partitionLog(topicName, index) : undefined;
  if (!log) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const validation = validateProducedBatches(records ?? Buffer.alloc(0));
  if (!validation.ok) return failed(index, validation.errorCode, validation.message);
  const limit = maxMessageBytes(ctx, topic.configs);
  for (const b of validation.batches) {
    if (b.size > limit) {
      return failed(
        index,
        ErrorCode.MESSAGE_TOO_LARGE,
        `Batch of ${b.size} bytes exceeds max.message.bytes ${limit}`,
      );
    }
    if (b.attributes & TRANSACTIONAL_FLAG) {
      return failed(
        index,
        ErrorCode.INVALID_RECORD,
        'Transactional batches are not supported by this broker yet',
      );
    }
  }

  try {
    const result = log.append(records!, validation.batches, broker.leaderEpoch);
    broker.purgatory.notify(partitionKey(topicName, index), records!.length);
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: -1,
      logStartOffset: log.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
  } catch (err) {
    if (err instanceof StorageError) {
      ctx.logger.error({ err, topic: topicName, partition: index }, 'append failed');
      return failed(index, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
    }
    throw err;
  }
}

function everyPartition(req: ProduceRequest, errorCode: number): ProduceResponseInput {
  return {
    responses: req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => failed(p.index, errorCode)),
    })),
    throttleTimeMs: 0,
  };
}

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponseInput> = {
  apiKey: ApiKey.Produce,
  advertisedMinVersion: 0,
  minVersion: 3,
  maxVersion: 11,
  handle(req, ctx) {
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      return everyPartition(req, ErrorCode.INVALID_REQUIRED_ACKS);
    }
    let anyError = false;
    const responses = req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => {
        const r = producePartition(ctx, t.name, p.index, p.records);
        if (r.errorCode !== ErrorCode.NONE) {
          anyError = true;
          ctx.logger.debug(
            {
              topic: t.name,
              partition: p.index,
              error: errorName(r.errorCode!),
              clientId: ctx.header.clientId,
            },
            'produce refused',
          );
        }
        return r;
      }),
    }));
    if (req.acks === 0) {
      // No response for acks=0; on an error Kafka closes the connection so the client notices.
      if (anyError) ctx.closeConnection();
      return null;
    }
    // acks=-1 on a single broker: the in-sync replica set is this broker, so the append is enough.
    return { responses, throttleTimeMs: 0 };
  },
  errorResponse(req, errorCode, ctx) {
    if (req.acks === 0) {
      ctx.closeConnection();
      return null;
    }
    return everyPartition(req, errorCode);
  },
};

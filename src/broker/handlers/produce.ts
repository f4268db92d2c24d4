// Produce (key 0), served v3-v11. Advertised from v0 as Kafka 4.0 does (KAFKA-18659: librdkafka
// otherwise concludes the broker cannot take compressed batches), while v0-v2 requests, which
// carry legacy message sets, are refused with UNSUPPORTED_VERSION per partition.
//
// Hot path: batches are validated from their headers (no record objects, no decompression), get
// their offsets written in place, and are appended with one write per partition.
//
// Topic configs: max.message.bytes (MESSAGE_TOO_LARGE), min.insync.replicas (acks=-1 needs that many
// in-sync replicas: with one broker, more than 1 gives NOT_ENOUGH_REPLICAS), message.timestamp.type
// =LogAppendTime (the batch header gets the append time as max timestamp, the timestamp-type bit
// and a new CRC), and compression.type other than `producer`: batches in another codec are decoded
// and re-encoded before the append. That last step is asynchronous, so appends to a partition go
// through a per-partition queue whenever one is pending, keeping them in request order.
//
// cleanup.policy with compact: records without a key get INVALID_RECORD, as in Kafka (the check walks
// the record headers of uncompressed batches in place; compressed ones are decompressed, through the
// same queue).
//
// Idempotent and transactional producers (src/coordinator/txn/producer-state.ts): at append time,
// in request order, a batch repeating one of the producer's last five is answered with its original
// offsets and not written again; a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch
// INVALID_PRODUCER_EPOCH.
//
// Replication (src/cluster/replication/): appends go through the partition's local replica. A broker
// that does not lead the partition answers NOT_LEADER_OR_FOLLOWER with the leader it knows (KIP-951
// currentLeader, and the leaders' endpoints in nodeEndpoints, v10+). acks=-1 needs an ISR of at least
// min.insync.replicas before the append (NOT_ENOUGH_REPLICAS) and, in a cluster, waits until the high
// watermark passes the appended records (src/cluster/replication/delayed-produce.ts). On a single
// broker the ISR is the broker and the high watermark is the log end, so acks=-1 answers at once.

import { ErrorCode, errorName } from '../../protocol/errors.js';
import {
  ApiKey,
  type ProduceRequest,
  type ProduceResponseInput,
  type ProduceResponsePartitionProduceResponseInput,
} from '../../protocol/messages/index.js';
import {
  ATTRIBUTES,
  CRC,
  MAX_TIMESTAMP,
  RECORDS,
  TIMESTAMP_TYPE_LOG_APPEND,
  computeBatchCrc,
  writeInt64,
} from '../../protocol/records/batch-header.js';
import type { CompressionType } from '../../protocol/records/compression/types.js';
import { CorruptRecordError } from '../../protocol/records/errors.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records/record-batch.js';
import { firstRecordWithoutKey, firstRecordWithoutKeyInBatch } from '../../protocol/records/record-keys.js';
import { validateProducedBatches, type ValidatedBatch } from '../../protocol/records/validate.js';
import { StorageError, type PartitionLog } from '../../storage/index.js';
import { awaitReplication, type ReplicationWait } from '../../cluster/replication/delayed-produce.js';
import type { Partition } from '../../cluster/replication/partition.js';
import { leaderEndpoints, withLeaderHint } from './leader-hints.js';
import type { TopicRuntimeConfig } from '../topic-config.js';
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

/** acks=-1 in a cluster: what the answer of a successful append waits for. */
const replicationWaits = new WeakMap<PartitionResult, ReplicationWait>();

/** Tail of the pending asynchronous appends of each partition log (absent when none is pending). */
const appendQueues = new WeakMap<PartitionLog, Promise<unknown>>();

/** Runs `task` after every append already queued for `log`. */
function enqueueAppend<T>(log: PartitionLog, task: () => T | Promise<T>): Promise<T> {
  const previous = appendQueues.get(log) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  appendQueues.set(log, tail);
  void tail.then(() => {
    if (appendQueues.get(log) === tail) appendQueues.delete(log);
  });
  return result;
}

function checkSizes(index: number, batches: ValidatedBatch[], limit: number): PartitionResult | null {
  for (const b of batches) {
    if (b.size > limit) {
      return failed(
        index,
        ErrorCode.MESSAGE_TOO_LARGE,
        `Batch of ${b.size} bytes exceeds max.message.bytes ${limit}`,
      );
    }
  }
  return null;
}

/** message.timestamp.type=LogAppendTime: the append time becomes the batch's max timestamp. */
function stampLogAppendTime(records: Buffer, b: ValidatedBatch, now: number): void {
  const at = b.position;
  records.writeInt16BE(records.readInt16BE(at + ATTRIBUTES) | TIMESTAMP_TYPE_LOG_APPEND, at + ATTRIBUTES);
  writeInt64(records, at + MAX_TIMESTAMP, now);
  records.writeUInt32BE(computeBatchCrc(records, at, b.size), at + CRC);
  b.maxTimestamp = now;
}

/** Re-encodes every batch not already in `codec` (offsets and timestamps unchanged). */
async function recompress(
  records: Buffer,
  batches: ValidatedBatch[],
  codec: CompressionType,
): Promise<{ records: Buffer; batches: ValidatedBatch[] } | { errorCode: number; message: string }> {
  const parts: Buffer[] = [];
  for (const b of batches) {
    const end = b.position + b.size;
    if (b.compression === codec) {
      parts.push(records.subarray(b.position, end));
      continue;
    }
    const [d] = await decodeRecordBatches(records, b.position, end);
    if (!d)
      return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: 'cannot decode the batch to recompress it' };
    parts.push(
      await encodeRecordBatch({
        records: d.records.map((r) => ({
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
        })),
        compression: codec,
        baseTimestamp: d.baseTimestamp,
        producerId: d.producerId,
        producerEpoch: d.producerEpoch,
        baseSequence: d.baseSequence,
        transactional: d.isTransactional,
      }),
    );
  }
  const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const v = validateProducedBatches(out, { allowMultipleBatches: true });
  if (!v.ok) return { errorCode: v.errorCode, message: v.message };
  return { records: out, batches: v.batches };
}

function appendNow(
  ctx: RequestContext,
  topicName: string,
  index: number,
  partition: Partition,
  records: Buffer,
  batches: ValidatedBatch[],
  rc: TopicRuntimeConfig,
  acks: number,
): PartitionResult {
  const { broker } = ctx;
  const log = partition.log;
  if (log.isClosed || partition.isClosed) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION); // deleted meanwhile
  // leadership may have moved while a queued append waited
  if (!partition.isLeader) return notLeader(ctx, topicName, index);
  // idempotent and transactional producers: sequence and epoch checks, duplicates answered as before
  const producers = batches.some((b) => b.producerId >= 0)
    ? broker.txn.producerStates.forLog(log)
    : undefined;
  if (producers) {
    for (const b of batches) {
      const check = producers.check(b);
      if (check.kind === 'duplicate') {
        const result: PartitionResult = {
          index,
          errorCode: ErrorCode.NONE,
          baseOffset: check.firstOffset,
          logAppendTimeMs: -1,
          logStartOffset: log.logStartOffset,
          recordErrors: [],
          errorMessage: null,
        };
        // a retried batch is answered once it is replicated, like the original
        if (acks === -1 && partition.replicated) {
          const required = check.firstOffset + b.lastOffsetDelta + 1;
          replicationWaits.set(result, {
            partition,
            requiredOffset: required,
            minInsyncReplicas: rc.minInsyncReplicas,
          });
        }
        return result;
      }
      if (check.kind === 'error') return failed(index, check.errorCode, check.message);
    }
  }
  let appendTime = -1;
  if (rc.logAppendTime) {
    appendTime = Date.now();
    for (const b of batches) stampLogAppendTime(records, b, appendTime);
  }
  try {
    const result = partition.appendAsLeader(records, batches);
    if (producers) {
      const now = Date.now();
      let offset = result.baseOffset;
      for (const b of batches) {
        producers.onAppend(b, offset, offset + b.lastOffsetDelta, now);
        offset += b.lastOffsetDelta + 1;
      }
    }
    broker.metrics?.topic(topicName).produced(batches, records.length);
    const answer: PartitionResult = {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: appendTime,
      logStartOffset: log.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
    if (acks === -1 && partition.replicated) {
      replicationWaits.set(answer, {
        partition,
        requiredOffset: result.lastOffset + 1,
        minInsyncReplicas: rc.minInsyncReplicas,
      });
    }
    return answer;
  } catch (err) {
    if (err instanceof StorageError) {
      // the log counts it and logs it (once while appends keep failing)
      ctx.logger.debug({ err, topic: topicName, partition: index }, 'append failed');
      return failed(index, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
    }
    throw err;
  }
}

function keylessRecord(topicName: string, index: number, recordIndex: number): PartitionResult {
  const message = `Compacted topic cannot accept message without key in topic partition ${topicName}-${index}.`;
  return {
    ...failed(index, ErrorCode.INVALID_RECORD, message),
    recordErrors: [{ batchIndex: recordIndex, batchIndexErrorMessage: null }],
  };
}

/**
 * Compacted topics: the refusal when a record has no key, else null; a promise when a batch must be
 * decompressed to tell.
 */
function checkKeys(
  topicName: string,
  index: number,
  records: Buffer,
  batches: ValidatedBatch[],
): PartitionResult | null | Promise<PartitionResult | null> {
  const check = (found: (b: ValidatedBatch) => number): PartitionResult | null => {
    let before = 0;
    for (const b of batches) {
      const i = found(b);
      if (i >= 0) return keylessRecord(topicName, index, before + i);
      before += b.recordCount;
    }
    return null;
  };
  try {
    if (batches.every((b) => b.compression === 'none')) {
      return check((b) =>
        firstRecordWithoutKey(records, b.position + RECORDS, b.position + b.size, b.recordCount),
      );
    }
  } catch (err) {
    if (err instanceof CorruptRecordError) return failed(index, ErrorCode.INVALID_RECORD, err.message);
    throw err;
  }
  return Promise.all(batches.map((b) => firstRecordWithoutKeyInBatch(records, b.position, b.size))).then(
    (found) => check((b) => found[batches.indexOf(b)]!),
    (err: unknown) => {
      if (err instanceof CorruptRecordError) return failed(index, ErrorCode.CORRUPT_MESSAGE, err.message);
      throw err;
    },
  );
}

async function recompressAndAppend(
  ctx: RequestContext,
  topicName: string,
  index: number,
  partition: Partition,
  records: Buffer,
  batches: ValidatedBatch[],
  rc: TopicRuntimeConfig,
  acks: number,
): Promise<PartitionResult> {
  let converted: Awaited<ReturnType<typeof recompress>>;
  try {
    converted = await recompress(records, batches, rc.compression as CompressionType);
  } catch (err) {
    if (err instanceof CorruptRecordError) return failed(index, ErrorCode.CORRUPT_MESSAGE, err.message);
    throw err;
  }
  if ('errorCode' in converted) return failed(index, converted.errorCode, converted.message);
  return (
    checkSizes(index, converted.batches, rc.maxMessageBytes) ??
    appendNow(ctx, topicName, index, partition, converted.records, converted.batches, rc, acks)
  );
}

function producePartition(
  ctx: RequestContext,
  topicName: string,
  index: number,
  records: Buffer | null,
  acks: number,
): PartitionResult | Promise<PartitionResult> {
  const { broker } = ctx;
  const topic = broker.topics.getOrAutoCreate(topicName, true);
  if (typeof topic === 'number') return failed(index, topic);
  // as in Kafka, clients cannot write to internal topics (the group coordinator owns __consumer_offsets)
  if (topic.internal) {
    return failed(index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topicName}`);
  }
  if (index < 0 || index >= topic.partitions) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const partition = broker.replicas.get(topicName, index);
  if (!partition) {
    // in a cluster the partition exists but has no replica here (Kafka: NOT_LEADER_OR_FOLLOWER)
    return broker.replicas.mode === 'cluster'
      ? notLeader(ctx, topicName, index)
      : failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (!partition.isLeader) return notLeader(ctx, topicName, index);
  const log = partition.log;
  const rc = broker.topics.runtimeConfig(topic);
  if (acks === -1 && partition.isr.length < rc.minInsyncReplicas) {
    // Kafka's NotEnoughReplicasException text
    return failed(
      index,
      ErrorCode.NOT_ENOUGH_REPLICAS,
      `The size of the current ISR [${partition.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${rc.minInsyncReplicas} for partition ${topicName}-${index}`,
    );
  }

  const validation = validateProducedBatches(records ?? Buffer.alloc(0));
  if (!validation.ok) return failed(index, validation.errorCode, validation.message);
  const tooLarge = checkSizes(index, validation.batches, rc.maxMessageBytes);
  if (tooLarge) return tooLarge;

  const batches = validation.batches;
  if (rc.log.compact) {
    const refused = checkKeys(topicName, index, records!, batches);
    if (refused instanceof Promise) {
      return enqueueAppend(log, async () => {
        const r = await refused;
        if (r) return r;
        return rc.compression !== 'producer' && batches.some((b) => b.compression !== rc.compression)
          ? recompressAndAppend(ctx, topicName, index, partition, records!, batches, rc, acks)
          : appendNow(ctx, topicName, index, partition, records!, batches, rc, acks);
      });
    }
    if (refused) return refused;
  }
  if (rc.compression !== 'producer' && batches.some((b) => b.compression !== rc.compression)) {
    return enqueueAppend(log, () =>
      recompressAndAppend(ctx, topicName, index, partition, records!, batches, rc, acks),
    );
  }
  if (appendQueues.has(log)) {
    return enqueueAppend(log, () => appendNow(ctx, topicName, index, partition, records!, batches, rc, acks));
  }
  return appendNow(ctx, topicName, index, partition, records!, batches, rc, acks);
}

/** NOT_LEADER_OR_FOLLOWER with the leader this broker knows (KIP-951; encoded from v10). */
function notLeader(ctx: RequestContext, topicName: string, index: number): PartitionResult {
  return withLeaderHint(ctx, topicName, index, failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER));
}

/**
 * Cluster mode: adds the leaders' endpoints for NOT_LEADER_OR_FOLLOWER answers (KIP-951) and, for
 * acks=-1, waits until the appended records are replicated to the ISR (or the request times out).
 */
function withReplication(
  ctx: RequestContext,
  req: ProduceRequest,
  response: ProduceResponseInput,
): ProduceResponseInput | Promise<ProduceResponseInput> {
  const all: { topic: string; r: PartitionResult }[] = [];
  for (const t of response.responses!) for (const r of t.partitionResponses!) all.push({ topic: t.name!, r });
  const results = all.map((x) => x.r);
  const setEndpoints = (): void => {
    const endpoints = leaderEndpoints(ctx, results);
    if (endpoints.length > 0) response.nodeEndpoints = endpoints;
  };
  setEndpoints();
  if (req.acks !== -1) return response;
  const waiting = all.filter((x) => replicationWaits.has(x.r));
  if (waiting.length === 0) return response;
  const waits = waiting.map((x) => replicationWaits.get(x.r)!);
  return awaitReplication(waits, req.timeoutMs).then((codes) => {
    codes.forEach((code, i) => {
      if (code === ErrorCode.NONE) return;
      const { topic, r } = waiting[i]!;
      r.errorCode = code;
      if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER) withLeaderHint(ctx, topic, r.index!, r);
    });
    setEndpoints();
    return response;
  });
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
    let pending = false;
    const results = req.topicData.map((t) =>
      t.partitionData.map((p) => {
        const r = producePartition(ctx, t.name, p.index, p.records, req.acks);
        if (r instanceof Promise) pending = true;
        return r;
      }),
    );
    const finish = (
      settled: PartitionResult[][],
    ): ProduceResponseInput | null | Promise<ProduceResponseInput> => {
      let anyError = false;
      const responses = req.topicData.map((t, i) => ({
        name: t.name,
        partitionResponses: settled[i]!.map((r) => {
          if (r.errorCode !== ErrorCode.NONE) {
            anyError = true;
            ctx.logger.debug(
              {
                topic: t.name,
                partition: r.index,
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
      const response: ProduceResponseInput = { responses, throttleTimeMs: 0 };
      return ctx.broker.replicas.mode === 'cluster' ? withReplication(ctx, req, response) : response;
    };
    if (!pending) return finish(results as PartitionResult[][]);
    return Promise.all(results.map((t) => Promise.all(t))).then(finish);
  },
  errorResponse(req, errorCode, ctx) {
    if (req.acks === 0) {
      ctx.closeConnection();
      return null;
    }
    return everyPartition(req, errorCode);
  },
};

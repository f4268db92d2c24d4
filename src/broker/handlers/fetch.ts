// Fetch (key 1), served v4-v17. Reads whole batches from the log as they are stored (no record
// decoding) up to the partition and response byte limits. When fewer than min_bytes are available
// the fetch waits in the purgatory until appends bring enough, or max_wait_ms passes (then it
// answers with what there is). Topics are named up to v12 and identified by topic id from v13.
//
// Not yet: incremental fetch sessions (KIP-227). Every fetch is a full fetch and the answer's
// session id is 0, which tells clients no session was created; a request naming a session gets
// FETCH_SESSION_ID_NOT_FOUND. read_committed (isolation level 1) reads up to the last stable offset
// (the first offset of the oldest open transaction) and gets the aborted transactions of the range
// read, so the client drops their records (src/coordinator/txn/producer-state.ts).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type FetchRequest,
  type FetchResponseInput,
  type FetchResponsePartitionDataInput,
} from '../../protocol/messages/index.js';
import { OffsetOutOfRangeError, StorageError } from '../../storage/index.js';
import { partitionKey } from '../purgatory.js';
import type { ApiHandler, RequestContext } from '../handler.js';

const FIRST_TOPIC_ID_VERSION = 13;
const EMPTY = Buffer.alloc(0);

interface PartitionRead {
  topicName: string | null;
  data: FetchResponsePartitionDataInput;
  bytes: number;
}

function partitionError(
  partitionIndex: number,
  errorCode: number,
  hw = -1,
  logStart = -1,
): FetchResponsePartitionDataInput {
  return {
    partitionIndex,
    errorCode,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: logStart,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** One pass over the requested partitions, reading what is available now. */
function readAll(
  req: FetchRequest,
  ctx: RequestContext,
): {
  topics: { topicName: string | null; topicId: string; reads: PartitionRead[] }[];
  bytes: number;
  keys: string[];
} {
  const { broker } = ctx;
  const byId = ctx.header.apiVersion >= FIRST_TOPIC_ID_VERSION;
  let budget = Math.min(req.maxBytes, broker.settings.fetchMaxBytes);
  let total = 0;
  const keys: string[] = [];
  const topics = req.topics.map((t) => {
    const meta = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.topic);
    const topicName = meta?.name ?? (byId ? null : t.topic);
    const reads: PartitionRead[] = t.partitions.map((p) => {
      if (!meta) {
        return {
          topicName,
          bytes: 0,
          data: partitionError(
            p.partition,
            byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          ),
        };
      }
      const log =
        p.partition >= 0 && p.partition < meta.partitions
          ? broker.topics.partitionLog(meta.name, p.partition)
          : undefined;
      if (!log)
        return {
          topicName,
          bytes: 0,
          data: partitionError(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
        };
      if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== broker.leaderEpoch) {
        const code =
          p.currentLeaderEpoch < broker.leaderEpoch
            ? ErrorCode.FENCED_LEADER_EPOCH
            : ErrorCode.UNKNOWN_LEADER_EPOCH;
        return { topicName, bytes: 0, data: partitionError(p.partition, code) };
      }
      keys.push(partitionKey(meta.name, p.partition));
      const hw = log.logEndOffset;
      try {
        // read_committed stops at the last stable offset (the first offset of an open transaction)
        const readCommitted = req.isolationLevel === 1;
        const producers = readCommitted
          ? broker.txn.producerStates.forLog(log)
          : broker.txn.producerStates.peek(log);
        const lso = producers ? producers.lastStableOffset(hw) : hw;
        const limit = Math.min(p.partitionMaxBytes, budget);
        // KIP-74: the first partition with data may exceed the limits by one whole batch so a
        // consumer never gets stuck behind a batch larger than its max bytes.
        const read = log.read(p.fetchOffset, Math.max(limit, 0), {
          minOneMessage: total === 0,
          maxOffset: readCommitted ? lso : hw,
        });
        const bytes = read.records.length;
        budget -= bytes;
        total += bytes;
        return {
          topicName,
          bytes,
          data: {
            partitionIndex: p.partition,
            errorCode: ErrorCode.NONE,
            highWatermark: hw,
            lastStableOffset: lso,
            logStartOffset: log.logStartOffset,
            abortedTransactions:
              readCommitted && producers ? (bytes > 0 ? producers.abortedIn(p.fetchOffset, lso) : []) : null,
            preferredReadReplica: -1,
            records: read.records,
          },
        };
      } catch (err) {
        if (err instanceof OffsetOutOfRangeError) {
          return {
            topicName,
            bytes: 0,
            data: partitionError(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE, hw, log.logStartOffset),
          };
        }
        if (err instanceof StorageError) {
          ctx.logger.error({ err, topic: meta.name, partition: p.partition }, 'fetch read failed');
          return {
            topicName,
            bytes: 0,
            data: partitionError(p.partition, ErrorCode.KAFKA_STORAGE_ERROR, hw, log.logStartOffset),
          };
        }
        throw err;
      }
    });
    return { topicName, topicId: meta?.topicId ?? t.topicId, reads };
  });
  return { topics, bytes: total, keys };
}

function toResponse(
  req: FetchRequest,
  pass: ReturnType<typeof readAll>,
  errorCode = ErrorCode.NONE,
): FetchResponseInput {
  return {
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    responses: pass.topics.map((t, i) => ({
      topic: t.topicName ?? req.topics[i]!.topic,
      topicId: t.topicId,
      partitions: t.reads.map((r) => r.data),
    })),
  };
}

/** Topic metrics: bytes sent and records in them (from the batch headers), per existing topic. */
function countFetched(ctx: RequestContext, pass: ReturnType<typeof readAll>): void {
  const metrics = ctx.broker.metrics;
  if (!metrics || pass.bytes === 0) return;
  for (const t of pass.topics) {
    if (t.topicName === null) continue;
    for (const r of t.reads) {
      if (r.bytes > 0 && r.data.records) metrics.topic(t.topicName).fetched(r.data.records);
    }
  }
}

function topLevelError(errorCode: number): FetchResponseInput {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] };
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponseInput> = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(req, ctx) {
    if (ctx.header.apiVersion >= 7) {
      if (req.sessionId !== 0) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      if (req.sessionEpoch !== -1 && req.sessionEpoch !== 0)
        return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    }
    let pass = readAll(req, ctx);
    const anyError = pass.topics.some((t) => t.reads.some((r) => r.data.errorCode !== ErrorCode.NONE));
    if (pass.bytes >= req.minBytes || req.maxWaitMs <= 0 || anyError || pass.keys.length === 0) {
      countFetched(ctx, pass);
      return toResponse(req, pass);
    }
    await ctx.broker.purgatory.wait(pass.keys, req.minBytes - pass.bytes, req.maxWaitMs);
    pass = readAll(req, ctx);
    countFetched(ctx, pass);
    return toResponse(req, pass);
  },
  errorResponse(req, errorCode) {
    // Versions before 7 have no top-level error code: put it on every partition as well.
    return {
      throttleTimeMs: 0,
      errorCode,
      sessionId: 0,
      responses: req.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => partitionError(p.partition, errorCode)),
      })),
    };
  },
};

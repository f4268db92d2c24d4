// ListOffsets (key 2), served v1-v10. Special timestamps: -1 latest (the high watermark), -2
// earliest (log start), -3 max timestamp (v7+, KIP-734: the offset of the record with the largest
// timestamp), -4 earliest local (v8+, equals earliest without tiered storage), -5 latest tiered
// (v9+, KIP-1005: -1/-1 without tiered storage). A real timestamp finds the first record whose
// timestamp is at or after it; only the one batch that holds it is decoded.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ListOffsetsRequest,
  type ListOffsetsResponseInput,
  type ListOffsetsResponseListOffsetsPartitionResponseInput,
} from '../../protocol/messages/index.js';
import { decodeRecordBatches } from '../../protocol/records/record-batch.js';
import type { PartitionLog } from '../../storage/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;

type PartitionResult = ListOffsetsResponseListOffsetsPartitionResponseInput;

function found(
  partitionIndex: number,
  offset: number,
  timestamp: number,
  leaderEpoch: number,
): PartitionResult {
  return { partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch };
}

function failed(partitionIndex: number, errorCode: number): PartitionResult {
  return { partitionIndex, errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 };
}

/** The first record at or after `ts` with its offset and timestamp, or null. */
async function firstAtOrAfter(
  log: PartitionLog,
  ts: number,
): Promise<{ offset: number; timestamp: number } | null> {
  const hit = log.findBatchByTimestamp(ts);
  if (!hit) return null;
  for (const batch of await decodeRecordBatches(hit.batch)) {
    for (const r of batch.records) {
      if (r.timestamp >= ts && r.offset >= log.logStartOffset)
        return { offset: r.offset, timestamp: r.timestamp };
    }
  }
  return null;
}

async function maxTimestamp(log: PartitionLog): Promise<{ offset: number; timestamp: number } | null> {
  const max = log.maxTimestampAndOffset();
  if (!max) return null;
  const exact = await firstAtOrAfter(log, max.timestamp);
  return exact ?? max;
}

async function lookup(
  ctx: RequestContext,
  log: PartitionLog,
  partition: number,
  ts: number,
  version: number,
  readCommitted = false,
): Promise<PartitionResult> {
  const epoch = ctx.broker.leaderEpoch;
  switch (ts) {
    case LATEST:
      // read_committed (v2+): the last stable offset
      return found(
        partition,
        readCommitted
          ? ctx.broker.txn.producerStates.forLog(log).lastStableOffset(log.logEndOffset)
          : log.logEndOffset,
        -1,
        epoch,
      );
    case EARLIEST:
      return found(partition, log.logStartOffset, -1, epoch);
    case EARLIEST_LOCAL:
      if (version >= 8) return found(partition, log.logStartOffset, -1, epoch);
      break;
    case LATEST_TIERED:
      if (version >= 9) return found(partition, -1, -1, -1);
      break;
    case MAX_TIMESTAMP:
      if (version >= 7) {
        const m = await maxTimestamp(log);
        return m ? found(partition, m.offset, m.timestamp, epoch) : found(partition, -1, -1, -1);
      }
      break;
    default:
      if (ts >= 0) {
        const hit = await firstAtOrAfter(log, ts);
        return hit ? found(partition, hit.offset, hit.timestamp, epoch) : found(partition, -1, -1, -1);
      }
  }
  return failed(partition, ErrorCode.INVALID_REQUEST);
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponseInput> = {
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 10,
  async handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const topics = [];
    for (const t of req.topics) {
      const meta = broker.topics.get(t.name);
      const partitions: PartitionResult[] = [];
      for (const p of t.partitions) {
        const log =
          meta && p.partitionIndex < meta.partitions
            ? broker.topics.partitionLog(t.name, p.partitionIndex)
            : undefined;
        if (!log) {
          partitions.push(failed(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        } else if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== broker.leaderEpoch) {
          partitions.push(
            failed(
              p.partitionIndex,
              p.currentLeaderEpoch < broker.leaderEpoch
                ? ErrorCode.FENCED_LEADER_EPOCH
                : ErrorCode.UNKNOWN_LEADER_EPOCH,
            ),
          );
        } else {
          partitions.push(
            await lookup(
              ctx,
              log,
              p.partitionIndex,
              p.timestamp,
              version,
              version >= 2 && req.isolationLevel === 1,
            ),
          );
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => failed(p.partitionIndex, errorCode)),
      })),
    };
  },
};

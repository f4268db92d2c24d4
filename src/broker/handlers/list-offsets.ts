// ListOffsets (key 2), served v1-v10. Special timestamps: -1 latest (the high watermark), -2
// earliest (log start), -3 max timestamp (v7+, KIP-734: the offset of the record with the largest
// timestamp), -4 earliest local (v8+, equals earliest without tiered storage), -5 latest tiered
// (v9+, KIP-1005: -1/-1 without tiered storage). A real timestamp finds the first record whose
// timestamp is at or after it; only the one batch that holds it is decoded.
//
// Replication: answered by the partition's leader only (NOT_LEADER_OR_FOLLOWER elsewhere), after the
// currentLeaderEpoch check (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). As in Kafka, clients
// (replica id -1) see offsets up to the high watermark (latest = high watermark, or the last stable
// offset for read_committed), while brokers and the debugging id (-2) see the log end offset; Kafka
// lets the debugging id ask a follower too. Leader epochs answered are those the offsets were
// written in (0 on a single broker).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ListOffsetsRequest,
  type ListOffsetsResponseInput,
  type ListOffsetsResponseListOffsetsPartitionResponseInput,
} from '../../protocol/messages/index.js';
import { decodeRecordBatches } from '../../protocol/records/record-batch.js';
import type { PartitionLog } from '../../storage/index.js';
import type { Partition } from '../../cluster/replication/partition.js';
import type { ApiHandler, RequestContext } from '../handler.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;
const CONSUMER_REPLICA_ID = -1;
const DEBUGGING_REPLICA_ID = -2;

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
  below: number,
): Promise<{ offset: number; timestamp: number } | null> {
  const hit = log.findBatchByTimestamp(ts);
  if (!hit) return null;
  for (const batch of await decodeRecordBatches(hit.batch)) {
    for (const r of batch.records) {
      if (r.offset >= below) return null;
      if (r.timestamp >= ts && r.offset >= log.logStartOffset)
        return { offset: r.offset, timestamp: r.timestamp };
    }
  }
  return null;
}

async function maxTimestamp(
  log: PartitionLog,
  below: number,
): Promise<{ offset: number; timestamp: number } | null> {
  const max = log.maxTimestampAndOffset();
  if (!max || max.offset >= below) return null;
  const exact = await firstAtOrAfter(log, max.timestamp, below);
  return exact ?? max;
}

async function lookup(
  ctx: RequestContext,
  part: Partition,
  partition: number,
  ts: number,
  version: number,
  replicaId: number,
  readCommitted = false,
): Promise<PartitionResult> {
  const log = part.log;
  const epoch = part.leaderEpoch;
  // Kafka: clients read up to the high watermark (or the last stable offset), brokers to the log end
  const fetchable =
    replicaId !== CONSUMER_REPLICA_ID
      ? log.logEndOffset
      : readCommitted
        ? ctx.broker.txn.producerStates.forLog(log).lastStableOffset(part.highWatermark)
        : part.highWatermark;
  // Kafka's timestamp lookups stop there too (kept as before on a single broker: the log end)
  const below = part.replicated ? fetchable : log.logEndOffset;
  switch (ts) {
    case LATEST:
      // read_committed (v2+): the last stable offset
      return found(partition, fetchable, -1, epoch);
    case EARLIEST:
      return found(partition, log.logStartOffset, -1, part.epochForOffset(log.logStartOffset));
    case EARLIEST_LOCAL:
      if (version >= 8)
        return found(partition, log.logStartOffset, -1, part.epochForOffset(log.logStartOffset));
      break;
    case LATEST_TIERED:
      if (version >= 9) return found(partition, -1, -1, -1);
      break;
    case MAX_TIMESTAMP:
      if (version >= 7) {
        const m = await maxTimestamp(log, below);
        return m
          ? found(partition, m.offset, m.timestamp, part.epochForOffset(m.offset))
          : found(partition, -1, -1, -1);
      }
      break;
    default:
      if (ts >= 0) {
        const hit = await firstAtOrAfter(log, ts, below);
        return hit
          ? found(partition, hit.offset, hit.timestamp, part.epochForOffset(hit.offset))
          : found(partition, -1, -1, -1);
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
        const inRange = meta !== undefined && p.partitionIndex >= 0 && p.partitionIndex < meta.partitions;
        const part = inRange ? broker.replicas.get(t.name, p.partitionIndex) : undefined;
        if (!part) {
          // a partition of the cluster without a replica here: NOT_LEADER_OR_FOLLOWER, as Kafka
          partitions.push(
            failed(
              p.partitionIndex,
              inRange && broker.replicas.mode === 'cluster'
                ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            ),
          );
        } else if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== part.leaderEpoch) {
          partitions.push(
            failed(
              p.partitionIndex,
              p.currentLeaderEpoch < part.leaderEpoch
                ? ErrorCode.FENCED_LEADER_EPOCH
                : ErrorCode.UNKNOWN_LEADER_EPOCH,
            ),
          );
        } else if (!part.isLeader && req.replicaId !== DEBUGGING_REPLICA_ID) {
          partitions.push(failed(p.partitionIndex, ErrorCode.NOT_LEADER_OR_FOLLOWER));
        } else {
          partitions.push(
            await lookup(
              ctx,
              part,
              p.partitionIndex,
              p.timestamp,
              version,
              req.replicaId,
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

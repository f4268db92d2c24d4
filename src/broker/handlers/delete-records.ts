// DeleteRecords (key 21), v0-v2. Moves each partition's log start offset up to the given offset
// (-1: the high watermark), deleting the segments wholly below it; reads below it then get
// OFFSET_OUT_OF_RANGE. An offset above the high watermark is OFFSET_OUT_OF_RANGE; the answer's low
// watermark is the log start offset after the call. The log-start-offset checkpoint is written
// before answering, so the deletion survives a crash.
//
// Replication: only the leader deletes (NOT_LEADER_OR_FOLLOWER elsewhere), and only below the high
// watermark, as Kafka; the leader epoch cache follows the new log start, and followers learn it from
// their next fetch (logStartOffset).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DeleteRecordsRequest,
  type DeleteRecordsResponseInput,
} from '../../protocol/messages/index.js';
import { StorageError } from '../../storage/index.js';
import type { ApiHandler } from '../handler.js';

const HIGH_WATERMARK = -1;

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, DeleteRecordsResponseInput> = {
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { broker } = ctx;
    let changed = false;
    const topics = req.topics.map((t) => {
      const meta = broker.topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const result = (errorCode: number, lowWatermark = -1) => ({
            partitionIndex: p.partitionIndex,
            lowWatermark,
            errorCode,
          });
          const inRange = meta !== undefined && p.partitionIndex >= 0 && p.partitionIndex < meta.partitions;
          const part = inRange ? broker.replicas.get(t.name, p.partitionIndex) : undefined;
          if (!part) {
            return result(
              inRange && broker.replicas.mode === 'cluster'
                ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            );
          }
          if (!part.isLeader) return result(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          const log = part.log;
          const hw = part.highWatermark;
          const target = p.offset === HIGH_WATERMARK ? hw : p.offset;
          if (target < 0 || target > hw) return result(ErrorCode.OFFSET_OUT_OF_RANGE);
          try {
            if (part.maybeIncrementLogStartOffset(target)) {
              changed = true;
              ctx.logger.info(
                { topic: t.name, partition: p.partitionIndex, logStartOffset: log.logStartOffset },
                'records deleted',
              );
            }
            return result(ErrorCode.NONE, log.logStartOffset);
          } catch (err) {
            if (!(err instanceof StorageError)) throw err;
            ctx.logger.error({ err, topic: t.name, partition: p.partitionIndex }, 'delete records failed');
            return result(ErrorCode.KAFKA_STORAGE_ERROR);
          }
        }),
      };
    });
    if (changed) {
      try {
        broker.logs.checkpoint();
      } catch (err) {
        ctx.logger.error({ err }, 'cannot write the log start offset checkpoint');
      }
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          lowWatermark: -1,
          errorCode,
        })),
      })),
    };
  },
};

// DescribeProducers (key 61), v0 (KIP-664): the producers with state on each partition (idempotent
// sequence state and open transactions), as the partition's producer state holds them.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeProducersRequest,
  type DescribeProducersResponseInput,
} from '../../protocol/messages/index.js';
import { StorageError } from '../../storage/index.js';
import type { ApiHandler } from '../handler.js';

export const describeProducersHandler: ApiHandler<DescribeProducersRequest, DescribeProducersResponseInput> =
  {
    apiKey: ApiKey.DescribeProducers,
    minVersion: 0,
    maxVersion: 0,
    handle(req, ctx) {
      const { broker } = ctx;
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => {
          const meta = broker.topics.get(t.name);
          return {
            name: t.name,
            partitions: t.partitionIndexes.map((partitionIndex) => {
              const empty = { partitionIndex, errorMessage: null, activeProducers: [] };
              const log =
                meta && partitionIndex >= 0 && partitionIndex < meta.partitions
                  ? broker.topics.partitionLog(t.name, partitionIndex)
                  : undefined;
              if (!log) return { ...empty, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
              let state;
              try {
                state = broker.txn.producerStates.forLog(log);
              } catch (err) {
                if (err instanceof StorageError)
                  return { ...empty, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
                throw err;
              }
              return {
                ...empty,
                errorCode: ErrorCode.NONE,
                activeProducers: [...state.producers.values()].map((p) => ({
                  producerId: p.producerId,
                  producerEpoch: p.epoch,
                  lastSequence: p.batches.at(-1)?.lastSeq ?? -1,
                  lastTimestamp: p.lastTimestamp,
                  coordinatorEpoch: p.coordinatorEpoch,
                  currentTxnStartOffset: p.currentTxnFirstOffset,
                })),
              };
            }),
          };
        }),
      };
    },
    errorResponse(req, errorCode) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            errorCode,
            errorMessage: null,
            activeProducers: [],
          })),
        })),
      };
    },
  };

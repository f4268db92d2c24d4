// WriteTxnMarkers (key 27), v0-v1: a transaction coordinator on another broker asks this one to
// write COMMIT/ABORT markers on partitions it leads (Kafka's TransactionMarkerChannelManager sends
// them to each partition's leader). Only brokers send it: on anything but an authenticated
// inter-broker connection every partition is CLUSTER_AUTHORIZATION_FAILED. Each marker is written
// with the partition's leader epoch and updates its producer state (last stable offset, aborted
// transactions; on __consumer_offsets the group's pending transactional offsets); a partition led
// elsewhere is NOT_LEADER_OR_FOLLOWER. The answer waits until the markers are replicated (acks=-1).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type WriteTxnMarkersRequest,
  type WriteTxnMarkersResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

function everyPartition(req: WriteTxnMarkersRequest, errorCode: number): WriteTxnMarkersResponseInput {
  return {
    markers: req.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
      })),
    })),
  };
}

export const writeTxnMarkersHandler: ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponseInput> = {
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    if (ctx.connection.interBroker !== true) {
      return everyPartition(req, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    const { txn } = ctx.broker;
    const markers = await Promise.all(
      req.markers.map(async (m) => ({
        producerId: m.producerId,
        topics: await Promise.all(
          m.topics.map(async (t) => ({
            name: t.name,
            partitions: await Promise.all(
              t.partitionIndexes.map(async (partitionIndex) => {
                let errorCode: number;
                try {
                  errorCode = await txn.writeMarkerAsLeader(
                    t.name,
                    partitionIndex,
                    m.producerId,
                    m.producerEpoch,
                    m.transactionResult,
                    m.coordinatorEpoch,
                  );
                } catch (err) {
                  ctx.logger.warn(
                    { err, topic: t.name, partition: partitionIndex },
                    'cannot write transaction marker',
                  );
                  errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
                }
                return { partitionIndex, errorCode };
              }),
            ),
          })),
        ),
      })),
    );
    return { markers };
  },
  errorResponse(req, errorCode) {
    return everyPartition(req, errorCode);
  },
};

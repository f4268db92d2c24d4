// AddPartitionsToTxn (key 24), v0-v5. v0-v3: one transaction from its producer; the partitions join
// it (the first one starts it). v4+ (KIP-890): several transactions per request; with verifyOnly
// the answer tells whether each partition is already in the transaction (NONE) or not
// (INVALID_TXN_STATE), without adding it. An unknown transactional id or a producer id that does
// not match is INVALID_PRODUCER_ID_MAPPING; a stale epoch PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
// before v2); an unknown partition UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

function topicResults(codes: Map<string, Map<number, number>>) {
  return [...codes].map(([name, parts]) => ({
    name,
    resultsByPartition: [...parts].map(([partitionIndex, partitionErrorCode]) => ({
      partitionIndex,
      partitionErrorCode,
    })),
  }));
}

function allFailed(topics: { name: string; partitions: number[] }[], code: number) {
  return topicResults(new Map(topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p, code]))])));
}

export const addPartitionsToTxnHandler: ApiHandler<
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponseInput
> = {
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const { txn } = ctx.broker;
    if (version <= 3) {
      const codes = await txn.addPartitions(
        req.v3AndBelowTransactionalId,
        req.v3AndBelowProducerId,
        req.v3AndBelowProducerEpoch,
        req.v3AndBelowTopics,
        false,
        version,
      );
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topicResults(codes) };
    }
    const results = await Promise.all(
      req.transactions.map((t) =>
        txn.addPartitions(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly, version),
      ),
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: req.transactions.map((t, i) => ({
        transactionalId: t.transactionalId,
        topicResults: topicResults(results[i]!),
      })),
    };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      resultsByTransaction: req.transactions.map((t) => ({
        transactionalId: t.transactionalId,
        topicResults: allFailed(t.topics, errorCode),
      })),
      resultsByTopicV3AndBelow: allFailed(req.v3AndBelowTopics, errorCode),
    };
  },
};

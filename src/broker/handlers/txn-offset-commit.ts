// TxnOffsetCommit (key 28), v0-v4: offsets committed as part of a transaction (after
// AddOffsetsToTxn), sent to the group's coordinator. As in Kafka, the group coordinator writes them
// to __consumer_offsets as a transactional batch of the producer (refused for an epoch older than
// the partition has seen: fenced) and keeps them pending in the group until the transaction's
// COMMIT marker lands there (an ABORT drops them). When this broker also coordinates the
// transactional id (always on one broker), the transaction itself is checked first. v3+ carry the
// member's generation, checked against the group when it has members.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponseInput,
} from '../../protocol/messages/index.js';
import { PRODUCER_FENCED_SINCE } from '../../coordinator/txn/index.js';
import type { ApiHandler } from '../handler.js';
import { commitTopics, whenReplicated } from './group-common.js';

function everyPartition(req: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponseInput {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  };
}

export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput> = {
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const { groups, txn } = ctx.broker;
    const unavailable = groups.store.unavailable(req.groupId);
    if (unavailable !== ErrorCode.NONE) return everyPartition(req, unavailable);
    const checked = txn.checkTxnOffsetCommit(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      groups.store.partitionFor(req.groupId),
      version,
    );
    if (checked !== ErrorCode.NONE) return everyPartition(req, checked);
    const topics = groups.txnCommitOffsets(
      {
        groupId: req.groupId,
        generationId: version >= 3 ? req.generationId : -1,
        memberId: version >= 3 ? req.memberId : '',
        groupInstanceId: version >= 3 ? req.groupInstanceId : null,
        retentionTimeMs: -1,
        apiVersion: version,
        topics: commitTopics(req.topics, version >= 2, false),
      },
      { producerId: req.producerId, producerEpoch: req.producerEpoch },
    );
    // an older epoch of the producer on the offsets partition: a zombie (KIP-588 from v3)
    const fenced =
      version >= PRODUCER_FENCED_SINCE.txnOffsetCommit
        ? ErrorCode.PRODUCER_FENCED
        : ErrorCode.INVALID_PRODUCER_EPOCH;
    for (const t of topics) {
      for (const p of t.partitions)
        if (p.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) p.errorCode = fenced;
    }
    // in a cluster, answered once the ISR has the pending offsets (the marker's commit needs them)
    return whenReplicated(groups, req.groupId, topics, (done) => ({ throttleTimeMs: 0, topics: done }));
  },
  errorResponse(req, errorCode) {
    return everyPartition(req, errorCode);
  },
};

// TxnOffsetCommit (key 28), v0-v4: offsets committed as part of a transaction (after
// AddOffsetsToTxn). They are held by the transaction coordinator and written to
// __consumer_offsets through the group coordinator when the transaction commits; an abort drops
// them. v3+ carry the member's generation, checked against the group when it has members.

import {
  ApiKey,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput> = {
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const topics = ctx.broker.txn.txnOffsetCommit({
      transactionalId: req.transactionalId,
      groupId: req.groupId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      generationId: version >= 3 ? req.generationId : -1,
      memberId: version >= 3 ? req.memberId : '',
      version,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
          commitTimestamp: -1,
        })),
      })),
    });
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    };
  },
};

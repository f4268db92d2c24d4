// EndTxn (key 26), v0-v4: commits or aborts the producer's transaction. On one broker answered
// after the PrepareCommit/PrepareAbort state, a COMMIT/ABORT marker on every partition of the
// transaction (its TxnOffsetCommit offsets included: the group's __consumer_offsets partition is one
// of them) and the CompleteCommit/CompleteAbort state are written; in a cluster, as in Kafka, once
// PrepareCommit/PrepareAbort is replicated (the markers follow, CONCURRENT_TRANSACTIONS meanwhile).
// A retry after completion gets NONE; the other outcome INVALID_TXN_STATE. Not served: v5
// (KIP-890 transaction version 2, an epoch bump per transaction).

import { ApiKey, type EndTxnRequest, type EndTxnResponseInput } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponseInput> = {
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const r = await ctx.broker.txn.endTxn(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.committed,
      ctx.header.apiVersion,
    );
    return { throttleTimeMs: 0, ...r };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};

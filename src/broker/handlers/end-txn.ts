// EndTxn (key 26), v0-v4: commits or aborts the producer's transaction. Answered after the
// PrepareCommit/PrepareAbort state, a COMMIT/ABORT marker on every partition of the transaction
// (and, on commit, its TxnOffsetCommit offsets) and the CompleteCommit/CompleteAbort state are
// written. A retry after completion gets NONE; the other outcome INVALID_TXN_STATE. Not served: v5
// (KIP-890 transaction version 2, an epoch bump per transaction).

import { ApiKey, type EndTxnRequest, type EndTxnResponseInput } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponseInput> = {
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const r = ctx.broker.txn.endTxn(
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

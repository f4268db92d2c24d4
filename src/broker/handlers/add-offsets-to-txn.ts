// AddOffsetsToTxn (key 25), v0-v4: the group's partition of __consumer_offsets joins the
// transaction, so TxnOffsetCommit may follow. Errors as AddPartitionsToTxn.

import {
  ApiKey,
  type AddOffsetsToTxnRequest,
  type AddOffsetsToTxnResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const addOffsetsToTxnHandler: ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput> = {
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const errorCode = await ctx.broker.txn.addOffsets(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.groupId,
      ctx.header.apiVersion,
    );
    return { throttleTimeMs: 0, errorCode };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};

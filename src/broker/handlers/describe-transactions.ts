// DescribeTransactions (key 65), v0 (KIP-664): state, timeout, start time, producer id and epoch
// and partitions of each transactional id; TRANSACTIONAL_ID_NOT_FOUND for an unknown one.

import {
  ApiKey,
  type DescribeTransactionsRequest,
  type DescribeTransactionsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const describeTransactionsHandler: ApiHandler<
  DescribeTransactionsRequest,
  DescribeTransactionsResponseInput
> = {
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id) => {
        const d = ctx.broker.txn.describe(id);
        return {
          errorCode: d.errorCode,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: d.startTimeMs,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: d.topics,
        };
      }),
    };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((transactionalId) => ({
        errorCode,
        transactionalId,
        transactionState: '',
        transactionTimeoutMs: 0,
        transactionStartTimeMs: -1,
        producerId: -1,
        producerEpoch: -1,
        topics: [],
      })),
    };
  },
};

// ListTransactions (key 66), v0-v1 (KIP-664; v1 adds the duration filter of KIP-994): every
// transactional id, filtered by state name, producer id, and (v1) transactions open at least
// durationFilter ms. Unknown state names are listed back in unknownStateFilters.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ListTransactionsRequest,
  type ListTransactionsResponseInput,
} from '../../protocol/messages/index.js';
import { TXN_STATE_NAMES } from '../../coordinator/txn/index.js';
import type { ApiHandler } from '../handler.js';

export const listTransactionsHandler: ApiHandler<ListTransactionsRequest, ListTransactionsResponseInput> = {
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const { txn } = ctx.broker;
    if (txn.isLoading) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        unknownStateFilters: [],
        transactionStates: [],
      };
    }
    const known = new Set(TXN_STATE_NAMES);
    const states = txn.list(
      req.stateFilters,
      req.producerIdFilters,
      ctx.header.apiVersion >= 1 ? req.durationFilter : -1,
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters: req.stateFilters.filter((s) => !known.has(s)),
      transactionStates: states.map((s) => ({
        transactionalId: s.transactionalId,
        producerId: s.producerId,
        transactionState: s.state,
      })),
    };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, unknownStateFilters: [], transactionStates: [] };
  },
};

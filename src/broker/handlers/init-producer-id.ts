// InitProducerId (key 22), v0-v5. Without a transactional id: a new producer id (never handed out
// before by this data directory) with epoch 0, for idempotent producers. With one: the id's producer
// id with its epoch bumped (KIP-98), aborting a transaction the previous incarnation left open and
// fencing it; v3+ may name the producer id and epoch the client had (KIP-360), which must be the
// current ones (else PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type InitProducerIdRequest,
  type InitProducerIdResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponseInput> = {
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const r = await ctx.broker.txn.initProducerId(
      req.transactionalId,
      req.transactionTimeoutMs,
      version >= 3 ? req.producerId : -1,
      version >= 3 ? req.producerEpoch : -1,
      version,
    );
    if (r.errorCode !== ErrorCode.NONE) {
      ctx.logger.debug(
        { transactionalId: req.transactionalId, errorCode: r.errorCode },
        'InitProducerId refused',
      );
    }
    return { throttleTimeMs: 0, ...r };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};

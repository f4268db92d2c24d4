// FindCoordinator (key 10), v0-v6; batched keys from v4. On a single broker this broker
// coordinates every consumer group (the first lookup creates __consumer_offsets). Transaction
// coordinators do not exist yet, so transaction keys get COORDINATOR_NOT_AVAILABLE; share-group keys
// (type 2) are not a thing here: INVALID_REQUEST.
//
// Served ahead of the group coordinator APIs because librdkafka enables its LZ4 codec only on
// brokers that advertise FindCoordinator (it uses it as the marker of Kafka >= 0.8.2); without it,
// `compression.codec=lz4` is silently sent uncompressed.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type FindCoordinatorRequest,
  type FindCoordinatorResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';

const GROUP = 0;
const TRANSACTION = 1;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

function answer(ctx: RequestContext, keyType: number): Answer {
  const { broker } = ctx;
  if (keyType === GROUP) {
    // as in Kafka, the first FindCoordinator for a group creates __consumer_offsets
    try {
      broker.groups.ensureOffsetsTopic();
    } catch (err) {
      ctx.logger.error({ err }, 'cannot create the offsets topic');
      return {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The offsets topic cannot be created',
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    const e = broker.endpoints.find((x) => x.listener === ctx.connection.listener) ?? broker.endpoints[0]!;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: broker.nodeId,
      host: e.host,
      port: e.port,
    };
  }
  const none = { nodeId: -1, host: '', port: -1 };
  if (keyType === TRANSACTION) {
    return {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: 'Transactions are not supported by this broker yet',
      ...none,
    };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unknown coordinator key type ${keyType}`,
    ...none,
  };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponseInput> = {
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const keyType = ctx.header.apiVersion >= 1 ? req.keyType : GROUP;
    if (ctx.header.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        coordinators: req.coordinatorKeys.map((key) => ({ key, ...answer(ctx, keyType) })),
      };
    }
    return { throttleTimeMs: 0, ...answer(ctx, keyType) };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: req.coordinatorKeys.map((key) => ({
        key,
        nodeId: -1,
        host: '',
        port: -1,
        errorCode,
        errorMessage: null,
      })),
    };
  },
};

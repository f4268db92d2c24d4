// ApiVersions (key 18), v0-v4. The answer is derived from the dispatcher table, so the broker
// advertises exactly what it serves. v3+ requests carry the client's software name and version,
// which must match Kafka's pattern (else INVALID_REQUEST). An unknown newer version is answered in
// v0 (KIP-511; see Connection).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ApiVersionsRequest,
  type ApiVersionsResponseInput,
} from '../../protocol/messages/index.js';
import type { BrokerState } from '../broker-state.js';
import type { ApiHandler } from '../handler.js';

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

function response(broker: BrokerState, errorCode: number): ApiVersionsResponseInput {
  return {
    errorCode,
    apiKeys: broker.dispatcher
      .advertised()
      .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
    throttleTimeMs: 0,
  };
}

export function apiVersionsFallbackResponse(broker: BrokerState): ApiVersionsResponseInput {
  return response(broker, ErrorCode.UNSUPPORTED_VERSION);
}

export const apiVersionsHandler: ApiHandler<ApiVersionsRequest, ApiVersionsResponseInput> = {
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    if (ctx.header.apiVersion >= 3) {
      if (
        !SOFTWARE_PATTERN.test(req.clientSoftwareName) ||
        !SOFTWARE_PATTERN.test(req.clientSoftwareVersion)
      ) {
        return response(ctx.broker, ErrorCode.INVALID_REQUEST);
      }
    }
    return response(ctx.broker, ErrorCode.NONE);
  },
  errorResponse(_req, errorCode, ctx) {
    return response(ctx.broker, errorCode);
  },
};

// AlterConfigs (key 33), v0-v2: the legacy, non-incremental form. Each resource's override set is
// replaced by exactly the configs sent (keys left out go back to their defaults). Topics and the
// broker (this broker's id, or '' for the cluster-wide default) are supported; every value is
// validated first and a bad one fails that resource with INVALID_CONFIG naming the key. A null
// value is INVALID_REQUEST, as in Kafka. validate_only checks and changes nothing.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  ApiKey,
  type AlterConfigsRequest,
  type AlterConfigsResponseInput,
} from '../../protocol/messages/index.js';
import {
  alterEachResource,
  everyResourceFailed,
  replaceOverrides,
  validateEntry,
} from '../config-resources.js';
import type { ApiHandler } from '../handler.js';

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponseInput> = {
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const responses = await alterEachResource(req.resources, (r) => {
      const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nulls.length > 0) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(',')}`);
      }
      const next: Record<string, string> = {};
      for (const c of r.configs) next[c.name] = validateEntry(ctx.broker, r.resourceType, c.name, c.value);
      return replaceOverrides(ctx.broker, r.resourceType, r.resourceName, next, req.validateOnly);
    });
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, responses: everyResourceFailed(req.resources, errorCode) };
  },
};

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
import { replaceOverrides, validateEntry } from '../config-resources.js';
import type { ApiHandler } from '../handler.js';

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponseInput> = {
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const counts = new Map<string, number>();
    const id = (type: number, name: string) => `${type}:${name}`;
    for (const r of req.resources)
      counts.set(
        id(r.resourceType, r.resourceName),
        (counts.get(id(r.resourceType, r.resourceName)) ?? 0) + 1,
      );
    const responses = await Promise.all(
      req.resources.map(async (r) => {
        const result = (errorCode: number, errorMessage: string | null) => ({
          errorCode,
          errorMessage,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        });
        if (counts.get(id(r.resourceType, r.resourceName))! > 1) {
          return result(ErrorCode.INVALID_REQUEST, 'Error due to duplicate resources in the request');
        }
        try {
          const next: Record<string, string> = {};
          const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
          if (nulls.length > 0) {
            throw new KafkaError(
              ErrorCode.INVALID_REQUEST,
              `Null value not supported for : ${nulls.join(',')}`,
            );
          }
          for (const c of r.configs)
            next[c.name] = validateEntry(ctx.broker, r.resourceType, c.name, c.value);
          await replaceOverrides(ctx.broker, r.resourceType, r.resourceName, next, req.validateOnly);
          return result(ErrorCode.NONE, null);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return result(err.code, err.message);
        }
      }),
    );
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) => ({
        errorCode,
        errorMessage: null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
      })),
    };
  },
};

// DescribeConfigs (key 32), v0-v4. Topic resources list every topic config this broker honours
// with its value and source (the topic's override, else the broker value it inherits); broker
// resources (this broker's id) list every broker key, read-only unless it can be altered at run
// time; the broker resource '' lists the cluster-wide dynamic defaults that are set. Synonyms
// (v1+) come in Kafka's precedence order; v3+ adds the data type and documentation. Broker logger
// resources are not supported (INVALID_REQUEST).

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeConfigsRequest,
  type DescribeConfigsResponseInput,
} from '../../protocol/messages/index.js';
import { describeResource } from '../config-resources.js';
import type { ApiHandler } from '../handler.js';

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponseInput> = {
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const results = req.resources.map((r) => {
      try {
        const configs = describeResource(ctx.broker, r.resourceType, r.resourceName, {
          keys: r.configurationKeys,
          includeSynonyms: req.includeSynonyms,
          includeDocumentation: req.includeDocumentation,
        });
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs,
        };
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        return {
          errorCode: err.code,
          errorMessage: err.message,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [],
        };
      }
    });
    return { throttleTimeMs: 0, results };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => ({
        errorCode,
        errorMessage: null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: [],
      })),
    };
  },
};

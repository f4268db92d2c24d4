// IncrementalAlterConfigs (key 44), v0-v1. Edits a resource's overrides key by key: SET (0),
// DELETE (1, back to the inherited value), APPEND (2) and SUBTRACT (3) for list configs
// (cleanup.policy, log.cleanup.policy), starting from the effective value. Topics and the broker
// (this broker's id, or '' for the cluster-wide default) are supported. A key twice in one resource
// is INVALID_REQUEST; bad keys and values are INVALID_CONFIG naming the key. Every operation of a
// resource is checked before any is applied; validate_only changes nothing. The operations are an
// edit of the overrides as stored, so two requests editing one resource at once through different
// brokers both take effect (ConfigChange).

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  ApiKey,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsRequestAlterConfigsResource,
  type IncrementalAlterConfigsResponseInput,
} from '../../protocol/messages/index.js';
import type { BrokerState } from '../broker-state.js';
import {
  alterEachResource,
  checkKey,
  currentOverrides,
  everyResourceFailed,
  effectiveValue,
  isListKey,
  replaceOverrides,
  validateEntry,
} from '../config-resources.js';
import type { ApiHandler } from '../handler.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

function listOf(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function alterOne(
  broker: BrokerState,
  r: IncrementalAlterConfigsRequestAlterConfigsResource,
  validateOnly: boolean,
): Promise<void> | undefined {
  const names = r.configs.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${dup}`);
  }
  currentOverrides(broker, r.resourceType, r.resourceName); // UNKNOWN_TOPIC_OR_PARTITION, bad broker id
  const edit = (current: Readonly<Record<string, string>>): Record<string, string> =>
    applyOperations(broker, r, { ...current });
  return replaceOverrides(broker, r.resourceType, r.resourceName, edit, validateOnly);
}

/** Applies a resource's operations to `next` (its overrides), checking each; returns `next`. */
function applyOperations(
  broker: BrokerState,
  r: IncrementalAlterConfigsRequestAlterConfigsResource,
  next: Record<string, string>,
): Record<string, string> {
  for (const c of r.configs) {
    switch (c.configOperation) {
      case SET:
        next[c.name] = validateEntry(broker, r.resourceType, c.name, c.value);
        break;
      case DELETE:
        checkKey(broker, r.resourceType, c.name);
        delete next[c.name];
        break;
      case APPEND:
      case SUBTRACT: {
        if (!isListKey(r.resourceType, c.name)) {
          const what = c.configOperation === APPEND ? 'append' : 'subtract';
          throw new KafkaError(
            ErrorCode.INVALID_CONFIG,
            `Config value ${what} is not allowed for config key: ${c.name}`,
          );
        }
        const base = next[c.name] ?? effectiveValue(broker, r.resourceType, r.resourceName, c.name);
        let items = listOf(base);
        const change = listOf(c.value);
        if (c.configOperation === APPEND) items.push(...change.filter((v) => !items.includes(v)));
        else items = items.filter((v) => !change.includes(v));
        next[c.name] = validateEntry(broker, r.resourceType, c.name, items.join(','));
        break;
      }
      default:
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `Unknown config operation ${c.configOperation} for ${c.name}`,
        );
    }
  }
  return next;
}

export const incrementalAlterConfigsHandler: ApiHandler<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponseInput
> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const responses = await alterEachResource(req.resources, (r) =>
      alterOne(ctx.broker, r, req.validateOnly),
    );
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, responses: everyResourceFailed(req.resources, errorCode) };
  },
};

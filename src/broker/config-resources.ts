// Config resources (topics and the broker) as the config APIs see them: entries as DescribeConfigs
// (and CreateTopics v5+) report them (value, source, read-only, synonyms in precedence order, data
// type, documentation), and the current override set that AlterConfigs replaces and
// IncrementalAlterConfigs edits. Shared by those handlers.

import { applyConfigChange, type ConfigChange, type TopicMetadata } from '../cluster/metadata-store.js';
import { CONFIG_KEY_BY_NAME, type ConfigType } from '../config/schema.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { BrokerState } from './broker-state.js';
import { topicNameProblem } from './topics.js';
import {
  CONFIG_TYPE_CODES,
  CLUSTER_DEFAULT_RESOURCE,
  ConfigSource,
  type BrokerConfigs,
} from './broker-configs.js';
import { TOPIC_CONFIG_KEYS, validateTopicConfig, type ConfigDataType } from './topic-config.js';

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** DescribeConfigs v0 has this instead of configSource. */
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export interface DescribeOptions {
  /** Only these keys (null: all). */
  keys?: string[] | null;
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
}

const SCHEMA_TYPES: Record<ConfigType, ConfigDataType> = {
  string: 'string',
  int: 'int',
  long: 'long',
  double: 'double',
  boolean: 'boolean',
  list: 'list',
};

function wanted(name: string, keys: string[] | null | undefined): boolean {
  return !keys || keys.includes(name);
}

/** Every topic config of `topic`: its override, or the broker value it inherits. */
export function describeTopicConfigs(
  configs: BrokerConfigs,
  topic: Pick<TopicMetadata, 'configs'>,
  opts: DescribeOptions = {},
): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  for (const [name, key] of [...TOPIC_CONFIG_KEYS].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!wanted(name, opts.keys)) continue;
    const effective = configs.topicValue(name, topic.configs);
    const synonyms = [];
    if (opts.includeSynonyms) {
      const override = topic.configs[name];
      if (override !== undefined) synonyms.push({ name, value: override, source: ConfigSource.TOPIC_CONFIG });
      synonyms.push(...configs.synonyms(key.brokerKey));
    }
    out.push({
      name,
      value: effective.value,
      readOnly: false,
      isDefault: effective.source === ConfigSource.DEFAULT_CONFIG,
      configSource: effective.source,
      isSensitive: false,
      synonyms,
      configType: CONFIG_TYPE_CODES[key.type],
      documentation: opts.includeDocumentation ? key.doc : null,
    });
  }
  return out;
}

/**
 * The broker's configs: for this broker's id every key with its effective value; for '' (the
 * cluster-wide default) only the dynamic defaults that are set, as Kafka answers.
 */
export function describeBrokerConfigs(
  configs: BrokerConfigs,
  resource: string,
  opts: DescribeOptions = {},
): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  if (resource === CLUSTER_DEFAULT_RESOURCE) {
    for (const [name, value] of Object.entries(configs.dynamic(CLUSTER_DEFAULT_RESOURCE)).sort()) {
      if (!wanted(name, opts.keys)) continue;
      const def = CONFIG_KEY_BY_NAME.get(name);
      const source = ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
      out.push({
        name,
        value,
        readOnly: false,
        isDefault: false,
        configSource: source,
        isSensitive: false,
        synonyms: opts.includeSynonyms ? [{ name, value, source }] : [],
        configType: def ? CONFIG_TYPE_CODES[SCHEMA_TYPES[def.type]] : 0,
        documentation: opts.includeDocumentation ? (def?.doc ?? null) : null,
      });
    }
    return out;
  }
  for (const name of configs.brokerKeys().sort()) {
    if (!wanted(name, opts.keys)) continue;
    const def = CONFIG_KEY_BY_NAME.get(name)!;
    const effective = configs.brokerValue(name);
    out.push({
      name,
      value: effective.value,
      readOnly: !configs.isDynamic(name),
      isDefault: effective.source === ConfigSource.DEFAULT_CONFIG,
      configSource: effective.source,
      isSensitive: false,
      synonyms: opts.includeSynonyms ? configs.synonyms(name) : [],
      configType: CONFIG_TYPE_CODES[SCHEMA_TYPES[def.type]],
      documentation: opts.includeDocumentation ? def.doc : null,
    });
  }
  return out;
}

/** Kafka's ConfigResource.Type values. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

function topicOrThrow(broker: BrokerState, name: string): TopicMetadata {
  const problem = topicNameProblem(name);
  if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
  const t = broker.topics.get(name);
  if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
  return t;
}

function unsupportedResource(type: number): KafkaError {
  if (type === ResourceType.BROKER_LOGGER) {
    return new KafkaError(
      ErrorCode.INVALID_REQUEST,
      'Broker logger configs are not supported by this broker',
    );
  }
  return new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
}

/** DescribeConfigs of one resource; throws KafkaError for a bad resource. */
export function describeResource(
  broker: BrokerState,
  type: number,
  name: string,
  opts: DescribeOptions,
): DescribedConfig[] {
  switch (type) {
    case ResourceType.TOPIC:
      return describeTopicConfigs(broker.configs, topicOrThrow(broker, name), opts);
    case ResourceType.BROKER:
      broker.configs.checkResource(name);
      return describeBrokerConfigs(broker.configs, name, opts);
    default:
      throw unsupportedResource(type);
  }
}

/** The overrides of a resource: a topic's configs, or the dynamic configs of a broker resource. */
export function currentOverrides(broker: BrokerState, type: number, name: string): Record<string, string> {
  switch (type) {
    case ResourceType.TOPIC:
      return { ...topicOrThrow(broker, name).configs };
    case ResourceType.BROKER:
      broker.configs.checkResource(name);
      return broker.configs.dynamic(name);
    default:
      throw unsupportedResource(type);
  }
}

/** Checks one key/value for a resource; returns the canonical value (throws INVALID_CONFIG naming the key). */
export function validateEntry(broker: BrokerState, type: number, key: string, value: string | null): string {
  return type === ResourceType.TOPIC ? validateTopicConfig(key, value) : broker.configs.validate(key, value);
}

/** Checks that a key can be set on a resource (known, and alterable); throws INVALID_CONFIG naming it. */
export function checkKey(broker: BrokerState, type: number, key: string): void {
  if (type === ResourceType.TOPIC) {
    if (!TOPIC_CONFIG_KEYS.has(key)) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown or unsupported topic config '${key}'`);
    }
    return;
  }
  broker.configs.checkKey(key);
}

/** Whether a key holds a list (so IncrementalAlterConfigs may APPEND to or SUBTRACT from it). */
export function isListKey(type: number, key: string): boolean {
  if (type === ResourceType.TOPIC) return TOPIC_CONFIG_KEYS.get(key)?.type === 'list';
  return CONFIG_KEY_BY_NAME.get(key)?.type === 'list';
}

/** The effective value of a key of a resource (override, else inherited), for APPEND/SUBTRACT. */
export function effectiveValue(broker: BrokerState, type: number, name: string, key: string): string | null {
  if (type === ResourceType.TOPIC)
    return broker.configs.topicValue(key, topicOrThrow(broker, name).configs).value;
  return broker.configs.brokerValue(key).value;
}

/**
 * Replaces the whole override set of a resource with the set `change` leads to (validated entries),
 * persisting and applying it; returns a promise when the change is still being written (cluster
 * mode). An edit is applied to the overrides as stored when they are written, so edits made at
 * once through different brokers all take effect (ConfigChange).
 */
export function replaceOverrides(
  broker: BrokerState,
  type: number,
  name: string,
  change: ConfigChange,
  validateOnly: boolean,
): Promise<void> | undefined {
  switch (type) {
    case ResourceType.TOPIC: {
      // a promise in cluster mode, where the change goes to the cluster's metadata first
      const done = broker.topics.setConfigs(name, change, validateOnly);
      return done instanceof Promise ? done.then(() => undefined) : undefined;
    }
    case ResourceType.BROKER: {
      broker.configs.checkResource(name);
      if (validateOnly) {
        applyConfigChange(change, broker.configs.dynamic(name)); // an edit validates as it goes
        return;
      }
      const logChange = (): void =>
        broker.logger.info(
          { resource: name === '' ? 'cluster default' : name, configs: broker.configs.dynamic(name) },
          'broker configs changed',
        );
      // a promise in cluster mode, where the change goes to the cluster's metadata first
      const done = broker.configs.setDynamic(name, change);
      if (done instanceof Promise) return done.then(logChange);
      logChange();
      return;
    }
    default:
      throw unsupportedResource(type);
  }
}

/** One resource's outcome in an AlterConfigs or IncrementalAlterConfigs response. */
export interface AlteredResource {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/**
 * What both AlterConfigs forms do with the resources of a request: each is altered by `alter`,
 * and a KafkaError fails that resource only; a resource named twice is INVALID_REQUEST (Kafka's
 * words), and none of its copies is altered.
 */
export async function alterEachResource<R extends { resourceType: number; resourceName: string }>(
  resources: readonly R[],
  alter: (r: R) => Promise<void> | void,
): Promise<AlteredResource[]> {
  const key = (r: R) => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return Promise.all(
    resources.map(async (r) => {
      const result = (errorCode: number, errorMessage: string | null): AlteredResource => ({
        errorCode,
        errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
      });
      if (counts.get(key(r))! > 1) {
        return result(ErrorCode.INVALID_REQUEST, 'Error due to duplicate resources in the request');
      }
      try {
        await alter(r);
        return result(ErrorCode.NONE, null);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        return result(err.code, err.message);
      }
    }),
  );
}

/** Every resource of a request failed with `errorCode` (a request refused as a whole). */
export function everyResourceFailed(
  resources: readonly { resourceType: number; resourceName: string }[],
  errorCode: number,
): AlteredResource[] {
  return resources.map((r) => ({
    errorCode,
    errorMessage: null,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
  }));
}

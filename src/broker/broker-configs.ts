// The broker's configuration as DescribeConfigs and AlterConfigs see it: every key's value and
// where it comes from, in Kafka's precedence order (per-broker dynamic, cluster-wide dynamic
// default, static from file/env/flags, built-in default), and the dynamic part, which is persisted
// in the metadata file (single node) or, in cluster mode, in the cluster metadata, where the
// cluster-wide default is shared by every broker as in Kafka; it is applied to live logs when it
// changes, also when the change was made through another broker.
//
// Dynamic (alterable at run time) are the broker synonyms of the topic configs: the log defaults
// (retention, segments, flush, cleanup policy, timestamp type), compression.type,
// message.max.bytes and min.insync.replicas. Everything else is read-only.

import type { ClusterMetadataClient, ConfigChange } from '../cluster/types.js';
import { CONFIG_ALIASES, CONFIG_KEY_BY_NAME, CONFIG_KEYS, type ConfigValue } from '../config/schema.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { BrokerSettings } from './settings.js';
import { TOPIC_CONFIG_KEYS, type ConfigDataType, type TopicConfigKey } from './topic-config.js';

/** DescribeConfigs ConfigSource values. */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs (v3+) ConfigType values. */
export const CONFIG_TYPE_CODES: Readonly<Record<ConfigDataType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
};

export interface SourcedValue {
  name: string;
  value: string | null;
  source: number;
}

/** The resource name of the cluster-wide dynamic broker default. */
export const CLUSTER_DEFAULT_RESOURCE = '';

/** Where the dynamic configs are kept; a write returns a promise when it is asynchronous. */
export interface DynamicConfigStore {
  brokerConfigs(resource: string): Record<string, string>;
  setBrokerConfigs(resource: string, change: ConfigChange): void | Promise<void>;
}

const DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set(
  [...TOPIC_CONFIG_KEYS.values()].map((k) => k.brokerKey),
);

function asString(v: ConfigValue): string {
  return typeof v === 'string' ? v : String(v);
}

export class BrokerConfigs {
  private readonly staticValues = new Map<string, SourcedValue>();
  private listeners: (() => void)[] = [];

  constructor(
    readonly nodeId: number,
    settings: Pick<BrokerSettings, 'staticConfig'>,
    private store: DynamicConfigStore,
  ) {
    for (const e of settings.staticConfig) {
      this.staticValues.set(e.name, {
        name: e.name,
        value: asString(e.value),
        source: e.source === 'default' ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG,
      });
    }
  }

  /** Called after every change of the dynamic configs (to re-apply topic runtime configs). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Switches to cluster mode: the dynamic configs are the cluster's from now on, and a change of
   * the cluster default or of this broker's own, made through any broker, is applied here.
   */
  useCluster(cluster: Pick<ClusterMetadataClient, 'brokerConfigs' | 'setBrokerConfigs' | 'onChange'>): void {
    this.store = cluster;
    cluster.onChange((change) => {
      const mine =
        change.kind === 'brokerConfigs' &&
        (change.resource === CLUSTER_DEFAULT_RESOURCE || change.resource === this.brokerResource);
      if (mine || change.kind === 'reset') this.changed();
    });
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  get brokerResource(): string {
    return String(this.nodeId);
  }

  isDynamic(brokerKey: string): boolean {
    return DYNAMIC_BROKER_KEYS.has(brokerKey);
  }

  /** Every definition of a broker key, highest precedence first (Kafka's synonyms order). */
  synonyms(brokerKey: string): SourcedValue[] {
    const out: SourcedValue[] = [];
    const perBroker = this.store.brokerConfigs(this.brokerResource)[brokerKey];
    if (perBroker !== undefined)
      out.push({ name: brokerKey, value: perBroker, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const clusterDefault = this.store.brokerConfigs(CLUSTER_DEFAULT_RESOURCE)[brokerKey];
    if (clusterDefault !== undefined) {
      out.push({
        name: brokerKey,
        value: clusterDefault,
        source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
      });
    }
    const st = this.staticValues.get(brokerKey);
    if (st) {
      out.push(st);
      if (st.source === ConfigSource.STATIC_BROKER_CONFIG) {
        const def = CONFIG_KEY_BY_NAME.get(brokerKey);
        if (def)
          out.push({ name: brokerKey, value: asString(def.default), source: ConfigSource.DEFAULT_CONFIG });
      }
    }
    return out;
  }

  /** The effective value of a broker key and its source. */
  brokerValue(brokerKey: string): SourcedValue {
    return this.synonyms(brokerKey)[0] ?? { name: brokerKey, value: null, source: ConfigSource.UNKNOWN };
  }

  /** The effective value of a topic key given the topic's overrides. */
  topicValue(name: string, overrides: Record<string, string>): SourcedValue {
    const override = overrides[name];
    if (override !== undefined) return { name, value: override, source: ConfigSource.TOPIC_CONFIG };
    const key = TOPIC_CONFIG_KEYS.get(name);
    const broker = key ? this.brokerValue(key.brokerKey) : null;
    return { name, value: broker?.value ?? null, source: broker?.source ?? ConfigSource.UNKNOWN };
  }

  /** Effective value of a topic key as a string (for TopicRuntimeConfig). */
  topicValueString(name: string, overrides: Record<string, string>): string {
    return this.topicValue(name, overrides).value ?? '';
  }

  /** The dynamic configs of a broker resource ('' or this broker's id). */
  dynamic(resource: string): Record<string, string> {
    return this.store.brokerConfigs(resource);
  }

  /**
   * Checks a broker resource name: '' (cluster default) or this broker's id. Throws INVALID_REQUEST
   * in Kafka's words otherwise.
   */
  checkResource(resource: string): void {
    if (resource !== CLUSTER_DEFAULT_RESOURCE && resource !== this.brokerResource) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `Unexpected broker id, expected ${this.nodeId} or empty string, but received ${resource}`,
      );
    }
  }

  /** Checks that a broker key exists and can be altered at run time; throws INVALID_CONFIG naming it. */
  checkKey(name: string): void {
    const canonical = CONFIG_ALIASES.get(name) ?? name;
    if (!CONFIG_KEY_BY_NAME.has(canonical)) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown broker config '${name}'`);
    }
    if (canonical !== name || !this.isDynamic(name)) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `Cannot update these configs dynamically: ${name} (change it in the broker's config file and restart)`,
      );
    }
  }

  /** Validates one dynamic broker config; returns the canonical value or throws INVALID_CONFIG naming the key. */
  validate(name: string, value: string | null): string {
    this.checkKey(name);
    const def = CONFIG_KEY_BY_NAME.get(name)!;
    if (value === null) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for broker config '${name}'`);
    }
    const topicKey = topicKeyOf(name);
    let normalized = value.trim();
    try {
      if (topicKey) normalized = topicKey.normalize(value);
    } catch (err) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `Invalid value '${value}' for broker config '${name}': ${(err as Error).message}`,
      );
    }
    const problem = def.validate?.(
      def.type === 'int' || def.type === 'long' ? Number(normalized) : normalized,
    );
    if (problem) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `Invalid value '${value}' for broker config '${name}': ${problem}`,
      );
    }
    return normalized;
  }

  /**
   * Replaces the dynamic configs of a resource with the validated set `change` leads to; persists
   * and applies. A promise in cluster mode, where the change is applied as the cluster metadata
   * reports it.
   */
  setDynamic(resource: string, change: ConfigChange): void | Promise<void> {
    this.checkResource(resource);
    const written = this.store.setBrokerConfigs(resource, change);
    if (written instanceof Promise) return written;
    this.changed();
  }

  /** Every static broker key (for describing the broker). */
  brokerKeys(): string[] {
    return CONFIG_KEYS.map((k) => k.name);
  }
}

function topicKeyOf(brokerKey: string): TopicConfigKey | undefined {
  for (const k of TOPIC_CONFIG_KEYS.values()) if (k.brokerKey === brokerKey) return k;
  return undefined;
}

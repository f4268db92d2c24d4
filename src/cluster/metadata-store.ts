// Single-node cluster metadata: topics, their ids, partition counts and config overrides, kept in
// one JSON file in the data directory and replaced atomically (write, fsync, rename, fsync dir) on
// every change, so a crash leaves either the old or the new version.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../storage/file-io.js';
import { randomUuid } from '../protocol/codec/uuid.js';

/**
 * A change to a set of config overrides: the new set, or an edit of the stored set. An edit is
 * applied to the set as stored when the write happens (in cluster mode, again after a lost
 * compare-and-set), so edits made at once through different brokers all take effect.
 */
export type ConfigChange =
  Readonly<Record<string, string>> | ((current: Readonly<Record<string, string>>) => Record<string, string>);

/** The set a change leads to from `current`. */
export function applyConfigChange(
  change: ConfigChange,
  current: Readonly<Record<string, string>>,
): Record<string, string> {
  return typeof change === 'function' ? change({ ...current }) : { ...change };
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  partitions: number;
  /** Topic-level config overrides by Kafka name. */
  configs: Record<string, string>;
  internal: boolean;
}

interface FileFormat {
  version: 1;
  topics: TopicMetadata[];
  /** Dynamic broker configs by resource name: '' is the cluster-wide default, '<node id>' one broker. */
  brokerConfigs?: Record<string, Record<string, string>>;
}

export const METADATA_FILE = 'cluster-metadata.json';

export class MetadataStore {
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private dynamicBrokerConfigs: Record<string, Record<string, string>> = {};

  private constructor(readonly path: string) {}

  static open(dataDir: string): MetadataStore {
    const store = new MetadataStore(join(dataDir, METADATA_FILE));
    if (existsSync(store.path)) {
      const doc = JSON.parse(readFileSync(store.path, 'utf8')) as FileFormat;
      if (doc.version !== 1)
        throw new Error(`${store.path}: unsupported metadata version ${String(doc.version)}`);
      for (const t of doc.topics) store.index(t);
      store.dynamicBrokerConfigs = doc.brokerConfigs ?? {};
    }
    return store;
  }

  topics(): TopicMetadata[] {
    return [...this.byName.values()];
  }

  getTopic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }

  getTopicById(id: string): TopicMetadata | undefined {
    return this.byId.get(id);
  }

  createTopic(
    name: string,
    partitions: number,
    configs: Record<string, string> = {},
    internal = false,
  ): TopicMetadata {
    if (this.byName.has(name)) throw new Error(`topic ${name} already exists`);
    const topic: TopicMetadata = { name, topicId: randomUuid(), partitions, configs, internal };
    this.index(topic);
    this.persist();
    return topic;
  }

  deleteTopic(name: string): void {
    const t = this.byName.get(name);
    if (!t) return;
    this.byName.delete(name);
    this.byId.delete(t.topicId);
    this.persist();
  }

  /** Replaces a topic's config overrides (the whole set, or an edit of it). */
  setTopicConfigs(name: string, change: ConfigChange): TopicMetadata {
    const t = this.byName.get(name);
    if (!t) throw new Error(`topic ${name} does not exist`);
    const previous = t.configs;
    t.configs = applyConfigChange(change, previous);
    try {
      this.persist();
    } catch (err) {
      t.configs = previous;
      throw err;
    }
    return t;
  }

  /** Raises a topic's partition count (never lowers it). */
  setPartitionCount(name: string, partitions: number): TopicMetadata {
    const t = this.byName.get(name);
    if (!t) throw new Error(`topic ${name} does not exist`);
    if (partitions < t.partitions) throw new Error(`topic ${name} cannot shrink to ${partitions} partitions`);
    const previous = t.partitions;
    t.partitions = partitions;
    try {
      this.persist();
    } catch (err) {
      t.partitions = previous;
      throw err;
    }
    return t;
  }

  /** The resources that have dynamic broker configs. */
  brokerConfigResources(): string[] {
    return Object.keys(this.dynamicBrokerConfigs);
  }

  /** Dynamic broker configs of a resource ('' for the cluster-wide default, '<node id>' for one broker). */
  brokerConfigs(resource: string): Record<string, string> {
    return { ...(this.dynamicBrokerConfigs[resource] ?? {}) };
  }

  /** Replaces the dynamic broker configs of a resource (the whole set, or an edit of it). */
  setBrokerConfigs(resource: string, change: ConfigChange): void {
    const configs = applyConfigChange(change, this.dynamicBrokerConfigs[resource] ?? {});
    const previous = this.dynamicBrokerConfigs;
    const next = { ...previous };
    if (Object.keys(configs).length === 0) delete next[resource];
    else next[resource] = { ...configs };
    this.dynamicBrokerConfigs = next;
    try {
      this.persist();
    } catch (err) {
      this.dynamicBrokerConfigs = previous;
      throw err;
    }
  }

  private index(t: TopicMetadata): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  private persist(): void {
    const doc: FileFormat = { version: 1, topics: this.topics() };
    if (Object.keys(this.dynamicBrokerConfigs).length > 0) doc.brokerConfigs = this.dynamicBrokerConfigs;
    writeFileAtomicSync(this.path, JSON.stringify(doc, null, 2) + '\n');
  }
}

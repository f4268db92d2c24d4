// Topic lifecycle on one broker: name rules, creation (metadata file + one log per partition),
// auto-creation policy, lookup of a partition's log, deletion, partition increases and config
// changes (persisted first, then applied to the live logs).

import type { MetadataStore, TopicMetadata } from '../cluster/metadata-store.js';
import type { Logger } from '../observability/logger.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager, PartitionLog } from '../storage/index.js';
import type { BrokerConfigs } from './broker-configs.js';
import { topicRuntimeConfig, validateTopicConfigs, type TopicRuntimeConfig } from './topic-config.js';

const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME_LENGTH = 249;
/** More partitions in one topic than this is a mistake, not a plan. */
const MAX_PARTITIONS = 100_000;

/** Kafka's topic name rules; returns why a name is illegal, or null. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'Topic name is empty';
  if (name === '.' || name === '..') return `Topic name cannot be '${name}'`;
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return `Topic name '${name}' is illegal: it may only contain ASCII letters, digits, '.', '_' and '-'`;
  }
  return null;
}

export interface CreateTopicRequest {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs?: Record<string, string | null>;
  validateOnly?: boolean;
}

export class TopicManager {
  private readonly runtimeConfigs = new Map<string, TopicRuntimeConfig>();
  /** Internal topics (such as __consumer_offsets) by name: created on first use with these settings. */
  private readonly internalTopics = new Map<
    string,
    { partitions: number; configs: Record<string, string> }
  >();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly logs: LogManager,
    private readonly defaults: {
      numPartitions: number;
      defaultReplicationFactor: number;
      autoCreate: boolean;
    },
    private readonly logger: Logger,
    private readonly configs: BrokerConfigs,
  ) {
    configs.onChange(() => this.refreshConfigs());
  }

  get(name: string): TopicMetadata | undefined {
    return this.metadata.getTopic(name);
  }

  getById(id: string): TopicMetadata | undefined {
    return this.metadata.getTopicById(id);
  }

  all(): TopicMetadata[] {
    return this.metadata.topics();
  }

  get autoCreateEnabled(): boolean {
    return this.defaults.autoCreate;
  }

  /** Opens (or creates) the log of every partition of every known topic; run at start. */
  openAll(): void {
    for (const t of this.metadata.topics()) this.openLogs(t, 0);
  }

  /** What the broker does for a topic (log settings, produce rules), from its overrides and the broker's. */
  runtimeConfig(topic: TopicMetadata): TopicRuntimeConfig {
    let rc = this.runtimeConfigs.get(topic.name);
    if (!rc) {
      rc = this.computeRuntimeConfig(topic.configs);
      this.runtimeConfigs.set(topic.name, rc);
    }
    return rc;
  }

  private computeRuntimeConfig(overrides: Record<string, string>): TopicRuntimeConfig {
    return topicRuntimeConfig(this.logs.config, (k) => this.configs.topicValueString(k, overrides));
  }

  /** Opens the logs of partitions from `from` on and gives every log of the topic its settings. */
  private openLogs(t: TopicMetadata, from: number): void {
    const { log } = this.runtimeConfig(t);
    for (let p = 0; p < t.partitions; p++) {
      const pl = p >= from ? this.logs.createLog(t.name, p, log) : this.logs.getLog(t.name, p);
      // logs loaded at start got the broker defaults; live logs take config changes at once
      if (pl) pl.config = log;
    }
  }

  /** Recomputes every topic's runtime config and applies it to the live logs (broker config change). */
  refreshConfigs(): void {
    this.runtimeConfigs.clear();
    for (const t of this.metadata.topics()) this.openLogs(t, t.partitions);
  }

  /** Creates a topic, or throws a KafkaError with the code CreateTopics answers. */
  create(req: CreateTopicRequest): TopicMetadata {
    const problem = topicNameProblem(req.name);
    if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.metadata.getTopic(req.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    }
    const partitions = req.numPartitions === -1 ? this.defaults.numPartitions : req.numPartitions;
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${partitions}.`,
      );
    }
    const rf = req.replicationFactor === -1 ? this.defaults.defaultReplicationFactor : req.replicationFactor;
    if (rf !== 1) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor ${rf} is larger than the 1 available broker.`,
      );
    }
    const configs = validateTopicConfigs(req.configs ?? {});
    if (req.validateOnly) {
      return { name: req.name, topicId: '', partitions, configs, internal: false };
    }
    const topic = this.metadata.createTopic(req.name, partitions, configs);
    this.runtimeConfigs.delete(req.name);
    this.openLogs(topic, 0);
    this.logger.info({ topic: req.name, partitions, topicId: topic.topicId }, 'topic created');
    return topic;
  }

  /**
   * Auto-creation for Metadata and Produce (`auto.create.topics.enable`): returns the topic, or the
   * error code to answer when it does not exist and cannot be created.
   */
  getOrAutoCreate(name: string, allowed: boolean): TopicMetadata | number {
    const existing = this.metadata.getTopic(name);
    if (existing) return existing;
    // as in Kafka, an internal topic asked for by name is created with its own settings
    if (this.internalTopics.has(name)) return this.ensureInternalTopic(name);
    if (topicNameProblem(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    if (!allowed || !this.defaults.autoCreate) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return this.create({ name, numPartitions: -1, replicationFactor: -1 });
  }

  /** Deletes a topic: its metadata first (so it is gone for clients), then every partition's log. */
  delete(name: string): TopicMetadata {
    const t = this.metadata.getTopic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    this.metadata.deleteTopic(name);
    this.runtimeConfigs.delete(name);
    for (let p = 0; p < t.partitions; p++) {
      try {
        this.logs.deleteLog(name, p);
      } catch (err) {
        this.logger.error({ err, topic: name, partition: p }, 'cannot delete partition log');
      }
    }
    this.logger.info({ topic: name, topicId: t.topicId, partitions: t.partitions }, 'topic deleted');
    return t;
  }

  /** Raises a topic's partition count to `count` (CreatePartitions); throws KafkaError on bad input. */
  addPartitions(name: string, count: number, validateOnly = false): TopicMetadata {
    const t = this.metadata.getTopic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (count < t.partitions) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${t.partitions} partitions, which is higher than the requested ${count}.`,
      );
    }
    if (count === t.partitions) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partitions.`);
    }
    if (count > MAX_PARTITIONS) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${count}.`,
      );
    }
    if (validateOnly) return { ...t, partitions: count };
    const before = t.partitions;
    const updated = this.metadata.setPartitionCount(name, count);
    this.openLogs(updated, before);
    this.logger.info({ topic: name, from: before, to: count }, 'partitions added');
    return updated;
  }

  /**
   * Replaces a topic's config overrides with `configs` (validated here; throws INVALID_CONFIG naming
   * the key), persists them and applies them to the topic's live logs.
   */
  setConfigs(name: string, configs: Record<string, string>, validateOnly = false): TopicMetadata {
    const t = this.metadata.getTopic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const valid = validateTopicConfigs(configs);
    if (validateOnly) return { ...t, configs: valid };
    const updated = this.metadata.setTopicConfigs(name, valid);
    this.runtimeConfigs.delete(name);
    this.openLogs(updated, updated.partitions);
    this.logger.info({ topic: name, configs: valid }, 'topic configs changed');
    return updated;
  }

  /** Declares an internal topic; it is created (marked internal) on first use. */
  defineInternalTopic(name: string, partitions: number, configs: Record<string, string>): void {
    this.internalTopics.set(name, { partitions, configs });
  }

  /** Creates a declared internal topic unless it exists, and returns it. */
  ensureInternalTopic(name: string): TopicMetadata {
    const existing = this.metadata.getTopic(name);
    if (existing) return existing;
    const spec = this.internalTopics.get(name);
    if (!spec) throw new Error(`${name} is not a declared internal topic`);
    const topic = this.metadata.createTopic(name, spec.partitions, validateTopicConfigs(spec.configs), true);
    this.runtimeConfigs.delete(name);
    this.openLogs(topic, 0);
    this.logger.info(
      { topic: name, partitions: spec.partitions, topicId: topic.topicId },
      'internal topic created',
    );
    return topic;
  }

  partitionLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.getLog(topic, partition);
  }
}

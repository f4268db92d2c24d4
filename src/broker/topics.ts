// Topic lifecycle on one broker: name rules, creation (metadata file + one log per partition),
// auto-creation policy, lookup of a partition's log, deletion, partition increases and config
// changes (persisted first, then applied to the live logs).

import {
  applyConfigChange,
  type ConfigChange,
  type MetadataStore,
  type TopicMetadata,
} from '../cluster/metadata-store.js';
import type { ClusterMetadataClient } from '../cluster/types.js';
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
  /** Explicit replica assignment per partition (cluster mode). */
  assignment?: number[][];
  internal?: boolean;
}

/**
 * In cluster mode (a ClusterMetadataClient), topics live in the cluster's metadata: reads come from
 * the local image, writes go to the store and return promises, auto-creation answers
 * LEADER_NOT_AVAILABLE while the topic is being created (as Kafka does), and the replica manager
 * opens the logs of the partitions assigned to this broker through localLog().
 */
export class TopicManager {
  private readonly runtimeConfigs = new Map<string, TopicRuntimeConfig>();
  private cluster: ClusterMetadataClient | null = null;
  /** Cluster mode: topics by id (rebuilt from the image on changes). */
  private readonly clusterTopicsById = new Map<string, TopicMetadata>();
  /** Cluster mode: auto and internal topic creations under way, by name. */
  private readonly creating = new Map<string, Promise<unknown>>();
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

  /** Switches to cluster mode: topics come from the cluster's metadata from now on. */
  useCluster(cluster: ClusterMetadataClient): void {
    this.cluster = cluster;
    this.indexClusterTopics();
    cluster.onChange((change) => {
      if (change.kind === 'topic') {
        this.runtimeConfigs.delete(change.name);
        this.indexClusterTopics();
        if (change.topic) this.applyConfigToLocalLogs(change.topic);
      } else if (change.kind === 'reset') {
        this.runtimeConfigs.clear();
        this.indexClusterTopics();
        for (const t of this.all()) this.applyConfigToLocalLogs(t);
      }
    });
  }

  get inCluster(): boolean {
    return this.cluster !== null;
  }

  private indexClusterTopics(): void {
    this.clusterTopicsById.clear();
    for (const t of this.cluster!.image().topics.values()) this.clusterTopicsById.set(t.topicId, t);
  }

  private applyConfigToLocalLogs(t: TopicMetadata): void {
    const { log } = this.runtimeConfig(t);
    for (let p = 0; p < t.partitions; p++) {
      const pl = this.logs.getLog(t.name, p);
      if (pl) pl.config = log;
    }
  }

  get(name: string): TopicMetadata | undefined {
    return this.cluster ? this.cluster.image().topics.get(name) : this.metadata.getTopic(name);
  }

  getById(id: string): TopicMetadata | undefined {
    return this.cluster ? this.clusterTopicsById.get(id) : this.metadata.getTopicById(id);
  }

  all(): TopicMetadata[] {
    return this.cluster ? [...this.cluster.image().topics.values()] : this.metadata.topics();
  }

  /**
   * This broker's log of one partition, opened or created with the topic's settings (cluster mode:
   * the replica manager calls it for the partitions assigned here).
   */
  localLog(topic: TopicMetadata, partition: number): PartitionLog {
    const { log } = this.runtimeConfig(topic);
    const pl = this.logs.getLog(topic.name, partition) ?? this.logs.createLog(topic.name, partition, log);
    pl.config = log;
    return pl;
  }

  /** Deletes this broker's log of a partition (its topic was deleted or its replica moved away). */
  deleteLocalLog(name: string, partition: number): void {
    try {
      this.logs.deleteLog(name, partition);
    } catch (err) {
      this.logger.error({ err, topic: name, partition }, 'cannot delete partition log');
    }
  }

  get autoCreateEnabled(): boolean {
    return this.defaults.autoCreate;
  }

  /** Opens (or creates) the log of every partition of every known topic; run at start (single node). */
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
    if (this.cluster) {
      for (const t of this.all()) this.applyConfigToLocalLogs(t);
      return;
    }
    for (const t of this.metadata.topics()) this.openLogs(t, t.partitions);
  }

  /**
   * Creates a topic, or throws a KafkaError with the code CreateTopics answers. In cluster mode the
   * promise resolves once the cluster's metadata has it (with its replica assignment).
   */
  create(req: CreateTopicRequest): TopicMetadata | Promise<TopicMetadata> {
    if (this.cluster) return this.createInCluster(this.cluster, req);
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
    if (rf < 1) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    }
    if (rf > 1) {
      // Kafka's wording (TopicCommand users grep for it)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${rf} larger than available brokers: 1.`,
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

  private async createInCluster(
    cluster: ClusterMetadataClient,
    req: CreateTopicRequest,
  ): Promise<TopicMetadata> {
    const problem = topicNameProblem(req.name);
    if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.get(req.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    }
    const partitions =
      req.assignment?.length ?? (req.numPartitions === -1 ? this.defaults.numPartitions : req.numPartitions);
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${partitions}.`,
      );
    }
    const rf =
      req.assignment?.[0]?.length ??
      (req.replicationFactor === -1 ? this.defaults.defaultReplicationFactor : req.replicationFactor);
    if (rf < 1) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    }
    const configs = validateTopicConfigs(req.configs ?? {});
    const topic = await cluster.createTopic({
      name: req.name,
      partitions,
      replicationFactor: rf,
      configs,
      internal: req.internal ?? false,
      assignment: req.assignment,
      validateOnly: req.validateOnly,
    });
    if (!req.validateOnly) {
      this.runtimeConfigs.delete(req.name);
      this.logger.info(
        { topic: req.name, partitions, replicationFactor: rf, topicId: topic.topicId },
        req.internal ? 'internal topic created' : 'topic created',
      );
    }
    return topic;
  }

  /** Cluster mode: starts creating a topic unless that is under way; failures are logged. */
  private createInBackground(name: string, create: () => Promise<unknown>): void {
    if (this.creating.has(name)) return;
    const running = create()
      .catch((err: unknown) => {
        if (!(err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS)) {
          this.logger.warn({ err, topic: name }, 'creating topic failed');
        }
      })
      .finally(() => this.creating.delete(name));
    this.creating.set(name, running);
  }

  /**
   * Auto-creation for Metadata and Produce (`auto.create.topics.enable`): returns the topic, or the
   * error code to answer when it does not exist and cannot be created. In cluster mode creation runs
   * in the background and the answer meanwhile is LEADER_NOT_AVAILABLE, which clients retry.
   */
  getOrAutoCreate(name: string, allowed: boolean): TopicMetadata | number {
    const existing = this.get(name);
    if (existing) return existing;
    // as in Kafka, an internal topic asked for by name is created with its own settings
    if (this.internalTopics.has(name)) {
      try {
        return this.ensureInternalTopic(name);
      } catch (err) {
        if (err instanceof KafkaError) return ErrorCode.LEADER_NOT_AVAILABLE;
        throw err;
      }
    }
    if (topicNameProblem(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    if (!allowed || !this.defaults.autoCreate) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (this.cluster) {
      const cluster = this.cluster;
      // Kafka fails an auto-creation whose default.replication.factor exceeds the live brokers;
      // capping it lets a small development cluster auto-create topics
      const rf = Math.min(this.defaults.defaultReplicationFactor, Math.max(1, cluster.image().brokers.size));
      this.createInBackground(name, () =>
        this.createInCluster(cluster, { name, numPartitions: -1, replicationFactor: rf }),
      );
      return ErrorCode.LEADER_NOT_AVAILABLE;
    }
    return this.create({ name, numPartitions: -1, replicationFactor: -1 }) as TopicMetadata;
  }

  /**
   * Deletes a topic: its metadata first (so it is gone for clients), then every partition's log (in
   * cluster mode each broker deletes its own replicas once the metadata says the topic is gone).
   */
  delete(name: string): TopicMetadata | Promise<TopicMetadata> {
    if (this.cluster) {
      const cluster = this.cluster;
      return cluster.deleteTopic(name).then((t) => {
        this.runtimeConfigs.delete(name);
        this.logger.info({ topic: name, topicId: t.topicId, partitions: t.partitions }, 'topic deleted');
        return t;
      });
    }
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
  addPartitions(
    name: string,
    count: number,
    validateOnly = false,
    assignment?: number[][],
  ): TopicMetadata | Promise<TopicMetadata> {
    const t = this.get(name);
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
    if (this.cluster) {
      return this.cluster.createPartitions(name, count, assignment).then((updated) => {
        this.logger.info({ topic: name, from: before, to: count }, 'partitions added');
        return updated;
      });
    }
    const updated = this.metadata.setPartitionCount(name, count);
    this.openLogs(updated, before);
    this.logger.info({ topic: name, from: before, to: count }, 'partitions added');
    return updated;
  }

  /**
   * Replaces a topic's config overrides with the set `change` leads to (validated here; throws
   * INVALID_CONFIG naming the key), persists them and applies them to the topic's live logs. An
   * edit is applied to the overrides as stored when they are written (ConfigChange).
   */
  setConfigs(
    name: string,
    change: ConfigChange,
    validateOnly = false,
  ): TopicMetadata | Promise<TopicMetadata> {
    const t = this.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const validated = (current: Readonly<Record<string, string>>) =>
      validateTopicConfigs(applyConfigChange(change, current));
    if (validateOnly) return { ...t, configs: validated(t.configs) };
    if (this.cluster) {
      return this.cluster.setTopicConfigs(name, validated).then((updated) => {
        this.runtimeConfigs.delete(name);
        this.logger.info({ topic: name, configs: updated.configs }, 'topic configs changed');
        return updated;
      });
    }
    const updated = this.metadata.setTopicConfigs(name, validated);
    this.runtimeConfigs.delete(name);
    this.openLogs(updated, updated.partitions);
    this.logger.info({ topic: name, configs: updated.configs }, 'topic configs changed');
    return updated;
  }

  /** Declares an internal topic; it is created (marked internal) on first use. */
  defineInternalTopic(name: string, partitions: number, configs: Record<string, string>): void {
    this.internalTopics.set(name, { partitions, configs });
  }

  /**
   * Creates a declared internal topic unless it exists, and returns it. In cluster mode the creation
   * runs in the background and this throws COORDINATOR_NOT_AVAILABLE until the topic exists.
   */
  ensureInternalTopic(name: string): TopicMetadata {
    const existing = this.get(name);
    if (existing) return existing;
    const spec = this.internalTopics.get(name);
    if (!spec) throw new Error(`${name} is not a declared internal topic`);
    if (this.cluster) {
      const cluster = this.cluster;
      // Kafka's offsets.topic.replication.factor and transaction.state.log.replication.factor are 3;
      // a smaller cluster gets one replica per broker
      const rf = Math.min(3, Math.max(1, cluster.image().brokers.size));
      this.createInBackground(name, () =>
        this.createInCluster(cluster, {
          name,
          numPartitions: spec.partitions,
          replicationFactor: rf,
          configs: spec.configs,
          internal: true,
        }),
      );
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${name} is being created`);
    }
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

// Topic lifecycle on one broker: name rules, creation (metadata file + one log per partition),
// auto-creation policy, and lookup of a partition's log.

import type { MetadataStore, TopicMetadata } from '../cluster/metadata-store.js';
import type { Logger } from '../observability/logger.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager, PartitionLog } from '../storage/index.js';
import { logOverrides, validateTopicConfigs } from './topic-config.js';

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
  constructor(
    private readonly metadata: MetadataStore,
    private readonly logs: LogManager,
    private readonly defaults: {
      numPartitions: number;
      defaultReplicationFactor: number;
      autoCreate: boolean;
    },
    private readonly logger: Logger,
  ) {}

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
    for (const t of this.metadata.topics()) {
      for (let p = 0; p < t.partitions; p++) this.logs.createLog(t.name, p, logOverrides(t.configs));
    }
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
    for (let p = 0; p < partitions; p++) this.logs.createLog(req.name, p, logOverrides(configs));
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
    if (topicNameProblem(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    if (!allowed || !this.defaults.autoCreate) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return this.create({ name, numPartitions: -1, replicationFactor: -1 });
  }

  partitionLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.getLog(topic, partition);
  }
}

// Topic-level config overrides (CreateTopics, AlterConfigs, IncrementalAlterConfigs) that this broker
// honours, with validation that names the key. Each has a broker-level synonym that supplies its
// default, and maps onto the partition log's settings or a produce-time rule (TopicRuntimeConfig).

import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { CompressionType } from '../protocol/records/compression/types.js';
import type { LogConfig, NumericLogConfigKey } from '../storage/index.js';

/** Kafka's config data types as DescribeConfigs (v3+) names them. */
export type ConfigDataType = 'boolean' | 'string' | 'int' | 'long' | 'double' | 'list';

export interface TopicConfigKey {
  /** Broker-level key that supplies the default. */
  brokerKey: string;
  type: ConfigDataType;
  doc: string;
  /** The canonical form of a valid value; throws an Error saying what is allowed otherwise. */
  normalize(value: string): string;
  toLog?: NumericLogConfigKey;
}

const INT_MAX = 2147483647;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): string => {
    const t = value.trim();
    const n = Number(t);
    if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(
        max === Number.MAX_SAFE_INTEGER
          ? `must be an integer >= ${min}`
          : `must be an integer in [${min}, ${max}]`,
      );
    }
    return String(n);
  };

const choice =
  (...allowed: string[]) =>
  (value: string): string => {
    const hit = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
    if (hit === undefined) throw new Error(`must be one of: ${allowed.join(', ')}`);
    return hit;
  };

export const CLEANUP_POLICIES = ['delete', 'compact'] as const;

function cleanupPolicyList(value: string): string {
  const parts = value
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => !(CLEANUP_POLICIES as readonly string[]).includes(p))) {
    throw new Error('must be delete, compact or compact,delete');
  }
  return [...new Set(parts)].sort().join(',');
}

export const COMPRESSION_CONFIG_VALUES = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A ratio in [0, 1] (min.cleanable.dirty.ratio). */
function ratio(value: string): string {
  const t = value.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error('must be a number in [0, 1]');
  return String(n);
}

function key(
  brokerKey: string,
  type: ConfigDataType,
  normalize: (v: string) => string,
  doc: string,
  toLog?: NumericLogConfigKey,
): TopicConfigKey {
  return { brokerKey, type, normalize, doc, toLog };
}

export const TOPIC_CONFIG_KEYS: ReadonlyMap<string, TopicConfigKey> = new Map([
  [
    'cleanup.policy',
    key(
      'log.cleanup.policy',
      'list',
      cleanupPolicyList,
      'delete: old segments are removed by retention.ms/retention.bytes; compact: the log cleaner keeps the latest record per key (records without a key are refused); compact,delete: both.',
    ),
  ],
  [
    'compression.type',
    key(
      'compression.type',
      'string',
      choice(...COMPRESSION_CONFIG_VALUES),
      "Codec batches are stored with: producer keeps the producer's codec; uncompressed, gzip, snappy, lz4 or zstd recompress every batch to it.",
    ),
  ],
  [
    'delete.retention.ms',
    key(
      'log.cleaner.delete.retention.ms',
      'long',
      integer(0),
      'How long a tombstone (a record with a key and a null value) stays after the cleaner first saw it in a compacted topic.',
      'deleteRetentionMs',
    ),
  ],
  [
    'flush.messages',
    key(
      'log.flush.interval.messages',
      'long',
      integer(1),
      'fsync the partition after this many appended messages.',
      'flushIntervalMessages',
    ),
  ],
  [
    'flush.ms',
    key(
      'log.flush.interval.ms',
      'long',
      integer(0),
      'fsync the partition at least this often while it has unflushed data.',
      'flushIntervalMs',
    ),
  ],
  [
    'index.interval.bytes',
    key(
      'log.index.interval.bytes',
      'int',
      integer(0, INT_MAX),
      'Bytes of log between two entries of the sparse offset index.',
      'indexIntervalBytes',
    ),
  ],
  [
    'max.message.bytes',
    key(
      'message.max.bytes',
      'int',
      integer(0, INT_MAX),
      'Largest record batch a producer may send; larger ones get MESSAGE_TOO_LARGE.',
    ),
  ],
  [
    'max.compaction.lag.ms',
    key(
      'log.cleaner.max.compaction.lag.ms',
      'long',
      integer(1),
      'Compact records older than this whatever the dirty ratio (compacted topics).',
      'maxCompactionLagMs',
    ),
  ],
  [
    'message.timestamp.type',
    key(
      'log.message.timestamp.type',
      'string',
      choice('CreateTime', 'LogAppendTime'),
      'CreateTime keeps the producer timestamps; LogAppendTime stamps every batch with the broker clock when it is appended.',
    ),
  ],
  [
    'min.cleanable.dirty.ratio',
    key(
      'log.cleaner.min.cleanable.ratio',
      'double',
      ratio,
      'Clean a compacted partition once its not-yet-cleaned bytes exceed this share of its closed segments.',
      'minCleanableDirtyRatio',
    ),
  ],
  [
    'min.compaction.lag.ms',
    key(
      'log.cleaner.min.compaction.lag.ms',
      'long',
      integer(0),
      'Records stay uncompacted for at least this long (a segment is cleaned once its newest record is older).',
      'minCompactionLagMs',
    ),
  ],
  [
    'min.insync.replicas',
    key(
      'min.insync.replicas',
      'int',
      integer(1, INT_MAX),
      'Replicas that must have a write for acks=-1 to succeed; more than the in-sync replicas gives NOT_ENOUGH_REPLICAS.',
    ),
  ],
  [
    'retention.bytes',
    key(
      'log.retention.bytes',
      'long',
      integer(-1),
      'Delete the oldest closed segments while the partition is larger than this; -1: no size limit.',
      'retentionBytes',
    ),
  ],
  [
    'retention.ms',
    key(
      'log.retention.ms',
      'long',
      integer(-1),
      'Delete a closed segment once its newest record is older than this; -1 keeps data forever.',
      'retentionMs',
    ),
  ],
  [
    'segment.bytes',
    key(
      'log.segment.bytes',
      'int',
      integer(14, INT_MAX),
      'Roll to a new segment before the active one would exceed this size.',
      'segmentBytes',
    ),
  ],
  [
    'segment.index.bytes',
    key(
      'log.index.size.max.bytes',
      'int',
      integer(4, INT_MAX),
      'Largest offset index of a segment; a full index rolls the segment.',
      'segmentIndexBytes',
    ),
  ],
  [
    'segment.ms',
    key('log.roll.ms', 'long', integer(1), 'Roll a segment this long after its first append.', 'segmentMs'),
  ],
  [
    'unclean.leader.election.enable',
    key(
      'unclean.leader.election.enable',
      'boolean',
      choice('true', 'false'),
      'In a cluster, let a replica outside the ISR lead when no in-sync replica is alive (acknowledged writes may be lost).',
    ),
  ],
]);

/** Checks one topic config value; throws INVALID_CONFIG naming the key. Returns the canonical value. */
export function validateTopicConfig(name: string, value: string | null): string {
  const key = TOPIC_CONFIG_KEYS.get(name);
  if (!key) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown or unsupported topic config '${name}'`);
  if (value === null) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value for topic config '${name}' is not allowed`);
  }
  try {
    return key.normalize(value);
  } catch (err) {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `Invalid value '${value}' for topic config '${name}': ${(err as Error).message}`,
    );
  }
}

/**
 * Checks topic configs; throws INVALID_CONFIG naming the first bad key. A null value (CreateTopics
 * allows it) means "no override" and is dropped.
 */
export function validateTopicConfigs(configs: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (value === null) {
      if (!TOPIC_CONFIG_KEYS.has(name)) validateTopicConfig(name, value);
      continue;
    }
    out[name] = validateTopicConfig(name, value);
  }
  return out;
}

/** What the broker does for one topic: its logs' settings and the produce-time rules. */
export interface TopicRuntimeConfig {
  log: LogConfig;
  maxMessageBytes: number;
  /** 'producer' keeps the producer's codec; otherwise every batch is stored with this one. */
  compression: CompressionType | 'producer';
  logAppendTime: boolean;
  minInsyncReplicas: number;
  cleanupPolicy: string;
}

/**
 * The runtime config from each topic key's effective value (the topic override, else its broker
 * synonym). Without `delete` in cleanup.policy, retention deletes nothing; with `compact` the log
 * cleaner compacts the logs.
 */
export function topicRuntimeConfig(
  base: LogConfig,
  valueOf: (topicKey: string) => string,
): TopicRuntimeConfig {
  const log: LogConfig = { ...base };
  for (const [name, key] of TOPIC_CONFIG_KEYS) {
    if (key.toLog) log[key.toLog] = Number(valueOf(name));
  }
  const cleanupPolicy = valueOf('cleanup.policy');
  const policies = cleanupPolicy.split(',').map((p) => p.trim());
  if (!policies.includes('delete')) {
    log.retentionMs = -1;
    log.retentionBytes = -1;
  }
  log.compact = policies.includes('compact');
  const compression = valueOf('compression.type');
  return {
    log,
    maxMessageBytes: Number(valueOf('max.message.bytes')),
    compression: compression === 'uncompressed' ? 'none' : (compression as CompressionType | 'producer'),
    logAppendTime: valueOf('message.timestamp.type') === 'LogAppendTime',
    minInsyncReplicas: Number(valueOf('min.insync.replicas')),
    cleanupPolicy,
  };
}

// Public surface of the storage layer: Kafka's segmented log on disk.

export {
  DEFAULT_LOG_CONFIG,
  LOG_CONFIG_NAMES,
  resolveLogConfig,
  validateLogConfig,
  type LogConfig,
  type NumericLogConfigKey,
} from './log-config.js';
export { OffsetOutOfRangeError, StorageError } from './errors.js';
export {
  PartitionLog,
  type AppendBatch,
  type AppendResult,
  type PartitionLogOptions,
  type SegmentSummary,
  type ReadOptions,
  type ReadResult,
} from './partition-log.js';
export {
  CLEAN_SHUTDOWN_FILE,
  LogManager,
  isValidTopicName,
  parseTopicPartitionDir,
  type LogManagerOptions,
} from './log-manager.js';
export type { StorageLogger } from './recovery.js';
export type { StorageObserver } from './observer.js';
export { enforceRetention, type RetentionDeletion, type RetentionReason } from './retention.js';
export {
  CLEANER_OFFSET_CHECKPOINT_FILE,
  DEFAULT_CLEANER_CONFIG,
  LogCleaner,
  type CleanableRange,
  type CleanerConfig,
  type LogCleanerOptions,
} from './cleaner.js';
export type { CleanerPassStats } from './observer.js';
export {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
  formatOffsetCheckpoint,
  parseOffsetCheckpoint,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
  type TopicPartitionOffset,
} from './checkpoint-file.js';
export {
  META_PROPERTIES_FILE,
  formatMetaProperties,
  generateClusterId,
  parseMetaProperties,
  readMetaProperties,
  writeMetaProperties,
  type MetaProperties,
} from './meta-properties.js';
export { segmentFileName } from './segment.js';

// The group coordinator's settings, read from the broker configuration (Kafka's key names).

import type { ResolvedConfig } from '../../config/load.js';

export interface GroupCoordinatorConfig {
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits. */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.max.size */
  maxSize: number;
  /** offsets.topic.num.partitions (used when __consumer_offsets is created) */
  offsetsTopicPartitions: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** offsets.commit.timeout.ms: how long a group's write waits for the ISR in a cluster. */
  offsetsCommitTimeoutMs: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxSize: 2_147_483_647,
  offsetsTopicPartitions: 50,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  offsetsCommitTimeoutMs: 5000,
};

export function groupCoordinatorConfig(config: ResolvedConfig): GroupCoordinatorConfig {
  return {
    initialRebalanceDelayMs: config.get<number>('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.get<number>('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.get<number>('group.max.session.timeout.ms'),
    maxSize: config.get<number>('group.max.size'),
    offsetsTopicPartitions: config.get<number>('offsets.topic.num.partitions'),
    offsetsRetentionMs: config.get<number>('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.get<number>('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: config.get<number>('offset.metadata.max.bytes'),
    offsetsCommitTimeoutMs: config.get<number>('offsets.commit.timeout.ms'),
  };
}

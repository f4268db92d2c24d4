// Plain result types of the admin client. Commands return them as they are (`--json` prints them)
// and render them as tables.

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface TopicSummary {
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
  internal: boolean;
}

export interface PartitionDetail {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  /** Log start offset (null when the leader could not say). */
  earliestOffset: number | null;
  /** Log end offset / high watermark (null when the leader could not say). */
  latestOffset: number | null;
}

export interface TopicDetail {
  name: string;
  topicId: string;
  internal: boolean;
  replicationFactor: number;
  partitions: PartitionDetail[];
  /** Configs set on the topic itself (DescribeConfigs source DYNAMIC_TOPIC_CONFIG). */
  configs: ConfigEntry[];
}

export interface CreateTopicSpec {
  name: string;
  /** -1: the broker's num.partitions. */
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  configs?: Record<string, string>;
  /**
   * Replicas of each partition in preference order (index = partition); when set, `partitions` and
   * `replicationFactor` must be -1 (they follow from the assignment).
   */
  assignment?: number[][];
}

export interface CreatedTopic {
  name: string;
  topicId: string | null;
  partitions: number;
  replicationFactor: number;
  validateOnly: boolean;
}

export interface DeletedTopic {
  name: string;
  topicId: string | null;
}

export type ConfigSourceName =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'CLIENT_METRICS_CONFIG'
  | 'GROUP_CONFIG';

export const CONFIG_SOURCE_NAMES: readonly ConfigSourceName[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];

export const CONFIG_TYPE_NAMES = [
  'UNKNOWN',
  'BOOLEAN',
  'STRING',
  'INT',
  'SHORT',
  'LONG',
  'DOUBLE',
  'LIST',
  'CLASS',
  'PASSWORD',
] as const;

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSourceName;
}

export interface ConfigEntry {
  name: string;
  /** null for sensitive values and unset keys. */
  value: string | null;
  source: ConfigSourceName;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
  /** BOOLEAN, STRING, INT, LONG, LIST, ... (DescribeConfigs v3+; UNKNOWN before). */
  type: string;
  documentation: string | null;
  synonyms: ConfigSynonym[];
}

export type ConfigResourceType = 'topic' | 'broker';

export interface ConfigResource {
  type: ConfigResourceType;
  /** Topic name, or broker id ('' for the cluster-wide broker default). */
  name: string;
}

export interface ResourceConfigs extends ConfigResource {
  configs: ConfigEntry[];
}

export type AlterOperation = 'set' | 'delete' | 'append' | 'subtract';

export interface ConfigAlteration {
  name: string;
  op: AlterOperation;
  /** Required for set/append/subtract. */
  value?: string;
}

export interface BrokerDescription {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  isController: boolean;
}

/** A partition whose replicas are not all in sync, or that has no leader. */
export interface PartitionHealth {
  topic: string;
  partition: number;
  /** -1 when the partition has no leader (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
  /** Replicas on brokers that are not live (Metadata v5+; empty before). */
  offlineReplicas: number[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerDescription[];
  /** Partitions in the cluster (every topic, internal ones included). */
  partitionCount: number;
  /** Partitions whose ISR is smaller than their replica list. */
  underReplicatedPartitions: PartitionHealth[];
  /** Partitions without a leader (leader -1). */
  offlinePartitions: PartitionHealth[];
}

export type ElectionType = 'preferred' | 'unclean';

/** The outcome of one partition of an election or a reassignment. */
export interface PartitionOutcome {
  topic: string;
  partition: number;
  /** 0 when it worked. */
  errorCode: number;
  /** The Kafka error name (ELECTION_NOT_NEEDED, INVALID_REPLICA_ASSIGNMENT, ...), null when it worked. */
  error: string | null;
  message: string | null;
}

/** Target replicas of one partition; null cancels its ongoing reassignment. */
export interface ReassignmentTarget {
  topic: string;
  partition: number;
  replicas: number[] | null;
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  /** The full replica set during the move (current plus adding). */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface GroupSummary {
  groupId: string;
  protocolType: string;
  /** Known from ListGroups v4+ (null before). */
  state: string | null;
  /** Known from ListGroups v5+ (null before). */
  type: string | null;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  assignment: TopicPartitionRef[];
}

export interface GroupPartitionOffset {
  topic: string;
  partition: number;
  /** null when the group has no committed offset for the partition. */
  committedOffset: number | null;
  logEndOffset: number | null;
  /** logEndOffset - committedOffset; null when either is unknown. */
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor of a consumer group ('range', 'cooperative-sticky', ...). */
  protocol: string;
  coordinator: { id: number; host: string; port: number };
  members: GroupMember[];
  offsets: GroupPartitionOffset[];
  /** Sum of the known lags. */
  totalLag: number;
}

export type OffsetResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'offset'; offset: number }
  | { to: 'datetime'; timestamp: number }
  | { to: 'shift'; by: number };

export interface PlannedOffset {
  topic: string;
  partition: number;
  currentOffset: number | null;
  newOffset: number;
}

export interface OffsetResetResult {
  groupId: string;
  executed: boolean;
  partitions: PlannedOffset[];
}

// What the metrics layer reads from other parts of the broker, as plain interfaces so those parts
// do not import prom-client and the metrics layer does not import them.

export interface GroupLagEntry {
  group: string;
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  lag: number;
}

export interface GroupSummary {
  group: string;
  /** Kafka's state names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  members: number;
}

/** Implemented by the group coordinator; polled at scrape time. */
export interface GroupMetricsSource {
  groups(): GroupSummary[];
  lag(): GroupLagEntry[];
  /** JoinGroup requests waiting for a rebalance to complete (Kafka's Rebalance purgatory), if tracked. */
  joinPurgatorySize?(): number;
  /** False while the coordinator is still loading group state at start; /ready waits for true. */
  loaded?(): boolean;
}

/** One partition log as the metrics layer reads it (PartitionLog has these getters). */
export interface PartitionLogView {
  readonly topic: string;
  readonly partition: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Bytes of all segment files. */
  readonly size: number;
  readonly segmentCount: number;
  readonly isOffline: boolean;
}

/** Replication and controller state of a broker in a cluster; polled at scrape time. */
export interface ClusterMetricsSource {
  /** Partitions this broker leads. */
  leaderCount(): number;
  /** Partitions this broker leads whose ISR is smaller than their replica set. */
  underReplicatedPartitions(): number;
  /** Partitions of the cluster with no leader (from the metadata image). */
  offlinePartitions(): number;
  /** ISR shrinks and expands this broker made as a leader, since start. */
  isrShrinks(): number;
  isrExpands(): number;
  /** The largest lag in messages of a follower of a partition this broker leads. */
  maxReplicaLag(): number;
  /** True while this broker holds the controller election. */
  isController(): boolean;
  liveBrokers(): number;
}

/** What a running broker hands the metrics layer; everything is read at scrape time. */
export interface BrokerMetricsSource {
  nodeId: number;
  clusterId: string;
  version: string;
  partitions(): Iterable<PartitionLogView>;
  /** Names of the topics that exist now. */
  topicNames(): Iterable<string>;
  hasTopic(name: string): boolean;
  fetchPurgatorySize(): number;
  /** The group coordinator, once there is one. */
  groups(): GroupMetricsSource | undefined;
  ready(): boolean;
  /** Present in cluster mode. */
  cluster?(): ClusterMetricsSource | undefined;
}

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

/** What GET /ready answers: ready only when every check is ok. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

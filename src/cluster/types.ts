// The shapes shared by the cluster layer: what a broker registers, what the metadata store keeps per
// topic partition, the in-memory image every broker keeps of it, and the two services the broker is
// wired with in cluster mode (the metadata client over etcd, and the replica manager).
//
// Single-node mode (no `cluster.metadata`) has no metadata client: every partition is led by this
// broker at leader epoch 0, its ISR is this broker, and the high watermark is the log end offset.

import type { PartitionLog } from '../storage/index.js';
import type { ConfigChange, TopicMetadata } from './metadata-store.js';

export type { ConfigChange, TopicMetadata };

export interface Endpoint {
  listener: string;
  host: string;
  port: number;
}

/** What a live broker writes under its lease; gone when the lease expires or is revoked. */
export interface BrokerRegistration {
  id: number;
  rack: string | null;
  /** Client listeners, as advertised to clients in Metadata. */
  endpoints: Endpoint[];
  /** The inter-broker listener followers fetch from (never advertised to clients). */
  replicationEndpoint: { host: string; port: number };
  /** Random per process start: tells a restarted broker from the one before it. */
  incarnation: string;
  /** True once the broker has begun a controlled shutdown: it is given no new leadership. */
  shuttingDown: boolean;
}

/**
 * One topic partition's replication state. Every change is a compare-and-set on the stored
 * version (`partitionEpoch` here, and the etcd mod revision underneath), so two brokers can never
 * both lead one leader epoch.
 */
export interface PartitionState {
  /** Assigned replicas in preference order: replicas[0] is the preferred leader. */
  replicas: number[];
  /** In-sync replicas; never empty (the last member stays, as in Kafka, even when it is down). */
  isr: number[];
  /** -1 when no live in-sync replica can lead (the partition is offline). */
  leader: number;
  /** Bumped on every leader change (also to -1 and back). */
  leaderEpoch: number;
  /** Bumped on every change of this state (leader, ISR, replicas). */
  partitionEpoch: number;
  /** Reassignment in progress (KIP-455): replicas being added and removed; empty otherwise. */
  addingReplicas: number[];
  removingReplicas: number[];
}

/** A broker's in-memory copy of the cluster metadata, kept current by an etcd watch. */
export interface MetadataImage {
  /** Live brokers (registration present). */
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topics: ReadonlyMap<string, TopicMetadata>;
  /** Partition states per topic, indexed by partition. */
  readonly partitions: ReadonlyMap<string, readonly PartitionState[]>;
  /** The broker holding the controller election, -1 when none does. */
  readonly controllerId: number;
}

export type MetadataChange =
  | { kind: 'broker'; id: number; registration: BrokerRegistration | null }
  | { kind: 'topic'; name: string; topic: TopicMetadata | null }
  | { kind: 'partition'; topic: string; partition: number; state: PartitionState | null }
  | { kind: 'controller'; id: number }
  /** An ACL binding was created or deleted (read them with `acls()`). */
  | { kind: 'acls' }
  /** A SCRAM credential was upserted or deleted (read them with `scramCredentials()`). */
  | { kind: 'scram' }
  /** The dynamic broker configs of a resource ('' is the cluster-wide default) changed. */
  | { kind: 'brokerConfigs'; resource: string }
  /** The watch was re-established: treat the whole image as changed. */
  | { kind: 'reset' };

/**
 * An ACL binding as the cluster stores it: Kafka's wire codes for resource type, pattern type,
 * operation and permission (the security layer's AclBinding has the same shape).
 */
export interface ClusterAcl {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** A stored SCRAM credential: base64 salt, StoredKey and ServerKey, and the iterations; never a password. */
export interface ClusterScramCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

export interface ScramUpsert {
  user: string;
  mechanism: string;
  credential: ClusterScramCredential;
}

export interface ScramDeletion {
  user: string;
  mechanism: string;
}

export interface CreateTopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  internal: boolean;
  /** Explicit replica assignment per partition (CreateTopics `assignments`); computed when absent. */
  assignment?: number[][];
  validateOnly?: boolean;
}

/**
 * The cluster metadata service of one broker (implemented over etcd in src/cluster/etcd/). Reads are
 * from the local image (synchronous); writes go to etcd and resolve once the store has them. Write
 * methods throw KafkaError with the code the Kafka API answers (TOPIC_ALREADY_EXISTS,
 * INVALID_REPLICATION_FACTOR, UNKNOWN_TOPIC_OR_PARTITION, ...).
 */
export interface ClusterMetadataClient {
  readonly clusterId: string;
  readonly brokerId: number;
  /**
   * Connects, reads the cluster id (the first broker of a new cluster creates it, unless one was
   * given), loads the image and starts watching. Resolves before this broker registers.
   */
  connect(): Promise<void>;
  /** Registers this broker under a lease and starts the controller campaign (after connect). */
  start(registration: BrokerRegistration): Promise<void>;
  image(): MetadataImage;
  /** Called after the image has applied a change. */
  onChange(listener: (change: MetadataChange) => void): void;
  isController(): boolean;
  /** The shared secret brokers authenticate to each other's replication listener with. */
  interBrokerSecret(): string;

  createTopic(spec: CreateTopicSpec): Promise<TopicMetadata>;
  /**
   * Registers the topics of a single broker's data directory that seeds the cluster, with their
   * ids, partition counts and configs, each partition led by this broker alone. Names the cluster
   * has already are left as they are. Returns the names registered.
   */
  adoptTopics(topics: readonly TopicMetadata[]): Promise<string[]>;
  deleteTopic(name: string): Promise<TopicMetadata>;
  createPartitions(name: string, count: number, assignment?: number[][]): Promise<TopicMetadata>;
  /** A compare-and-set on the topic; an edit is applied again to the stored set after a lost race. */
  setTopicConfigs(name: string, change: ConfigChange): Promise<TopicMetadata>;
  brokerConfigs(resource: string): Record<string, string>;
  /** A compare-and-set on the resource; an edit is applied again to the stored set after a lost race. */
  setBrokerConfigs(resource: string, change: ConfigChange): Promise<void>;

  /** Every ACL binding of the cluster (from the image). */
  acls(): readonly ClusterAcl[];
  /** Stores bindings in one transaction; a binding already stored is kept once. */
  createAcls(bindings: readonly ClusterAcl[]): Promise<void>;
  /**
   * Deletes, in one transaction, the bindings each selector picks; a binding goes to the first
   * selector that picks it. Returns, per selector, the bindings it deleted.
   */
  deleteAcls(selectors: readonly ((binding: ClusterAcl) => boolean)[]): Promise<ClusterAcl[][]>;
  /** SCRAM credentials by user, then by mechanism name (from the image). */
  scramCredentials(): ReadonlyMap<string, ReadonlyMap<string, ClusterScramCredential>>;
  /** Applies SCRAM upserts and deletions in one transaction. */
  alterScramCredentials(upserts: readonly ScramUpsert[], deletions: readonly ScramDeletion[]): Promise<void>;

  /**
   * Replaces a partition's state when its stored partitionEpoch still equals
   * `expected.partitionEpoch`; the new state must carry partitionEpoch + 1. False when another
   * write came first (the image then shows the winner shortly).
   */
  compareAndSetPartition(
    topic: string,
    partition: number,
    expected: PartitionState,
    next: PartitionState,
  ): Promise<boolean>;

  /** ElectLeaders with the preferred type: makes replicas[0] leader when it is live and in the ISR. */
  electPreferredLeader(topic: string, partition: number): Promise<number /* error code */>;
  /** AlterPartitionReassignments: target replicas, or null to cancel. Returns an error code. */
  reassign(topic: string, partition: number, target: number[] | null): Promise<number>;

  /** Marks this broker shutting down and moves its leaderships to other in-sync replicas. */
  controlledShutdown(timeoutMs: number): Promise<void>;
  /** Revokes the lease (the registration disappears at once) and closes the client. */
  close(): Promise<void>;
}

/**
 * The key fetches of a partition wait on; the broker's fetch purgatory and the replica layer both
 * use it (the purgatory lives in the broker layer above).
 */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Where appends and high-watermark moves wake waiting fetches (the broker's fetch purgatory). */
export interface FetchWaker {
  notify(key: string, bytes: number): void;
}

/** The broker's topics as the replica manager uses them: metadata, and this broker's logs. */
export interface LocalTopics {
  get(name: string): TopicMetadata | undefined;
  /** Opens or creates this broker's log of a partition with the topic's settings. */
  localLog(topic: TopicMetadata, partition: number): PartitionLog;
  deleteLocalLog(name: string, partition: number): void;
}

/** What the replica manager needs to know about leadership changes of local partitions. */
export interface LeadershipListener {
  /** This broker now leads the partition (after a restart, at start, or after an election). */
  onBecomeLeader(topic: string, partition: number, leaderEpoch: number): void;
  /** This broker no longer leads it (it follows, or has no replica any more). */
  onResign(topic: string, partition: number): void;
  /** A follower appended fetched batches (stored form, offsets assigned) to `log`. */
  onFollowerAppend?(log: PartitionLog, records: Buffer): void;
  /** A follower truncated `log` (its end moved back, or it restarted at the leader's log start). */
  onFollowerTruncate?(log: PartitionLog): void;
}

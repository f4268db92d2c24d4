// The group coordinator of a single broker: every consumer group (classic protocol) and its
// committed offsets, kept durable in __consumer_offsets and rebuilt from it at start. The API
// handlers (src/broker/handlers/) call it with version-independent requests; the metrics layer
// polls it as a GroupMetricsSource.

import type { Logger } from '../../observability/logger.js';
import type { GroupLagEntry, GroupMetricsSource, GroupSummary } from '../../observability/sources.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupCoordinatorConfig } from './config.js';
import { GroupMembership } from './membership.js';
import { OffsetManager } from './offsets.js';
import { OFFSETS_TOPIC } from './offsets-topic.js';
import {
  GroupStore,
  type LoadStats,
  type OffsetsTopicAccess,
  type TxnProducer,
  type TxnWriteHooks,
} from './store.js';
import type {
  CommitRequest,
  CommitResult,
  DescribedGroup,
  HeartbeatRequest,
  JoinRequest,
  JoinResult,
  LeaveResult,
  LeavingMember,
  ListedGroup,
  OffsetDeleteResult,
  OffsetFetchResult,
  SyncRequest,
  SyncResult,
} from './types.js';

export interface GroupCoordinatorOptions {
  topics: OffsetsTopicAccess;
  config: GroupCoordinatorConfig;
  logger: Logger;
  /** The leader epoch appends to __consumer_offsets are stamped with. */
  leaderEpoch?: (partition: number) => number;
  /** Called after every append to __consumer_offsets (to wake fetches of that partition). */
  onAppend?: (partition: number, bytes: number) => void;
  /** Producer state for TxnOffsetCommit's transactional writes (fencing older producer epochs). */
  txn?: TxnWriteHooks;
  /**
   * Cluster mode: resolves once partition `partition` of __consumer_offsets is replicated to its
   * ISR up to `offset` (NONE), or with the error that stopped it. Absent on one broker.
   */
  awaitReplicated?: (partition: number, offset: number) => Promise<number>;
  /** Clock (ms); Date.now by default. */
  now?: () => number;
}

const EMPTY = Buffer.alloc(0);
/** Group type name ListGroups v5 reports for every group here (Kafka's GroupType.CLASSIC). */
const CLASSIC = 'classic';

export class GroupCoordinator implements GroupMetricsSource {
  readonly store: GroupStore;
  readonly membership: GroupMembership;
  readonly offsets: OffsetManager;
  private readonly now: () => number;
  private retentionTimer: NodeJS.Timeout | null = null;
  private loadDone: Promise<LoadStats> | null = null;
  private stopped = false;

  constructor(private readonly opts: GroupCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
    this.store = new GroupStore({
      topics: opts.topics,
      partitions: opts.config.offsetsTopicPartitions,
      logger: opts.logger,
      now: this.now,
      leaderEpoch: opts.leaderEpoch ?? (() => 0),
      onAppend: opts.onAppend,
      txn: opts.txn,
    });
    this.membership = new GroupMembership({
      store: this.store,
      config: opts.config,
      logger: opts.logger,
      now: this.now,
      replicated: (groupId) => this.replicated(groupId),
    });
    this.offsets = new OffsetManager({
      store: this.store,
      config: opts.config,
      logger: opts.logger,
      now: this.now,
      topicPartitions: (t) => opts.topics.get(t)?.partitions,
    });
  }

  /**
   * Starts loading groups from __consumer_offsets (answered with COORDINATOR_LOAD_IN_PROGRESS until
   * done) and the offset retention check. Resolves when loading is done.
   */
  startup(): Promise<LoadStats> {
    this.loadDone ??= this.store
      .load((g) => this.membership.onGroupLoaded(g))
      .then(
        (stats) => {
          if (stats.partitions > 0) this.opts.logger.info(stats, 'consumer groups loaded');
          return stats;
        },
        (err: unknown) => {
          this.opts.logger.error({ err }, 'loading consumer groups failed');
          throw err;
        },
      );
    if (!this.retentionTimer && !this.stopped) {
      this.retentionTimer = setInterval(
        () => this.expireOffsets(),
        this.opts.config.offsetsRetentionCheckIntervalMs,
      );
      this.retentionTimer.unref();
    }
    return this.loadDone;
  }

  /**
   * Cluster mode: serve only the groups whose partition of __consumer_offsets this broker leads,
   * loading a partition when it becomes leader and forgetting it on resignation.
   */
  serveOnlyLedPartitions(): void {
    this.store.serveOnlyLedPartitions();
    this.loadDone ??= Promise.resolve({ partitions: 0, records: 0, groups: 0, offsets: 0, ms: 0 });
    if (!this.retentionTimer && !this.stopped) {
      this.retentionTimer = setInterval(
        () => this.expireOffsets(),
        this.opts.config.offsetsRetentionCheckIntervalMs,
      );
      this.retentionTimer.unref();
    }
  }

  /** This broker leads partition `p` of __consumer_offsets now (cluster mode). */
  onBecomeLeader(p: number): void {
    if (this.stopped) return;
    this.store
      .loadPartitionAsLeader(p, (g) => this.membership.onGroupLoaded(g))
      .then(
        (stats) => this.opts.logger.info({ ...stats, partition: p }, 'consumer groups loaded'),
        (err: unknown) => this.opts.logger.error({ err, partition: p }, 'loading consumer groups failed'),
      );
  }

  /** Another broker leads partition `p` now: its groups' waiting requests get NOT_COORDINATOR. */
  onResign(p: number): void {
    const dropped = this.store.resignPartition(p);
    this.membership.shutdown(dropped);
    if (dropped.length > 0) {
      this.opts.logger.info({ partition: p, groups: dropped.length }, 'consumer groups moved away');
    }
  }

  /** Stops timers; waiting JoinGroup/SyncGroup requests are answered with NOT_COORDINATOR. */
  shutdown(): void {
    this.stopped = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    this.membership.shutdown(this.store.groups.values());
  }

  /** FindCoordinator for a group: make sure __consumer_offsets exists. */
  ensureOffsetsTopic(): void {
    this.store.ensureTopic();
  }

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    return this.membership.joinGroup(req);
  }

  syncGroup(req: SyncRequest): SyncResult | Promise<SyncResult> {
    return this.membership.syncGroup(req);
  }

  heartbeat(req: HeartbeatRequest): number {
    return this.membership.heartbeat(req);
  }

  leaveGroup(groupId: string, members: LeavingMember[]): LeaveResult {
    return this.membership.leaveGroup(groupId, members);
  }

  commitOffsets(req: CommitRequest): CommitResult[] {
    return this.offsets.commit(req);
  }

  /** TxnOffsetCommit: offsets pending until the producer's transaction marker lands here. */
  txnCommitOffsets(req: CommitRequest, producer: TxnProducer): CommitResult[] {
    return this.offsets.commit(req, producer);
  }

  /**
   * What the answer to a commit or to a stored assignment (SyncGroup) waits for. In a cluster: the
   * group's partition of __consumer_offsets replicated to its ISR up to what was just appended, as
   * Kafka appends group records with acks=-1 (an offset acknowledged by the leader alone would be
   * lost with it). NONE, or the code to answer
   * instead, mapped as Kafka's GroupMetadataManager does: NOT_COORDINATOR when this broker no
   * longer leads the partition, COORDINATOR_NOT_AVAILABLE when the ISR is too small.
   */
  replicated(groupId: string): number | Promise<number> {
    const wait = this.opts.awaitReplicated;
    if (!wait) return ErrorCode.NONE;
    const partition = this.store.partitionFor(groupId);
    const log = this.opts.topics.partitionLog(OFFSETS_TOPIC, partition);
    if (!log) return ErrorCode.NONE;
    return wait(partition, log.logEndOffset).then(coordinatorAppendError);
  }

  /** A COMMIT/ABORT marker of `producerId` was written to partition `p` of __consumer_offsets. */
  onTxnMarker(p: number, producerId: number, commit: boolean): void {
    this.store.completeTxn(p, producerId, commit);
  }

  /** OffsetFetch; `requireStable` (KIP-447) refuses partitions with pending transactional offsets. */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null,
    requireStable = false,
  ): OffsetFetchResult {
    return this.offsets.fetch(groupId, topics, requireStable);
  }

  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): OffsetDeleteResult {
    return this.offsets.deleteOffsets(groupId, topics);
  }

  deleteGroups(groupIds: string[]): { groupId: string; errorCode: number }[] {
    return groupIds.map((groupId) => ({ groupId, errorCode: this.offsets.deleteGroup(groupId) }));
  }

  /** Expires offsets past their retention now (the periodic check calls this). */
  expireOffsets(now = this.now()): { offsets: number; groups: number } {
    return this.offsets.expire(now);
  }

  listGroups(statesFilter: string[], typesFilter: string[]): { errorCode: number; groups: ListedGroup[] } {
    if (this.store.loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    if (types.size > 0 && !types.has(CLASSIC)) return { errorCode: ErrorCode.NONE, groups: [] };
    const groups: ListedGroup[] = [];
    for (const g of this.store.groups.values()) {
      if (g.state === 'Dead') continue;
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      groups.push({
        groupId: g.groupId,
        protocolType: g.protocolType ?? '',
        groupState: g.state,
        groupType: CLASSIC,
      });
    }
    return { errorCode: ErrorCode.NONE, groups };
  }

  /** An unknown group is described as Dead with no error, as Kafka does up to DescribeGroups v5. */
  describeGroup(groupId: string): DescribedGroup {
    const dead: DescribedGroup = {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    };
    const unavailable = this.store.unavailable(groupId);
    if (unavailable) return { ...dead, errorCode: unavailable, groupState: '' };
    const g = this.store.get(groupId);
    if (!g) return dead;
    const stable = g.state === 'Stable';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(g.protocolName) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  // ------------------------------------------------------------------------------------------
  // GroupMetricsSource

  groups(): GroupSummary[] {
    return [...this.store.groups.values()].map((g) => ({
      group: g.groupId,
      state: g.state,
      members: g.members.size,
    }));
  }

  /** Committed offset against the log end offset, per partition with a commit. */
  lag(): GroupLagEntry[] {
    const out: GroupLagEntry[] = [];
    for (const g of this.store.groups.values()) {
      for (const [topic, parts] of g.offsets) {
        for (const [partition, o] of parts) {
          const log = this.opts.topics.partitionLog(topic, partition);
          if (!log) continue;
          const logEndOffset = log.logEndOffset;
          out.push({
            group: g.groupId,
            topic,
            partition,
            committedOffset: o.offset,
            logEndOffset,
            lag: Math.max(0, logEndOffset - o.offset),
          });
        }
      }
    }
    return out;
  }

  joinPurgatorySize(): number {
    return this.membership.joinsWaiting(this.store.groups.values());
  }

  loaded(): boolean {
    return this.loadDone !== null && !this.store.loading;
  }
}

/** Kafka's mapping of a failed __consumer_offsets append to what a group request answers. */
function coordinatorAppendError(code: number): number {
  switch (code) {
    case ErrorCode.NONE:
    case ErrorCode.REQUEST_TIMED_OUT:
      return code;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

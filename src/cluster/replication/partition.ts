// One local replica of a topic partition: its log, its leader epoch cache, and the replication state
// Kafka's Partition keeps (kafka.cluster.Partition).
//
// Leader: tracks every follower's log end offset from its fetches, advances the high watermark to
// the smallest log end offset over the ISR (never backwards), expands the ISR with a follower that
// caught up (its log end offset at or past the high watermark and the start of the current leader
// epoch) and shrinks it by the followers not caught up for `replica.lag.time.max.ms`. ISR changes
// are proposed with ClusterMetadataClient.compareAndSetPartition (the AlterPartition of KIP-497):
// one at a time, applied when the write wins; a lost write waits for the image to show the winner.
// While a change is in flight the high watermark counts the union of the old and proposed ISR (the
// "maximal ISR"), so it never advances past a replica that may still be in the ISR.
//
// Follower: appends what the leader sends with its offsets and leader epochs, records new epochs in
// the cache, and keeps its high watermark at min(leader's high watermark, own log end offset).
//
// On start a replica's high watermark is the one the replica manager last checkpointed for it
// (replication-offset-checkpoint), kept within [log start, log end] since recovery may have cut the
// log; the log start offset when there is none.
//
// Single-node mode: always the leader at epoch 0 with ISR [self], the high watermark is the log end
// offset, no epoch file is written and an append costs nothing beyond the log append and the wake-up
// of waiting fetches.

import { nextPartitionState } from '../partition-state.js';
import type { Logger } from '../../observability/logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import { PARTITION_LEADER_EPOCH } from '../../protocol/records/batch-header.js';
import type { AppendBatch, AppendResult, PartitionLog } from '../../storage/index.js';
// the broker's fetch purgatory is where delayed fetches wait; partitions wake them by the same keys
import { partitionKey, type FetchWaker } from '../types.js';
import type { ClusterMetadataClient, PartitionState } from '../types.js';
import { LeaderEpochCache, UNDEFINED_EPOCH, type EpochEndOffset } from './leader-epoch-cache.js';

/** Kafka's replica.lag.time.max.ms default. */
export const DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;

/** Totals shared by the partitions of one replica manager (metrics). */
export interface ReplicationCounters {
  isrShrinks: number;
  isrExpands: number;
  /** ISR proposals that lost their compare-and-set. */
  failedIsrUpdates: number;
}

/** What the leader knows of one follower (Kafka's Replica state). */
export interface FollowerState {
  readonly brokerId: number;
  /** -1 until the follower fetched from this leader. */
  logEndOffset: number;
  logStartOffset: number;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
  lastCaughtUpTimeMs: number;
}

export interface PartitionOptions {
  topic: string;
  partition: number;
  topicId: string;
  log: PartitionLog;
  localBrokerId: number;
  /** Wakes waiting fetches: consumers on high watermark advances, followers on appends. */
  purgatory?: FetchWaker;
  logger?: Logger;
  /** Cluster mode (absent: single-node mode). */
  cluster?: {
    client: ClusterMetadataClient;
    replicaLagTimeMaxMs?: number;
    counters?: ReplicationCounters;
    /** Whether a broker may join the ISR (registered and not shutting down). */
    isBrokerAlive?: (brokerId: number) => boolean;
    now?: () => number;
    /** A leader epoch cache to use instead of the partition directory's checkpoint file (tests). */
    epochs?: LeaderEpochCache;
    /** The high watermark last checkpointed for this partition (replication-offset-checkpoint). */
    checkpointedHighWatermark?: number;
    /** Told of what replication writes to the log as a follower (state kept beside the log follows). */
    followerLog?: FollowerLogListener;
  };
}

/** What a follower's log went through: whole batches appended by replication, or a truncation. */
export interface FollowerLogListener {
  appended(records: Buffer): void;
  truncated(): void;
}

/** Suffix of the purgatory key replica fetches wait on (woken by appends, not by the high watermark). */
const REPLICA_KEY_SUFFIX = '\u0000replica';

function singleNodeState(id: number): PartitionState {
  return {
    replicas: [id],
    isr: [id],
    leader: id,
    leaderEpoch: 0,
    partitionEpoch: 0,
    addingReplicas: [],
    removingReplicas: [],
  };
}

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly log: PartitionLog;
  readonly localBrokerId: number;
  /** Purgatory key consumer fetches of this partition wait on. */
  readonly fetchKey: string;
  /** Purgatory key replica (follower) fetches of this partition wait on. */
  readonly replicaFetchKey: string;
  /** True in cluster mode; false for the single-node partition (always leader, HW = LEO). */
  readonly replicated: boolean;
  /** The leader epoch cache (in memory only in single-node mode). */
  readonly epochs: LeaderEpochCache;

  private current: PartitionState;
  private leading: boolean;
  private hw: number;
  private readonly followers = new Map<number, FollowerState>();
  /** The ISR proposal in flight (compare-and-set not answered yet). */
  private pendingIsr: PartitionState | null = null;
  /** Appends above the high watermark as [endOffset, bytes] pairs, to tell fetches how much arrived. */
  private unreplicated: number[] = [];
  private readonly watchers = new Set<() => void>();
  private closed = false;
  private readonly purgatory: FetchWaker | undefined;
  private readonly logger: Logger | undefined;
  private readonly client: ClusterMetadataClient | undefined;
  private readonly lagTimeMaxMs: number;
  private readonly counters: ReplicationCounters;
  private readonly isBrokerAlive: (brokerId: number) => boolean;
  private readonly now: () => number;
  private readonly followerLog: FollowerLogListener | undefined;
  /** Follower side: the leader's high watermark from the last fetch response (lag metric). */
  leaderHighWatermark = -1;

  constructor(opts: PartitionOptions) {
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.topicId = opts.topicId;
    this.log = opts.log;
    this.localBrokerId = opts.localBrokerId;
    this.fetchKey = partitionKey(opts.topic, opts.partition);
    this.replicaFetchKey = this.fetchKey + REPLICA_KEY_SUFFIX;
    this.purgatory = opts.purgatory;
    this.logger = opts.logger;
    const c = opts.cluster;
    this.replicated = c !== undefined;
    this.client = c?.client;
    this.lagTimeMaxMs = c?.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS;
    this.counters = c?.counters ?? { isrShrinks: 0, isrExpands: 0, failedIsrUpdates: 0 };
    this.isBrokerAlive = c?.isBrokerAlive ?? (() => true);
    this.now = c?.now ?? Date.now;
    this.followerLog = c?.followerLog;
    this.current = singleNodeState(opts.localBrokerId);
    this.leading = !this.replicated;
    if (c) {
      this.epochs = c.epochs ?? LeaderEpochCache.load(opts.log.dir);
      // Kafka on load: the cache may not reach past the log (recovery truncated it) nor below its start
      this.epochs.truncateFromEnd(opts.log.logEndOffset);
      this.epochs.truncateFromStart(opts.log.logStartOffset);
      if (this.epochs.isEmpty && opts.log.logEndOffset > opts.log.logStartOffset) this.rebuildEpochs();
      // Kafka on load: the checkpointed high watermark, never past the (maybe truncated) log end;
      // without one, the start of the log until a leader tells
      const { logStartOffset, logEndOffset } = opts.log;
      this.hw = Math.min(
        Math.max(c.checkpointedHighWatermark ?? logStartOffset, logStartOffset),
        logEndOffset,
      );
    } else {
      this.epochs = new LeaderEpochCache(null);
      this.hw = 0;
    }
  }

  /** The partition state this replica acts on (from the metadata image, or its own ISR change). */
  get state(): PartitionState {
    return this.current;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get leaderEpoch(): number {
    return this.current.leaderEpoch;
  }

  get leaderId(): number {
    return this.current.leader;
  }

  get isr(): readonly number[] {
    return this.current.isr;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  /** Offsets below it are on every in-sync replica: consumers read up to here. */
  get highWatermark(): number {
    return this.replicated ? this.hw : this.log.logEndOffset;
  }

  /** Whether an ISR change proposed here is still waiting for its compare-and-set. */
  get isrChangePending(): boolean {
    return this.pendingIsr !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Leader side: the followers' states (metrics, tests). */
  followerStates(): ReadonlyMap<number, FollowerState> {
    return this.followers;
  }

  /** Calls `fn` after every change that may complete a waiting acks=-1 produce (HW, ISR, leadership). */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.watchers]) fn();
  }

  // ---- leader side ----------------------------------------------------------------------------

  /**
   * Appends produced batches as leader: offsets and this leader epoch are written into the batches.
   * The caller checked that this replica leads.
   */
  appendAsLeader(records: Buffer, batches: AppendBatch[]): AppendResult {
    const result = this.log.append(records, batches, this.current.leaderEpoch);
    this.afterLeaderAppend(records.length);
    return result;
  }

  /**
   * Bookkeeping after `bytes` were appended to the log as leader (by appendAsLeader, or directly by a
   * coordinator writing its internal topic): wakes the fetches that can now read them.
   */
  afterLeaderAppend(bytes: number): void {
    if (!this.replicated) {
      // one broker: the high watermark is the log end offset, so consumers can read it at once
      this.purgatory?.notify(this.fetchKey, bytes);
      return;
    }
    this.unreplicated.push(this.log.logEndOffset, bytes);
    this.purgatory?.notify(this.replicaFetchKey, bytes);
    this.maybeIncrementHighWatermark();
  }

  /**
   * Becomes (or stays) leader for `state`. On a new leader epoch: records the epoch's start offset at
   * the log end in the epoch cache and resets every follower (log end offset unknown; caught up now
   * when in the ISR, per Kafka's resetReplicaState). Returns whether the leader epoch changed.
   */
  makeLeader(state: PartitionState): boolean {
    const epochChanged = !this.leading || state.leaderEpoch !== this.current.leaderEpoch;
    this.current = state;
    this.leading = true;
    this.pendingIsr = null;
    if (epochChanged) {
      this.epochs.assign(state.leaderEpoch, this.log.logEndOffset);
      const now = this.now();
      this.followers.clear();
      for (const id of this.assignedReplicas()) {
        if (id !== this.localBrokerId) this.addFollower(id, state.isr.includes(id) ? now : 0);
      }
      this.hw = Math.min(Math.max(this.hw, this.log.logStartOffset), this.log.logEndOffset);
      // what lies between the high watermark and the log end is unknown in size: count it as one byte
      this.unreplicated = this.hw < this.log.logEndOffset ? [this.log.logEndOffset, 1] : [];
    } else {
      this.syncFollowers();
    }
    this.maybeIncrementHighWatermark();
    this.changed();
    return epochChanged;
  }

  /** The same leader epoch with a newer ISR or assignment (partitionEpoch bumped). */
  updateState(state: PartitionState): void {
    if (state.partitionEpoch < this.current.partitionEpoch) return;
    this.current = state;
    if (this.pendingIsr && state.partitionEpoch >= this.pendingIsr.partitionEpoch) this.pendingIsr = null;
    if (this.leading) {
      this.syncFollowers();
      this.maybeIncrementHighWatermark();
    }
    this.changed();
  }

  /** Followers added to or removed from the assignment (reassignment) with the same leader epoch. */
  private syncFollowers(): void {
    const assigned = new Set(this.assignedReplicas());
    for (const id of this.followers.keys()) if (!assigned.has(id)) this.followers.delete(id);
    for (const id of assigned) {
      if (id !== this.localBrokerId && !this.followers.has(id)) this.addFollower(id, 0);
    }
  }

  /** A follower whose position is unknown until it fetches from this leader. */
  private addFollower(brokerId: number, lastCaughtUpTimeMs: number): void {
    this.followers.set(brokerId, {
      brokerId,
      logEndOffset: -1,
      logStartOffset: -1,
      lastFetchLeaderLogEndOffset: -1,
      lastFetchTimeMs: 0,
      lastCaughtUpTimeMs,
    });
  }

  private assignedReplicas(): number[] {
    const s = this.current;
    return s.addingReplicas.length === 0 ? s.replicas : [...new Set([...s.replicas, ...s.addingReplicas])];
  }

  /**
   * A follower fetched at `fetchOffset` (its log end offset). Updates its state per Kafka's
   * Replica.updateFetchState: caught up now when it reached the leader's log end offset, or caught up
   * as of its previous fetch when it reached the log end offset the leader had then. Then the ISR may
   * expand and the high watermark advance. NOT_LEADER_OR_FOLLOWER when it is not an assigned replica.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, logStartOffset: number): number {
    const f = this.followers.get(replicaId);
    if (!this.leading || !f) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const now = this.now();
    const leaderEnd = this.log.logEndOffset;
    if (fetchOffset >= leaderEnd) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, now);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset)
      f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
    f.logStartOffset = logStartOffset;
    f.logEndOffset = fetchOffset;
    f.lastFetchLeaderLogEndOffset = leaderEnd;
    f.lastFetchTimeMs = now;
    this.maybeExpandIsr(f);
    this.maybeIncrementHighWatermark();
    return ErrorCode.NONE;
  }

  /** The ISR plus members a pending proposal adds: the high watermark waits for all of them. */
  private maximalIsr(): readonly number[] {
    const pending = this.pendingIsr;
    if (!pending) return this.current.isr;
    return [...new Set([...this.current.isr, ...pending.isr])];
  }

  /** Leader: HW = min log end offset over the (maximal) ISR; moves only forward. */
  maybeIncrementHighWatermark(): boolean {
    if (!this.replicated || !this.leading) return false;
    let next = this.log.logEndOffset;
    for (const id of this.maximalIsr()) {
      if (id === this.localBrokerId) continue;
      const f = this.followers.get(id);
      // a member without a known position holds the high watermark where it is
      const end = f ? f.logEndOffset : -1;
      if (end < next) next = end;
    }
    if (next <= this.hw) return false;
    this.advanceHighWatermark(next);
    this.changed();
    return true;
  }

  /** Moves the high watermark up to `next` and wakes the consumer fetches that can read more now. */
  private advanceHighWatermark(next: number): void {
    this.hw = next;
    let bytes = 0;
    let n = 0;
    const u = this.unreplicated;
    while (n < u.length && u[n]! <= next) {
      bytes += u[n + 1]!;
      n += 2;
    }
    if (n > 0) this.unreplicated = u.slice(n);
    this.purgatory?.notify(this.fetchKey, Math.max(bytes, 1));
  }

  /**
   * Kafka's ISR expansion rule: a follower outside the ISR joins once its log end offset is at or
   * past the high watermark and at or past the first offset of the current leader epoch (so it holds
   * everything this leader wrote), and its broker is alive and not shutting down.
   */
  private maybeExpandIsr(f: FollowerState): void {
    if (this.pendingIsr || this.current.isr.includes(f.brokerId)) return;
    const epochStart = this.epochStartOffset();
    if (f.logEndOffset < this.hw || epochStart < 0 || f.logEndOffset < epochStart) return;
    if (!this.isBrokerAlive(f.brokerId)) return;
    this.proposeIsr([...this.current.isr, f.brokerId], 'expand');
  }

  /** First offset of the current leader epoch; -1 when the cache does not know it. */
  private epochStartOffset(): number {
    const entries = this.epochs.epochEntries();
    const last = entries[entries.length - 1];
    return last && last.epoch === this.current.leaderEpoch ? last.startOffset : -1;
  }

  /**
   * Drops from the ISR the followers not caught up for `replica.lag.time.max.ms`: a follower is in
   * sync while its log end offset equals the leader's, or it was caught up within the lag time.
   */
  maybeShrinkIsr(): void {
    if (!this.replicated || !this.leading || this.pendingIsr || this.closed) return;
    const now = this.now();
    const leaderEnd = this.log.logEndOffset;
    const out: number[] = [];
    for (const id of this.current.isr) {
      if (id === this.localBrokerId) continue;
      const f = this.followers.get(id);
      const inSync =
        f !== undefined && (f.logEndOffset === leaderEnd || now - f.lastCaughtUpTimeMs <= this.lagTimeMaxMs);
      if (!inSync) out.push(id);
    }
    if (out.length === 0) return;
    this.proposeIsr(
      this.current.isr.filter((id) => !out.includes(id)),
      'shrink',
    );
  }

  private proposeIsr(isr: number[], kind: 'expand' | 'shrink'): void {
    const client = this.client;
    if (!client) return;
    const expected = this.current;
    const next = nextPartitionState(expected, { isr });
    this.pendingIsr = next;
    this.logger?.info(
      {
        topic: this.topic,
        partition: this.partition,
        leaderEpoch: expected.leaderEpoch,
        from: expected.isr,
        to: isr,
        highWatermark: this.hw,
      },
      kind === 'expand' ? 'expanding the ISR' : 'shrinking the ISR',
    );
    client.compareAndSetPartition(this.topic, this.partition, expected, next).then(
      (won) => {
        if (this.pendingIsr !== next) return; // superseded by a metadata change meanwhile
        this.pendingIsr = null;
        if (!won) {
          // another writer came first: the image shows the winner shortly (updateState)
          this.counters.failedIsrUpdates++;
          this.maybeIncrementHighWatermark();
          return;
        }
        if (kind === 'expand') this.counters.isrExpands++;
        else this.counters.isrShrinks++;
        if (this.leading && this.current.partitionEpoch < next.partitionEpoch) this.current = next;
        this.maybeIncrementHighWatermark();
        this.changed();
      },
      (err: unknown) => {
        if (this.pendingIsr === next) this.pendingIsr = null;
        this.counters.failedIsrUpdates++;
        this.logger?.warn(
          { topic: this.topic, partition: this.partition, err: String(err) },
          'cannot write the ISR change; retrying on the next check',
        );
      },
    );
  }

  /** OffsetsForLeaderEpoch and divergence checks, answered from the epoch cache. */
  endOffsetForEpoch(requestedEpoch: number): EpochEndOffset {
    if (!this.replicated) {
      // one broker writes everything at epoch 0: the cache would be [(0, log start)]
      if (requestedEpoch === 0) return { leaderEpoch: 0, endOffset: this.log.logEndOffset };
      if (requestedEpoch < UNDEFINED_EPOCH)
        return { leaderEpoch: requestedEpoch, endOffset: this.log.logStartOffset };
      return { leaderEpoch: UNDEFINED_EPOCH, endOffset: -1 };
    }
    return this.epochs.endOffsetFor(requestedEpoch, this.log.logEndOffset);
  }

  /** The leader epoch `offset` was written in (ListOffsets answers); 0 on a single broker. */
  epochForOffset(offset: number): number {
    return this.replicated ? this.epochs.epochForOffset(offset) : 0;
  }

  /** DeleteRecords / retention moved the log start: the epoch cache follows (Kafka's truncateFromStart). */
  maybeIncrementLogStartOffset(offset: number): boolean {
    const moved = this.log.maybeIncrementLogStartOffset(offset);
    if (moved && this.replicated) this.epochs.truncateFromStart(this.log.logStartOffset);
    return moved;
  }

  // ---- follower side --------------------------------------------------------------------------

  /** Follows the leader of `state`. Returns whether the leader epoch changed (or this replica led). */
  makeFollower(state: PartitionState): boolean {
    const changed = this.leading || state.leaderEpoch !== this.current.leaderEpoch;
    this.current = state;
    this.leading = false;
    this.pendingIsr = null;
    this.followers.clear();
    this.unreplicated = [];
    this.changed();
    return changed;
  }

  /**
   * Appends batches fetched from the leader (offsets and epochs kept), recording each new leader
   * epoch at its first batch. Returns the bytes appended.
   */
  appendAsFollower(records: Buffer): number {
    const result = this.log.appendAsFollower(records, (baseOffset, epoch) => {
      if (epoch >= 0 && epoch > this.epochs.latestEpoch) this.epochs.assign(epoch, baseOffset);
    });
    // above the high watermark until the leader's says otherwise (consumers may fetch here, KIP-392)
    if (result.bytes > 0) {
      this.unreplicated.push(this.log.logEndOffset, result.bytes);
      this.followerLog?.appended(records.subarray(0, result.bytes));
    }
    return result.bytes;
  }

  /**
   * Follower: HW = min(leader's high watermark, own log end offset). Consumer fetches served here
   * (KIP-392) wait for it to advance.
   */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    this.leaderHighWatermark = leaderHighWatermark;
    const next = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (next > this.hw) this.advanceHighWatermark(next);
  }

  /** Follower: the leader's log start offset moved up (DeleteRecords, retention). */
  followLogStartOffset(leaderLogStartOffset: number): void {
    if (leaderLogStartOffset > this.log.logStartOffset && leaderLogStartOffset <= this.log.logEndOffset) {
      this.maybeIncrementLogStartOffset(leaderLogStartOffset);
    }
  }

  /** Removes everything at and after `offset` from the log and the epoch cache. */
  truncateTo(offset: number): void {
    if (offset >= this.log.logEndOffset) return;
    this.logger?.info(
      { topic: this.topic, partition: this.partition, from: this.log.logEndOffset, to: offset },
      'truncating the log',
    );
    this.log.truncateTo(offset);
    // the log cuts whole batches, so it may end below `offset`: the cache follows the log
    this.epochs.truncateFromEnd(this.log.logEndOffset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
    this.followerLog?.truncated();
  }

  /** Empties the log and restarts it at `offset` (the leader's log start moved past this one's end). */
  truncateFullyAndStartAt(offset: number): void {
    this.logger?.info(
      { topic: this.topic, partition: this.partition, logEndOffset: this.log.logEndOffset, startAt: offset },
      'emptying the log to restart it at the leader log start offset',
    );
    this.log.truncateFullyAndStartAt(offset);
    this.epochs.clear();
    this.hw = offset;
    this.followerLog?.truncated();
  }

  /** This replica is gone from this broker (deleted or moved away): waiting produces fail. */
  close(): void {
    this.closed = true;
    this.leading = false;
    this.followers.clear();
    this.changed();
    this.watchers.clear();
  }

  /**
   * A log written before this broker kept a leader epoch file (e.g. in single-node mode) has its
   * epochs only in the batch headers: read them once so truncation after a failover works.
   */
  private rebuildEpochs(): void {
    try {
      for (const seg of this.log.segmentsForCleaner) {
        seg.scanHeaders(0, (buf, at, _position, _size) => {
          const epoch = buf.readInt32BE(at + PARTITION_LEADER_EPOCH);
          const base = Number(buf.readBigInt64BE(at));
          if (base >= this.log.logStartOffset && epoch >= 0 && epoch > this.epochs.latestEpoch) {
            this.epochs.assign(epoch, base);
          }
          return false;
        });
      }
    } catch (err) {
      this.logger?.warn(
        { topic: this.topic, partition: this.partition, err: String(err) },
        'cannot rebuild the leader epoch cache from the log',
      );
    }
  }
}

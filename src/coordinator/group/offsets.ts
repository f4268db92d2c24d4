// Committed offsets: OffsetCommit validation (Kafka's rules for group members and for commits from
// outside group management), OffsetFetch, OffsetDelete, group deletion and offset retention.
// Every change is appended to __consumer_offsets before it is applied and answered; deletions are
// tombstones (a null value).
//
// Retention (offsets.retention.minutes, checked every offsets.retention.check.interval.ms):
// offsets of an empty group expire that long after the group became empty (after their commit for
// a group that never had members); offsets of a consumer group's topics its members no longer
// subscribe to expire that long after their commit (KIP-211, KIP-496); an offset committed with its
// own retention (OffsetCommit v2-v4) expires at that time. An empty group left with no offsets is
// removed (Dead) with a tombstone.

import type { Logger } from '../../observability/logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupCoordinatorConfig } from './config.js';
import type { ClassicGroup } from './group.js';
import { storeErrorCode } from './membership.js';
import {
  groupMetadataRecord,
  offsetCommitRecord,
  type OffsetsTopicRecord,
  type StoredOffset,
} from './offsets-topic.js';
import type { GroupStore, TxnProducer } from './store.js';
import type {
  CommitRequest,
  CommitResult,
  FetchedOffset,
  OffsetDeleteResult,
  OffsetFetchResult,
} from './types.js';

export interface OffsetManagerOptions {
  store: GroupStore;
  config: GroupCoordinatorConfig;
  logger: Logger;
  now: () => number;
  /** Partition count of a topic, or undefined when it does not exist. */
  topicPartitions: (topic: string) => number | undefined;
}

export class OffsetManager {
  constructor(private readonly o: OffsetManagerOptions) {}

  /**
   * OffsetCommit; with `producer`, TxnOffsetCommit (KIP-98): the offsets are written as a
   * transactional batch of the producer and stay pending in the group until the transaction's
   * marker lands on this partition (GroupStore.completeTxn).
   */
  commit(req: CommitRequest, producer?: TxnProducer): CommitResult[] {
    const { store, config } = this.o;
    const fail = (errorCode: number): CommitResult[] =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      }));
    const unavailable = store.unavailable(req.groupId);
    if (unavailable) return fail(unavailable);

    let group = store.get(req.groupId);
    if (producer) {
      const err = group ? validateTxnCommit(group, req) : ErrorCode.NONE;
      if (err !== ErrorCode.NONE) return fail(err);
      group ??= store.getOrCreate(req.groupId);
    } else if (!group) {
      // A commit outside group management (generation -1) creates a "simple" group holding offsets.
      if (req.generationId >= 0) {
        return fail(req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      }
      group = store.getOrCreate(req.groupId);
    } else {
      const err = validateCommit(group, req);
      if (err !== ErrorCode.NONE) return fail(err);
    }

    const now = this.o.now();
    const records: OffsetsTopicRecord[] = [];
    const accepted: {
      topic: string;
      partition: number;
      offset: StoredOffset;
      result: { errorCode: number };
    }[] = [];
    const results: CommitResult[] = req.topics.map((t) => {
      const count = this.o.topicPartitions(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const result = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
          const metadata = p.committedMetadata ?? '';
          if (count === undefined || p.partitionIndex < 0 || p.partitionIndex >= count) {
            result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          } else if (Buffer.byteLength(metadata, 'utf8') > config.offsetMetadataMaxBytes) {
            result.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
          } else {
            const commitTimestamp = p.commitTimestamp >= 0 ? p.commitTimestamp : now;
            const offset: StoredOffset = {
              offset: p.committedOffset,
              leaderEpoch: p.committedLeaderEpoch,
              metadata,
              commitTimestamp,
              expireTimestamp: req.retentionTimeMs >= 0 ? commitTimestamp + req.retentionTimeMs : -1,
            };
            records.push(offsetCommitRecord(req.groupId, t.name, p.partitionIndex, offset));
            accepted.push({ topic: t.name, partition: p.partitionIndex, offset, result });
          }
          return result;
        }),
      };
    });

    if (records.length > 0) {
      try {
        store.append(req.groupId, records, producer);
        for (const a of accepted) {
          if (producer) group.setPendingTxnOffset(producer.producerId, a.topic, a.partition, a.offset);
          else group.setOffset(a.topic, a.partition, a.offset);
        }
      } catch (err) {
        this.o.logger.error({ err, group: req.groupId }, 'cannot store committed offsets');
        const code = storeErrorCode(err);
        for (const a of accepted) a.result.errorCode = code;
      }
    }
    store.dropIfUnused(group);
    return results;
  }

  /**
   * OffsetFetch. With `requireStable` (v7+, KIP-447) a partition for which a transactional offset is
   * still pending (its transaction neither committed nor aborted) answers UNSTABLE_OFFSET_COMMIT,
   * which clients retry, so that a consumer taking a partition over does not start from an offset
   * the open transaction is about to move; without it the last committed offset is answered.
   * Listing every offset (null topics) covers the committed ones only, as Kafka's does.
   */
  fetch(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null,
    requireStable = false,
  ): OffsetFetchResult {
    const { store } = this.o;
    const unavailable = store.unavailable(groupId);
    if (unavailable) return { errorCode: unavailable, topics: [] };
    const group = store.get(groupId);
    const entry = (topic: string, partition: number): FetchedOffset => {
      const none = (errorCode: number): FetchedOffset => ({
        partitionIndex: partition,
        committedOffset: -1,
        committedLeaderEpoch: -1,
        metadata: '',
        errorCode,
      });
      if (requireStable && group?.hasPendingTxnOffset(topic, partition)) {
        return none(ErrorCode.UNSTABLE_OFFSET_COMMIT);
      }
      const o = group?.offsets.get(topic)?.get(partition);
      return o
        ? {
            partitionIndex: partition,
            committedOffset: o.offset,
            committedLeaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            errorCode: ErrorCode.NONE,
          }
        : none(ErrorCode.NONE);
    };
    if (topics === null) {
      const all = [...(group?.offsets ?? new Map<string, Map<number, StoredOffset>>())]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, parts]) => ({
          name,
          partitions: [...parts.keys()].sort((a, b) => a - b).map((p) => entry(name, p)),
        }));
      return { errorCode: ErrorCode.NONE, topics: all };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => entry(t.name, p)),
      })),
    };
  }

  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): OffsetDeleteResult {
    const { store } = this.o;
    const top = (errorCode: number): OffsetDeleteResult => ({ errorCode, topics: [] });
    if (groupId === '') return top(ErrorCode.INVALID_GROUP_ID);
    const unavailable = store.unavailable(groupId);
    if (unavailable) return top(unavailable);
    const group = store.get(groupId);
    if (!group || group.state === 'Dead') return top(ErrorCode.GROUP_ID_NOT_FOUND);
    if (group.state !== 'Empty' && group.protocolType !== 'consumer') return top(ErrorCode.NON_EMPTY_GROUP);
    const subscribed = group.subscribedTopics();
    const records: OffsetsTopicRecord[] = [];
    const deleted: { topic: string; partition: number; result: { errorCode: number } }[] = [];
    const results = topics.map((t) => {
      const count = this.o.topicPartitions(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((partition) => {
          const result = { partitionIndex: partition, errorCode: ErrorCode.NONE as number };
          if (count === undefined || partition < 0 || partition >= count) {
            result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          } else if (subscribed === null || subscribed.has(t.name)) {
            result.errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
          } else if (group.offsets.get(t.name)?.has(partition)) {
            records.push(offsetCommitRecord(groupId, t.name, partition, null));
            deleted.push({ topic: t.name, partition, result });
          }
          return result;
        }),
      };
    });
    if (records.length > 0) {
      try {
        store.append(groupId, records);
        for (const d of deleted) group.deleteOffset(d.topic, d.partition);
        this.removeIfEmpty(group);
      } catch (err) {
        this.o.logger.error({ err, group: groupId }, 'cannot delete committed offsets');
        const code = storeErrorCode(err);
        for (const d of deleted) d.result.errorCode = code;
      }
    }
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  /** DeleteGroups for one group: tombstones for its offsets and its metadata, then it is gone. */
  deleteGroup(groupId: string): number {
    const { store } = this.o;
    const unavailable = store.unavailable(groupId);
    if (unavailable) return unavailable;
    const group = store.get(groupId);
    if (!group || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty' || group.pendingMembers.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    try {
      this.removeGroup(group);
    } catch (err) {
      this.o.logger.error({ err, group: groupId }, 'cannot delete group');
      return storeErrorCode(err);
    }
    this.o.logger.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  /** Expires committed offsets past their retention; returns how many offsets and groups went. */
  expire(now: number): { offsets: number; groups: number } {
    const { store, config } = this.o;
    const retention = config.offsetsRetentionMs;
    let offsets = 0;
    let groups = 0;
    for (const group of [...store.groups.values()]) {
      if (store.unavailable(group.groupId) || group.state === 'Dead') continue;
      let unsubscribed: Set<string> | null | 'none' = 'none';
      if (group.state === 'Empty') unsubscribed = null;
      else if (group.state === 'Stable' && group.protocolType === 'consumer') {
        const subscribed = group.subscribedTopics();
        if (subscribed) unsubscribed = new Set([...group.offsets.keys()].filter((t) => !subscribed.has(t)));
      }
      const expired: { topic: string; partition: number }[] = [];
      for (const [topic, parts] of group.offsets) {
        for (const [partition, o] of parts) {
          let due: boolean;
          if (o.expireTimestamp >= 0) due = now >= o.expireTimestamp;
          else if (unsubscribed === null) {
            const base =
              group.protocolType !== null && group.stateTimestamp >= 0
                ? group.stateTimestamp
                : o.commitTimestamp;
            due = now - base >= retention;
          } else if (unsubscribed !== 'none' && unsubscribed.has(topic))
            due = now - o.commitTimestamp >= retention;
          else due = false;
          if (due) expired.push({ topic, partition });
        }
      }
      // a group with transactional offsets still pending stays (Kafka's hasOffsets counts them)
      const removeGroup =
        group.state === 'Empty' &&
        group.offsetCount() === expired.length &&
        group.pendingMembers.size === 0 &&
        group.pendingTxnOffsets.size === 0;
      if (expired.length === 0 && !removeGroup) continue;
      try {
        if (removeGroup) {
          this.removeGroup(group);
          groups++;
        } else {
          store.append(
            group.groupId,
            expired.map((e) => offsetCommitRecord(group.groupId, e.topic, e.partition, null)),
          );
          for (const e of expired) group.deleteOffset(e.topic, e.partition);
        }
        offsets += expired.length;
      } catch (err) {
        this.o.logger.error({ err, group: group.groupId }, 'cannot expire committed offsets');
      }
    }
    if (offsets > 0 || groups > 0) this.o.logger.info({ offsets, groups }, 'expired committed offsets');
    return { offsets, groups };
  }

  private removeIfEmpty(group: ClassicGroup): void {
    if (
      group.state === 'Empty' &&
      group.offsetCount() === 0 &&
      group.pendingMembers.size === 0 &&
      group.pendingTxnOffsets.size === 0
    ) {
      this.removeGroup(group);
    }
  }

  /** Writes tombstones for every offset and the metadata of an empty group, then forgets it. */
  private removeGroup(group: ClassicGroup): void {
    const records: OffsetsTopicRecord[] = [];
    for (const [topic, parts] of group.offsets) {
      for (const partition of parts.keys())
        records.push(offsetCommitRecord(group.groupId, topic, partition, null));
    }
    records.push(groupMetadataRecord(group.groupId, null));
    this.o.store.append(group.groupId, records);
    group.offsets.clear();
    group.transitionTo('Dead', this.o.now());
    if (this.o.store.groups.get(group.groupId) === group) this.o.store.groups.delete(group.groupId);
  }
}

/**
 * TxnOffsetCommit's checks (Kafka's doTxnCommitOffsets): a member id and generation, when given
 * (v3+, KIP-447), must be the group's current ones; without them any producer may commit.
 */
function validateTxnCommit(group: ClassicGroup, req: CommitRequest): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (req.generationId < 0 || group.members.size === 0) return ErrorCode.NONE;
  if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.generationId !== req.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

/** Whether a commit may be applied to this group (Kafka's classic-group offset commit rules). */
function validateCommit(group: ClassicGroup, req: CommitRequest): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // generation -1 on an empty group: a commit from outside group management (admin, manual assignment)
  if (req.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
  if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (group.state !== 'Empty') {
    // no member id and no generation (v0): only accepted while nobody is in the group
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  // the member has its new generation but not its assignment yet
  if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

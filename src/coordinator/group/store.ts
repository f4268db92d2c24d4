// Where groups live: the in-memory map, and __consumer_offsets underneath it. Every change the
// coordinator makes durable is appended here as one uncompressed record batch through
// PartitionLog.append (the same path and flush policy as a produced batch) before it is answered.
// At start the store reads the topic back, partition by partition, to rebuild the groups; groups
// on a partition that is still loading answer COORDINATOR_LOAD_IN_PROGRESS.

import type { Logger } from '../../observability/logger.js';
import { KafkaError, ErrorCode } from '../../protocol/errors.js';
import type { GroupMetadataValue } from '../../protocol/messages/index.js';
import { txnMarkerOf } from '../../protocol/records/control-record.js';
import { decodeRecordBatches, encodeRecordBatchSync } from '../../protocol/records/index.js';
import type { PartitionLog } from '../../storage/index.js';
import { ClassicGroup, GroupMember } from './group.js';
import {
  OFFSETS_TOPIC,
  OFFSETS_TOPIC_CONFIGS,
  decodeOffsetsTopicRecord,
  partitionForGroup,
  type OffsetsTopicRecord,
  type StoredOffset,
} from './offsets-topic.js';

/** What the store needs from the broker's topics (TopicManager provides it). */
export interface OffsetsTopicAccess {
  get(name: string): { partitions: number } | undefined;
  /** Registers an internal topic, created on first use (also when a client asks for it by name). */
  defineInternalTopic(name: string, partitions: number, configs: Record<string, string>): void;
  /** Creates a defined internal topic unless it exists; returns it. */
  ensureInternalTopic(name: string): { partitions: number };
  partitionLog(topic: string, partition: number): PartitionLog | undefined;
}

/**
 * The producer state of a __consumer_offsets partition, for transactional writes (TxnOffsetCommit):
 * Kafka appends them through the log's producer state, which fences an older producer epoch.
 */
export interface TxnWriteHooks {
  /** Whether `producerEpoch` is older than the epoch the partition last saw from `producerId`. */
  isFenced(log: PartitionLog, producerId: number, producerEpoch: number): boolean;
  /** Records the appended transactional batch (its transaction is now open on the partition). */
  onAppend(log: PartitionLog, producerId: number, producerEpoch: number, first: number, last: number): void;
}

/** A transactional write's producer. */
export interface TxnProducer {
  producerId: number;
  producerEpoch: number;
}

export interface GroupStoreOptions {
  topics: OffsetsTopicAccess;
  /** Partitions of __consumer_offsets when it is created. */
  partitions: number;
  logger: Logger;
  now: () => number;
  /** The current leader epoch of a partition of __consumer_offsets (stamped on appended batches). */
  leaderEpoch: (partition: number) => number;
  /** Called after each append (wakes fetches waiting on the partition). */
  onAppend?: (partition: number, bytes: number) => void;
  /** Producer state for transactional offset commits (absent: no fencing check). */
  txn?: TxnWriteHooks;
}

export interface LoadStats {
  partitions: number;
  records: number;
  groups: number;
  offsets: number;
  ms: number;
}

/** Bytes read from the log per step while loading. */
const LOAD_READ_BYTES = 1024 * 1024;

export class GroupStore {
  readonly groups = new Map<string, ClassicGroup>();
  private readonly loadingPartitions = new Set<number>();
  /** Cluster mode: the partitions of __consumer_offsets this broker leads; null: all (one broker). */
  private owned: Set<number> | null = null;
  private loadGeneration = 0;
  private readonly partitionLoads = new Map<number, number>();

  constructor(private readonly opts: GroupStoreOptions) {
    opts.topics.defineInternalTopic(OFFSETS_TOPIC, opts.partitions, { ...OFFSETS_TOPIC_CONFIGS });
  }

  /** Partitions of __consumer_offsets: the existing topic's count, else the configured one. */
  get partitionCount(): number {
    return this.opts.topics.get(OFFSETS_TOPIC)?.partitions ?? this.opts.partitions;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  isLoading(groupId: string): boolean {
    return this.loadingPartitions.size > 0 && this.loadingPartitions.has(this.partitionFor(groupId));
  }

  /**
   * Why this broker cannot serve the group now: NOT_COORDINATOR when (in a cluster) it does not lead
   * the group's partition of __consumer_offsets, COORDINATOR_LOAD_IN_PROGRESS while that partition
   * loads; 0 (NONE) when it can.
   */
  unavailable(groupId: string): number {
    const p = this.partitionFor(groupId);
    if (this.owned !== null && !this.owned.has(p)) return ErrorCode.NOT_COORDINATOR;
    return this.loadingPartitions.has(p) ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** Cluster mode: from now on only partitions given to loadPartitionAsLeader are served. */
  serveOnlyLedPartitions(): void {
    this.owned ??= new Set();
  }

  /**
   * Cluster mode: this broker now leads partition `p` of __consumer_offsets: rebuild its groups
   * from the log (COORDINATOR_LOAD_IN_PROGRESS meanwhile). A resignation during the load wins.
   */
  async loadPartitionAsLeader(p: number, onGroupLoaded: (g: ClassicGroup) => void): Promise<LoadStats> {
    const started = Date.now();
    const stats: LoadStats = { partitions: 1, records: 0, groups: 0, offsets: 0, ms: 0 };
    this.owned ??= new Set();
    this.owned.add(p);
    this.loadingPartitions.add(p);
    const generation = ++this.loadGeneration;
    this.partitionLoads.set(p, generation);
    try {
      // groups of a partition this broker led before hold stale state: forget them first
      this.dropGroupsOf(p);
      const log = this.opts.topics.partitionLog(OFFSETS_TOPIC, p);
      if (log) {
        const s = await this.loadPartition(log, (g) => {
          if (this.partitionLoads.get(p) === generation) onGroupLoaded(g);
        });
        stats.records = s.records;
        stats.groups = s.groups;
        stats.offsets = s.offsets;
      }
    } finally {
      if (this.partitionLoads.get(p) === generation) this.loadingPartitions.delete(p);
      // resigned while loading: what the load put in memory is not ours to serve
      else if (!this.owned.has(p)) this.dropGroupsOf(p);
    }
    stats.ms = Date.now() - started;
    return stats;
  }

  /** Cluster mode: another broker leads partition `p` now; its groups leave memory. */
  resignPartition(p: number): ClassicGroup[] {
    this.owned?.delete(p);
    this.loadingPartitions.delete(p);
    this.partitionLoads.delete(p);
    return this.dropGroupsOf(p);
  }

  private dropGroupsOf(p: number): ClassicGroup[] {
    const dropped: ClassicGroup[] = [];
    for (const [id, g] of this.groups) {
      if (this.partitionFor(id) === p) {
        dropped.push(g);
        this.groups.delete(id);
      }
    }
    return dropped;
  }

  get loading(): boolean {
    return this.loadingPartitions.size > 0;
  }

  get(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId, this.opts.now());
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Forgets a group that holds nothing worth keeping (no members, no offsets, never persisted). */
  dropIfUnused(group: ClassicGroup): void {
    if (
      group.members.size === 0 &&
      group.offsetCount() === 0 &&
      group.generationId === 0 &&
      group.pendingTxnOffsets.size === 0
    ) {
      if (group.pendingMembers.size === 0 && this.groups.get(group.groupId) === group) {
        this.groups.delete(group.groupId);
      }
    }
  }

  /**
   * Appends records for `groupId` to its partition of __consumer_offsets as one batch. Throws
   * StorageError when the log cannot take it, KafkaError COORDINATOR_NOT_AVAILABLE when the
   * partition does not exist. With `producer`, the batch is transactional (TxnOffsetCommit, as Kafka
   * writes it): KafkaError INVALID_PRODUCER_EPOCH when a newer epoch of the producer wrote there.
   */
  append(groupId: string, records: OffsetsTopicRecord[], producer?: TxnProducer): void {
    if (records.length === 0) return;
    this.opts.topics.ensureInternalTopic(OFFSETS_TOPIC);
    const partition = this.partitionFor(groupId);
    const log = this.opts.topics.partitionLog(OFFSETS_TOPIC, partition);
    if (!log) {
      throw new KafkaError(
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        `${OFFSETS_TOPIC}-${partition} has no log on this broker`,
      );
    }
    if (producer && this.opts.txn?.isFenced(log, producer.producerId, producer.producerEpoch)) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer ${producer.producerId} has a newer epoch than ${producer.producerEpoch}`,
      );
    }
    const now = this.opts.now();
    const batch = encodeRecordBatchSync({
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })),
      ...(producer
        ? { producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactional: true }
        : {}),
    });
    const appended = log.append(
      batch,
      [
        {
          position: 0,
          size: batch.length,
          lastOffsetDelta: records.length - 1,
          maxTimestamp: now,
          recordCount: records.length,
        },
      ],
      this.opts.leaderEpoch(partition),
    );
    if (producer) {
      const { producerId, producerEpoch } = producer;
      this.opts.txn?.onAppend(log, producerId, producerEpoch, appended.baseOffset, appended.lastOffset);
    }
    this.opts.onAppend?.(partition, batch.length);
  }

  /**
   * A COMMIT or ABORT marker of `producerId` landed on partition `p`: its pending transactional
   * offsets there become committed or go (Kafka's GroupMetadataManager.handleTxnCompletion). While
   * the partition loads, the load reads the marker from the log itself.
   */
  completeTxn(p: number, producerId: number, commit: boolean): void {
    if (this.loadingPartitions.has(p)) return;
    for (const [id, g] of this.groups) {
      if (g.pendingTxnOffsets.has(producerId) && this.partitionFor(id) === p) {
        g.completeTxnOffsets(producerId, commit);
        this.dropIfUnused(g);
      }
    }
  }

  /** Makes sure __consumer_offsets exists (FindCoordinator for a group creates it, as in Kafka). */
  ensureTopic(): void {
    this.opts.topics.ensureInternalTopic(OFFSETS_TOPIC);
  }

  /**
   * Rebuilds the groups from __consumer_offsets. Partitions not loaded yet answer
   * COORDINATOR_LOAD_IN_PROGRESS; `onGroupLoaded` runs for each group rebuilt (to arm its timers).
   */
  async load(onGroupLoaded: (g: ClassicGroup) => void): Promise<LoadStats> {
    const started = Date.now();
    const topic = this.opts.topics.get(OFFSETS_TOPIC);
    const stats: LoadStats = { partitions: 0, records: 0, groups: 0, offsets: 0, ms: 0 };
    if (!topic) return stats;
    for (let p = 0; p < topic.partitions; p++) this.loadingPartitions.add(p);
    try {
      for (let p = 0; p < topic.partitions; p++) {
        const log = this.opts.topics.partitionLog(OFFSETS_TOPIC, p);
        if (log) {
          const s = await this.loadPartition(log, onGroupLoaded);
          stats.records += s.records;
          stats.groups += s.groups;
          stats.offsets += s.offsets;
        }
        stats.partitions++;
        this.loadingPartitions.delete(p);
      }
    } finally {
      this.loadingPartitions.clear();
    }
    stats.ms = Date.now() - started;
    return stats;
  }

  private async loadPartition(
    log: PartitionLog,
    onGroupLoaded: (g: ClassicGroup) => void,
  ): Promise<{ records: number; groups: number; offsets: number }> {
    const offsets = new Map<string, Map<string, StoredOffset>>();
    const metadata = new Map<string, GroupMetadataValue | null>();
    // transactional offsets not yet followed by their marker: producer id -> group -> key -> offset
    const pending = new Map<number, Map<string, Map<string, StoredOffset>>>();
    let records = 0;
    let at = log.logStartOffset;
    // read up to the log end as it is now, not as it was at the start: a marker may land while this
    // partition loads (completeTxn leaves it to the load), and the groups are built synchronously
    // right after the last read
    while (at < log.logEndOffset) {
      const end = log.logEndOffset;
      const read = log.read(at, LOAD_READ_BYTES, { minOneMessage: true, maxOffset: end });
      if (read.records.length === 0) break;
      const batches = await decodeRecordBatches(read.records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        const next = batch.baseOffset + batch.lastOffsetDelta + 1;
        const marker = batch.baseOffset + batch.lastOffsetDelta >= at ? txnMarkerOf(batch) : null;
        if (marker) {
          const byGroup = pending.get(marker.producerId);
          pending.delete(marker.producerId);
          for (const [group, entries] of marker.commit ? (byGroup ?? []) : []) {
            let byKey = offsets.get(group);
            if (!byKey) offsets.set(group, (byKey = new Map()));
            for (const [k, v] of entries) byKey.set(k, v);
          }
        }
        if (!batch.isControl) {
          for (const r of batch.records) {
            if (r.offset < at || r.key === null) continue;
            records++;
            try {
              const rec = decodeOffsetsTopicRecord(r.key, r.value);
              if (rec.type === 'offset' && batch.isTransactional) {
                if (!rec.value) continue;
                let byGroup = pending.get(batch.producerId);
                if (!byGroup) pending.set(batch.producerId, (byGroup = new Map()));
                let byKey = byGroup.get(rec.group);
                if (!byKey) byGroup.set(rec.group, (byKey = new Map()));
                byKey.set(`${rec.partition}\u0000${rec.topic}`, rec.value);
              } else if (rec.type === 'offset') {
                let byKey = offsets.get(rec.group);
                if (!byKey) offsets.set(rec.group, (byKey = new Map()));
                const k = `${rec.partition}\u0000${rec.topic}`;
                if (rec.value) byKey.set(k, rec.value);
                else byKey.delete(k);
              } else if (rec.type === 'group') {
                metadata.set(rec.group, rec.value);
              }
            } catch (err) {
              this.opts.logger.warn(
                { err, topic: log.topic, partition: log.partition, offset: r.offset },
                'skipping unreadable record in the offsets topic',
              );
            }
          }
        }
        at = Math.max(at, next);
      }
    }

    let groups = 0;
    let offsetCount = 0;
    const pendingGroups = new Set<string>();
    for (const byGroup of pending.values()) for (const g of byGroup.keys()) pendingGroups.add(g);
    const ids = new Set([...metadata.keys(), ...offsets.keys(), ...pendingGroups]);
    for (const id of ids) {
      const value = metadata.get(id) ?? null;
      const stored = offsets.get(id);
      if (!value && (!stored || stored.size === 0) && !pendingGroups.has(id)) continue;
      const group = new ClassicGroup(id, this.opts.now());
      if (value) restoreGroup(group, value);
      for (const [k, v] of stored ?? []) {
        const [topic, partition] = splitOffsetKey(k);
        group.setOffset(topic, partition, v);
        offsetCount++;
      }
      // transactions still open (or whose marker is not written yet) keep their offsets pending
      for (const [producerId, byGroup] of pending) {
        for (const [k, v] of byGroup.get(id) ?? []) {
          const [topic, partition] = splitOffsetKey(k);
          group.setPendingTxnOffset(producerId, topic, partition, v);
        }
      }
      this.groups.set(id, group);
      groups++;
      onGroupLoaded(group);
    }
    return { records, groups, offsets: offsetCount };
  }
}

/** The topic and partition of a `${partition}\0${topic}` key of the load's maps. */
function splitOffsetKey(k: string): [string, number] {
  const sep = k.indexOf('\u0000');
  return [k.slice(sep + 1), Number(k.slice(0, sep))];
}

/** A group as its last GroupMetadataValue left it: Stable with its members, or Empty. */
function restoreGroup(group: ClassicGroup, value: GroupMetadataValue): void {
  for (const m of value.members) {
    const member = new GroupMember(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
      m.sessionTimeout,
      value.protocolType,
      [{ name: value.protocol ?? '', metadata: m.subscription }],
    );
    member.assignment = m.assignment;
    group.add(member);
  }
  group.generationId = value.generation;
  group.protocolType = value.protocolType === '' ? null : value.protocolType;
  group.protocolName = value.protocol;
  group.leaderId = value.members.length > 0 ? value.leader : null;
  if (group.leaderId !== null && !group.has(group.leaderId)) group.leaderId = value.members[0]!.memberId;
  group.state = value.members.length > 0 ? 'Stable' : 'Empty';
  if (value.currentStateTimestamp >= 0) group.stateTimestamp = value.currentStateTimestamp;
}

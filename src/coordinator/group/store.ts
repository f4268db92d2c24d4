// Where groups live: the in-memory map, and __consumer_offsets underneath it. Every change the
// coordinator makes durable is appended here as one uncompressed record batch through
// PartitionLog.append (the same path and flush policy as a produced batch) before it is answered.
// At start the store reads the topic back, partition by partition, to rebuild the groups; groups
// on a partition that is still loading answer COORDINATOR_LOAD_IN_PROGRESS.

import type { Logger } from '../../observability/logger.js';
import { KafkaError, ErrorCode } from '../../protocol/errors.js';
import type { GroupMetadataValue } from '../../protocol/messages/index.js';
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
    if (group.members.size === 0 && group.offsetCount() === 0 && group.generationId === 0) {
      if (group.pendingMembers.size === 0 && this.groups.get(group.groupId) === group) {
        this.groups.delete(group.groupId);
      }
    }
  }

  /**
   * Appends records for `groupId` to its partition of __consumer_offsets as one batch. Throws
   * StorageError when the log cannot take it, KafkaError COORDINATOR_NOT_AVAILABLE when the
   * partition does not exist.
   */
  append(groupId: string, records: OffsetsTopicRecord[]): void {
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
    const now = this.opts.now();
    const batch = encodeRecordBatchSync({
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })),
    });
    log.append(
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
    this.opts.onAppend?.(partition, batch.length);
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
    let records = 0;
    let at = log.logStartOffset;
    const end = log.logEndOffset;
    while (at < end) {
      const read = log.read(at, LOAD_READ_BYTES, { minOneMessage: true, maxOffset: end });
      if (read.records.length === 0) break;
      const batches = await decodeRecordBatches(read.records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        const next = batch.baseOffset + batch.lastOffsetDelta + 1;
        if (!batch.isControl) {
          for (const r of batch.records) {
            if (r.offset < at || r.key === null) continue;
            records++;
            try {
              const rec = decodeOffsetsTopicRecord(r.key, r.value);
              if (rec.type === 'offset') {
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
    const ids = new Set([...metadata.keys(), ...offsets.keys()]);
    for (const id of ids) {
      const value = metadata.get(id) ?? null;
      const stored = offsets.get(id);
      if (!value && (!stored || stored.size === 0)) continue;
      const group = new ClassicGroup(id, this.opts.now());
      if (value) restoreGroup(group, value);
      for (const [k, v] of stored ?? []) {
        const sep = k.indexOf('\u0000');
        group.setOffset(k.slice(sep + 1), Number(k.slice(0, sep)), v);
        offsetCount++;
      }
      this.groups.set(id, group);
      groups++;
      onGroupLoaded(group);
    }
    return { records, groups, offsets: offsetCount };
  }
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

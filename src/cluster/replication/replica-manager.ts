// The local replicas of this broker (Kafka's ReplicaManager): one Partition per hosted topic
// partition, the replica fetchers (one per leader broker), the ISR shrink check, and the
// leadership listeners (the group and transaction coordinators).
//
// Single-node mode — `ReplicaManager.singleNode({ nodeId, topics, logs, purgatory })` — wraps each
// partition log in a Partition that always leads at epoch 0 with ISR [self]; the wrapper is made on
// first use, so topics created or deleted by LocalTopics need nothing here.
//
// Cluster mode, as Broker.start() is to build it once the metadata client has started:
//
//   const replicas = new ReplicaManager({
//     mode: 'cluster',
//     nodeId: settings.nodeId,
//     cluster,                       // the started ClusterMetadataClient
//     topics, logs, logger, purgatory,
//     replicaLagTimeMaxMs: settings.cluster.replicaLagTimeMaxMs,
//     replicaFetchWaitMaxMs: settings.cluster.replicaFetchWaitMaxMs,
//     replicaFetchMaxBytes: settings.cluster.replicaFetchMaxBytes,
//     highWatermarkCheckpointIntervalMs: settings.cluster.replicaHighWatermarkCheckpointIntervalMs,
//     leadership: [groups, txn],     // LeadershipListener implementations, or addLeadershipListener()
//   });
//   replicas.start();                // applies the image, then follows cluster.onChange
//   ...
//   await replicas.close();          // on stop, before logs.close()
//
// On every MetadataChange each partition whose replicas (or addingReplicas) include this broker gets
// its log opened or created (LocalTopics.localLog, with the topic's runtime config), and
// makeLeader / makeFollower when its leader epoch changed (the follower is moved to the fetcher of
// the new leader); same-epoch changes (ISR, reassignment) update the state. Partitions no longer
// assigned here (topic deleted, replica moved away) stop fetching and their local log is deleted.
// Coordinators that append to their internal topics directly should call
// `replicas.get(topic, partition)?.afterLeaderAppend(bytes)` so fetches wake and the high watermark
// moves.
//
// High watermarks (cluster mode): written to <dataDir>/replication-offset-checkpoint every
// `replica.high.watermark.checkpoint.interval.ms` (when one changed) and by close(). start() reads
// the file once, and the partitions the first image places here begin from their checkpointed high
// watermark (at most their log end offset) instead of their log start offset, as Kafka's
// ReplicaManager does: a restarted leader serves consumers at once, a restarted follower reports a
// high watermark close to the leader's.

import path from 'node:path';
import type { ClientSecurity } from '../../client/connection.js';
import type { Logger } from '../../observability/logger.js';
import {
  REPLICATION_OFFSET_CHECKPOINT_FILE,
  formatOffsetCheckpoint,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
  type LogManager,
  type TopicPartitionOffset,
} from '../../storage/index.js';
import type {
  BrokerRegistration,
  FetchWaker,
  LocalTopics,
  ClusterMetadataClient,
  LeadershipListener,
  MetadataChange,
  PartitionState,
} from '../types.js';
import { DEFAULT_REPLICA_LAG_TIME_MAX_MS, Partition, type ReplicationCounters } from './partition.js';
import { ReplicaFetcher } from './replica-fetcher.js';

interface CommonOptions {
  nodeId: number;
  topics: LocalTopics;
  logs: LogManager;
  logger?: Logger;
  /** The broker's fetch purgatory: consumer fetches wake on high watermark advances, replica fetches on appends. */
  purgatory?: FetchWaker;
  leadership?: LeadershipListener[];
}

export type SingleNodeReplicaManagerOptions = CommonOptions;

export interface ClusterReplicaManagerOptions extends CommonOptions {
  mode: 'cluster';
  cluster: ClusterMetadataClient;
  logger: Logger;
  /** replica.lag.time.max.ms (30000). */
  replicaLagTimeMaxMs?: number;
  /** replica.fetch.wait.max.ms (500). */
  replicaFetchWaitMaxMs?: number;
  /** replica.fetch.max.bytes (1 MiB). */
  replicaFetchMaxBytes?: number;
  /** replica.fetch.backoff.ms (1000). */
  replicaFetchBackoffMs?: number;
  /** replica.high.watermark.checkpoint.interval.ms (5000). */
  highWatermarkCheckpointIntervalMs?: number;
  /** TLS settings when the replication listener uses TLS. */
  replicationTls?: ClientSecurity['tls'];
  now?: () => number;
}

/** The leader clients are told about with NOT_LEADER_OR_FOLLOWER (KIP-951). */
export interface LeaderHint {
  leaderId: number;
  leaderEpoch: number;
}

/** Kafka's replica.high.watermark.checkpoint.interval.ms default. */
export const DEFAULT_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5000;

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export class ReplicaManager {
  readonly nodeId: number;
  readonly mode: 'single' | 'cluster';
  readonly counters: ReplicationCounters = { isrShrinks: 0, isrExpands: 0, failedIsrUpdates: 0 };
  private readonly byTopic = new Map<string, (Partition | undefined)[]>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly leadership: LeadershipListener[];
  private readonly topics: LocalTopics;
  private readonly logs: LogManager;
  private readonly logger: Logger | undefined;
  private readonly purgatory: FetchWaker | undefined;
  private readonly cluster: ClusterReplicaManagerOptions | null;
  private shrinkTimer: NodeJS.Timeout | null = null;
  private hwCheckpointTimer: NodeJS.Timeout | null = null;
  /** The high watermarks read at start by `<topic> <partition>`, for the partitions the first image creates. */
  private checkpointedHws: Map<string, number> | null = null;
  /** Text of the last replication-offset-checkpoint written (unchanged high watermarks: no write). */
  private lastHwCheckpoint = '';
  private started = false;
  private closed = false;

  constructor(opts: ClusterReplicaManagerOptions | (SingleNodeReplicaManagerOptions & { mode: 'single' })) {
    this.nodeId = opts.nodeId;
    this.mode = opts.mode;
    this.topics = opts.topics;
    this.logs = opts.logs;
    this.logger = opts.logger;
    this.purgatory = opts.purgatory;
    this.leadership = [...(opts.leadership ?? [])];
    this.cluster = opts.mode === 'cluster' ? opts : null;
  }

  /** Today's single broker: every partition led here at epoch 0, ISR [self], HW = LEO. */
  static singleNode(opts: SingleNodeReplicaManagerOptions): ReplicaManager {
    return new ReplicaManager({ ...opts, mode: 'single' });
  }

  get metadata(): ClusterMetadataClient | null {
    return this.cluster?.cluster ?? null;
  }

  addLeadershipListener(listener: LeadershipListener): void {
    this.leadership.push(listener);
  }

  /** Cluster mode: applies the current image and follows its changes. No-op on a single broker. */
  start(): void {
    const c = this.cluster;
    if (!c || this.started) return;
    this.started = true;
    c.cluster.onChange((change) => this.onMetadataChange(change));
    this.checkpointedHws = this.readHighWatermarks();
    this.applyImage();
    // a replica placed here later has a new log: an old entry for its name must not apply to it
    this.checkpointedHws = null;
    // Kafka checks the ISR every replica.lag.time.max.ms / 2
    const lag = c.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS;
    this.shrinkTimer = setInterval(() => this.shrinkIsrs(), Math.max(10, Math.floor(lag / 2)));
    this.shrinkTimer.unref();
    const every = c.highWatermarkCheckpointIntervalMs ?? DEFAULT_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS;
    this.hwCheckpointTimer = setInterval(
      () => this.tryCheckpointHighWatermarks(),
      Math.max(1, Math.min(every, 0x7fff_ffff)),
    );
    this.hwCheckpointTimer.unref();
  }

  private get hwCheckpointFile(): string {
    return path.join(this.logs.dataDir, REPLICATION_OFFSET_CHECKPOINT_FILE);
  }

  /** replication-offset-checkpoint by `<topic> <partition>`; empty when absent or unreadable. */
  private readHighWatermarks(): Map<string, number> {
    const map = new Map<string, number>();
    try {
      for (const e of readOffsetCheckpoint(this.hwCheckpointFile) ?? [])
        map.set(`${e.topic} ${e.partition}`, e.offset);
    } catch (err) {
      this.logger?.warn({ err: String(err) }, 'ignoring an unreadable high watermark checkpoint');
    }
    return map;
  }

  /**
   * Writes the high watermark of every local replica to replication-offset-checkpoint (atomically),
   * unless none changed since the last write. Returns whether it wrote. Cluster mode only; close()
   * writes the last one.
   */
  checkpointHighWatermarks(): boolean {
    return this.cluster !== null && !this.closed && this.writeHighWatermarks();
  }

  private writeHighWatermarks(): boolean {
    const entries: TopicPartitionOffset[] = [];
    for (const p of this.partitions()) {
      if (p.isClosed || p.log.isClosed || p.log.isOffline) continue;
      entries.push({ topic: p.topic, partition: p.partition, offset: p.highWatermark });
    }
    entries.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const text = formatOffsetCheckpoint(entries);
    if (text === this.lastHwCheckpoint) return false;
    writeOffsetCheckpoint(this.hwCheckpointFile, entries);
    this.lastHwCheckpoint = text;
    return true;
  }

  private tryCheckpointHighWatermarks(): void {
    try {
      this.writeHighWatermarks();
    } catch (err) {
      this.logger?.error({ err: String(err) }, 'cannot write the high watermark checkpoint');
    }
  }

  /** The local replica of a partition, if this broker hosts it. */
  get(topic: string, partition: number): Partition | undefined {
    const p = this.byTopic.get(topic)?.[partition];
    if (this.cluster) return p;
    if (p && !p.log.isClosed) return p;
    return this.wrapSingleNode(topic, partition);
  }

  private wrapSingleNode(topic: string, partition: number): Partition | undefined {
    const log = this.logs.getLog(topic, partition);
    let list = this.byTopic.get(topic);
    if (!log) {
      if (list?.[partition]) list[partition] = undefined;
      return undefined;
    }
    if (!list) this.byTopic.set(topic, (list = []));
    const p = new Partition({
      topic,
      partition,
      topicId: this.topics.get(topic)?.topicId ?? '',
      log,
      localBrokerId: this.nodeId,
      purgatory: this.purgatory,
      logger: this.logger,
    });
    list[partition] = p;
    return p;
  }

  *partitions(): IterableIterator<Partition> {
    for (const list of this.byTopic.values()) for (const p of list) if (p) yield p;
  }

  // ---- metrics --------------------------------------------------------------------------------

  /** Partitions led here. */
  get leaderCount(): number {
    let n = 0;
    for (const p of this.partitions()) if (p.isLeader) n++;
    return n;
  }

  /** Partitions led here whose ISR is smaller than their replica set (Kafka's UnderReplicatedPartitions). */
  get underReplicatedCount(): number {
    let n = 0;
    for (const p of this.partitions()) if (p.isLeader && p.isr.length < p.state.replicas.length) n++;
    return n;
  }

  get isrShrinks(): number {
    return this.counters.isrShrinks;
  }

  get isrExpands(): number {
    return this.counters.isrExpands;
  }

  /** Largest lag in offsets of a partition followed here behind its leader's high watermark (Kafka's MaxLag). */
  maxFollowerLag(): number {
    let max = 0;
    for (const p of this.partitions()) {
      if (p.isLeader || p.leaderHighWatermark < 0) continue;
      max = Math.max(max, p.leaderHighWatermark - p.logEndOffset);
    }
    return max;
  }

  // ---- leader hints for NOT_LEADER_OR_FOLLOWER answers (KIP-951) --------------------------------

  /**
   * The partition's leader and epoch as this broker knows them; null when unknown or when that
   * leader is not a live broker (as Kafka, which only names a leader it has an endpoint for).
   */
  leaderHint(topic: string, partition: number): LeaderHint | null {
    const state = this.partitionState(topic, partition);
    if (!state || state.leader < 0) return null;
    if (this.cluster && !this.cluster.cluster.image().brokers.has(state.leader)) return null;
    return { leaderId: state.leader, leaderEpoch: state.leaderEpoch };
  }

  /** A broker's endpoint on `listener` (its first one when it has no such listener); null when not live. */
  nodeEndpoint(nodeId: number, listener: string): NodeEndpoint | null {
    const reg: BrokerRegistration | undefined = this.cluster?.cluster.image().brokers.get(nodeId);
    if (!reg) return null;
    const e = reg.endpoints.find((x) => x.listener === listener) ?? reg.endpoints[0];
    return e ? { nodeId, host: e.host, port: e.port, rack: reg.rack } : null;
  }

  private partitionState(topic: string, partition: number): PartitionState | undefined {
    const local = this.byTopic.get(topic)?.[partition];
    const image = this.cluster?.cluster.image().partitions.get(topic)?.[partition];
    if (!local) return image;
    if (!image) return local.state;
    return image.partitionEpoch > local.state.partitionEpoch ? image : local.state;
  }

  // ---- cluster mode: following the metadata -----------------------------------------------------

  private onMetadataChange(change: MetadataChange): void {
    if (this.closed) return;
    try {
      switch (change.kind) {
        case 'partition':
          this.applyPartition(change.topic, change.partition, change.state);
          break;
        case 'topic':
          if (change.topic === null) this.removeTopic(change.name);
          else this.applyTopic(change.name);
          break;
        case 'broker':
          this.fetchers.get(change.id)?.leaderChanged();
          break;
        case 'reset':
          this.applyImage();
          break;
        case 'controller':
          break;
      }
    } catch (err) {
      this.logger?.error({ err: String(err), change: change.kind }, 'cannot apply a metadata change');
    }
  }

  private applyImage(): void {
    const image = this.cluster!.cluster.image();
    for (const name of image.partitions.keys()) this.applyTopic(name);
    for (const [name, list] of this.byTopic) {
      list.forEach((p, i) => {
        if (p && !image.partitions.get(name)?.[i]) this.removePartition(name, i);
      });
    }
  }

  private applyTopic(name: string): void {
    const states = this.cluster!.cluster.image().partitions.get(name) ?? [];
    states.forEach((state, i) => this.applyPartition(name, i, state));
  }

  private removeTopic(name: string): void {
    const list = this.byTopic.get(name);
    if (!list) return;
    list.forEach((p, i) => {
      if (p) this.removePartition(name, i);
    });
    this.byTopic.delete(name);
  }

  private applyPartition(topic: string, partition: number, state: PartitionState | null): void {
    const c = this.cluster!;
    const meta = c.cluster.image().topics.get(topic);
    const me = this.nodeId;
    if (!meta || !state || !(state.replicas.includes(me) || state.addingReplicas.includes(me))) {
      this.removePartition(topic, partition);
      return;
    }
    let list = this.byTopic.get(topic);
    let p = list?.[partition];
    if (p && p.topicId !== meta.topicId) {
      // the topic was deleted and created again under the same name
      this.removePartition(topic, partition);
      p = undefined;
    }
    const isNew = !p;
    if (!p) {
      const log = this.topics.localLog(meta, partition);
      p = new Partition({
        topic,
        partition,
        topicId: meta.topicId,
        log,
        localBrokerId: me,
        purgatory: this.purgatory,
        logger: this.logger,
        cluster: {
          client: c.cluster,
          replicaLagTimeMaxMs: c.replicaLagTimeMaxMs,
          counters: this.counters,
          isBrokerAlive: (id) => {
            const reg = c.cluster.image().brokers.get(id);
            return reg !== undefined && !reg.shuttingDown;
          },
          now: c.now,
          checkpointedHighWatermark: this.checkpointedHws?.get(`${topic} ${partition}`),
          followerLog: {
            appended: (records) => {
              for (const l of this.leadership) l.onFollowerAppend?.(log, records);
            },
            truncated: () => {
              for (const l of this.leadership) l.onFollowerTruncate?.(log);
            },
          },
        },
      });
      if (!list) this.byTopic.set(topic, (list = []));
      list[partition] = p;
    } else if (
      state.leaderEpoch < p.leaderEpoch ||
      (state.leaderEpoch === p.leaderEpoch && state.partitionEpoch < p.state.partitionEpoch)
    ) {
      return; // older than what this replica acts on (e.g. its own ISR change was applied first)
    }
    const epochChanged = isNew || state.leaderEpoch !== p.leaderEpoch;
    if (state.leader === me) {
      if (epochChanged || !p.isLeader) {
        this.stopFetching(p);
        p.makeLeader(state);
        this.logger?.info(
          { topic, partition, leaderEpoch: state.leaderEpoch, isr: state.isr },
          'became leader',
        );
        for (const l of this.leadership) l.onBecomeLeader(topic, partition, state.leaderEpoch);
      } else {
        p.updateState(state);
      }
      return;
    }
    if (epochChanged || p.isLeader) {
      const wasLeader = p.isLeader;
      this.stopFetching(p);
      p.makeFollower(state);
      if (state.leader >= 0) this.fetcherFor(state.leader).add(p);
      this.logger?.info(
        { topic, partition, leader: state.leader, leaderEpoch: state.leaderEpoch },
        'following',
      );
      if (wasLeader) for (const l of this.leadership) l.onResign(topic, partition);
    } else {
      p.updateState(state);
    }
  }

  private removePartition(topic: string, partition: number): void {
    const list = this.byTopic.get(topic);
    const p = list?.[partition];
    if (!p) return;
    list![partition] = undefined;
    this.stopFetching(p);
    const wasLeader = p.isLeader;
    p.close();
    if (wasLeader) for (const l of this.leadership) l.onResign(topic, partition);
    this.topics.deleteLocalLog(topic, partition);
    this.logger?.info({ topic, partition }, 'replica removed from this broker');
  }

  private fetcherFor(leaderId: number): ReplicaFetcher {
    let f = this.fetchers.get(leaderId);
    if (!f) {
      const c = this.cluster!;
      f = new ReplicaFetcher({
        nodeId: this.nodeId,
        leaderId,
        cluster: c.cluster,
        logger: c.logger,
        maxWaitMs: c.replicaFetchWaitMaxMs,
        partitionMaxBytes: c.replicaFetchMaxBytes,
        backoffMs: c.replicaFetchBackoffMs,
        tls: c.replicationTls,
      });
      this.fetchers.set(leaderId, f);
    }
    return f;
  }

  /** Removes the partition from whichever fetcher has it; idle fetchers stop (Kafka shuts idle ones down). */
  private stopFetching(p: Partition): void {
    for (const [id, f] of this.fetchers) {
      f.remove(p);
      if (f.size === 0) {
        this.fetchers.delete(id);
        void f.stop();
      }
    }
  }

  /** The fetcher following `leaderId`, if any (tests, metrics). */
  fetcher(leaderId: number): ReplicaFetcher | undefined {
    return this.fetchers.get(leaderId);
  }

  private shrinkIsrs(): void {
    for (const p of this.partitions()) {
      try {
        p.maybeShrinkIsr();
      } catch (err) {
        this.logger?.error({ topic: p.topic, partition: p.partition, err: String(err) }, 'ISR check failed');
      }
    }
  }

  /**
   * Stops the fetchers, the ISR check and the checkpoint timer, writes the high watermarks; waiting
   * acks=-1 produces fail with NOT_LEADER_OR_FOLLOWER.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.shrinkTimer) clearInterval(this.shrinkTimer);
    if (this.hwCheckpointTimer) clearInterval(this.hwCheckpointTimer);
    const stopping = [...this.fetchers.values()].map((f) => f.stop());
    this.fetchers.clear();
    await Promise.all(stopping);
    if (!this.cluster) return;
    // the final high watermarks, for the next start (Kafka writes them on a clean shutdown too)
    if (this.started) this.tryCheckpointHighWatermarks();
    for (const p of this.partitions()) p.close();
  }
}

// The transaction coordinator (Kafka's TransactionCoordinator): producer ids (idempotent and
// transactional), the state of every transactional id on __transaction_state (written before a
// request is answered, read back when the coordinator starts serving a partition), the partitions
// of each transaction, and its end: a COMMIT or ABORT marker written as a control batch to every
// partition of the transaction.
//
// On one broker every step is a local append, so EndTxn writes PrepareCommit/PrepareAbort, the
// markers and CompleteCommit/CompleteAbort before answering; a crash in between is completed at
// the next start (PrepareCommit commits, PrepareAbort aborts). A transaction still Ongoing at start
// stays open, as in Kafka: its partitions and start time are on disk, so its producer can go on
// and commit or abort it, and if the producer is gone the timeout check aborts it (with a bumped
// epoch) once transaction.timeout.ms has passed since it began.
//
// In a cluster (KIP-98 as Kafka runs it) a broker coordinates the transactional ids of the
// __transaction_state partitions it leads: it loads a partition when it becomes its leader
// (completing what was between Prepare* and Complete*, keeping open transactions open, as at a
// single broker's start) and forgets it on resignation; other ids get NOT_COORDINATOR, ids of a
// loading partition COORDINATOR_LOAD_IN_PROGRESS. A producer whose coordinator moved finds the new
// one (FindCoordinator) and carries on with its transaction.
// State writes are answered once replicated (acks=-1). EndTxn is answered once PrepareCommit/
// PrepareAbort is; the markers then go to each partition's leader (WriteTxnMarkers over the
// inter-broker listener, or a local append when this broker leads it), retried until written or
// the partition is gone, and only then is CompleteCommit/CompleteAbort written. Meanwhile the
// transactional id answers CONCURRENT_TRANSACTIONS, as in Kafka.
//
// Transactional offsets (TxnOffsetCommit) are the group coordinator's: pending in the group as
// transactional records on __consumer_offsets until the marker this coordinator writes to the
// group's partition (added by AddOffsetsToTxn) commits or drops them.

import type { Logger } from '../../observability/logger.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  WriteTxnMarkersRequestWritableTxnMarkerInput,
  WriteTxnMarkersResponse,
} from '../../protocol/messages/index.js';
import { buildEndTxnMarkerBatch } from '../../protocol/records/control-record.js';
import { decodeRecordBatches, encodeRecordBatchSync } from '../../protocol/records/record-batch.js';
import type { PartitionLog } from '../../storage/index.js';
import type { GroupCoordinator } from '../group/index.js';
import { OFFSETS_TOPIC } from '../group/index.js';
import type { OffsetsTopicAccess } from '../group/store.js';
import type { TxnConfig } from './config.js';
import { ProducerIdManager } from './producer-ids.js';
import { ProducerStateRegistry } from './producer-state.js';
import {
  TRANSACTION_STATE_TOPIC,
  TRANSACTION_STATE_TOPIC_CONFIGS,
  TXN_STATUS_NAMES,
  TxnStatus,
  decodeTransactionLogRecord,
  partitionForTransactionalId,
  transactionLogRecord,
  type TxnRecordValue,
} from './transaction-log.js';

const NO_PRODUCER_ID = -1;
const NO_EPOCH = -1;
/** Kafka bumps to a new producer id when the epoch would pass Short.MaxValue - 1. */
const MAX_EPOCH = 32766;
const LOAD_READ_BYTES = 1024 * 1024;
/** Backoff between rounds of marker sends that left partitions unwritten (Kafka retries at once on the next poll). */
const MARKER_RETRY_MIN_MS = 50;
const MARKER_RETRY_MAX_MS = 1000;

export interface TxnMetadata extends TxnRecordValue {
  transactionalId: string;
  /** Epoch before the last bump (retries of InitProducerId, KIP-360), -1 when none. */
  lastProducerEpoch: number;
}

/** What the coordinator needs from the cluster (absent on a single broker). */
export interface TxnClusterHooks {
  nodeId: number;
  /** A partition's leader per the cluster metadata: broker id, -1 when none, undefined when it does not exist. */
  leaderOf(topic: string, partition: number): number | undefined;
  /** Whether this broker leads the partition now. */
  leads(topic: string, partition: number): boolean;
  /** NONE once the partition's high watermark reached `offset`, else why not (acks=-1 semantics). */
  awaitReplicated(topic: string, partition: number, offset: number): Promise<number>;
  /** WriteTxnMarkers to another broker, over its inter-broker listener. */
  sendMarkers(
    brokerId: number,
    markers: WriteTxnMarkersRequestWritableTxnMarkerInput[],
  ): Promise<WriteTxnMarkersResponse>;
}

interface TopicPartition {
  topic: string;
  partition: number;
}

/** The marker a transaction's end writes on each of its partitions. */
interface Marker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export interface TxnCoordinatorOptions {
  dataDir: string;
  topics: OffsetsTopicAccess;
  groups: GroupCoordinator;
  config: TxnConfig;
  logger: Logger;
  /** The current leader epoch of a partition (stamped on the batches this coordinator appends). */
  leaderEpoch: (topic: string, partition: number) => number;
  /** Cluster mode: the broker id, whose own range of producer ids this broker hands out. */
  producerIdSpace?: number;
  /** Called after every append the coordinator makes (wakes fetches of that partition). */
  onAppend?: (topic: string, partition: number, bytes: number) => void;
  /** Cluster mode: partition leadership, replication waits and the marker channel. */
  cluster?: TxnClusterHooks;
  now?: () => number;
}

export interface ProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartitions {
  name: string;
  partitions: number[];
}

/** Versions from which a fenced producer is told PRODUCER_FENCED (KIP-588), by API. */
export const PRODUCER_FENCED_SINCE = {
  initProducerId: 4,
  addPartitions: 2,
  addOffsets: 2,
  endTxn: 2,
  txnOffsetCommit: 3,
} as const;

function fenced(version: number, since: number): number {
  return version >= since ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
}

export class TransactionCoordinator {
  readonly producerStates: ProducerStateRegistry;
  readonly producerIds: ProducerIdManager;
  readonly transactions = new Map<string, TxnMetadata>();
  private readonly now: () => number;
  private loading = true;
  private loadDone: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** Cluster mode: the partitions of __transaction_state this broker leads; null: all (one broker). */
  private owned: Set<number> | null = null;
  private readonly loadingPartitions = new Set<number>();
  private readonly partitionLoads = new Map<number, number>();
  private loadGeneration = 0;

  constructor(private readonly opts: TxnCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
    this.producerStates = new ProducerStateRegistry(opts.config.producerIdExpirationMs, this.now);
    this.producerIds = new ProducerIdManager(opts.dataDir, opts.producerIdSpace ?? 0);
    opts.topics.defineInternalTopic(TRANSACTION_STATE_TOPIC, opts.config.stateLogPartitions, {
      ...TRANSACTION_STATE_TOPIC_CONFIGS,
    });
  }

  get isLoading(): boolean {
    return this.loading || this.loadingPartitions.size > 0;
  }

  /** The partition of __transaction_state that holds a transactional id. */
  partitionFor(transactionalId: string): number {
    const count =
      this.opts.topics.get(TRANSACTION_STATE_TOPIC)?.partitions ?? this.opts.config.stateLogPartitions;
    return partitionForTransactionalId(transactionalId, count);
  }

  /**
   * Why this broker cannot serve a transactional id now: NOT_COORDINATOR when (in a cluster) it does
   * not lead the id's partition of __transaction_state, COORDINATOR_LOAD_IN_PROGRESS while that
   * partition (or, on one broker, the whole topic) loads; NONE when it can.
   */
  unavailable(transactionalId: string): number {
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.owned === null) return ErrorCode.NONE;
    const p = this.partitionFor(transactionalId);
    if (!this.owned.has(p)) return ErrorCode.NOT_COORDINATOR;
    return this.loadingPartitions.has(p) ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** FindCoordinator for a transactional id: make sure __transaction_state exists. */
  ensureStateTopic(): void {
    this.opts.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC);
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  /** Loads __transaction_state, completes what a crash left between prepare and complete, starts the timers. */
  startup(): Promise<void> {
    this.startTimers();
    this.loadDone ??= this.load().then(
      () => {
        this.loading = false;
      },
      (err: unknown) => {
        this.opts.logger.error({ err }, 'loading transaction state failed');
        this.loading = false;
        throw err;
      },
    );
    return this.loadDone;
  }

  /**
   * Cluster mode: serve only the transactional ids of the __transaction_state partitions this broker
   * leads, loading a partition when it becomes leader (onBecomeLeader) and forgetting it on
   * resignation (onResign).
   */
  serveOnlyLedPartitions(): void {
    this.owned ??= new Set();
    this.loading = false;
    this.loadDone ??= Promise.resolve();
    this.startTimers();
  }

  private startTimers(): void {
    if (this.timers.length === 0 && !this.stopped) {
      const { config } = this.opts;
      const t1 = setInterval(
        () => this.runSafely(() => this.abortTimedOut()),
        config.abortTimedOutIntervalMs,
      );
      const t2 = setInterval(
        () => this.runSafely(() => this.expire()),
        config.producerIdExpirationCheckIntervalMs,
      );
      t1.unref();
      t2.unref();
      this.timers.push(t1, t2);
    }
  }

  /**
   * Cluster mode: this broker now leads partition `p` of __transaction_state: load its transactional
   * ids (COORDINATOR_LOAD_IN_PROGRESS meanwhile), then complete or abort what the previous leader
   * left in flight. A resignation during the load wins.
   */
  onBecomeLeader(p: number): void {
    if (this.stopped || this.owned === null) return;
    this.owned.add(p);
    this.loadingPartitions.add(p);
    const generation = ++this.loadGeneration;
    this.partitionLoads.set(p, generation);
    this.dropPartition(p);
    const log = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, p);
    const started = Date.now();
    const loaded = new Map<string, TxnMetadata>();
    (log ? this.loadPartition(log, loaded) : Promise.resolve(0)).then(
      (records) => {
        if (this.partitionLoads.get(p) !== generation || this.stopped) return;
        this.loadingPartitions.delete(p);
        for (const [id, meta] of loaded) this.transactions.set(id, meta);
        const completed = this.recoverInFlight(loaded.values());
        const open = countOpen(loaded.values());
        this.opts.logger.info(
          { partition: p, transactionalIds: loaded.size, records, completed, open, ms: Date.now() - started },
          'transaction state loaded',
        );
      },
      (err: unknown) => {
        this.opts.logger.error({ err, partition: p }, 'loading transaction state failed');
        if (this.partitionLoads.get(p) === generation) this.loadingPartitions.delete(p);
      },
    );
  }

  /** Cluster mode: another broker leads partition `p` now; its transactional ids leave memory. */
  onResign(p: number): void {
    if (this.owned === null) return;
    this.owned.delete(p);
    this.loadingPartitions.delete(p);
    this.partitionLoads.delete(p);
    const dropped = this.dropPartition(p);
    if (dropped > 0)
      this.opts.logger.info({ partition: p, transactionalIds: dropped }, 'transactions moved away');
  }

  /** Forgets the transactional ids of partition `p` (their marker sends stop at their next round). */
  private dropPartition(p: number): number {
    let n = 0;
    for (const id of [...this.transactions.keys()]) {
      if (this.partitionFor(id) === p) {
        this.transactions.delete(id);
        n++;
      }
    }
    return n;
  }

  shutdown(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private runSafely(task: () => unknown): void {
    if (this.loading || this.stopped) return;
    try {
      task();
    } catch (err) {
      this.opts.logger.error({ err }, 'transaction coordinator task failed');
    }
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const topic = this.opts.topics.get(TRANSACTION_STATE_TOPIC);
    if (!topic) return;
    let records = 0;
    for (let p = 0; p < topic.partitions; p++) {
      const log = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, p);
      if (log) records += await this.loadPartition(log, this.transactions);
    }
    const completed = this.recoverInFlight(this.transactions.values());
    const open = countOpen(this.transactions.values());
    if (records > 0) {
      this.opts.logger.info(
        { transactionalIds: this.transactions.size, records, completed, open, ms: Date.now() - started },
        'transaction state loaded',
      );
    }
  }

  /**
   * Completes what a crash (or the previous leader) left between Prepare* and Complete*. Ongoing
   * transactions stay open for their producers (abortTimedOut ends the abandoned ones); a fence
   * that was under way is finished.
   */
  private recoverInFlight(loaded: Iterable<TxnMetadata>): number {
    let completed = 0;
    for (const meta of [...loaded]) {
      if (meta.status === TxnStatus.PrepareCommit) this.complete(meta, true);
      else if (meta.status === TxnStatus.PrepareAbort) this.complete(meta, false);
      else if (meta.status === TxnStatus.PrepareEpochFence) this.abortWithEpochBump(meta);
      else continue;
      completed++;
    }
    return completed;
  }

  private async loadPartition(log: PartitionLog, into: Map<string, TxnMetadata>): Promise<number> {
    let at = log.logStartOffset;
    const end = log.logEndOffset;
    let records = 0;
    while (at < end) {
      const read = log.read(at, LOAD_READ_BYTES, { minOneMessage: true, maxOffset: end });
      if (read.records.length === 0) break;
      const batches = await decodeRecordBatches(read.records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        if (!batch.isControl) {
          for (const r of batch.records) {
            if (r.offset < at || r.key === null) continue;
            records++;
            try {
              const rec = decodeTransactionLogRecord(r.key, r.value);
              if (!rec) continue;
              if (rec.value === null) into.delete(rec.transactionalId);
              else {
                into.set(rec.transactionalId, {
                  ...rec.value,
                  transactionalId: rec.transactionalId,
                  lastProducerEpoch: NO_EPOCH,
                });
              }
            } catch (err) {
              this.opts.logger.warn(
                { err, topic: log.topic, partition: log.partition, offset: r.offset },
                'skipping unreadable record in the transaction state topic',
              );
            }
          }
        }
        at = Math.max(at, batch.baseOffset + batch.lastOffsetDelta + 1);
      }
    }
    return records;
  }

  // ------------------------------------------------------------------------------------------
  // persistence and markers

  private persist(meta: TxnMetadata | { transactionalId: string }, value: TxnRecordValue | null): void {
    this.appendRecord(meta.transactionalId, transactionLogRecord(meta.transactionalId, value));
  }

  /** Appends one record to the __transaction_state partition of the transactional id. */
  private appendRecord(transactionalId: string, rec: { key: Buffer; value: Buffer | null }): void {
    this.opts.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC);
    const partition = this.partitionFor(transactionalId);
    const log = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, partition);
    if (!log) throw new Error(`${TRANSACTION_STATE_TOPIC}-${partition} has no log on this broker`);
    if (this.opts.cluster && !this.opts.cluster.leads(TRANSACTION_STATE_TOPIC, partition)) {
      throw new KafkaError(
        ErrorCode.NOT_COORDINATOR,
        `${TRANSACTION_STATE_TOPIC}-${partition} is led elsewhere`,
      );
    }
    const now = this.now();
    const batch = encodeRecordBatchSync({ records: [{ key: rec.key, value: rec.value, timestamp: now }] });
    log.append(
      batch,
      [{ position: 0, size: batch.length, lastOffsetDelta: 0, maxTimestamp: now, recordCount: 1 }],
      this.opts.leaderEpoch(TRANSACTION_STATE_TOPIC, partition),
    );
    this.opts.onAppend?.(TRANSACTION_STATE_TOPIC, partition, batch.length);
  }

  /** Writes the current state of `meta` to __transaction_state. */
  private save(meta: TxnMetadata): void {
    meta.lastUpdateTimestamp = this.now();
    this.persist(meta, meta);
  }

  /**
   * Cluster mode: `result` once what was written for the transactional id is replicated (Kafka
   * appends to the transaction log with acks=-1 before answering), else `failed` with Kafka's
   * mapping: NOT_COORDINATOR when leadership moved, COORDINATOR_NOT_AVAILABLE otherwise.
   */
  private durable<T>(transactionalId: string, result: T, failed: (code: number) => T): T | Promise<T> {
    const c = this.opts.cluster;
    if (!c) return result;
    const p = this.partitionFor(transactionalId);
    const log = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, p);
    if (!log) return result;
    return c.awaitReplicated(TRANSACTION_STATE_TOPIC, p, log.logEndOffset).then((code) => {
      if (code === ErrorCode.NONE) return result;
      return failed(
        code === ErrorCode.NOT_LEADER_OR_FOLLOWER
          ? ErrorCode.NOT_COORDINATOR
          : ErrorCode.COORDINATOR_NOT_AVAILABLE,
      );
    });
  }

  /**
   * Appends a COMMIT or ABORT marker for the producer to a partition this broker leads (WriteTxnMarkers,
   * and the coordinator's own markers), updating the partition's producer state (its last stable
   * offset and aborted transactions) and, on __consumer_offsets, the group's pending transactional
   * offsets. In a cluster the result is NONE once the marker is replicated (acks=-1). A marker from
   * an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED, one for an older producer epoch
   * than the partition has seen INVALID_PRODUCER_EPOCH (Kafka's checks in ProducerStateManager).
   */
  writeMarkerAsLeader(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    coordinatorEpoch: number,
  ): number | Promise<number> {
    const c = this.opts.cluster;
    const log = this.opts.topics.partitionLog(topic, partition);
    if (c && !c.leads(topic, partition)) {
      return c.leaderOf(topic, partition) === undefined
        ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    }
    if (!log || log.isClosed) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION; // deleted meanwhile
    const state = this.producerStates.forLog(log);
    const entry = state.producers.get(producerId);
    if (entry && coordinatorEpoch < entry.coordinatorEpoch) return ErrorCode.TRANSACTION_COORDINATOR_FENCED;
    if (entry && producerEpoch < entry.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    const now = this.now();
    const batch = buildEndTxnMarkerBatch({
      producerId,
      producerEpoch,
      commit,
      coordinatorEpoch,
      timestamp: now,
    });
    const result = log.append(
      batch,
      [{ position: 0, size: batch.length, lastOffsetDelta: 0, maxTimestamp: now, recordCount: 1 }],
      this.opts.leaderEpoch(topic, partition),
    );
    state.onMarker(producerId, producerEpoch, commit, result.baseOffset, coordinatorEpoch, now);
    this.opts.onAppend?.(topic, partition, batch.length);
    if (topic === OFFSETS_TOPIC) this.opts.groups.onTxnMarker(partition, producerId, commit);
    return c ? c.awaitReplicated(topic, partition, result.lastOffset + 1) : ErrorCode.NONE;
  }

  /** Prepare, the markers, Complete: the end of a transaction. */
  private complete(meta: TxnMetadata, commit: boolean): void {
    if (meta.status !== TxnStatus.PrepareCommit && meta.status !== TxnStatus.PrepareAbort) {
      meta.status = commit ? TxnStatus.PrepareCommit : TxnStatus.PrepareAbort;
      this.save(meta);
    }
    if (this.opts.cluster) {
      void this.sendMarkers(meta, commit);
      return;
    }
    // one broker: every partition is local, the markers are written before the answer
    for (const [topic, parts] of meta.partitions) {
      for (const p of parts) {
        try {
          this.writeMarkerAsLeader(topic, p, meta.producerId, meta.producerEpoch, commit, 0);
        } catch (err) {
          this.opts.logger.error(
            { err, topic, partition: p, transactionalId: meta.transactionalId },
            'cannot write transaction marker',
          );
          throw err;
        }
      }
    }
    this.finish(meta, commit);
  }

  /** Every marker is written: CompleteCommit/CompleteAbort. */
  private finish(meta: TxnMetadata, commit: boolean): void {
    meta.status = commit ? TxnStatus.CompleteCommit : TxnStatus.CompleteAbort;
    meta.partitions = new Map();
    meta.startTimestamp = -1;
    this.save(meta);
  }

  /**
   * Cluster mode (Kafka's TransactionMarkerChannelManager): sends the markers of a prepared
   * transaction to the leader of each of its partitions, round after round until each is written or
   * its partition is gone, then completes the transaction. Stops when this broker stops coordinating
   * the transactional id (the next coordinator resends them from the Prepare state).
   */
  private async sendMarkers(meta: TxnMetadata, commit: boolean): Promise<void> {
    const c = this.opts.cluster!;
    const { transactionalId, producerId, producerEpoch } = meta;
    const statePartition = this.partitionFor(transactionalId);
    const marker: Marker = {
      producerId,
      producerEpoch,
      commit,
      coordinatorEpoch: this.opts.leaderEpoch(TRANSACTION_STATE_TOPIC, statePartition),
    };
    const prepared = commit ? TxnStatus.PrepareCommit : TxnStatus.PrepareAbort;
    const current = () =>
      !this.stopped &&
      this.transactions.get(transactionalId) === meta &&
      meta.status === prepared &&
      meta.producerEpoch === producerEpoch &&
      this.unavailable(transactionalId) === ErrorCode.NONE;
    let backoff = MARKER_RETRY_MIN_MS;
    const pause = async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, backoff).unref());
      backoff = Math.min(backoff * 2, MARKER_RETRY_MAX_MS);
    };
    // no marker before PrepareCommit/PrepareAbort is replicated: a new leader of the state partition
    // must not find the transaction Ongoing (and abort it) after a COMMIT marker went out
    const stateLog = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, statePartition);
    const prepareEnd = stateLog?.logEndOffset ?? 0;
    while (current()) {
      const code = await c.awaitReplicated(TRANSACTION_STATE_TOPIC, statePartition, prepareEnd);
      if (code === ErrorCode.NONE) break;
      await pause();
    }
    let remaining: TopicPartition[] = [];
    for (const [topic, parts] of meta.partitions)
      for (const partition of parts) remaining.push({ topic, partition });
    backoff = MARKER_RETRY_MIN_MS;
    while (remaining.length > 0) {
      if (!current()) return;
      const byLeader = new Map<number, TopicPartition[]>();
      const next: TopicPartition[] = [];
      for (const tp of remaining) {
        const leader = c.leaderOf(tp.topic, tp.partition);
        if (leader === undefined) continue; // the partition is gone: nothing to mark
        if (leader < 0) next.push(tp);
        else {
          let list = byLeader.get(leader);
          if (!list) byLeader.set(leader, (list = []));
          list.push(tp);
        }
      }
      const rounds = [...byLeader].map(([leader, tps]) =>
        leader === c.nodeId ? this.markLocally(tps, marker) : this.markRemotely(leader, tps, marker),
      );
      for (const failed of await Promise.all(rounds)) next.push(...failed);
      remaining = next;
      if (remaining.length > 0) await pause();
    }
    if (!current()) return;
    try {
      this.finish(meta, commit);
    } catch (err) {
      this.opts.logger.warn({ err, transactionalId }, 'cannot complete the transaction');
    }
  }

  /** Whether a marker write's answer means the partition is done with (written, or past it). */
  private static markerDone(code: number): boolean {
    // an older producer or coordinator epoch: the partition has moved past this transaction
    return (
      code === ErrorCode.NONE ||
      code === ErrorCode.INVALID_PRODUCER_EPOCH ||
      code === ErrorCode.TRANSACTION_COORDINATOR_FENCED
    );
  }

  /** Writes markers on partitions this broker leads; returns those to try again. */
  private async markLocally(tps: TopicPartition[], m: Marker): Promise<TopicPartition[]> {
    const codes = await Promise.all(
      tps.map(async (tp) => {
        try {
          return await this.writeMarkerAsLeader(
            tp.topic,
            tp.partition,
            m.producerId,
            m.producerEpoch,
            m.commit,
            m.coordinatorEpoch,
          );
        } catch (err) {
          this.opts.logger.warn({ err, ...tp }, 'cannot write transaction marker; retrying');
          return ErrorCode.UNKNOWN_SERVER_ERROR;
        }
      }),
    );
    return tps.filter((_, i) => !TransactionCoordinator.markerDone(codes[i]!));
  }

  /** WriteTxnMarkers to the leader of `tps`; returns the partitions to try again. */
  private async markRemotely(leader: number, tps: TopicPartition[], m: Marker): Promise<TopicPartition[]> {
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    try {
      const res = await this.opts.cluster!.sendMarkers(leader, [
        {
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          transactionResult: m.commit,
          coordinatorEpoch: m.coordinatorEpoch,
          topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        },
      ]);
      const done = new Set<string>();
      for (const m of res.markers) {
        for (const t of m.topics) {
          for (const p of t.partitions) {
            if (TransactionCoordinator.markerDone(p.errorCode))
              done.add(`${t.name}\u0000${p.partitionIndex}`);
          }
        }
      }
      return tps.filter((tp) => !done.has(`${tp.topic}\u0000${tp.partition}`));
    } catch (err) {
      this.opts.logger.info(
        { err: String(err), broker: leader },
        'cannot send transaction markers; retrying',
      );
      return tps;
    }
  }

  /** Aborts the open transaction with the epoch bumped, fencing the producer that opened it. */
  private abortWithEpochBump(meta: TxnMetadata): void {
    if (meta.producerEpoch < MAX_EPOCH) {
      meta.lastProducerEpoch = meta.producerEpoch;
      meta.producerEpoch++;
    }
    // on disk with the bumped epoch before any marker: a new coordinator resends them with it
    meta.status = TxnStatus.PrepareAbort;
    this.save(meta);
    this.complete(meta, false);
  }

  // ------------------------------------------------------------------------------------------
  // APIs

  initProducerId(
    transactionalId: string | null,
    timeoutMs: number,
    producerId: number,
    producerEpoch: number,
    version: number,
  ): ProducerIdResult | Promise<ProducerIdResult> {
    const fail = (errorCode: number): ProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === null) {
      return { errorCode: ErrorCode.NONE, producerId: this.producerIds.generate(), producerEpoch: 0 };
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    const unavailable = this.unavailable(transactionalId);
    if (unavailable !== ErrorCode.NONE) return fail(unavailable);
    if (timeoutMs <= 0 || timeoutMs > this.opts.config.maxTimeoutMs) {
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const now = this.now();
    let meta = this.transactions.get(transactionalId);
    if (!meta) {
      meta = {
        transactionalId,
        producerId: this.producerIds.generate(),
        previousProducerId: NO_PRODUCER_ID,
        producerEpoch: 0,
        lastProducerEpoch: NO_EPOCH,
        timeoutMs,
        status: TxnStatus.Empty,
        partitions: new Map(),
        lastUpdateTimestamp: now,
        startTimestamp: -1,
      };
      this.save(meta);
      this.transactions.set(transactionalId, meta);
      return this.durable(
        transactionalId,
        { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: 0 },
        fail,
      );
    }
    // KIP-360: a producer that says who it was must be the current one (or retrying the last bump)
    if (producerId !== NO_PRODUCER_ID) {
      if (producerId === meta.producerId && producerEpoch === meta.lastProducerEpoch) {
        // a retry whose answer was lost: the bump already happened
        if (meta.status !== TxnStatus.Ongoing) {
          return {
            errorCode: ErrorCode.NONE,
            producerId: meta.producerId,
            producerEpoch: meta.producerEpoch,
          };
        }
      }
      const known = producerId === meta.producerId || producerId === meta.previousProducerId;
      if (!known || (producerId === meta.producerId && producerEpoch !== meta.producerEpoch)) {
        return fail(fenced(version, PRODUCER_FENCED_SINCE.initProducerId));
      }
    }
    if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
      return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    if (meta.status === TxnStatus.Ongoing) {
      this.abortWithEpochBump(meta);
      // in a cluster the markers are on their way: the producer retries (Kafka answers the same)
      if ((meta.status as TxnStatus) === TxnStatus.PrepareAbort)
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    meta.timeoutMs = timeoutMs;
    if (meta.producerEpoch >= MAX_EPOCH) {
      meta.previousProducerId = meta.producerId;
      meta.producerId = this.producerIds.generate();
      meta.lastProducerEpoch = NO_EPOCH;
      meta.producerEpoch = 0;
    } else {
      meta.lastProducerEpoch = meta.producerEpoch;
      meta.producerEpoch++;
    }
    meta.status = TxnStatus.Empty;
    meta.partitions = new Map();
    this.save(meta);
    return this.durable(
      transactionalId,
      { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch },
      fail,
    );
  }

  /** The checks every transactional request starts with; NONE or the code to answer. */
  private validate(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    version: number,
    api: keyof typeof PRODUCER_FENCED_SINCE,
  ): number {
    const unavailable = this.unavailable(transactionalId);
    if (unavailable !== ErrorCode.NONE) return unavailable;
    const meta = this.transactions.get(transactionalId);
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return fenced(version, PRODUCER_FENCED_SINCE[api]);
    if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    return ErrorCode.NONE;
  }

  private begin(meta: TxnMetadata): void {
    if (meta.status !== TxnStatus.Ongoing) {
      meta.status = TxnStatus.Ongoing;
      meta.startTimestamp = this.now();
      meta.partitions = new Map();
    }
  }

  /** AddPartitionsToTxn for one transaction: an error code per topic partition. */
  addPartitions(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    topics: TopicPartitions[],
    verifyOnly: boolean,
    version: number,
  ): Map<string, Map<number, number>> | Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    const all = (code: number) => {
      for (const t of topics) out.set(t.name, new Map(t.partitions.map((p) => [p, code])));
      return out;
    };
    const meta = this.transactions.get(transactionalId);
    const err = this.validate(transactionalId, producerId, producerEpoch, version, 'addPartitions');
    if (err !== ErrorCode.NONE) return all(err);
    if (verifyOnly) {
      for (const t of topics) {
        const have = meta!.status === TxnStatus.Ongoing ? meta!.partitions.get(t.name) : undefined;
        out.set(
          t.name,
          new Map(t.partitions.map((p) => [p, have?.has(p) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE])),
        );
      }
      return out;
    }
    let unknown = false;
    for (const t of topics) {
      const count = this.opts.topics.get(t.name)?.partitions;
      const codes = new Map<number, number>();
      for (const p of t.partitions) {
        const ok = count !== undefined && p >= 0 && p < count;
        if (!ok) unknown = true;
        codes.set(p, ok ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      out.set(t.name, codes);
    }
    if (unknown) {
      for (const codes of out.values()) {
        for (const [p, c] of codes) if (c === ErrorCode.NONE) codes.set(p, ErrorCode.OPERATION_NOT_ATTEMPTED);
      }
      return out;
    }
    if (topics.every((t) => t.partitions.length === 0)) return out; // nothing to add (e.g. all refused)
    this.begin(meta!);
    for (const t of topics) {
      let set = meta!.partitions.get(t.name);
      if (!set) meta!.partitions.set(t.name, (set = new Set()));
      for (const p of t.partitions) set.add(p);
    }
    this.save(meta!);
    return this.durable(transactionalId, out, all);
  }

  addOffsets(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    groupId: string,
    version: number,
  ): number | Promise<number> {
    const meta = this.transactions.get(transactionalId);
    const err = this.validate(transactionalId, producerId, producerEpoch, version, 'addOffsets');
    if (err !== ErrorCode.NONE) return err;
    try {
      this.opts.groups.ensureOffsetsTopic();
    } catch (e) {
      // a cluster creates it in the background; the group's partition is known already (Kafka
      // computes it from offsets.topic.num.partitions without the topic)
      if (!(e instanceof KafkaError) || e.code !== ErrorCode.COORDINATOR_NOT_AVAILABLE) throw e;
    }
    const partition = this.opts.groups.store.partitionFor(groupId);
    this.begin(meta!);
    let set = meta!.partitions.get(OFFSETS_TOPIC);
    if (!set) meta!.partitions.set(OFFSETS_TOPIC, (set = new Set()));
    set.add(partition);
    this.save(meta!);
    return this.durable(transactionalId, ErrorCode.NONE as number, (code) => code);
  }

  /**
   * TxnOffsetCommit's checks against the transaction when this broker coordinates its transactional
   * id (always on one broker): the producer's id and epoch, and the group's partition of
   * __consumer_offsets added by AddOffsetsToTxn (else INVALID_TXN_STATE). NONE when it coordinates
   * it elsewhere: the group coordinator then relies on the producer epoch of the offsets partition,
   * as Kafka's group coordinator does (it never asks the transaction coordinator before KIP-890).
   */
  checkTxnOffsetCommit(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    groupPartition: number,
    version: number,
  ): number {
    if (this.unavailable(transactionalId) === ErrorCode.NOT_COORDINATOR) return ErrorCode.NONE;
    const meta = this.transactions.get(transactionalId);
    const err = this.validate(transactionalId, producerId, producerEpoch, version, 'txnOffsetCommit');
    if (err !== ErrorCode.NONE) return err;
    if (meta!.status !== TxnStatus.Ongoing || !meta!.partitions.get(OFFSETS_TOPIC)?.has(groupPartition)) {
      return ErrorCode.INVALID_TXN_STATE;
    }
    return ErrorCode.NONE;
  }

  endTxn(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    version: number,
  ): ProducerIdResult | Promise<ProducerIdResult> {
    const meta = this.transactions.get(transactionalId);
    const result = (errorCode: number): ProducerIdResult => ({
      errorCode,
      producerId: meta?.producerId ?? -1,
      producerEpoch: meta?.producerEpoch ?? -1,
    });
    const err = this.validate(transactionalId, producerId, producerEpoch, version, 'endTxn');
    if (err !== ErrorCode.NONE) return result(err);
    switch (meta!.status) {
      case TxnStatus.Ongoing:
        this.complete(meta!, commit);
        // in a cluster: answered once PrepareCommit/PrepareAbort is replicated, markers follow
        return this.durable(transactionalId, result(ErrorCode.NONE), result);
      case TxnStatus.CompleteCommit:
        return result(commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      case TxnStatus.CompleteAbort:
        return result(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
      default:
        return result(ErrorCode.INVALID_TXN_STATE);
    }
  }

  /** Aborts (with an epoch bump, fencing the producer) every transaction open past its timeout. */
  abortTimedOut(now = this.now()): number {
    let aborted = 0;
    for (const meta of this.transactions.values()) {
      if (
        meta.status === TxnStatus.Ongoing &&
        meta.startTimestamp >= 0 &&
        now - meta.startTimestamp > meta.timeoutMs
      ) {
        this.opts.logger.info(
          { transactionalId: meta.transactionalId, producerId: meta.producerId, timeoutMs: meta.timeoutMs },
          'aborting timed-out transaction',
        );
        this.abortWithEpochBump(meta);
        aborted++;
      }
    }
    return aborted;
  }

  /** transactional.id.expiration.ms and producer.id.expiration.ms. */
  expire(now = this.now()): void {
    for (const meta of [...this.transactions.values()]) {
      const idle =
        meta.status === TxnStatus.Empty ||
        meta.status === TxnStatus.CompleteCommit ||
        meta.status === TxnStatus.CompleteAbort;
      if (idle && now - meta.lastUpdateTimestamp > this.opts.config.transactionalIdExpirationMs) {
        this.persist(meta, null);
        this.transactions.delete(meta.transactionalId);
      }
    }
    this.producerStates.expireAll();
  }

  // ------------------------------------------------------------------------------------------
  // operators

  describe(transactionalId: string): {
    errorCode: number;
    state: string;
    timeoutMs: number;
    startTimeMs: number;
    producerId: number;
    producerEpoch: number;
    topics: { topic: string; partitions: number[] }[];
  } {
    const meta = this.transactions.get(transactionalId);
    const unavailable = this.unavailable(transactionalId);
    if (unavailable !== ErrorCode.NONE || !meta) {
      return {
        errorCode: unavailable !== ErrorCode.NONE ? unavailable : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
        state: '',
        timeoutMs: 0,
        startTimeMs: -1,
        producerId: -1,
        producerEpoch: -1,
        topics: [],
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      state: TXN_STATUS_NAMES[meta.status] ?? 'Unknown',
      timeoutMs: meta.timeoutMs,
      startTimeMs: meta.startTimestamp,
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      topics: [...meta.partitions].map(([topic, ps]) => ({
        topic,
        partitions: [...ps].sort((a, b) => a - b),
      })),
    };
  }

  list(
    stateFilters: string[],
    producerIdFilters: number[],
    durationFilterMs: number,
  ): { transactionalId: string; producerId: number; state: string }[] {
    const states = new Set(stateFilters);
    const pids = new Set(producerIdFilters);
    const now = this.now();
    const out: { transactionalId: string; producerId: number; state: string }[] = [];
    for (const meta of this.transactions.values()) {
      const state = TXN_STATUS_NAMES[meta.status] ?? 'Unknown';
      if (states.size > 0 && !states.has(state)) continue;
      if (pids.size > 0 && !pids.has(meta.producerId)) continue;
      if (durationFilterMs >= 0 && (meta.startTimestamp < 0 || now - meta.startTimestamp < durationFilterMs))
        continue;
      out.push({ transactionalId: meta.transactionalId, producerId: meta.producerId, state });
    }
    return out;
  }
}

export const TXN_STATE_NAMES: readonly string[] = Object.values(TXN_STATUS_NAMES);

/** Transactions still open (Ongoing) among `txns`. */
function countOpen(txns: Iterable<TxnMetadata>): number {
  let n = 0;
  for (const meta of txns) if (meta.status === TxnStatus.Ongoing) n++;
  return n;
}

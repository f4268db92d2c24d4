// The transaction coordinator of a single broker: producer ids (idempotent and transactional), the
// state of every transactional id on __transaction_state (written before a request is answered,
// read back at start), the partitions of each transaction, and its end: a COMMIT or ABORT marker
// written as a control batch to every partition of the transaction.
//
// On one broker every step is a local append, so EndTxn writes PrepareCommit/PrepareAbort, the
// markers and CompleteCommit/CompleteAbort before answering; a crash in between is completed at
// the next start (PrepareCommit commits, PrepareAbort aborts). A transaction still Ongoing at start
// is aborted at once with a bumped epoch (Kafka would wait for its timeout), so no partition keeps
// a last stable offset stuck behind it. Offsets of TxnOffsetCommit are held here, written to
// __transaction_state as they are accepted (so they are on disk before PrepareCommit), committed
// through the group coordinator when the transaction commits, then tombstoned; a restart that finds
// PrepareCommit commits the offsets it reads back.

import type { Logger } from '../../observability/logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import { buildEndTxnMarkerBatch } from '../../protocol/records/control-record.js';
import { decodeRecordBatches, encodeRecordBatchSync } from '../../protocol/records/record-batch.js';
import type { PartitionLog } from '../../storage/index.js';
import type { GroupCoordinator } from '../group/index.js';
import { OFFSETS_TOPIC } from '../group/index.js';
import type { OffsetsTopicAccess } from '../group/store.js';
import type { CommitPartition } from '../group/types.js';
import type { TxnConfig } from './config.js';
import { ProducerIdManager } from './producer-ids.js';
import { ProducerStateRegistry } from './producer-state.js';
import {
  TRANSACTION_STATE_TOPIC,
  TRANSACTION_STATE_TOPIC_CONFIGS,
  TXN_STATUS_NAMES,
  TxnStatus,
  decodePendingOffsetsRecord,
  decodeTransactionLogRecord,
  partitionForTransactionalId,
  pendingOffsetsRecord,
  transactionLogRecord,
  type PendingOffsetsValue,
  type TxnRecordValue,
} from './transaction-log.js';

const NO_PRODUCER_ID = -1;
const NO_EPOCH = -1;
/** Kafka bumps to a new producer id when the epoch would pass Short.MaxValue - 1. */
const MAX_EPOCH = 32766;
const LOAD_READ_BYTES = 1024 * 1024;

export interface TxnMetadata extends TxnRecordValue {
  transactionalId: string;
  /** Epoch before the last bump (retries of InitProducerId, KIP-360), -1 when none. */
  lastProducerEpoch: number;
  /** TxnOffsetCommit offsets waiting for the commit, by group. */
  pendingOffsets: Map<string, Map<string, Map<number, CommitPartition>>>;
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
  /** Pending TxnOffsetCommit offsets read back at start, by transactional id and group. */
  private loadedPending = new Map<string, Map<string, PendingOffsetsValue>>();

  constructor(private readonly opts: TxnCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
    this.producerStates = new ProducerStateRegistry(opts.config.producerIdExpirationMs, this.now);
    this.producerIds = new ProducerIdManager(opts.dataDir, opts.producerIdSpace ?? 0);
    opts.topics.defineInternalTopic(TRANSACTION_STATE_TOPIC, opts.config.stateLogPartitions, {
      ...TRANSACTION_STATE_TOPIC_CONFIGS,
    });
  }

  get isLoading(): boolean {
    return this.loading;
  }

  /** FindCoordinator for a transactional id: make sure __transaction_state exists. */
  ensureStateTopic(): void {
    this.opts.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC);
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  /** Loads __transaction_state, completes or aborts what a crash left open, starts the timers. */
  startup(): Promise<void> {
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
    return this.loadDone;
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
      if (log) records += await this.loadPartition(log);
    }
    // pending transactional offsets belong to the transaction still open (or preparing its commit)
    for (const [transactionalId, groups] of this.loadedPending) {
      const meta = this.transactions.get(transactionalId);
      if (!meta || (meta.status !== TxnStatus.Ongoing && meta.status !== TxnStatus.PrepareCommit)) continue;
      for (const [groupId, v] of groups) {
        if (v.producerId !== meta.producerId || v.producerEpoch !== meta.producerEpoch) continue;
        meta.pendingOffsets.set(
          groupId,
          new Map(v.topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p]))])),
        );
      }
    }
    this.loadedPending.clear();
    // what a crash left between Prepare* and Complete*, or in the middle of a transaction
    let completed = 0;
    for (const meta of this.transactions.values()) {
      if (meta.status === TxnStatus.PrepareCommit) this.complete(meta, true);
      else if (meta.status === TxnStatus.PrepareAbort) this.complete(meta, false);
      else if (meta.status === TxnStatus.Ongoing || meta.status === TxnStatus.PrepareEpochFence) {
        this.abortWithEpochBump(meta);
      } else continue;
      completed++;
    }
    if (records > 0) {
      this.opts.logger.info(
        { transactionalIds: this.transactions.size, records, completed, ms: Date.now() - started },
        'transaction state loaded',
      );
    }
  }

  private async loadPartition(log: PartitionLog): Promise<number> {
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
              const pending = decodePendingOffsetsRecord(r.key, r.value);
              if (pending) {
                let byGroup = this.loadedPending.get(pending.transactionalId);
                if (!byGroup) this.loadedPending.set(pending.transactionalId, (byGroup = new Map()));
                if (pending.value === null) byGroup.delete(pending.groupId);
                else byGroup.set(pending.groupId, pending.value);
                continue;
              }
              const rec = decodeTransactionLogRecord(r.key, r.value);
              if (!rec) continue;
              if (rec.value === null) this.transactions.delete(rec.transactionalId);
              else {
                this.transactions.set(rec.transactionalId, {
                  ...rec.value,
                  transactionalId: rec.transactionalId,
                  lastProducerEpoch: NO_EPOCH,
                  pendingOffsets: new Map(),
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

  /** Writes (or, with null, tombstones) the pending TxnOffsetCommit offsets of one group. */
  private persistPendingOffsets(meta: TxnMetadata, groupId: string, remove: boolean): void {
    const topics = meta.pendingOffsets.get(groupId);
    const value: PendingOffsetsValue | null =
      remove || !topics
        ? null
        : {
            producerId: meta.producerId,
            producerEpoch: meta.producerEpoch,
            topics: [...topics].map(([name, ps]) => ({ name, partitions: [...ps.values()] })),
          };
    this.appendRecord(meta.transactionalId, pendingOffsetsRecord(meta.transactionalId, groupId, value));
  }

  /** Appends one record to the __transaction_state partition of the transactional id. */
  private appendRecord(transactionalId: string, rec: { key: Buffer; value: Buffer | null }): void {
    const topic = this.opts.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC);
    const partition = partitionForTransactionalId(transactionalId, topic.partitions);
    const log = this.opts.topics.partitionLog(TRANSACTION_STATE_TOPIC, partition);
    if (!log) throw new Error(`${TRANSACTION_STATE_TOPIC}-${partition} has no log on this broker`);
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

  /** Appends a COMMIT or ABORT marker for the producer to one partition. */
  writeMarker(topic: string, partition: number, producerId: number, epoch: number, commit: boolean): void {
    const log = this.opts.topics.partitionLog(topic, partition);
    if (!log || log.isClosed) return; // deleted meanwhile: nothing to mark
    const state = this.producerStates.forLog(log);
    const now = this.now();
    const batch = buildEndTxnMarkerBatch({
      producerId,
      producerEpoch: epoch,
      commit,
      coordinatorEpoch: 0,
      timestamp: now,
    });
    const result = log.append(
      batch,
      [{ position: 0, size: batch.length, lastOffsetDelta: 0, maxTimestamp: now, recordCount: 1 }],
      this.opts.leaderEpoch(topic, partition),
    );
    state.onMarker(producerId, epoch, commit, result.baseOffset, 0, now);
    this.opts.onAppend?.(topic, partition, batch.length);
  }

  /** Prepare, markers, offsets (on commit), Complete: the end of a transaction. */
  private complete(meta: TxnMetadata, commit: boolean): void {
    if (meta.status !== TxnStatus.PrepareCommit && meta.status !== TxnStatus.PrepareAbort) {
      meta.status = commit ? TxnStatus.PrepareCommit : TxnStatus.PrepareAbort;
      this.save(meta);
    }
    for (const [topic, parts] of meta.partitions) {
      for (const p of parts) {
        try {
          this.writeMarker(topic, p, meta.producerId, meta.producerEpoch, commit);
        } catch (err) {
          this.opts.logger.error(
            { err, topic, partition: p, transactionalId: meta.transactionalId },
            'cannot write transaction marker',
          );
          throw err;
        }
      }
    }
    if (commit) {
      for (const [groupId, topics] of meta.pendingOffsets) {
        this.opts.groups.commitOffsets({
          groupId,
          generationId: -1,
          memberId: '',
          groupInstanceId: null,
          retentionTimeMs: -1,
          apiVersion: 8,
          skipMemberCheck: true,
          topics: [...topics].map(([name, ps]) => ({ name, partitions: [...ps.values()] })),
        });
      }
    }
    // committed (or dropped with the abort): their records on __transaction_state go
    for (const groupId of meta.pendingOffsets.keys()) this.persistPendingOffsets(meta, groupId, true);
    meta.pendingOffsets.clear();
    meta.status = commit ? TxnStatus.CompleteCommit : TxnStatus.CompleteAbort;
    meta.partitions = new Map();
    meta.startTimestamp = -1;
    this.save(meta);
  }

  /** Aborts the open transaction with the epoch bumped, fencing the producer that opened it. */
  private abortWithEpochBump(meta: TxnMetadata): void {
    if (meta.producerEpoch < MAX_EPOCH) {
      meta.lastProducerEpoch = meta.producerEpoch;
      meta.producerEpoch++;
    }
    meta.status = TxnStatus.PrepareAbort;
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
  ): ProducerIdResult {
    const fail = (errorCode: number): ProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === null) {
      return { errorCode: ErrorCode.NONE, producerId: this.producerIds.generate(), producerEpoch: 0 };
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (this.loading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
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
        pendingOffsets: new Map(),
      };
      this.save(meta);
      this.transactions.set(transactionalId, meta);
      return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: 0 };
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
    if (meta.status === TxnStatus.Ongoing) this.abortWithEpochBump(meta);
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
    meta.pendingOffsets.clear();
    this.save(meta);
    return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
  }

  /** The checks every transactional request starts with; NONE or the code to answer. */
  private validate(
    meta: TxnMetadata | undefined,
    producerId: number,
    producerEpoch: number,
    version: number,
    fencedSince: number,
  ): number {
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return fenced(version, fencedSince);
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
  ): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    const all = (code: number) => {
      for (const t of topics) out.set(t.name, new Map(t.partitions.map((p) => [p, code])));
      return out;
    };
    const meta = this.transactions.get(transactionalId);
    const err = this.validate(meta, producerId, producerEpoch, version, PRODUCER_FENCED_SINCE.addPartitions);
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
    return out;
  }

  addOffsets(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    groupId: string,
    version: number,
  ): number {
    const meta = this.transactions.get(transactionalId);
    const err = this.validate(meta, producerId, producerEpoch, version, PRODUCER_FENCED_SINCE.addOffsets);
    if (err !== ErrorCode.NONE) return err;
    this.opts.groups.ensureOffsetsTopic();
    const partition = this.opts.groups.store.partitionFor(groupId);
    this.begin(meta!);
    let set = meta!.partitions.get(OFFSETS_TOPIC);
    if (!set) meta!.partitions.set(OFFSETS_TOPIC, (set = new Set()));
    set.add(partition);
    this.save(meta!);
    return ErrorCode.NONE;
  }

  /** TxnOffsetCommit: offsets held until the transaction commits. */
  txnOffsetCommit(req: {
    transactionalId: string;
    groupId: string;
    producerId: number;
    producerEpoch: number;
    generationId: number;
    memberId: string;
    topics: { name: string; partitions: CommitPartition[] }[];
    version: number;
  }): { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] {
    const answer = (code: (p: CommitPartition, topic: string) => number) =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: code(p, t.name),
        })),
      }));
    const meta = this.transactions.get(req.transactionalId);
    const err = this.validate(
      meta,
      req.producerId,
      req.producerEpoch,
      req.version,
      PRODUCER_FENCED_SINCE.txnOffsetCommit,
    );
    if (err !== ErrorCode.NONE) return answer(() => err);
    const groupPartition = this.opts.groups.store.partitionFor(req.groupId);
    if (meta!.status !== TxnStatus.Ongoing || !meta!.partitions.get(OFFSETS_TOPIC)?.has(groupPartition)) {
      return answer(() => ErrorCode.INVALID_TXN_STATE);
    }
    if (req.generationId >= 0) {
      const group = this.opts.groups.store.get(req.groupId);
      if (group && group.members.size > 0) {
        if (!group.has(req.memberId)) return answer(() => ErrorCode.UNKNOWN_MEMBER_ID);
        if (group.generationId !== req.generationId) return answer(() => ErrorCode.ILLEGAL_GENERATION);
      }
    }
    let byTopic = meta!.pendingOffsets.get(req.groupId);
    if (!byTopic) meta!.pendingOffsets.set(req.groupId, (byTopic = new Map()));
    const result = answer((p, topic) => {
      const count = this.opts.topics.get(topic)?.partitions;
      if (count === undefined || p.partitionIndex < 0 || p.partitionIndex >= count) {
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      let parts = byTopic.get(topic);
      if (!parts) byTopic.set(topic, (parts = new Map()));
      parts.set(p.partitionIndex, p);
      return ErrorCode.NONE;
    });
    // on disk before the answer, so before any EndTxn can write PrepareCommit
    if (byTopic.size > 0) this.persistPendingOffsets(meta!, req.groupId, false);
    else meta!.pendingOffsets.delete(req.groupId);
    return result;
  }

  endTxn(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    version: number,
  ): ProducerIdResult {
    const meta = this.transactions.get(transactionalId);
    const result = (errorCode: number): ProducerIdResult => ({
      errorCode,
      producerId: meta?.producerId ?? -1,
      producerEpoch: meta?.producerEpoch ?? -1,
    });
    const err = this.validate(meta, producerId, producerEpoch, version, PRODUCER_FENCED_SINCE.endTxn);
    if (err !== ErrorCode.NONE) return result(err);
    switch (meta!.status) {
      case TxnStatus.Ongoing:
        this.complete(meta!, commit);
        return result(ErrorCode.NONE);
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
    if (this.loading || !meta) {
      return {
        errorCode: this.loading
          ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
          : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
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

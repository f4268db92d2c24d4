// The log of one topic-partition: an ordered list of segments, the last one active. Appends assign
// offsets in place and go to the active segment with one write; reads return whole batches straight
// from the files; nothing here decodes records.
//
// Failure rule: an append or roll that fails but could be rolled back leaves the log consistent and
// only throws StorageError (the next append may succeed, e.g. once disk space is freed). Any other I/O
// failure (a read error, a failed fsync, a failed rollback) takes the log offline: every later call
// that touches the disk throws StorageError, so the broker answers KAFKA_STORAGE_ERROR for this
// partition and keeps serving the others. Every failure is counted (observer.storageError); failed
// appends are logged when they start, every 10 s while they go on, and when appends succeed again.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  BASE_OFFSET,
  BATCH_LENGTH,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  PARTITION_LEADER_EPOCH,
  lastOffsetOf,
  readInt64,
  writeInt64,
} from '../protocol/records/batch-header.js';
import { BatchScanner } from '../protocol/records/validate.js';
import { OffsetOutOfRangeError, StorageError } from './errors.js';
import { describeError, fsyncDir, fsyncDirAsync } from './file-io.js';
import { INT32_MAX, type LogConfig, validateLogConfig } from './log-config.js';
import type { CleanedSegment } from './cleaned-segment.js';
import type { StorageObserver } from './observer.js';
import { type LogRecoveryResult, type StorageLogger, prepareLogDir, recoverLogSegments } from './recovery.js';
import { type AppendBatch, Segment } from './segment.js';
import { RecentAppends, type TailBudget } from './recent-appends.js';

export type { AppendBatch } from './segment.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Largest batch max-timestamp of the append (-1 when none) and the last offset of that batch. */
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
}

export interface ReadResult {
  /** Whole batches, concatenated; an empty Buffer when there is nothing to return. */
  records: Buffer;
  firstBatchOffset: number | null;
  logStartOffset: number;
  logEndOffset: number;
}

/** What retention sees of a segment. */
export interface SegmentSummary {
  baseOffset: number;
  nextOffset: number;
  size: number;
  /** Newest record timestamp in the segment (its file's mtime when it holds none). */
  largestTimestamp: number;
}

export interface ReadOptions {
  /** Return the first batch whole even when it alone exceeds maxBytes (KIP-74). Default false. */
  minOneMessage?: boolean;
  /** Exclusive upper bound: high watermark or last stable offset. Default: the log end offset. */
  maxOffset?: number;
}

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  logger?: StorageLogger;
  /** Whether the data dir was shut down cleanly; false (the default) scans from the recovery point. */
  hadCleanShutdown?: boolean;
  /** From the recovery-point checkpoint; 0 when unknown. */
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint; also the base offset of the first segment of a new log. */
  logStartOffset?: number;
  /** Clock (ms) for segment.ms and flush.ms; Date.now by default. */
  now?: () => number;
  /** Told about flushes, rolls and deleted segments (metrics). */
  observer?: StorageObserver;
  /** The broker-wide budget of in-memory tails; without it every fetch reads the file. */
  recentAppends?: TailBudget;
}

/** At most this much of one partition's latest appends stays in memory for fetches. */
const TAIL_BYTES_PER_PARTITION = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

const NOOP_LOGGER: StorageLogger = { info() {}, warn() {}, error() {} };

/** While appends keep failing, one error line per this many ms. */
const APPEND_ERROR_LOG_INTERVAL_MS = 10_000;

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  config: LogConfig;
  /** `<topic>-<partition>`, the directory name. */
  readonly topicPartition: string;
  /** What loading had to do (segments scanned, bytes truncated). */
  readonly recoveryStats: LogRecoveryResult;

  private readonly segments: Segment[];
  private nextOffset: number;
  private startOffset: number;
  private recoveredTo: number;
  private unflushedMessages = 0;
  private flushedAt: number;
  private dirty = false;
  private dirNeedsSync = false;
  private failure: StorageError | null = null;
  private closed = false;
  private truncations = 0;
  /** Appends failed since the last one that succeeded, and when that was last logged. */
  private failedAppends = 0;
  private appendErrorLoggedAt = 0;
  private flushing: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly logger: StorageLogger;
  private readonly observer: StorageObserver | undefined;
  /** Latest appends to the active segment, served to fetches from memory (null: off). */
  private readonly tail: RecentAppends | null;

  private constructor(opts: PartitionLogOptions, segments: Segment[], stats: LogRecoveryResult) {
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.dir = opts.dir;
    this.config = opts.config;
    this.topicPartition = `${opts.topic}-${opts.partition}`;
    this.recoveryStats = stats;
    this.segments = segments;
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.observer = opts.observer;
    this.tail = opts.recentAppends ? new RecentAppends(opts.recentAppends, TAIL_BYTES_PER_PARTITION) : null;
    this.nextOffset = segments[segments.length - 1].nextOffset;
    this.startOffset = Math.max(opts.logStartOffset ?? 0, segments[0].baseOffset);
    this.recoveredTo = Math.min(opts.recoveryPoint ?? 0, this.nextOffset);
    this.flushedAt = this.now();
  }

  /**
   * Opens (creating when missing) the log in `dir`, cleaning leftovers and recovering as needed.
   * Throws StorageError when the directory cannot be read.
   */
  static open(opts: PartitionLogOptions): PartitionLog {
    validateLogConfig(opts.config);
    const topicPartition = `${opts.topic}-${opts.partition}`;
    const logger = opts.logger ?? NOOP_LOGGER;
    const segments: Segment[] = [];
    let log: PartitionLog;
    let created = false;
    try {
      if (!fs.existsSync(opts.dir)) {
        fs.mkdirSync(opts.dir, { recursive: true });
        created = true;
      }
      for (const base of prepareLogDir(opts.dir, topicPartition, logger)) {
        segments.push(Segment.open(opts.dir, base, opts.config.segmentIndexBytes));
      }
      if (segments.length === 0) {
        segments.push(Segment.create(opts.dir, opts.logStartOffset ?? 0, opts.config.segmentIndexBytes));
        created = true;
      }
      const stats = recoverLogSegments(segments, {
        topicPartition,
        hadCleanShutdown: opts.hadCleanShutdown ?? false,
        recoveryPoint: opts.recoveryPoint ?? 0,
        indexIntervalBytes: opts.config.indexIntervalBytes,
        logger,
      });
      log = new PartitionLog(opts, segments, stats);
    } catch (err) {
      for (const s of segments) s.close();
      if (err instanceof StorageError) throw err;
      throw new StorageError(`cannot load log ${topicPartition} in ${opts.dir}: ${describeError(err)}`, {
        cause: err,
      });
    }
    try {
      log.finishOpen(created, opts.hadCleanShutdown ?? false);
    } catch (err) {
      log.discard();
      throw err;
    }
    return log;
  }

  private finishOpen(created: boolean, hadCleanShutdown: boolean): void {
    const topicPartition = this.topicPartition;
    if (this.startOffset > this.nextOffset) {
      // Recovery truncated below the checkpointed log start offset: those offsets were deleted
      // anyway, so start the log over there (Kafka does the same).
      this.logger.warn(
        { topicPartition, logStartOffset: this.startOffset, logEndOffset: this.nextOffset },
        'log end offset is below the log start offset; starting the log at the log start offset',
      );
      this.truncateFullyAndStartAt(this.startOffset);
    }
    const active = this.active;
    if (active.size > 0 && active.rollBaseTime === null) {
      // segment.ms counts from the first append; after a restart the file's creation time is the
      // closest record of it (mtime where the file system has no birth time).
      const st = fs.fstatSync(active.fd);
      active.rollBaseTime = Math.min(st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs, this.now());
    }
    if (created) this.dirNeedsSync = true;
    if (this.recoveryStats.segmentsScanned > 0 || created) {
      // make the recovered state durable so the recovery point can move to the log end
      this.dirty = true;
      this.flush();
    } else if (hadCleanShutdown) {
      this.recoveredTo = this.nextOffset;
    }
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** Offsets below this are known to be on disk (fsynced). */
  get recoveryPoint(): number {
    return this.recoveredTo;
  }

  /** Bytes of all segment files. */
  get size(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offset of each segment, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The segments, oldest first, the last one active: for the log cleaner to read, never to change. */
  get segmentsForCleaner(): readonly Segment[] {
    return this.segments;
  }

  get firstSegmentBaseOffset(): number {
    return this.segments[0].baseOffset;
  }

  /** Data appended, rolled or truncated since the last fsync. */
  get hasUnflushed(): boolean {
    return this.dirty;
  }

  /** Time (ms, of the log's clock) of the last flush, or of the open. */
  get lastFlushTime(): number {
    return this.flushedAt;
  }

  /** Set after an I/O error the log could not recover from; see the module comment. */
  get isOffline(): boolean {
    return this.failure !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  private ensureUsable(): void {
    if (this.failure)
      throw new StorageError(`log ${this.topicPartition} is offline: ${this.failure.message}`);
    if (this.closed) throw new StorageError(`log ${this.topicPartition} is closed`);
  }

  /** Takes the log offline (once, with an error line) and returns the StorageError to throw. */
  private fail(err: unknown, what: string): StorageError {
    const e =
      err instanceof StorageError
        ? err
        : new StorageError(`${what} of ${this.topicPartition} failed: ${describeError(err)}`, { cause: err });
    this.observer?.storageError?.(this.topicPartition, what);
    if (!this.failure) {
      this.failure = e;
      this.logger.error(
        { topicPartition: this.topicPartition, dir: this.dir, err: e.message },
        'log is offline after an I/O error',
      );
    }
    return e;
  }

  /** Index of the segment holding `offset`: the last one whose base offset is <= offset (0 when none). */
  private segmentIndexFor(offset: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segs[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Assigns offsets (and the leader epoch when given) in place in `records`, rolls the active segment
   * when needed, appends all batches with one write and applies the flush policy. `batches` must be
   * contiguous in `records`, in order, and already validated.
   */
  append(records: Buffer, batches: AppendBatch[], leaderEpoch?: number): AppendResult {
    this.ensureUsable();
    const baseOffset = this.nextOffset;
    const count = batches.length;
    if (count === 0)
      return { baseOffset, lastOffset: baseOffset - 1, maxTimestamp: -1, offsetOfMaxTimestamp: -1 };
    const start = batches[0].position;
    let end = start;
    let lastOffset = baseOffset - 1;
    let messages = 0;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    for (let i = 0; i < count; i++) {
      const b = batches[i];
      if (b.position !== end || b.size < LOG_OVERHEAD + MIN_BATCH_LENGTH || b.lastOffsetDelta < 0) {
        throw new RangeError(`batch ${i} of the append is not a contiguous, well-formed batch`);
      }
      end += b.size;
      lastOffset += b.lastOffsetDelta + 1;
      messages += b.recordCount;
      if (b.maxTimestamp > maxTimestamp) {
        maxTimestamp = b.maxTimestamp;
        offsetOfMaxTimestamp = lastOffset;
      }
    }
    if (end > records.length)
      throw new RangeError(`batches end at ${end}, past the buffer (${records.length} bytes)`);
    if (end - start > INT32_MAX) throw new RangeError(`append of ${end - start} bytes is too large`);

    const now = this.now();
    try {
      this.maybeRoll(end - start, lastOffset, now);
    } catch (err) {
      if (err instanceof StorageError && !this.failure) this.appendFailed(err);
      throw err;
    }

    let offset = baseOffset;
    for (let i = 0; i < count; i++) {
      const b = batches[i];
      writeInt64(records, b.position + BASE_OFFSET, offset);
      if (leaderEpoch !== undefined) records.writeInt32BE(leaderEpoch, b.position + PARTITION_LEADER_EPOCH);
      offset += b.lastOffsetDelta + 1;
    }
    const seg = this.active;
    const position = seg.size;
    try {
      seg.append(records, batches, baseOffset, this.config.indexIntervalBytes, now);
    } catch (err) {
      this.tail?.clear();
      if (seg.broken || !(err instanceof StorageError)) throw this.fail(err, 'append');
      this.appendFailed(err);
      throw err;
    }
    this.tail?.appended(seg, position, records.subarray(start, end));
    if (this.failedAppends > 0) {
      this.logger.info(
        { topicPartition: this.topicPartition, failedAppends: this.failedAppends },
        'appends succeed again',
      );
      this.failedAppends = 0;
    }
    this.nextOffset = lastOffset + 1;
    this.dirty = true;
    this.unflushedMessages += messages;
    if (this.unflushedMessages >= this.config.flushIntervalMessages) this.flush();
    return { baseOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp };
  }

  /**
   * A follower's append: batches fetched from the leader keep their offsets and partition leader
   * epochs. Each batch is checked from its header (magic 2, lengths, CRC32C); a partial batch at the
   * end (a cut fetch) is left out, as Kafka's follower does. The first batch must start at or past
   * the log end offset (past it only where the leader's log was compacted) and offsets must increase.
   * One write to the active segment. `onBatch` sees each appended batch's base offset and leader
   * epoch (for the leader epoch cache). Throws CorruptRecordError-like RangeErrors for bad input,
   * StorageError for I/O failures (as append()).
   */
  appendAsFollower(
    records: Buffer,
    onBatch?: (baseOffset: number, partitionLeaderEpoch: number) => void,
  ): AppendResult & { bytes: number } {
    this.ensureUsable();
    const scan = new BatchScanner(records);
    const batches: AppendBatch[] = [];
    let firstOffset = -1;
    let expected = -1;
    let lastOffset = this.nextOffset - 1;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    let messages = 0;
    while (scan.next()) {
      if (scan.baseOffset < (firstOffset < 0 ? this.nextOffset : lastOffset + 1)) {
        throw new RangeError(
          `batch at offset ${scan.baseOffset} of a follower append to ${this.topicPartition} is below ${lastOffset + 1}`,
        );
      }
      if (firstOffset < 0) firstOffset = expected = scan.baseOffset;
      // the segment counts offsets from the first batch; a gap (compaction) widens the delta so
      // every batch's last offset is indexed as it is
      batches.push({
        position: scan.position,
        size: scan.size,
        lastOffsetDelta: scan.lastOffset - expected,
        maxTimestamp: scan.maxTimestamp,
        recordCount: scan.recordCount,
      });
      expected = scan.lastOffset + 1;
      lastOffset = scan.lastOffset;
      messages += scan.recordCount;
      if (scan.maxTimestamp > maxTimestamp) {
        maxTimestamp = scan.maxTimestamp;
        offsetOfMaxTimestamp = scan.lastOffset;
      }
    }
    if (scan.stop === 'corrupt') {
      throw new RangeError(`corrupt batch in a follower append to ${this.topicPartition}: ${scan.reason}`);
    }
    if (batches.length === 0) {
      return { baseOffset: this.nextOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp, bytes: 0 };
    }
    const bytes = scan.validEnd;
    if (bytes > INT32_MAX) throw new RangeError(`append of ${bytes} bytes is too large`);
    const now = this.now();
    try {
      this.maybeRoll(bytes, lastOffset, now);
    } catch (err) {
      if (err instanceof StorageError && !this.failure) this.appendFailed(err);
      throw err;
    }
    const seg = this.active;
    try {
      seg.append(records, batches, firstOffset, this.config.indexIntervalBytes, now);
    } catch (err) {
      if (seg.broken || !(err instanceof StorageError)) throw this.fail(err, 'append');
      this.appendFailed(err);
      throw err;
    }
    if (onBatch) {
      const s = new BatchScanner(records, 0, bytes, { verifyCrc: false });
      while (s.next()) onBatch(s.baseOffset, s.partitionLeaderEpoch);
    }
    this.nextOffset = lastOffset + 1;
    this.dirty = true;
    this.unflushedMessages += messages;
    if (this.unflushedMessages >= this.config.flushIntervalMessages) this.flush();
    return { baseOffset: firstOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp, bytes };
  }

  /** A rolled-back append (disk full, ...): count it, and log it unless that was done lately. */
  private appendFailed(err: StorageError): void {
    this.failedAppends++;
    this.observer?.storageError?.(this.topicPartition, 'append');
    const wallClock = Date.now();
    if (this.failedAppends === 1 || wallClock - this.appendErrorLoggedAt >= APPEND_ERROR_LOG_INTERVAL_MS) {
      this.appendErrorLoggedAt = wallClock;
      this.logger.error(
        { topicPartition: this.topicPartition, err: err.message, failedAppends: this.failedAppends },
        'append failed; the partition answers KAFKA_STORAGE_ERROR until an append succeeds',
      );
    }
  }

  private maybeRoll(bytes: number, lastOffset: number, now: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const c = this.config;
    if (
      seg.size + bytes > c.segmentBytes ||
      (seg.rollBaseTime !== null && now - seg.rollBaseTime > c.segmentMs) ||
      seg.offsetIndex.isFull ||
      seg.timeIndex.isFull ||
      lastOffset - seg.baseOffset > INT32_MAX
    ) {
      this.roll();
    }
  }

  /**
   * Starts a new active segment at the log end offset (no-op when the active segment is empty).
   * Throws StorageError when the new files cannot be created; the log stays usable.
   */
  roll(): void {
    this.tail?.clear();
    this.ensureUsable();
    const old = this.active;
    if (old.size === 0) return;
    try {
      old.finalizeTimeIndex();
    } catch (err) {
      // rolled back (a full disk): the final entry is written by the next roll or the close
      old.timeIndex.dropUnpersisted();
      throw new StorageError(`cannot roll ${this.topicPartition}: ${describeError(err)}`, { cause: err });
    }
    let seg: Segment;
    try {
      seg = Segment.create(this.dir, this.nextOffset, this.config.segmentIndexBytes);
    } catch (err) {
      throw new StorageError(
        `cannot roll ${this.topicPartition} to offset ${this.nextOffset}: ${describeError(err)}`,
        {
          cause: err,
        },
      );
    }
    this.segments.push(seg);
    this.dirNeedsSync = true;
    this.dirty = true;
    this.logger.info(
      { topicPartition: this.topicPartition, baseOffset: seg.baseOffset, previousSegmentBytes: old.size },
      'segment rolled',
    );
    this.observer?.segmentRolled?.(this.topicPartition, seg.baseOffset);
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (one batch over it with
   * minOneMessage), never at or above `maxOffset`. Reads may span segments.
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    this.ensureUsable();
    const logStartOffset = this.startOffset;
    const logEndOffset = this.nextOffset;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      throw new OffsetOutOfRangeError(this.topicPartition, fetchOffset, logStartOffset, logEndOffset);
    }
    const maxOffset = Math.min(opts.maxOffset ?? logEndOffset, logEndOffset);
    let records: Buffer | null = null;
    if (fetchOffset < maxOffset) {
      try {
        records = this.readBatches(fetchOffset, maxBytes, maxOffset, opts.minOneMessage === true);
      } catch (err) {
        throw this.fail(err, 'read');
      }
    }
    if (records === null) return { records: EMPTY, firstBatchOffset: null, logStartOffset, logEndOffset };
    return { records, firstBatchOffset: readInt64(records, 0), logStartOffset, logEndOffset };
  }

  private readBatches(
    fetchOffset: number,
    maxBytes: number,
    maxOffset: number,
    minOneMessage: boolean,
  ): Buffer | null {
    const segs = this.segments;
    let first = this.segmentIndexFor(fetchOffset);
    let startPos = segs[first].positionOf(fetchOffset);
    while (startPos >= segs[first].size) {
      if (++first >= segs.length) return null;
      startPos = 0;
    }
    let last = segs.length - 1;
    let endPos = segs[last].size;
    if (maxOffset < this.nextOffset) {
      last = this.segmentIndexFor(maxOffset);
      endPos = segs[last].positionOf(maxOffset);
    }
    if (last < first || (last === first && endPos <= startPos)) return null;
    let available = last === first ? endPos - startPos : segs[first].size - startPos + endPos;
    for (let i = first + 1; i < last; i++) available += segs[i].size;

    const want = Math.min(Math.max(maxBytes, 0), available);
    // a consumer that keeps up reads what was just appended: from memory when it is still there
    let buf =
      this.tail !== null && want > 0 && want <= segs[first].size - startPos
        ? this.tail.read(segs[first], startPos, want)
        : null;
    if (buf === null) {
      buf = want > 0 ? Buffer.allocUnsafe(want) : EMPTY;
      for (let filled = 0, i = first, pos = startPos; filled < want; i++, pos = 0) {
        const n = Math.min((i === last ? endPos : segs[i].size) - pos, want - filled);
        if (n > 0) {
          segs[i].readInto(buf, filled, n, pos);
          filled += n;
        }
      }
    }

    // keep whole batches only
    let end = 0;
    let lastAt = -1;
    while (end + LOG_OVERHEAD <= want) {
      const batchLength = buf.readInt32BE(end + BATCH_LENGTH);
      if (batchLength < MIN_BATCH_LENGTH) {
        throw new StorageError(`corrupt batch in ${this.topicPartition} (batch length ${batchLength})`);
      }
      if (end + LOG_OVERHEAD + batchLength > want) break;
      lastAt = end;
      end += LOG_OVERHEAD + batchLength;
    }

    if (end === 0) {
      if (!minOneMessage) return null;
      // KIP-74: the first batch alone is larger than maxBytes; return it whole.
      const seg = segs[first];
      let size: number;
      if (want >= LOG_OVERHEAD) {
        size = LOG_OVERHEAD + buf.readInt32BE(BATCH_LENGTH);
      } else {
        const header = Buffer.allocUnsafe(LOG_OVERHEAD);
        seg.readInto(header, 0, LOG_OVERHEAD, startPos);
        size = LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH);
      }
      if (size < LOG_OVERHEAD + MIN_BATCH_LENGTH || startPos + size > seg.size) {
        throw new StorageError(`corrupt batch in ${seg.logFile} at position ${startPos}`);
      }
      const batch = Buffer.allocUnsafe(size);
      seg.readInto(batch, 0, size, startPos);
      seg.rememberPosition(lastOffsetOf(batch, 0) + 1, startPos + size);
      return batch;
    }

    // remember where this read ended, for the consumer's next fetch
    const nextFetch = lastOffsetOf(buf, lastAt) + 1;
    for (let rest = end, i = first, pos = startPos; i <= last; i++, pos = 0) {
      const len = (i === last ? endPos : segs[i].size) - pos;
      if (rest <= len) {
        segs[i].rememberPosition(nextFetch, pos + rest);
        break;
      }
      rest -= len;
    }
    return end === want ? buf : buf.subarray(0, end);
  }

  /**
   * ListOffsets by timestamp: the first batch (at or after the log start offset) whose max timestamp
   * is >= `timestamp`, read whole so the caller can find the exact record; null when none.
   */
  findBatchByTimestamp(timestamp: number): { batch: Buffer; baseOffset: number } | null {
    this.ensureUsable();
    try {
      for (let i = this.segmentIndexFor(this.startOffset); i < this.segments.length; i++) {
        const found = this.segments[i].findByTimestamp(timestamp, this.startOffset);
        if (found) return found;
      }
      return null;
    } catch (err) {
      throw this.fail(err, 'timestamp lookup');
    }
  }

  /** ListOffsets MAX_TIMESTAMP: the largest batch max-timestamp and that batch's last offset; null when none. */
  maxTimestampAndOffset(): { timestamp: number; offset: number } | null {
    let timestamp = -1;
    let offset = -1;
    for (const s of this.segments) {
      if (s.maxTimestamp > timestamp) {
        timestamp = s.maxTimestamp;
        offset = s.offsetOfMaxTimestamp;
      }
    }
    return timestamp >= 0 ? { timestamp, offset } : null;
  }

  /**
   * Removes everything at and after `offset` (the whole batch holding it, if it falls mid-batch).
   * Below the log start offset the log is emptied and restarted at `offset`.
   */
  truncateTo(offset: number): void {
    this.tail?.clear();
    this.ensureUsable();
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(`invalid truncation offset ${offset}`);
    if (offset >= this.nextOffset) return;
    if (offset < this.startOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    try {
      const segs = this.segments;
      while (segs.length > 1 && segs[segs.length - 1].baseOffset > offset) {
        segs.pop()!.delete();
        this.dirNeedsSync = true;
      }
      this.active.truncateTo(offset);
    } catch (err) {
      throw this.fail(err, 'truncate');
    }
    this.afterTruncation(this.active.nextOffset);
  }

  /** Deletes all segments and starts an empty log at `offset` (log start = log end = offset). */
  truncateFullyAndStartAt(offset: number): void {
    this.tail?.clear();
    this.ensureUsable();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
    try {
      for (const s of this.segments.splice(0)) s.delete();
      this.segments.push(Segment.create(this.dir, offset, this.config.segmentIndexBytes));
    } catch (err) {
      throw this.fail(err, 'truncate');
    }
    this.dirNeedsSync = true;
    this.startOffset = offset;
    this.afterTruncation(offset);
  }

  private afterTruncation(logEnd: number): void {
    this.nextOffset = logEnd;
    this.startOffset = Math.min(this.startOffset, logEnd);
    this.recoveredTo = Math.min(this.recoveredTo, logEnd);
    this.truncations++;
    this.dirty = true;
  }

  /**
   * Moves the log start offset forward (DeleteRecords, retention) and removes segments that lie
   * wholly below it. Returns false when `offset` is not above the current log start offset.
   */
  maybeIncrementLogStartOffset(offset: number): boolean {
    this.ensureUsable();
    if (offset <= this.startOffset) return false;
    if (offset > this.nextOffset) {
      throw new OffsetOutOfRangeError(this.topicPartition, offset, this.startOffset, this.nextOffset);
    }
    this.startOffset = offset;
    let deleted = 0;
    try {
      while (this.segments.length > 1 && this.segments[1].baseOffset <= offset) {
        this.segments.shift()!.delete();
        deleted++;
        this.dirNeedsSync = true;
        this.dirty = true;
      }
    } catch (err) {
      throw this.fail(err, 'delete segment');
    }
    if (deleted > 0) {
      this.logger.info(
        { topicPartition: this.topicPartition, segments: deleted, logStartOffset: offset },
        'deleted log segments below the log start offset',
      );
      this.observer?.segmentsDeleted?.(this.topicPartition, deleted);
    }
    return true;
  }

  /**
   * Retention: deletes segments from the oldest while `expired` says so, stopping at the first one it
   * keeps and never touching the active segment. `expired` sees each candidate and the log's size
   * before that candidate goes. The log start offset moves to the first remaining segment.
   */
  deleteOldSegments(expired: (segment: SegmentSummary, logSize: number) => boolean): {
    segments: number;
    bytes: number;
  } {
    this.ensureUsable();
    let segments = 0;
    let bytes = 0;
    let size = this.size;
    try {
      while (this.segments.length > 1) {
        const s = this.segments[0];
        let largestTimestamp = s.maxTimestamp;
        // Kafka's rule: a segment without timestamps counts from its file's last modification.
        if (largestTimestamp < 0) largestTimestamp = fs.fstatSync(s.fd).mtimeMs;
        const summary = {
          baseOffset: s.baseOffset,
          nextOffset: s.nextOffset,
          size: s.size,
          largestTimestamp,
        };
        if (!expired(summary, size)) break;
        this.segments.shift()!.delete();
        this.startOffset = Math.max(this.startOffset, this.segments[0].baseOffset);
        size -= s.size;
        bytes += s.size;
        segments++;
        this.dirNeedsSync = true;
        this.dirty = true;
      }
    } catch (err) {
      throw this.fail(err, 'delete segment');
    }
    if (segments > 0) this.observer?.segmentsDeleted?.(this.topicPartition, segments);
    return { segments, bytes };
  }

  /**
   * The log cleaner's swap: replaces `replaced` (consecutive closed segments) with `cleaned`, whose
   * swap files are prepared, in this turn of the event loop. Returns false, touching nothing, when
   * the log changed meanwhile (those segments are no longer all there, e.g. retention deleted one).
   * Takes the log offline when the swap failed halfway (the next start completes it).
   */
  replaceSegments(replaced: readonly Segment[], cleaned: CleanedSegment): boolean {
    this.ensureUsable();
    const first = this.segments.indexOf(replaced[0]!);
    if (
      replaced.length === 0 ||
      first < 0 ||
      first + replaced.length >= this.segments.length ||
      replaced.some((s, i) => this.segments[first + i] !== s || s.closed)
    ) {
      return false;
    }
    const nextOffset = this.segments[first + replaced.length]!.baseOffset;
    let seg: Segment;
    try {
      seg = cleaned.completeSwap(replaced, nextOffset);
    } catch (err) {
      throw this.fail(err, 'segment swap');
    }
    this.segments.splice(first, replaced.length, seg);
    return true;
  }

  /** fsync dirty segments and indexes (and the directory when files were added or removed); advance the recovery point. */
  flush(): void {
    this.ensureUsable();
    const target = this.nextOffset;
    const active = this.active;
    const started = performance.now();
    try {
      for (const s of this.segments) {
        if (!s.dirty) continue;
        s.flush();
        if (s !== active) s.closeIndexFds();
      }
      if (this.dirNeedsSync) {
        fsyncDir(this.dir);
        this.dirNeedsSync = false;
      }
    } catch (err) {
      throw this.fail(err, 'flush');
    }
    this.observer?.flushed?.((performance.now() - started) / 1000, false);
    this.recoveredTo = target;
    this.unflushedMessages = 0;
    this.dirty = false;
    this.flushedAt = this.now();
  }

  /**
   * The timer's flush: fsync on the threadpool so the event loop keeps serving meanwhile. Appends
   * may continue; the recovery point advances to the log end offset seen when the flush started.
   */
  flushAsync(): Promise<void> {
    if (this.closed || this.failure) return Promise.resolve();
    if (!this.flushing) {
      this.flushing = this.doFlushAsync().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async doFlushAsync(): Promise<void> {
    const target = this.nextOffset;
    const truncations = this.truncations;
    const segs = this.segments.filter((s) => s.dirty);
    for (const s of segs) s.dirty = false;
    const syncDir = this.dirNeedsSync;
    this.dirNeedsSync = false;
    this.dirty = false;
    this.unflushedMessages = 0;
    this.flushedAt = this.now();
    const started = performance.now();
    try {
      await Promise.all(segs.map((s) => s.fsyncAsync()));
      if (syncDir) await fsyncDirAsync(this.dir);
    } catch (err) {
      if (this.closed) return;
      throw this.fail(err, 'flush');
    }
    this.observer?.flushed?.((performance.now() - started) / 1000, true);
    if (this.closed) return;
    const active = this.active;
    for (const s of segs) if (s !== active && !s.closed && !s.dirty) s.closeIndexFds();
    if (this.truncations === truncations && target > this.recoveredTo) this.recoveredTo = target;
  }

  /** Final time-index entry, flush, close the files. Later calls throw StorageError. */
  close(): void {
    this.tail?.clear();
    if (this.closed) return;
    let error: unknown = null;
    if (!this.failure) {
      try {
        this.active.finalizeTimeIndex();
        this.flush();
      } catch (err) {
        error = err;
      }
    }
    for (const s of this.segments) s.close();
    this.closed = true;
    if (error !== null) throw this.fail(error, 'close');
  }

  /** Closes the files without flushing (the log is about to be deleted). */
  discard(): void {
    this.tail?.clear();
    for (const s of this.segments) s.close();
    this.closed = true;
  }
}

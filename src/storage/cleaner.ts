// The log cleaner: compaction of the partitions whose cleanup.policy includes `compact`, after
// Kafka's LogCleaner. It keeps the latest record of every key, removes tombstones (a key with a null
// value) once their delete horizon has passed, and never changes an offset.
//
// Every `log.cleaner.backoff.ms` (at once again after a pass that did something) it picks the
// compacted partition with the largest dirty ratio: the bytes of the closed segments written since
// the last pass (from the `cleaner-offset-checkpoint` file) over the bytes of all closed segments.
// A partition is cleaned when that ratio is above min.cleanable.dirty.ratio, when its oldest dirty
// record is older than max.compaction.lag.ms, or when a tombstone it kept has reached its delete
// horizon. The active segment is never cleaned, nor are segments holding records younger than
// min.compaction.lag.ms. A pass:
//   1. maps every key of the dirty range to its latest offset (within log.cleaner.dedupe.buffer.size;
//      a larger dirty range is cleaned over several passes);
//   2. groups the closed segments below the end of the mapped range into runs of at most
//      segment.bytes, and rewrites each run into one new segment (cleaned-segment.ts) that keeps:
//      records whose offset is the latest for their key, records past the mapped range, and
//      tombstones until their delete horizon (KIP-534: a batch holding tombstones gets its horizon,
//      now + delete.retention.ms, the first time it is cleaned). Records without a key are dropped
//      (produce refuses them for compacted topics). Batches that lose no record are copied as they
//      are; others are rebuilt with their original offsets and codec (cleaner-batch.ts); emptied
//      batches are dropped, except the last batch of each run, which stays as a bare header so that
//      offsets stay monotonic and a crash during the swap is completed correctly;
//   3. swaps each new segment in atomically and records the end of the mapped range in
//      `cleaner-offset-checkpoint`.
// Producers and transactions (Kafka's rules): a pass first reads the batch headers of the cleanable
// range to learn each producer's last batch and every transaction's fate from its marker. The last
// batch of a producer that wrote within producer.id.expiration.ms is kept (as a bare header if all its
// records go), so its sequence numbers survive a restart; records of aborted transactions are
// dropped and never count as a key's latest value; nothing from the first offset of a transaction
// still open is cleaned; markers (control batches) are kept.
//
// The work runs on the event loop in slices of about 4 ms (log.cleaner.io.buffer.size bytes are read
// at a time), with a setImmediate yield between slices, so produce and fetch keep being served;
// segment reads and writes, the (de)compression of large batches, fsyncs and unlinks run on the libuv
// threadpool (BENCHMARKS.md has the longest block measured). The producer state the cleaner learns
// is its own (storage does not see the transaction coordinator's); a producer counts as active by the
// max timestamp of its last batch. A pass is abandoned (its files removed) when the log changes under
// it: retention, DeleteRecords, deletion or shutdown.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  CONTROL_FLAG,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  PRODUCER_ID,
  TRANSACTIONAL_FLAG,
  batchCrcMatches,
  lastOffsetOf,
  readInt64,
} from '../protocol/records/batch-header.js';
import { ControlRecordType } from '../protocol/records/control-record.js';
import { CorruptRecordError } from '../protocol/records/errors.js';
import { type RecordView, emptyBatchHeader, readBatchRecords, rebuildBatch } from './cleaner-batch.js';
import { type CleanedBatch, CleanedSegment } from './cleaned-segment.js';
import { formatOffsetCheckpoint, readOffsetCheckpoint } from './checkpoint-file.js';
import { StorageError } from './errors.js';
import { describeError, fsyncDirAsync } from './file-io.js';
import { INT32_MAX } from './log-config.js';
import type { CleanerPassStats, StorageObserver } from './observer.js';
import type { PartitionLog } from './partition-log.js';
import type { StorageLogger } from './recovery.js';
import type { Segment } from './segment.js';

/** Kafka's file: the first dirty offset of every compacted partition. */
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

export interface CleanerConfig {
  /** log.cleaner.enable */
  enable: boolean;
  /** log.cleaner.backoff.ms: the pause when no partition needs cleaning. */
  backoffMs: number;
  /** log.cleaner.dedupe.buffer.size: memory for the keys of one pass. */
  dedupeBufferSize: number;
  /** log.cleaner.io.buffer.size: bytes read between two yields to the event loop. */
  ioBufferSize: number;
  /** producer.id.expiration.ms: the last batch of a producer that wrote within this long is kept. */
  producerIdExpirationMs: number;
}

export const DEFAULT_CLEANER_CONFIG: CleanerConfig = Object.freeze({
  enable: true,
  backoffMs: 15_000,
  dedupeBufferSize: 128 * 1024 * 1024,
  ioBufferSize: 512 * 1024,
  producerIdExpirationMs: 86_400_000,
});

/** What a key costs in the offset map besides its own bytes (Map entry, string header, offset). */
const KEY_OVERHEAD_BYTES = 64;
/** Longest stretch of cleaning work between two yields to the event loop. */
const SLICE_MS = 4;
/**
 * A delete horizon lies at most this far ahead (100 years), so that the record timestamp deltas
 * rewritten against it stay exact in a varlong computed with JS numbers.
 */
const MAX_DELETE_RETENTION_MS = 100 * 365 * 24 * 3600 * 1000;

export interface LogCleanerOptions {
  dataDir: string;
  /** The logs of the data directory (the cleaner picks the compacted ones). */
  logs: () => Iterable<PartitionLog>;
  config?: Partial<CleanerConfig>;
  logger: StorageLogger;
  now?: () => number;
  observer?: StorageObserver;
}

/** Where a compacted log stands. */
export interface CleanableRange {
  firstDirtyOffset: number;
  /** Nothing at or above this offset may be cleaned (the active segment, min.compaction.lag.ms). */
  firstUncleanableOffset: number;
  /** Bytes of the closed segments below the first dirty offset, and from it to the uncleanable one. */
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 for an empty log. */
  dirtyRatio: number;
  /** The oldest dirty record is older than max.compaction.lag.ms. */
  compactionLagExceeded: boolean;
  /** A tombstone kept by the last pass has reached its delete horizon. */
  tombstonesExpired: boolean;
}

class CleaningAborted extends Error {
  override readonly name = 'CleaningAborted';
}

/** Latest offset per key of the dirty range; keys are the exact key bytes (latin1 strings). */
class OffsetMap {
  readonly offsets = new Map<string, number>();
  bytes = 0;

  constructor(readonly budget: number) {}
}

/** What the header scan of a pass learnt about producers and transactions. */
interface ProducerView {
  /** Last offset of the last data batch of each producer id in the cleanable range. */
  lastBatchOf: Map<number, number>;
  /** Aborted transactions per producer id: [first offset, offset of the ABORT marker]. */
  aborted: Map<number, [number, number][]>;
}

interface Pass {
  log: PartitionLog;
  producers: ProducerView;
  now: number;
  map: OffsetMap;
  /** Offsets at or above this were not mapped: their records are kept. */
  mapEnd: number;
  deleteRetentionMs: number;
  /** Earliest delete horizon of the tombstones kept. */
  minHorizon: number;
  stats: CleanerPassStats;
}

function tpKey(log: PartitionLog): string {
  return log.topicPartition;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The type of a control batch's first record (-1 when it has none or does not parse). */
async function controlType(batch: Buffer): Promise<number> {
  try {
    const key = (await readBatchRecords(batch)).records[0]?.key;
    return key && key.length >= 4 ? key.readInt16BE(2) : -1;
  } catch {
    return -1;
  }
}

/** Reads up to `length` bytes at `position` into buf[0..] on the threadpool; the bytes read. */
async function readAsync(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, done, length - done, position + done, (err, read) =>
        err ? reject(err) : resolve(read),
      ),
    );
    if (n === 0) break;
    done += n;
  }
  return done;
}

export class LogCleaner {
  readonly config: CleanerConfig;
  private readonly dataDir: string;
  private readonly logs: () => Iterable<PartitionLog>;
  private readonly logger: StorageLogger;
  private readonly now: () => number;
  private readonly observer: StorageObserver | undefined;
  /** First dirty offset per `<topic>-<partition>`. */
  private readonly checkpoints = new Map<string, number>();
  /** Earliest delete horizon of the tombstones kept by each log's last pass. */
  private readonly horizons = new Map<string, number>();
  /** Logs whose data the cleaner cannot read (corrupt): skipped until the broker restarts. */
  private readonly uncleanable = new Set<string>();
  /** First batch timestamp of closed segments (for max.compaction.lag.ms), read once. */
  private readonly firstTimestamps = new WeakMap<Segment, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  /** Read and write buffers of the pass in progress (log.cleaner.io.buffer.size; grown for a larger batch). */
  private buffer: Buffer;
  private writeBuffer: Buffer;
  private sliceStart = 0;

  constructor(opts: LogCleanerOptions) {
    this.config = { ...DEFAULT_CLEANER_CONFIG, ...opts.config };
    this.dataDir = opts.dataDir;
    this.logs = opts.logs;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.observer = opts.observer;
    this.buffer = Buffer.allocUnsafe(this.config.ioBufferSize);
    this.writeBuffer = Buffer.allocUnsafe(this.config.ioBufferSize);
    try {
      for (const e of readOffsetCheckpoint(this.checkpointFile) ?? []) {
        this.checkpoints.set(`${e.topic}-${e.partition}`, e.offset);
      }
    } catch (err) {
      this.logger.warn(
        { file: CLEANER_OFFSET_CHECKPOINT_FILE, err: describeError(err) },
        'ignoring an unreadable cleaner checkpoint; compacted logs are cleaned from their start',
      );
    }
  }

  private get checkpointFile(): string {
    return path.join(this.dataDir, CLEANER_OFFSET_CHECKPOINT_FILE);
  }

  /** Starts the background loop (no-op when log.cleaner.enable is false). */
  start(): void {
    if (!this.config.enable || this.stopped || this.timer) return;
    this.schedule(this.config.backoffMs);
  }

  /** Stops the loop; a pass in progress is abandoned at its next step. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), Math.min(ms, 0x7fff_ffff));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    let progressed = false;
    try {
      const stats = await this.runOnce();
      progressed = stats !== null && (stats.endOffset > stats.firstDirtyOffset || stats.recordsRemoved > 0);
    } catch (err) {
      this.logger.error({ err: describeError(err) }, 'log cleaner failed');
    }
    if (!this.stopped) this.schedule(progressed ? 0 : this.config.backoffMs);
  }

  /** Forgets what the cleaner knows of a log (it was deleted). */
  forget(topicPartition: string): void {
    this.checkpoints.delete(topicPartition);
    this.horizons.delete(topicPartition);
    this.uncleanable.delete(topicPartition);
  }

  /** The first dirty offset the cleaner has recorded for a log (undefined before its first pass). */
  checkpointOf(topicPartition: string): number | undefined {
    return this.checkpoints.get(topicPartition);
  }

  /** Cleans the compacted log that needs it most, if any; resolves with what that pass did. */
  runOnce(): Promise<CleanerPassStats | null> {
    return this.exclusive(async () => {
      const now = this.now();
      let best: { log: PartitionLog; range: CleanableRange } | null = null;
      for (const log of this.logs()) {
        const range = this.cleanableRange(log, now);
        if (!range || !this.needsCleaning(log, range)) continue;
        if (!best || range.dirtyRatio > best.range.dirtyRatio) best = { log, range };
      }
      return best ? this.clean(best.log, best.range, now) : null;
    });
  }

  /**
   * One pass over `log` whatever its dirty ratio (tests, tools); null when it is not compacted or
   * has no closed segment.
   */
  cleanLog(log: PartitionLog): Promise<CleanerPassStats | null> {
    return this.exclusive(async () => {
      const now = this.now();
      const range = this.cleanableRange(log, now);
      return range ? this.clean(log, range, now) : null;
    });
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.running.then(task);
    this.running = result.catch(() => undefined);
    return result;
  }

  private needsCleaning(log: PartitionLog, r: CleanableRange): boolean {
    if (r.tombstonesExpired) return true;
    if (r.dirtyBytes === 0) return false;
    return r.compactionLagExceeded || r.dirtyRatio > log.config.minCleanableDirtyRatio;
  }

  /** Kafka's cleanableOffsets: the dirty range of a compacted log; null when there is nothing to clean. */
  cleanableRange(log: PartitionLog, now: number): CleanableRange | null {
    const key = tpKey(log);
    if (!log.config.compact || log.isOffline || log.isClosed || this.uncleanable.has(key)) return null;
    const segs = log.segmentsForCleaner;
    if (segs.length < 2) return null;
    const active = segs[segs.length - 1]!;
    let firstDirty = this.checkpoints.get(key) ?? log.logStartOffset;
    if (firstDirty < log.logStartOffset || firstDirty > log.logEndOffset) firstDirty = log.logStartOffset;
    let firstUncleanable = active.baseOffset;
    const lag = log.config.minCompactionLagMs;
    if (lag > 0) {
      for (let i = 0; i < segs.length - 1; i++) {
        const s = segs[i]!;
        if (s.nextOffset > firstDirty && s.maxTimestamp > now - lag) {
          firstUncleanable = Math.min(firstUncleanable, s.baseOffset);
          break;
        }
      }
    }
    firstUncleanable = Math.max(firstUncleanable, firstDirty);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let oldestDirty = Number.MAX_SAFE_INTEGER;
    const maxLag = log.config.maxCompactionLagMs;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      if (s.nextOffset <= firstDirty) cleanBytes += s.size;
      else if (s.baseOffset < firstUncleanable) {
        dirtyBytes += s.size;
        if (maxLag < Number.MAX_SAFE_INTEGER) {
          const ts = this.firstTimestamp(s);
          if (ts >= 0 && ts < oldestDirty) oldestDirty = ts;
        }
      }
    }
    const total = cleanBytes + dirtyBytes;
    const horizon = this.horizons.get(key);
    return {
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset: firstUncleanable,
      cleanBytes,
      dirtyBytes,
      dirtyRatio: total > 0 ? dirtyBytes / total : 0,
      compactionLagExceeded: oldestDirty < now - maxLag,
      tombstonesExpired: horizon !== undefined && horizon <= now,
    };
  }

  /** Max timestamp of a segment's first batch (-1 when unreadable or empty). */
  private firstTimestamp(s: Segment): number {
    let ts = this.firstTimestamps.get(s);
    if (ts === undefined) {
      ts = -1;
      if (s.size >= LOG_OVERHEAD + MIN_BATCH_LENGTH && !s.closed) {
        try {
          const header = Buffer.allocUnsafe(MAX_TIMESTAMP + 8);
          s.readInto(header, 0, header.length, 0);
          ts = readInt64(header, MAX_TIMESTAMP);
        } catch {
          ts = -1;
        }
      }
      this.firstTimestamps.set(s, ts);
    }
    return ts;
  }

  private async clean(
    log: PartitionLog,
    range: CleanableRange,
    now: number,
  ): Promise<CleanerPassStats | null> {
    const key = tpKey(log);
    const started = performance.now();
    const pass: Pass = {
      log,
      producers: { lastBatchOf: new Map(), aborted: new Map() },
      now,
      map: new OffsetMap(this.config.dedupeBufferSize),
      mapEnd: range.firstDirtyOffset,
      deleteRetentionMs: Math.min(log.config.deleteRetentionMs, MAX_DELETE_RETENTION_MS),
      minHorizon: Number.POSITIVE_INFINITY,
      stats: {
        firstDirtyOffset: range.firstDirtyOffset,
        endOffset: range.firstDirtyOffset,
        segmentsRead: 0,
        segmentsWritten: 0,
        bytesRead: 0,
        bytesWritten: 0,
        recordsRead: 0,
        recordsRemoved: 0,
        tombstonesRemoved: 0,
        seconds: 0,
      },
    };
    this.sliceStart = performance.now();
    try {
      const openTxn = await this.scanProducers(pass, range.firstUncleanableOffset);
      // never clean into a transaction that is still open
      if (openTxn < range.firstUncleanableOffset) {
        range = { ...range, firstUncleanableOffset: Math.max(range.firstDirtyOffset, openTxn) };
      }
      await this.buildOffsetMap(pass, range);
      pass.stats.endOffset = pass.mapEnd;
      for (const group of this.groupSegments(log, pass.mapEnd)) await this.cleanGroup(pass, group);
    } catch (err) {
      if (err instanceof CleaningAborted) {
        this.logger.info({ topicPartition: key, reason: err.message }, 'log cleaning abandoned');
        return null;
      }
      if (err instanceof CorruptRecordError) {
        this.uncleanable.add(key);
        this.observer?.storageError?.(key, 'clean');
        this.logger.error(
          { topicPartition: key, err: err.message },
          'log cleaner found corrupt data; the partition is not compacted until the broker restarts',
        );
        return null;
      }
      this.observer?.storageError?.(key, 'clean');
      this.logger.error({ topicPartition: key, err: describeError(err) }, 'log cleaning failed');
      return null;
    }
    this.checkpoints.set(key, pass.mapEnd);
    if (Number.isFinite(pass.minHorizon)) this.horizons.set(key, pass.minHorizon);
    else this.horizons.delete(key);
    await this.writeCheckpoints();
    pass.stats.seconds = (performance.now() - started) / 1000;
    this.observer?.logCleaned?.(key, pass.stats);
    this.logger.info({ topicPartition: key, ...pass.stats }, 'log cleaned');
    return pass.stats;
  }

  /** Writes `cleaner-offset-checkpoint` atomically (tmp, fsync, rename, fsync dir) on the threadpool. */
  private async writeCheckpoints(): Promise<void> {
    const live = new Map<string, PartitionLog>();
    for (const log of this.logs()) live.set(tpKey(log), log);
    const entries = [];
    for (const [key, offset] of this.checkpoints) {
      const log = live.get(key);
      if (log) entries.push({ topic: log.topic, partition: log.partition, offset });
      else this.checkpoints.delete(key);
    }
    entries.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    try {
      const file = this.checkpointFile;
      const tmp = `${file}.tmp`;
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.writeFile(formatOffsetCheckpoint(entries));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, file);
      await fsyncDirAsync(this.dataDir);
    } catch (err) {
      // losing it only means cleaning again what was clean
      this.logger.warn(
        { dataDir: this.dataDir, err: describeError(err) },
        'cannot write the cleaner checkpoint',
      );
    }
  }

  /** Throws CleaningAborted when the pass must stop; yields to the event loop when its slice is used up. */
  private async step(pass: Pass): Promise<void> {
    this.checkAlive(pass);
    if (performance.now() - this.sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      this.sliceStart = performance.now();
      this.checkAlive(pass);
    }
  }

  private checkAlive(pass: Pass): void {
    if (this.stopped) throw new CleaningAborted('the cleaner is stopping');
    if (pass.log.isClosed || pass.log.isOffline) throw new CleaningAborted('the log was closed');
  }

  /**
   * Calls `visit` for each batch of `seg` (whole, CRC checked) in file order, reading
   * log.cleaner.io.buffer.size bytes at a time. `visit` must copy what it keeps of the batch.
   */
  private async forEachBatch(
    pass: Pass,
    seg: Segment,
    visit: (batch: Buffer, position: number, last: boolean) => Promise<boolean | void>,
  ): Promise<void> {
    let pos = 0;
    while (pos < seg.size) {
      await this.step(pass);
      if (seg.closed) throw new CleaningAborted(`segment ${seg.name} was removed`);
      const len = Math.min(this.buffer.length, seg.size - pos);
      // on the threadpool; a segment closed meanwhile (its descriptor maybe reused) is not read from
      let got: number;
      try {
        got = await readAsync(seg.fd, this.buffer, len, pos);
      } catch (err) {
        if (seg.closed) throw new CleaningAborted(`segment ${seg.name} was removed`);
        throw err;
      }
      if (seg.closed) throw new CleaningAborted(`segment ${seg.name} was removed`);
      this.sliceStart = performance.now();
      if (got !== len)
        throw new StorageError(`short read of ${seg.logFile}: ${got} of ${len} bytes at ${pos}`);
      const chunk = this.buffer;
      let at = 0;
      while (at + LOG_OVERHEAD <= len) {
        const batchLength = chunk.readInt32BE(at + BATCH_LENGTH);
        const size = LOG_OVERHEAD + batchLength;
        if (batchLength < MIN_BATCH_LENGTH || pos + at + size > seg.size) {
          throw new CorruptRecordError(
            `${seg.logFile}: batch length ${batchLength} at ${pos + at} does not fit`,
          );
        }
        if (at + size > len) break;
        if (chunk[at + MAGIC] !== 2)
          throw new CorruptRecordError(`${seg.logFile}: magic ${chunk[at + MAGIC]} at ${pos + at}`);
        if (!batchCrcMatches(chunk, at, size))
          throw new CorruptRecordError(`${seg.logFile}: CRC mismatch at ${pos + at}`);
        const position = pos + at;
        at += size;
        if ((await visit(chunk.subarray(at - size, at), position, position + size === seg.size)) === true)
          return;
        await this.step(pass);
      }
      if (at === 0) {
        // one batch larger than the buffer: grow it to fit and read again
        this.buffer = Buffer.allocUnsafe(LOG_OVERHEAD + chunk.readInt32BE(BATCH_LENGTH));
        continue;
      }
      pos += at;
    }
  }

  /**
   * Step 0: the batch headers below `upTo`: each producer's last data batch and the aborted
   * transactions. Returns the first offset of the oldest transaction still open at `upTo` (or `upTo`).
   */
  private async scanProducers(pass: Pass, upTo: number): Promise<number> {
    const { lastBatchOf, aborted } = pass.producers;
    const open = new Map<number, number>();
    for (const seg of pass.log.segmentsForCleaner.slice(0, -1)) {
      if (seg.baseOffset >= upTo) break;
      await this.forEachBatch(pass, seg, async (batch) => {
        if (readInt64(batch, 0) >= upTo) return true;
        const producerId = readInt64(batch, PRODUCER_ID);
        if (producerId < 0) return;
        const attributes = batch.readInt16BE(ATTRIBUTES);
        if (attributes & CONTROL_FLAG) {
          const first = open.get(producerId);
          if (first === undefined) return;
          const type = await controlType(batch);
          if (type !== ControlRecordType.COMMIT && type !== ControlRecordType.ABORT) return;
          open.delete(producerId);
          if (type === ControlRecordType.ABORT) {
            let list = aborted.get(producerId);
            if (!list) aborted.set(producerId, (list = []));
            list.push([first, readInt64(batch, 0)]);
          }
          return;
        }
        lastBatchOf.set(producerId, lastOffsetOf(batch, 0));
        if (attributes & TRANSACTIONAL_FLAG && !open.has(producerId))
          open.set(producerId, readInt64(batch, 0));
      });
    }
    let first = upTo;
    for (const o of open.values()) if (o < first) first = o;
    return first;
  }

  /** Whether the batch belongs to an aborted transaction (its records are dropped). */
  private isAborted(pass: Pass, batch: Buffer): boolean {
    if ((batch.readInt16BE(ATTRIBUTES) & TRANSACTIONAL_FLAG) === 0) return false;
    const list = pass.producers.aborted.get(readInt64(batch, PRODUCER_ID));
    if (!list) return false;
    const offset = readInt64(batch, 0);
    return list.some(([first, last]) => offset >= first && offset < last);
  }

  /** Step 1: latest offset of every key in [firstDirty, firstUncleanable), as far as the budget goes. */
  private async buildOffsetMap(pass: Pass, range: CleanableRange): Promise<void> {
    const { map } = pass;
    const segs = pass.log.segmentsForCleaner.slice(0, -1);
    for (const seg of segs) {
      if (seg.nextOffset <= range.firstDirtyOffset) continue;
      if (seg.baseOffset >= range.firstUncleanableOffset) break;
      let full = false;
      await this.forEachBatch(pass, seg, async (batch) => {
        const last = lastOffsetOf(batch, 0);
        if (last < range.firstDirtyOffset) return;
        if (readInt64(batch, 0) >= range.firstUncleanableOffset) return true;
        if ((batch.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) === 0 && !this.isAborted(pass, batch)) {
          const parsed = await readBatchRecords(batch);
          let cost = 0;
          for (const r of parsed.records) if (r.key) cost += r.key.length + KEY_OVERHEAD_BYTES;
          if (map.offsets.size > 0 && map.bytes + cost > map.budget) {
            full = true;
            return true;
          }
          for (const r of parsed.records) {
            if (!r.key) continue;
            const k = r.key.toString('latin1');
            if (!map.offsets.has(k)) map.bytes += r.key.length + KEY_OVERHEAD_BYTES;
            map.offsets.set(k, r.offset);
          }
        }
        pass.mapEnd = last + 1;
      });
      if (full) break;
    }
  }

  /** Kafka's groupSegmentsBySize: runs of closed segments below `endOffset` that fit one segment. */
  private groupSegments(log: PartitionLog, endOffset: number): Segment[][] {
    const segs = log.segmentsForCleaner.slice(0, -1).filter((s) => s.baseOffset < endOffset);
    const { segmentBytes, segmentIndexBytes } = log.config;
    const groups: Segment[][] = [];
    let i = 0;
    while (i < segs.length) {
      const group = [segs[i]!];
      let size = segs[i]!.size;
      let indexBytes = segs[i]!.offsetIndex.sizeInBytes;
      let timeIndexBytes = segs[i]!.timeIndex.sizeInBytes;
      i++;
      while (i < segs.length) {
        const s = segs[i]!;
        if (
          size + s.size > segmentBytes ||
          indexBytes + s.offsetIndex.sizeInBytes > segmentIndexBytes ||
          timeIndexBytes + s.timeIndex.sizeInBytes > segmentIndexBytes ||
          s.nextOffset - 1 - group[0]!.baseOffset > INT32_MAX
        ) {
          break;
        }
        group.push(s);
        size += s.size;
        indexBytes += s.offsetIndex.sizeInBytes;
        timeIndexBytes += s.timeIndex.sizeInBytes;
        i++;
      }
      groups.push(group);
    }
    return groups;
  }

  /** Step 2 and 3 for one run of segments. */
  private async cleanGroup(pass: Pass, group: Segment[]): Promise<void> {
    const { log, stats } = pass;
    const cleaned = CleanedSegment.create(
      log.dir,
      group[0]!.baseOffset,
      log.config.segmentIndexBytes,
      log.config.indexIntervalBytes,
    );
    let swapped = false;
    try {
      // kept batches are gathered in one reused buffer and written when it is full
      const batches: CleanedBatch[] = [];
      let pending = 0;
      const flushOut = async (): Promise<void> => {
        if (pending === 0) return;
        const length = pending;
        pending = 0;
        await cleaned.append(this.writeBuffer, length, batches);
        batches.length = 0;
      };
      for (let g = 0; g < group.length; g++) {
        const seg = group[g]!;
        const lastSegment = g === group.length - 1;
        await this.forEachBatch(pass, seg, async (batch, _position, lastInSegment) => {
          stats.bytesRead += batch.length;
          const kept = await this.filterBatch(pass, batch, lastSegment && lastInSegment);
          if (kept) {
            if (pending + kept.length > this.writeBuffer.length) await flushOut();
            if (kept.length > this.writeBuffer.length) this.writeBuffer = Buffer.allocUnsafe(kept.length);
            kept.copy(this.writeBuffer, pending);
            batches.push({
              size: kept.length,
              lastOffset: lastOffsetOf(kept, 0),
              maxTimestamp: readInt64(kept, MAX_TIMESTAMP),
            });
            pending += kept.length;
          }
        });
        await flushOut();
      }
      if (cleaned.lastOffset < 0) {
        cleaned.delete(); // only empty segments in this run: leave them
        return;
      }
      await cleaned.finish();
      this.checkAlive(pass);
      await cleaned.prepareSwap();
      this.checkAlive(pass);
      this.sliceStart = performance.now(); // the event loop was free during the fsyncs
      if (!log.replaceSegments(group, cleaned)) {
        throw new CleaningAborted('the log changed while it was cleaned');
      }
      swapped = true;
      await cleaned.afterSwap();
    } catch (err) {
      if (swapped) {
        // the new segment is in place; only its durability step failed
        this.logger.warn(
          { topicPartition: log.topicPartition, err: describeError(err) },
          'cannot sync a cleaned segment',
        );
        throw new CleaningAborted('the directory sync after a swap failed');
      }
      try {
        cleaned.delete();
      } catch {
        // leftover .cleaned/.swap files are removed at the next start
      }
      if (
        err instanceof StorageError ||
        err instanceof CleaningAborted ||
        err instanceof CorruptRecordError
      ) {
        throw err;
      }
      throw new StorageError(`cleaning ${log.topicPartition} failed: ${describeError(err)}`, { cause: err });
    }
    stats.segmentsRead += group.length;
    stats.segmentsWritten++;
    stats.bytesWritten += cleaned.size;
  }

  /**
   * What stays of one batch: the batch itself (nothing removed), a rebuilt batch, an empty header
   * (the last batch of a run, or of a producer) or null.
   */
  private async filterBatch(pass: Pass, batch: Buffer, lastOfRun: boolean): Promise<Buffer | null> {
    if (batch.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) return batch;
    const { stats, map } = pass;
    // the last batch of a producer still active stays, for its sequence numbers (Kafka's RETAIN_EMPTY)
    const producerId = readInt64(batch, PRODUCER_ID);
    const keepEmpty =
      lastOfRun ||
      (producerId >= 0 &&
        pass.producers.lastBatchOf.get(producerId) === lastOffsetOf(batch, 0) &&
        readInt64(batch, MAX_TIMESTAMP) >= pass.now - this.config.producerIdExpirationMs);
    const parsed = await readBatchRecords(batch);
    if (this.isAborted(pass, batch)) {
      stats.recordsRead += parsed.records.length;
      stats.recordsRemoved += parsed.records.length;
      return keepEmpty ? emptyBatchHeader(batch) : null;
    }
    const horizon = parsed.deleteHorizon;
    const expired = horizon !== null && pass.now >= horizon;
    const kept: RecordView[] = [];
    let tombstones = false;
    for (const r of parsed.records) {
      let keep: boolean;
      if (r.offset >= pass.mapEnd) keep = true;
      else if (r.key === null) keep = false;
      else {
        const latest = map.offsets.get(r.key.toString('latin1'));
        keep = latest === undefined || r.offset >= latest;
        if (keep && !r.hasValue && expired) {
          keep = false;
          stats.tombstonesRemoved++;
        }
      }
      if (keep) {
        kept.push(r);
        if (!r.hasValue) tombstones = true;
      }
    }
    const n = parsed.records.length;
    if (n === 0) return keepEmpty ? batch : null; // a header kept by an earlier pass
    stats.recordsRead += n;
    stats.recordsRemoved += n - kept.length;
    const setHorizon = tombstones && horizon === null;
    if (tombstones) {
      const h = setHorizon ? pass.now + pass.deleteRetentionMs : horizon!;
      if (h < pass.minHorizon) pass.minHorizon = h;
    }
    if (kept.length === n && !setHorizon) return batch;
    if (kept.length > 0) {
      return rebuildBatch(batch, parsed, kept, setHorizon ? pass.now + pass.deleteRetentionMs : horizon);
    }
    return keepEmpty ? emptyBatchHeader(batch) : null;
  }
}

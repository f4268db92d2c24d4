// One log segment: `<base>.log` (record batches, back to back, exactly as received) with its sparse
// `<base>.index` and `<base>.timeindex`. The log file descriptor stays open for the segment's life;
// the index files are open while the segment is active (and until its last entries are fsynced).
// Reads and writes are positional readSync/writeSync; batch headers are read, records never decoded.

import fs from 'node:fs';
import path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  lastOffsetOf,
  readInt64,
} from '../protocol/records/batch-header.js';
import { StorageError } from './errors.js';
import { closeQuietly, describeError, fsyncAsync, readFully, unlinkIfExists, writeFully } from './file-io.js';
import { INT32_MAX } from './log-config.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';

/** One batch of an append: where it sits in the request buffer and what its header says. */
export interface AppendBatch {
  position: number;
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  recordCount: number;
}

/** Kafka's file name: the base offset as 20 zero-padded digits, then the suffix. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** The base offset in a segment file name (`00000000000000000042.log` -> 42), or null. */
export function parseSegmentBaseOffset(name: string): number | null {
  const m = /^(\d{20})\./.exec(name);
  if (!m) return null;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : null;
}

// Header scans read this much at a time: one read usually covers the gap between two index entries.
const SCAN_CHUNK = 16 * 1024;
// Shared scratch for header scans: single-threaded, and never held across calls.
const scanBuf = Buffer.allocUnsafe(SCAN_CHUNK);

export type HeaderVisitor = (buf: Buffer, at: number, position: number, size: number) => boolean;

export class Segment {
  readonly logFile: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Bytes in the log file. */
  size: number;
  /** Offset after the last batch (the base offset when empty). */
  nextOffset: number;
  /** Largest batch max-timestamp in the segment and the last offset of that batch (-1 when none). */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Wall-clock time of the first append (segment.ms counts from here); null while empty. */
  rollBaseTime: number | null = null;
  bytesSinceLastIndexEntry = 0;
  /** Data or index entries written since the last fsync. */
  dirty = false;
  /** A failed write could not be rolled back: the files no longer match the in-memory state. */
  broken = false;
  closed = false;
  // Where the last read ended: (offset of the next batch, its position). Consumers usually continue there.
  private cacheOffset = -1;
  private cachePosition = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    readonly fd: number,
    size: number,
    maxIndexBytes: number,
  ) {
    this.logFile = path.join(dir, segmentFileName(baseOffset, LOG_FILE_SUFFIX));
    this.offsetIndex = new OffsetIndex(
      path.join(dir, segmentFileName(baseOffset, INDEX_FILE_SUFFIX)),
      baseOffset,
      maxIndexBytes,
    );
    this.timeIndex = new TimeIndex(
      path.join(dir, segmentFileName(baseOffset, TIME_INDEX_FILE_SUFFIX)),
      baseOffset,
      maxIndexBytes,
    );
    this.size = size;
    this.nextOffset = baseOffset;
  }

  /** Creates a new empty segment (replacing leftover files of the same name). */
  static create(dir: string, baseOffset: number, maxIndexBytes: number): Segment {
    const fd = fs.openSync(path.join(dir, segmentFileName(baseOffset, LOG_FILE_SUFFIX)), 'w+');
    const seg = new Segment(dir, baseOffset, fd, 0, maxIndexBytes);
    try {
      seg.offsetIndex.create();
      seg.timeIndex.create();
    } catch (err) {
      seg.delete();
      throw err;
    }
    seg.dirty = true;
    return seg;
  }

  /** Opens an existing segment's log file. Call loadIndexes() or recovery next. */
  static open(dir: string, baseOffset: number, maxIndexBytes: number): Segment {
    const file = path.join(dir, segmentFileName(baseOffset, LOG_FILE_SUFFIX));
    const fd = fs.openSync(file, 'r+');
    const { size } = fs.fstatSync(fd);
    if (size > INT32_MAX) {
      closeQuietly(fd);
      throw new StorageError(`segment ${file} is ${size} bytes, larger than an index position can address`);
    }
    return new Segment(dir, baseOffset, fd, size, maxIndexBytes);
  }

  get name(): string {
    return path.basename(this.logFile);
  }

  /** Reads both index files; returns why they must be rebuilt, or null when they look sane. */
  loadIndexes(): string | null {
    const reason = this.offsetIndex.load(this.size);
    if (reason !== null) return `offset index: ${reason}`;
    if (this.offsetIndex.entries > 0) {
      const pos = this.offsetIndex.lastPosition;
      const n = readFully(this.fd, scanBuf, 0, MAGIC + 1, pos);
      if (n < MAGIC + 1 || scanBuf[MAGIC] !== 2 || readInt64(scanBuf, 0) > this.offsetIndex.lastOffset) {
        return `offset index: last entry (${this.offsetIndex.lastOffset} at ${pos}) does not point at its batch`;
      }
    }
    const timeReason = this.timeIndex.load(0);
    return timeReason === null ? null : `time index: ${timeReason}`;
  }

  /** State of a closed segment whose indexes were loaded and trusted (nextOffset = next segment's base). */
  initFromIndexes(nextOffset: number): string | null {
    if (this.timeIndex.lastOffset >= nextOffset || this.offsetIndex.lastOffset >= nextOffset) {
      return `index entries reach past the next segment's base offset ${nextOffset}`;
    }
    this.nextOffset = nextOffset;
    this.maxTimestamp = this.timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndex.lastOffset;
    return null;
  }

  /**
   * Derives nextOffset and the max timestamp from the indexes plus a scan of the batches after the
   * last offset-index entry (the time index covers everything up to that entry). Used after a clean
   * load and after a truncation. Throws StorageError when the tail is malformed.
   */
  recoverTailState(): void {
    let maxTs = this.timeIndex.lastTimestamp;
    let maxTsOffset = this.timeIndex.lastOffset;
    let next = this.baseOffset;
    const from = this.offsetIndex.lastPosition;
    this.scanHeaders(from, (buf, at) => {
      const last = lastOffsetOf(buf, at);
      const ts = readInt64(buf, at + MAX_TIMESTAMP);
      if (ts > maxTs) {
        maxTs = ts;
        maxTsOffset = last;
      }
      next = last + 1;
      return false;
    });
    if (this.offsetIndex.lastOffset >= next || this.timeIndex.lastOffset >= next) {
      throw new StorageError(`${this.logFile}: index entries reach past the end of the log (offset ${next})`);
    }
    this.nextOffset = next;
    this.maxTimestamp = maxTs;
    this.offsetOfMaxTimestamp = maxTsOffset;
    this.bytesSinceLastIndexEntry = this.size - from;
    this.cacheOffset = -1;
  }

  /** Empties both indexes and the derived state before a full rebuild from the log. */
  resetForRebuild(): void {
    this.offsetIndex.clear();
    this.timeIndex.clear();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    this.cacheOffset = -1;
  }

  /**
   * Index bookkeeping for one batch at `position` (Kafka's LogSegment.append loop): track the max
   * timestamp, and add an offset-index entry (batch last offset -> batch position) plus a time-index
   * entry once more than indexIntervalBytes were written since the previous entry.
   */
  indexBatch(
    lastOffset: number,
    position: number,
    size: number,
    maxTimestamp: number,
    indexIntervalBytes: number,
  ): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /**
   * Appends batches whose offsets are already assigned (first one at `firstOffset`) with one write,
   * then their index entries with one write per index. On failure everything is rolled back (file
   * sizes, index entries, state) and a StorageError thrown; `broken` is set if the rollback failed.
   */
  append(
    records: Buffer,
    batches: readonly AppendBatch[],
    firstOffset: number,
    indexIntervalBytes: number,
    now: number,
  ): void {
    const start = batches[0].position;
    const lastBatch = batches[batches.length - 1];
    const length = lastBatch.position + lastBatch.size - start;
    const prevSize = this.size;
    const saved = [this.maxTimestamp, this.offsetOfMaxTimestamp, this.bytesSinceLastIndexEntry];
    const offsetEntries = this.offsetIndex.entries;
    const timeEntries = this.timeIndex.entries;
    let pos = prevSize;
    let offset = firstOffset;
    try {
      writeFully(this.fd, records, start, length, prevSize);
      this.dirty = true;
      for (let i = 0; i < batches.length; i++) {
        const b = batches[i];
        const lastOffset = offset + b.lastOffsetDelta;
        this.indexBatch(lastOffset, pos, b.size, b.maxTimestamp, indexIntervalBytes);
        pos += b.size;
        offset = lastOffset + 1;
      }
      this.offsetIndex.persist();
      this.timeIndex.persist();
    } catch (err) {
      try {
        this.offsetIndex.truncateEntries(offsetEntries);
        this.timeIndex.truncateEntries(timeEntries);
        fs.ftruncateSync(this.fd, prevSize);
      } catch {
        this.broken = true;
      }
      [this.maxTimestamp, this.offsetOfMaxTimestamp, this.bytesSinceLastIndexEntry] = saved;
      throw new StorageError(`append to ${this.logFile} failed: ${describeError(err)}`, { cause: err });
    }
    this.size = pos;
    this.nextOffset = offset;
    if (this.rollBaseTime === null) this.rollBaseTime = now;
  }

  /** Reads exactly `length` bytes at `position` into `buf[offset..]`. */
  readInto(buf: Buffer, offset: number, length: number, position: number): void {
    const n = readFully(this.fd, buf, offset, length, position);
    if (n !== length) {
      throw new StorageError(
        `short read of ${this.logFile}: ${n} of ${length} bytes at position ${position}`,
      );
    }
  }

  /**
   * Walks the batch headers from `from` (a batch boundary) to the end of the segment. `visit` gets a
   * buffer holding at least the full header of each batch at `at`, its file position and size, and
   * returns true to stop. Returns the position where it stopped, or the segment size.
   */
  scanHeaders(from: number, visit: HeaderVisitor): number {
    let winStart = 0;
    let winEnd = 0;
    let pos = from;
    while (pos < this.size) {
      if (pos + BATCH_HEADER_SIZE > winEnd) {
        const len = Math.min(SCAN_CHUNK, this.size - pos);
        if (len < BATCH_HEADER_SIZE)
          throw this.corrupt(pos, `${len} trailing bytes, less than a batch header`);
        this.readInto(scanBuf, 0, len, pos);
        winStart = pos;
        winEnd = pos + len;
      }
      const at = pos - winStart;
      const batchLength = scanBuf.readInt32BE(at + BATCH_LENGTH);
      const size = LOG_OVERHEAD + batchLength;
      if (batchLength < MIN_BATCH_LENGTH || pos + size > this.size) {
        throw this.corrupt(pos, `batch length ${batchLength} does not fit`);
      }
      if (visit(scanBuf, at, pos, size)) return pos;
      pos += size;
    }
    return pos;
  }

  private corrupt(position: number, what: string): StorageError {
    return new StorageError(`corrupt batch in ${this.logFile} at position ${position}: ${what}`);
  }

  /** Position of the first batch whose last offset is >= `offset` (the segment size when none). */
  positionOf(offset: number): number {
    if (offset <= this.baseOffset) return 0;
    if (offset >= this.nextOffset) return this.size;
    if (offset === this.cacheOffset) return this.cachePosition;
    let from = this.offsetIndex.lookup(offset);
    if (this.cacheOffset >= 0 && this.cacheOffset < offset && this.cachePosition > from)
      from = this.cachePosition;
    return this.scanHeaders(from, (buf, at) => lastOffsetOf(buf, at) >= offset);
  }

  /** Records where a read ended: the batch holding `offset` (or a later one) starts at `position`. */
  rememberPosition(offset: number, position: number): void {
    this.cacheOffset = offset;
    this.cachePosition = position;
  }

  /** The first batch at or after `minOffset` whose max timestamp is >= `timestamp`, read whole. */
  findByTimestamp(timestamp: number, minOffset: number): { batch: Buffer; baseOffset: number } | null {
    if (this.size === 0 || this.maxTimestamp < timestamp) return null;
    const startOffset = Math.max(this.timeIndex.lookup(timestamp), minOffset);
    let found = 0;
    const pos = this.scanHeaders(this.positionOf(startOffset), (buf, at, _pos, size) => {
      if (readInt64(buf, at + MAX_TIMESTAMP) < timestamp) return false;
      found = size;
      return true;
    });
    if (found === 0) return null;
    const batch = Buffer.allocUnsafe(found);
    this.readInto(batch, 0, found, pos);
    return { batch, baseOffset: readInt64(batch, 0) };
  }

  /** Appends the final time-index entry (the segment's exact max timestamp) before it goes inactive or closes. */
  finalizeTimeIndex(): void {
    if (this.maxTimestamp < 0) return;
    if (this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true)) {
      this.timeIndex.persist();
      this.dirty = true;
    }
  }

  /** Removes the batch holding `offset` and everything after it. Returns the bytes removed. */
  truncateTo(offset: number): number {
    const pos = this.positionOf(offset);
    if (pos >= this.size) return 0;
    const removed = this.size - pos;
    this.readInto(scanBuf, 0, 8, pos);
    const removedFrom = readInt64(scanBuf, 0);
    this.offsetIndex.truncateToPosition(pos);
    this.timeIndex.truncateToOffset(removedFrom);
    fs.ftruncateSync(this.fd, pos);
    this.size = pos;
    this.dirty = true;
    this.recoverTailState();
    if (this.size === 0) this.rollBaseTime = null;
    return removed;
  }

  flush(): void {
    fs.fsyncSync(this.fd);
    this.offsetIndex.flush();
    this.timeIndex.flush();
    this.dirty = false;
  }

  /** fsync on the threadpool; errors after the segment was closed (deleted meanwhile) are ignored. */
  async fsyncAsync(): Promise<void> {
    try {
      await Promise.all([fsyncAsync(this.fd), this.offsetIndex.fsyncAsync(), this.timeIndex.fsyncAsync()]);
    } catch (err) {
      if (!this.closed) throw err;
    }
  }

  closeIndexFds(): void {
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeIndexFds();
    closeQuietly(this.fd);
  }

  /** Closes and removes the segment's files. */
  delete(): void {
    this.close();
    unlinkIfExists(this.logFile);
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }
}

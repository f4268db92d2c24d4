// Loading a partition directory after a restart:
//  - leftovers of interrupted operations: `.deleted` and `.cleaned` files are removed; a `.log.swap`
//    (a fully written replacement segment, Kafka's cleaner protocol) completes its swap: the segments it
//    replaces are removed and it becomes a `.log`; index files without a log are removed;
//  - after an unclean shutdown every segment from the one holding the recovery point onwards is
//    scanned batch by batch (header sanity, magic 2, increasing offsets, CRC32C); the first invalid
//    batch and everything after it, including later segments, is truncated; indexes are rebuilt;
//  - after a clean shutdown only segments whose indexes are missing or fail the sanity checks are
//    rebuilt, and the active segment's tail after its last index entry is read to find the log end.

import fs from 'node:fs';
import path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  batchCrcMatches,
  readInt64,
} from '../protocol/records/batch-header.js';
import { closeQuietly, describeError, readFully, unlinkIfExists } from './file-io.js';
import { INT32_MAX } from './log-config.js';
import {
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  Segment,
  TIME_INDEX_FILE_SUFFIX,
  parseSegmentBaseOffset,
  segmentFileName,
} from './segment.js';

/** The logger shape storage needs (pino's). */
export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const DELETED_FILE_SUFFIX = '.deleted';
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';

const RECOVERY_CHUNK = 1024 * 1024;

export interface SegmentRecoveryResult {
  /** Bytes of whole, valid batches kept. */
  validBytes: number;
  /** Bytes cut off the end of the segment. */
  truncatedBytes: number;
  batches: number;
  /** Why the scan stopped early (null when the whole file was valid). */
  reason: string | null;
}

/**
 * Scans a segment from the start, validating every batch, rebuilding both indexes and the derived
 * state, and truncates the file at the first invalid batch. `minOffset` is the previous segment's
 * next offset (the first batch must not go below it).
 */
export function recoverSegment(
  seg: Segment,
  minOffset: number,
  indexIntervalBytes: number,
): SegmentRecoveryResult {
  seg.resetForRebuild();
  const fileSize = fs.fstatSync(seg.fd).size;
  let buf = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK, Math.max(fileSize, BATCH_HEADER_SIZE)));
  let winStart = 0;
  let winEnd = 0;
  // Makes [at, at + n) available in buf (n <= fileSize - at, checked by the caller).
  const window = (at: number, n: number): number => {
    if (at < winStart || at + n > winEnd) {
      if (n > buf.length) buf = Buffer.allocUnsafe(Math.max(n, buf.length * 2));
      const got = readFully(seg.fd, buf, 0, Math.min(buf.length, fileSize - at), at);
      winStart = at;
      winEnd = at + got;
      if (at + n > winEnd) throw new Error(`file ${seg.logFile} shrank during recovery`);
    }
    return at - winStart;
  };

  let pos = 0;
  let next = Math.max(minOffset, seg.baseOffset);
  let batches = 0;
  let reason: string | null = null;
  while (pos < fileSize) {
    const remaining = fileSize - pos;
    if (remaining < BATCH_HEADER_SIZE) {
      reason = `${remaining} trailing bytes, less than a batch header`;
      break;
    }
    let at = window(pos, BATCH_HEADER_SIZE);
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH) {
      reason = `batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`;
      break;
    }
    const size = LOG_OVERHEAD + batchLength;
    if (size > remaining) {
      reason = `batch of ${size} bytes is cut short after ${remaining} bytes`;
      break;
    }
    const magic = buf[at + MAGIC];
    if (magic !== 2) {
      reason = `unsupported magic ${magic}`;
      break;
    }
    at = window(pos, size);
    if (!batchCrcMatches(buf, at, size)) {
      reason = 'CRC32C mismatch';
      break;
    }
    const base = readInt64(buf, at);
    const delta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    const last = base + delta;
    if (base < next || delta < 0 || last - seg.baseOffset > INT32_MAX) {
      reason = `batch offsets ${base}..${last} do not follow offset ${next - 1}`;
      break;
    }
    seg.indexBatch(last, pos, size, readInt64(buf, at + MAX_TIMESTAMP), indexIntervalBytes);
    next = last + 1;
    pos += size;
    batches++;
  }
  if (pos < fileSize) fs.ftruncateSync(seg.fd, pos);
  seg.size = pos;
  seg.nextOffset = batches > 0 ? next : seg.baseOffset;
  seg.dirty = true;
  seg.offsetIndex.persist();
  seg.finalizeTimeIndex();
  seg.timeIndex.persist();
  return { validBytes: pos, truncatedBytes: fileSize - pos, batches, reason };
}

export interface LogRecoveryOptions {
  topicPartition: string;
  hadCleanShutdown: boolean;
  /** From the recovery-point checkpoint (0 when absent). */
  recoveryPoint: number;
  indexIntervalBytes: number;
  logger: StorageLogger;
}

export interface LogRecoveryResult {
  segmentsScanned: number;
  bytesTruncated: number;
  segmentsDeleted: number;
}

/**
 * Brings opened segments (sorted by base offset) to a consistent state: loads or rebuilds indexes,
 * derives each segment's next offset and max timestamp, and truncates invalid data (removing the
 * segments after it from `segments`).
 */
export function recoverLogSegments(segments: Segment[], opts: LogRecoveryOptions): LogRecoveryResult {
  const result: LogRecoveryResult = { segmentsScanned: 0, bytesTruncated: 0, segmentsDeleted: 0 };
  let firstUnflushed = segments.length;
  if (!opts.hadCleanShutdown) {
    firstUnflushed = 0;
    while (
      firstUnflushed + 1 < segments.length &&
      segments[firstUnflushed + 1].baseOffset <= opts.recoveryPoint
    ) {
      firstUnflushed++;
    }
  }
  let prevNext = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    let why: string | null = null;
    if (i >= firstUnflushed) {
      why = 'unclean shutdown';
    } else {
      why = seg.loadIndexes();
      if (why !== null) {
        opts.logger.info(
          { topicPartition: opts.topicPartition, segment: seg.name, reason: why },
          'rebuilding segment indexes',
        );
      } else if (i + 1 < segments.length) {
        why = seg.initFromIndexes(segments[i + 1].baseOffset);
      } else {
        try {
          seg.recoverTailState();
        } catch (err) {
          why = `unreadable tail: ${describeError(err)}`;
          opts.logger.warn(
            { topicPartition: opts.topicPartition, segment: seg.name, reason: why },
            'recovering segment',
          );
        }
      }
    }
    if (why !== null) {
      const r = recoverSegment(seg, prevNext, opts.indexIntervalBytes);
      result.segmentsScanned++;
      if (r.truncatedBytes > 0) {
        const later = segments.splice(i + 1);
        let laterBytes = 0;
        for (const s of later) {
          laterBytes += s.size;
          s.delete();
        }
        const bytesTruncated = r.truncatedBytes + laterBytes;
        result.bytesTruncated += bytesTruncated;
        result.segmentsDeleted += later.length;
        opts.logger.warn(
          {
            topicPartition: opts.topicPartition,
            segment: seg.name,
            offset: seg.nextOffset,
            position: r.validBytes,
            bytesTruncated,
            laterSegmentsDeleted: later.length,
            reason: r.reason,
          },
          'log recovery truncated invalid data',
        );
      }
    }
    prevNext = seg.nextOffset;
  }
  return result;
}

/** Last offset of the well-formed batches in a log file (-1 when none): headers only, no CRC. */
function lastOffsetInFile(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
    let pos = 0;
    let last = -1;
    while (pos + BATCH_HEADER_SIZE <= size) {
      if (readFully(fd, header, 0, BATCH_HEADER_SIZE, pos) < BATCH_HEADER_SIZE) break;
      const batchLength = header.readInt32BE(BATCH_LENGTH);
      if (batchLength < MIN_BATCH_LENGTH || pos + LOG_OVERHEAD + batchLength > size) break;
      last = readInt64(header, 0) + header.readInt32BE(LAST_OFFSET_DELTA);
      pos += LOG_OVERHEAD + batchLength;
    }
    return last;
  } finally {
    closeQuietly(fd);
  }
}

function removeSegmentFiles(dir: string, baseOffset: number): void {
  for (const suffix of [LOG_FILE_SUFFIX, INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX]) {
    unlinkIfExists(path.join(dir, segmentFileName(baseOffset, suffix)));
  }
}

/**
 * Cleans up leftovers in a partition directory and returns the base offsets of its segments, sorted.
 */
export function prepareLogDir(dir: string, topicPartition: string, logger: StorageLogger): number[] {
  const bases = new Set<number>();
  const swaps: number[] = [];
  let removed = 0;
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith(CLEANED_FILE_SUFFIX)) {
      unlinkIfExists(path.join(dir, name));
      removed++;
    } else if (name.endsWith(SWAP_FILE_SUFFIX)) {
      const base = parseSegmentBaseOffset(name);
      if (base !== null && name === segmentFileName(base, LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX)) {
        swaps.push(base);
      } else {
        // index swap files: the swapped segment's indexes are rebuilt instead
        unlinkIfExists(path.join(dir, name));
        removed++;
      }
    } else if (name.endsWith(LOG_FILE_SUFFIX)) {
      const base = parseSegmentBaseOffset(name);
      if (base !== null && name === segmentFileName(base, LOG_FILE_SUFFIX)) bases.add(base);
    }
  }
  for (const swapBase of swaps.sort((a, b) => a - b)) {
    const swapFile = path.join(dir, segmentFileName(swapBase, LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX));
    const next = lastOffsetInFile(swapFile) + 1;
    if (next <= swapBase) {
      unlinkIfExists(swapFile);
      removed++;
      continue;
    }
    const replaced = [...bases].filter((b) => b >= swapBase && b < next);
    for (const b of replaced) {
      removeSegmentFiles(dir, b);
      bases.delete(b);
    }
    unlinkIfExists(path.join(dir, segmentFileName(swapBase, INDEX_FILE_SUFFIX)));
    unlinkIfExists(path.join(dir, segmentFileName(swapBase, TIME_INDEX_FILE_SUFFIX)));
    fs.renameSync(swapFile, path.join(dir, segmentFileName(swapBase, LOG_FILE_SUFFIX)));
    bases.add(swapBase);
    logger.info(
      {
        topicPartition,
        segment: segmentFileName(swapBase, LOG_FILE_SUFFIX),
        replacedSegments: replaced.length,
      },
      'completed an interrupted segment swap',
    );
  }
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(INDEX_FILE_SUFFIX) && !name.endsWith(TIME_INDEX_FILE_SUFFIX)) continue;
    const base = parseSegmentBaseOffset(name);
    if (base !== null && !bases.has(base)) {
      unlinkIfExists(path.join(dir, name));
      removed++;
    }
  }
  if (removed > 0) logger.info({ topicPartition, files: removed }, 'removed leftover files');
  return [...bases].sort((a, b) => a - b);
}

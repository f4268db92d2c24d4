// The broker's produce hot path: checks the records of one partition of a Produce request in place,
// on the raw bytes, with no decompression and no per-record objects. One pass: header fields, the
// CRC32C, and for uncompressed batches a walk over the record length varints.
//
// Error codes follow Kafka (ProduceRequest.validateRecords, UnifiedLog.analyzeAndValidateRecords,
// LogValidator):
//   INVALID_RECORD (87)
//     - empty records: Kafka rejects "Produce requests with version >= 3 must have at least one record
//       batch per partition" with InvalidRecordException, i.e. INVALID_RECORD.
//     - magic other than 2: Produce v3+ may only carry magic v2 batches.
//     - more than one batch: Produce v3+ must carry exactly one batch per partition (Kafka's rule;
//       pass allowMultipleBatches to accept several, e.g. for replication or bulk imports).
//     - baseOffset != 0 (clients must send 0; the broker assigns offsets).
//     - recordCount <= 0, or lastOffsetDelta != recordCount - 1 (inconsistent offset range).
//     - control flag set: clients may not write control records.
//     - a producer id with a negative baseSequence.
//     - records that do not exactly fill an uncompressed batch: Kafka's record iterator raises
//       InvalidRecordException ("Incorrect declared batch size, records still remaining" / "Invalid record
//       size"). The CRC was good, so the client really sent these bytes and retrying cannot help; INVALID_RECORD
//       is non-retriable for clients while CORRUPT_MESSAGE is retriable.
//   CORRUPT_MESSAGE (2)
//     - framing: fewer bytes than a batch header, batchLength below the v2 minimum, a batch running
//       past the end, trailing bytes after the last batch. (Kafka's log input stream silently drops a
//       trailing partial batch; we reject it rather than store part of what the client sent.)
//     - CRC32C mismatch.
//   UNSUPPORTED_COMPRESSION_TYPE (76)
//     - codec ids 5-7 (unassigned, so no broker can read them), and zstd in Produce < v7 when the
//       request version is given (as Kafka does).

import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  RECORDS,
  TRANSACTIONAL_FLAG,
  computeBatchCrc,
  readInt64,
} from './batch-header.js';
import { COMPRESSION_TYPES, type CompressionType } from './compression/types.js';
import { RecordErrorCode } from './errors.js';

export interface ValidatedBatch {
  /** Byte offset of the batch in the validated buffer. */
  position: number;
  size: number;
  recordCount: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  attributes: number;
  compression: CompressionType;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
}

export type BatchValidation =
  | { ok: true; batches: ValidatedBatch[]; recordCount: number }
  | { ok: false; errorCode: number; message: string };

export interface ProduceValidationOptions {
  /** Produce request version; when given, zstd below v7 is UNSUPPORTED_COMPRESSION_TYPE. */
  apiVersion?: number;
  /** Accept several batches (Kafka allows exactly one per partition in Produce v3+). Default false. */
  allowMultipleBatches?: boolean;
}

/** Smallest encoded record: length varint + attributes + 5 one-byte varints. */
const MIN_RECORD_BODY = 6;

function fail(errorCode: number, message: string): BatchValidation {
  return { ok: false, errorCode, message };
}

/**
 * Walks `count` record length varints from `pos`; true when they fill [pos, end) exactly.
 * Each record is skipped by its declared length; nothing is allocated.
 */
function recordsFill(buf: Buffer, pos: number, end: number, count: number): boolean {
  for (let i = 0; i < count; i++) {
    // zig-zag varint, at most 5 bytes
    let u = 0;
    let scale = 1;
    let b = 0x80;
    for (let n = 0; b & 0x80; n++) {
      if (n === 5 || pos >= end) return false;
      b = buf[pos++]!;
      u += (b & 0x7f) * scale;
      scale *= 128;
    }
    if (u & 1) return false; // negative length
    const length = u / 2;
    if (length < MIN_RECORD_BODY) return false;
    pos += length;
    if (pos > end) return false;
  }
  return pos === end;
}

/** Validates the records of one partition of a Produce request (v3+). See the rules above. */
export function validateProducedBatches(
  records: Buffer,
  options: ProduceValidationOptions = {},
): BatchValidation {
  const end = records.length;
  if (end === 0)
    return fail(RecordErrorCode.INVALID_RECORD, 'produce request must have at least one record batch');
  const batches: ValidatedBatch[] = [];
  let total = 0;
  let at = 0;
  while (at < end) {
    if (end - at <= MAGIC) {
      return fail(RecordErrorCode.CORRUPT_MESSAGE, `truncated record batch at byte ${at}: ${end - at} bytes`);
    }
    const magic = records.readInt8(at + MAGIC);
    if (magic !== 2) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `record batch at byte ${at} has magic ${magic}; produce requires magic 2`,
      );
    }
    const batchLength = records.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH) {
      return fail(
        RecordErrorCode.CORRUPT_MESSAGE,
        `record batch at byte ${at} has batchLength ${batchLength} < ${MIN_BATCH_LENGTH}`,
      );
    }
    const size = LOG_OVERHEAD + batchLength;
    if (size > end - at) {
      return fail(
        RecordErrorCode.CORRUPT_MESSAGE,
        `record batch at byte ${at} declares ${size} bytes but only ${end - at} remain`,
      );
    }
    const crc = records.readUInt32BE(at + CRC);
    const computed = computeBatchCrc(records, at, size);
    if (crc !== computed) {
      return fail(
        RecordErrorCode.CORRUPT_MESSAGE,
        `record batch at byte ${at} is corrupt (stored crc ${crc}, computed crc ${computed})`,
      );
    }
    const baseOffset = readInt64(records, at + BASE_OFFSET);
    if (baseOffset !== 0) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `record batch at byte ${at} has baseOffset ${baseOffset}; it should be 0`,
      );
    }
    const attributes = records.readInt16BE(at + ATTRIBUTES);
    const codecId = attributes & COMPRESSION_MASK;
    const compression = COMPRESSION_TYPES[codecId];
    if (compression === undefined) {
      return fail(
        RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        `record batch at byte ${at} has unknown codec id ${codecId}`,
      );
    }
    if (compression === 'zstd' && options.apiVersion !== undefined && options.apiVersion < 7) {
      return fail(
        RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        `zstd needs Produce v7 or later (got v${options.apiVersion})`,
      );
    }
    const recordCount = records.readInt32BE(at + RECORD_COUNT);
    if (recordCount <= 0) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `record batch at byte ${at} has record count ${recordCount}`,
      );
    }
    const lastOffsetDelta = records.readInt32BE(at + LAST_OFFSET_DELTA);
    if (lastOffsetDelta !== recordCount - 1) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `record batch at byte ${at}: lastOffsetDelta ${lastOffsetDelta} does not match record count ${recordCount}`,
      );
    }
    if (attributes & CONTROL_FLAG) {
      return fail(RecordErrorCode.INVALID_RECORD, 'clients are not allowed to write control records');
    }
    const producerId = readInt64(records, at + PRODUCER_ID);
    const baseSequence = records.readInt32BE(at + BASE_SEQUENCE);
    if (producerId >= 0 && baseSequence < 0) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `invalid sequence ${baseSequence} for producer id ${producerId}`,
      );
    }
    if (compression === 'none' && !recordsFill(records, at + RECORDS, at + size, recordCount)) {
      return fail(
        RecordErrorCode.INVALID_RECORD,
        `record batch at byte ${at}: its ${recordCount} records do not exactly fill the batch`,
      );
    }
    batches.push({
      position: at,
      size,
      recordCount,
      lastOffsetDelta,
      baseTimestamp: readInt64(records, at + BASE_TIMESTAMP),
      maxTimestamp: readInt64(records, at + MAX_TIMESTAMP),
      attributes,
      compression,
      producerId,
      producerEpoch: records.readInt16BE(at + PRODUCER_EPOCH),
      baseSequence,
      isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    });
    total += recordCount;
    at += size;
  }
  // Checked last, so that trailing garbage after one batch reports what is wrong with it.
  if (batches.length > 1 && !options.allowMultipleBatches) {
    return fail(
      RecordErrorCode.INVALID_RECORD,
      'produce request may contain only one record batch per partition',
    );
  }
  return { ok: true, batches, recordCount: total };
}

// ---------------------------------------------------------------------------------------------
// scanning stored batches (log recovery, fetch)

export type ScanStop = 'end' | 'incomplete' | 'corrupt';

export interface ScanOptions {
  /** Check each batch's CRC32C (default true; recovery wants it, a fetch of trusted data may skip it). */
  verifyCrc?: boolean;
}

/**
 * Steps over v2 batches laid back to back in buf[start, end) without allocating per batch:
 *
 *   const s = new BatchScanner(buf, 0, n);
 *   while (s.next()) use(s.position, s.size, s.baseOffset, s.lastOffset, s.maxTimestamp);
 *   if (s.stop !== 'end') truncateAt(s.validEnd); // s.reason says why
 *
 * next() returns false at the first position that does not start a good batch and sets `stop`:
 *   'end'        exactly at `end`;
 *   'incomplete' fewer bytes left than the batch header or than the batch declares (a torn write, or
 *                the cut end of a fetch);
 *   'corrupt'    batchLength below the v2 minimum, magic other than 2, or a CRC mismatch.
 * `validEnd` is the position after the last good batch. The fields describe the current batch.
 */
export class BatchScanner {
  position = -1;
  size = 0;
  baseOffset = 0;
  lastOffset = 0;
  maxTimestamp = 0;
  recordCount = 0;
  attributes = 0;
  partitionLeaderEpoch = 0;
  producerId = 0;
  producerEpoch = 0;
  baseSequence = 0;
  stop: ScanStop | null = null;
  reason: string | null = null;
  validEnd: number;
  private readonly verifyCrc: boolean;

  constructor(
    readonly buf: Buffer,
    readonly start = 0,
    readonly end = buf.length,
    options: ScanOptions = {},
  ) {
    this.validEnd = start;
    this.verifyCrc = options.verifyCrc ?? true;
  }

  private halt(stop: ScanStop, reason: string | null): false {
    this.stop = stop;
    this.reason = reason;
    return false;
  }

  next(): boolean {
    if (this.stop !== null) return false;
    const buf = this.buf;
    const at = this.validEnd;
    const left = this.end - at;
    if (left === 0) return this.halt('end', null);
    if (left < LOG_OVERHEAD)
      return this.halt('incomplete', `${left} bytes at ${at}, less than a batch header`);
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH) {
      return this.halt(
        'corrupt',
        `batchLength ${batchLength} at ${at} is below the minimum ${MIN_BATCH_LENGTH}`,
      );
    }
    if (left <= MAGIC) return this.halt('incomplete', `${left} bytes at ${at}, less than a batch header`);
    const magic = buf.readInt8(at + MAGIC);
    if (magic !== 2) return this.halt('corrupt', `magic ${magic} at ${at}`);
    const size = LOG_OVERHEAD + batchLength;
    if (size > left) return this.halt('incomplete', `batch at ${at} declares ${size} bytes, ${left} remain`);
    if (this.verifyCrc && buf.readUInt32BE(at + CRC) !== computeBatchCrc(buf, at, size)) {
      return this.halt('corrupt', `CRC mismatch in batch at ${at}`);
    }
    this.position = at;
    this.size = size;
    this.baseOffset = readInt64(buf, at + BASE_OFFSET);
    this.lastOffset = this.baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA);
    this.maxTimestamp = readInt64(buf, at + MAX_TIMESTAMP);
    this.recordCount = buf.readInt32BE(at + RECORD_COUNT);
    this.attributes = buf.readInt16BE(at + ATTRIBUTES);
    this.partitionLeaderEpoch = buf.readInt32BE(at + PARTITION_LEADER_EPOCH);
    this.producerId = readInt64(buf, at + PRODUCER_ID);
    this.producerEpoch = buf.readInt16BE(at + PRODUCER_EPOCH);
    this.baseSequence = buf.readInt32BE(at + BASE_SEQUENCE);
    this.validEnd = at + size;
    return true;
  }
}

export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  recordCount: number;
  attributes: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export interface BatchScan {
  batches: ScannedBatch[];
  /** Position after the last good batch. */
  validEnd: number;
  stop: ScanStop;
  reason: string | null;
}

/** BatchScanner collected into an array, for callers that want all batches at once. */
export function scanBatches(buf: Buffer, start = 0, end = buf.length, options: ScanOptions = {}): BatchScan {
  const s = new BatchScanner(buf, start, end, options);
  const batches: ScannedBatch[] = [];
  while (s.next()) {
    batches.push({
      position: s.position,
      size: s.size,
      baseOffset: s.baseOffset,
      lastOffset: s.lastOffset,
      maxTimestamp: s.maxTimestamp,
      recordCount: s.recordCount,
      attributes: s.attributes,
      partitionLeaderEpoch: s.partitionLeaderEpoch,
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      baseSequence: s.baseSequence,
    });
  }
  return { batches, validEnd: s.validEnd, stop: s.stop!, reason: s.reason };
}

// Record-level work of the log cleaner on one stored RecordBatch (magic 2): list its records (keys,
// tombstones, offsets, timestamps) and build the batch that keeps only some of them.
//
// A rebuilt batch keeps the original base offset and last offset delta (Kafka's
// buildRetainedRecordsInto with overrideLastOffset), producer fields, leader epoch and codec, so
// offsets never move and the producer's last sequence survives. The retained records are copied as
// they are: their offset and timestamp deltas stay valid because the base offset and base timestamp
// do not change. The exception is KIP-534's delete horizon: when a batch with tombstones is cleaned
// for the first time, its base timestamp becomes the time after which those tombstones may go
// (attribute bit 0x40) and every record's timestamp delta is rewritten so record timestamps stay the
// same. An emptied batch that must stay (the last batch of a cleaned segment) becomes a bare
// 61-byte header (Kafka's writeEmptyHeader).

import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  DELETE_HORIZON_FLAG,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  RECORD_COUNT,
  RECORDS,
  TIMESTAMP_TYPE_LOG_APPEND,
  computeBatchCrc,
  readInt64,
  writeInt64,
} from '../protocol/records/batch-header.js';
import { compress, decompress } from '../protocol/records/compression/index.js';
import { compressionTypeFromId, type CompressionType } from '../protocol/records/compression/types.js';
import { CorruptRecordError } from '../protocol/records/errors.js';
import {
  ByteCursor,
  sizeOfUnsignedVarint,
  writeUnsignedVarintAt,
  zigZag64,
} from '../protocol/records/varint.js';

/** One record of a batch, as positions in the (uncompressed) records payload. */
export interface RecordView {
  /** Position of the record's length varint, and the position after the record. */
  start: number;
  end: number;
  /** Position of the timestamp delta varlong, and the position after it. */
  timestampDeltaStart: number;
  timestampDeltaEnd: number;
  offset: number;
  /** Absolute timestamp (the batch's max timestamp under LogAppendTime). */
  timestamp: number;
  /** A view into the payload; null for a record without a key. */
  key: Buffer | null;
  /** False for a tombstone (null value). */
  hasValue: boolean;
}

/** A stored batch with its records listed. `payload` holds the uncompressed records. */
export interface BatchRecords {
  compression: CompressionType;
  baseOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  logAppendTime: boolean;
  isControl: boolean;
  /** The batch's delete horizon (KIP-534) when it has one, else null. */
  deleteHorizon: number | null;
  payload: Buffer;
  records: RecordView[];
}

/** The codec of a stored batch (throws CorruptRecordError for an unassigned codec id). */
export function batchCompression(batch: Buffer, at = 0): CompressionType {
  const id = batch.readInt16BE(at + ATTRIBUTES) & COMPRESSION_MASK;
  const c = compressionTypeFromId(id);
  if (c === null) throw new CorruptRecordError(`record batch has unknown codec id ${id}`);
  return c;
}

/**
 * Lists the records of the whole batch `batch` (one batch, exactly), decompressing when needed.
 * Throws CorruptRecordError when the records do not parse.
 */
export async function readBatchRecords(batch: Buffer): Promise<BatchRecords> {
  const attributes = batch.readInt16BE(ATTRIBUTES);
  const compression = batchCompression(batch);
  const count = batch.readInt32BE(RECORD_COUNT);
  if (count < 0) throw new CorruptRecordError(`record batch has record count ${count}`);
  const raw = batch.subarray(RECORDS);
  const payload = compression === 'none' || raw.length === 0 ? raw : await decompress(compression, raw);
  const baseOffset = readInt64(batch, 0);
  const baseTimestamp = readInt64(batch, BASE_TIMESTAMP);
  const maxTimestamp = readInt64(batch, MAX_TIMESTAMP);
  const logAppendTime = (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  return {
    compression,
    baseOffset,
    baseTimestamp,
    maxTimestamp,
    logAppendTime,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    deleteHorizon: attributes & DELETE_HORIZON_FLAG ? baseTimestamp : null,
    payload,
    records: listRecords(payload, count, baseOffset, baseTimestamp, logAppendTime ? maxTimestamp : null),
  };
}

function listRecords(
  payload: Buffer,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  logAppendTime: number | null,
): RecordView[] {
  const c = new ByteCursor(payload, 0, payload.length);
  const out: RecordView[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const length = c.varint();
    if (length < 0 || c.pos + length > payload.length) {
      throw new CorruptRecordError(`record ${i} claims ${length} bytes, past the end of the batch`);
    }
    const end = c.pos + length;
    c.end = end;
    c.int8(); // attributes
    const timestampDeltaStart = c.pos;
    const timestampDelta = c.varlong();
    const timestampDeltaEnd = c.pos;
    const offsetDelta = c.varint();
    const key = c.nullableBytes();
    const valueLength = c.varint();
    if (valueLength < -1) throw new CorruptRecordError(`record ${i} has value length ${valueLength}`);
    c.pos = end;
    c.end = payload.length;
    out[i] = {
      start,
      end,
      timestampDeltaStart,
      timestampDeltaEnd,
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
      key,
      hasValue: valueLength >= 0,
    };
  }
  if (c.pos !== payload.length) {
    throw new CorruptRecordError(
      `${payload.length - c.pos} bytes left over after the batch's ${count} records`,
    );
  }
  return out;
}

/**
 * The batch `batch` holding only `kept` (records of `parsed`, in order, at least one). With
 * `deleteHorizon` not null the batch carries that delete horizon as its base timestamp.
 */
export async function rebuildBatch(
  batch: Buffer,
  parsed: BatchRecords,
  kept: readonly RecordView[],
  deleteHorizon: number | null,
): Promise<Buffer> {
  const { payload } = parsed;
  const newBase = deleteHorizon ?? parsed.baseTimestamp;
  const rebase = newBase !== parsed.baseTimestamp;
  let size = 0;
  let maxTimestamp = -1;
  for (const r of kept) {
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    size += rebase ? rebasedSize(r, newBase) : r.end - r.start;
  }
  // uncompressed: the records go straight into the new batch (one allocation)
  const direct = parsed.compression === 'none';
  let out: Buffer = direct ? Buffer.allocUnsafe(BATCH_HEADER_SIZE + size) : Buffer.alloc(0);
  let records: Buffer = direct ? out : Buffer.allocUnsafe(size);
  let at = direct ? RECORDS : 0;
  for (const r of kept) {
    if (!rebase) {
      at += payload.copy(records, at, r.start, r.end);
      continue;
    }
    // length | attributes | timestampDelta | the rest, as it was
    const rest = payload.subarray(r.timestampDeltaEnd, r.end);
    const delta = zigZag64(r.timestamp - newBase);
    const body = 1 + sizeOfUnsignedVarint(delta) + rest.length;
    at = writeUnsignedVarintAt(records, at, zigZag64(body));
    records[at++] = payload[r.timestampDeltaStart - 1]!;
    at = writeUnsignedVarintAt(records, at, delta);
    at += rest.copy(records, at);
  }
  if (!direct) {
    records = await compress(parsed.compression, records);
    out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
    records.copy(out, RECORDS);
  }
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  let attributes = batch.readInt16BE(ATTRIBUTES);
  if (deleteHorizon !== null) attributes |= DELETE_HORIZON_FLAG;
  out.writeInt16BE(attributes, ATTRIBUTES);
  writeInt64(out, BASE_TIMESTAMP, newBase);
  // CreateTime: the newest kept record; LogAppendTime: the batch's own (every record has it)
  if (!parsed.logAppendTime) writeInt64(out, MAX_TIMESTAMP, maxTimestamp);
  out.writeInt32BE(kept.length, RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), CRC);
  return out;
}

function rebasedSize(r: RecordView, newBase: number): number {
  const body = 1 + sizeOfUnsignedVarint(zigZag64(r.timestamp - newBase)) + (r.end - r.timestampDeltaEnd);
  return sizeOfUnsignedVarint(zigZag64(body)) + body;
}

/**
 * The header of `batch` alone, with no records: same offsets, producer fields and timestamp type,
 * no codec, both timestamps set to the batch's max timestamp.
 */
export function emptyBatchHeader(batch: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD, BATCH_LENGTH);
  const attributes = batch.readInt16BE(ATTRIBUTES) & ~(COMPRESSION_MASK | DELETE_HORIZON_FLAG);
  out.writeInt16BE(attributes, ATTRIBUTES);
  writeInt64(out, BASE_TIMESTAMP, readInt64(batch, MAX_TIMESTAMP));
  out.writeInt32BE(0, RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), CRC);
  return out;
}

// RecordBatch (magic v2) encoding and decoding, with records, headers and compression.
//
//   header (61 bytes, see batch-header.ts) | records, or the records compressed as one blob
//
//   record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//           keyLength varint | key | valueLength varint | value | headersCount varint | headers
//   header: headerKeyLength varint | headerKey (UTF-8) | headerValueLength varint | value
//
// Varints are zig-zag; a length of -1 is null. `length` counts the bytes after itself.
// Decoded keys, values and header values are views into the input (or decompressed) buffer, not copies.

import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  RECORDS,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL_FLAG,
  computeBatchCrc,
  readInt64,
  writeInt64,
} from './batch-header.js';
import { compress, decompress } from './compression/index.js';
import { compressionIdOf, compressionTypeFromId, type CompressionType } from './compression/types.js';
import { CorruptRecordError } from './errors.js';
import { LEGACY_ATTRIBUTES, LEGACY_CRC, decodeLegacyEntry, legacyEntrySize } from './legacy.js';
import { ByteCursor, sizeOfVarint, sizeOfVarlong, writeVarintAt, writeVarlongAt } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: RecordHeader[] | Record<string, string | Buffer>;
  /** Create time in ms; defaults to now. */
  timestamp?: number;
}

export interface BatchInput {
  records: RecordInput[];
  /** Default 0 (what producers send; the broker assigns the real offset). */
  baseOffset?: number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Default 'none'. */
  compression?: CompressionType;
  /** Default 'create'. */
  timestampType?: 'create' | 'log-append';
  /** Default -1 (no producer id). */
  producerId?: number;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1 (no sequence). */
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Default: the first record's timestamp. Timestamp deltas are taken relative to it. */
  baseTimestamp?: number;
  /** Codec level (gzip, zstd). */
  compressionLevel?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  attributes: number;
}

export interface DecodedBatch {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  /** 2, or 0/1 for a legacy message (set) converted to this shape. */
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: 'create' | 'log-append';
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  records: DecodedRecord[];
}

// ---------------------------------------------------------------------------------------------
// encoding

interface EncodedHeader {
  key: Buffer;
  value: Buffer | null;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function toHeaders(h: RecordInput['headers']): EncodedHeader[] {
  if (!h) return [];
  if (Array.isArray(h)) return h.map((x) => ({ key: Buffer.from(x.key, 'utf8'), value: x.value }));
  return Object.entries(h).map(([k, v]) => ({ key: Buffer.from(k, 'utf8'), value: toBytes(v) }));
}

function sizeOfNullable(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeNullableAt(buf: Buffer, at: number, b: Buffer | null): number {
  if (b === null) {
    buf[at] = 1; // zig-zag -1
    return at + 1;
  }
  at = writeVarintAt(buf, at, b.length);
  b.copy(buf, at);
  return at + b.length;
}

/** Writes the v2 header fields into batch[0, 61) and the CRC over attributes..end. */
function writeHeader(
  batch: Buffer,
  h: {
    baseOffset: number;
    partitionLeaderEpoch: number;
    attributes: number;
    lastOffsetDelta: number;
    baseTimestamp: number;
    maxTimestamp: number;
    producerId: number;
    producerEpoch: number;
    baseSequence: number;
    recordCount: number;
  },
): void {
  writeInt64(batch, 0, h.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH);
  batch.writeInt32BE(h.partitionLeaderEpoch, PARTITION_LEADER_EPOCH);
  batch.writeInt8(2, MAGIC);
  batch.writeInt16BE(h.attributes, ATTRIBUTES);
  batch.writeInt32BE(h.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64(batch, BASE_TIMESTAMP, h.baseTimestamp);
  writeInt64(batch, MAX_TIMESTAMP, h.maxTimestamp);
  writeInt64(batch, PRODUCER_ID, h.producerId);
  batch.writeInt16BE(h.producerEpoch, PRODUCER_EPOCH);
  batch.writeInt32BE(h.baseSequence, BASE_SEQUENCE);
  batch.writeInt32BE(h.recordCount, RECORD_COUNT);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC);
}

/**
 * Serializes the records of a batch at `at` in `out` (or, with out = null, only measures them).
 * Returns the byte count. Two passes over the same logic keep size and layout in step.
 */
function layoutRecords(
  records: RecordInput[],
  keys: (Buffer | null)[],
  values: (Buffer | null)[],
  headers: EncodedHeader[][],
  timestampDeltas: number[],
  out: Buffer | null,
  at: number,
): number {
  const start = at;
  for (let i = 0; i < records.length; i++) {
    const key = keys[i]!;
    const value = values[i]!;
    const hs = headers[i]!;
    let body =
      1 + sizeOfVarlong(timestampDeltas[i]!) + sizeOfVarint(i) + sizeOfNullable(key) + sizeOfNullable(value);
    body += sizeOfVarint(hs.length);
    for (const h of hs) body += sizeOfVarint(h.key.length) + h.key.length + sizeOfNullable(h.value);
    if (out === null) {
      at += sizeOfVarint(body) + body;
      continue;
    }
    at = writeVarintAt(out, at, body);
    out[at++] = 0; // record attributes: unused
    at = writeVarlongAt(out, at, timestampDeltas[i]!);
    at = writeVarintAt(out, at, i);
    at = writeNullableAt(out, at, key);
    at = writeNullableAt(out, at, value);
    at = writeVarintAt(out, at, hs.length);
    for (const h of hs) {
      at = writeNullableAt(out, at, h.key);
      at = writeNullableAt(out, at, h.value);
    }
  }
  return at - start;
}

function batchAttributes(input: BatchInput): number {
  let attributes = compressionIdOf(input.compression ?? 'none');
  if (input.timestampType === 'log-append') attributes |= TIMESTAMP_TYPE_LOG_APPEND;
  if (input.transactional) attributes |= TRANSACTIONAL_FLAG;
  if (input.control) attributes |= CONTROL_FLAG;
  return attributes;
}

interface PreparedBatch {
  keys: (Buffer | null)[];
  values: (Buffer | null)[];
  headers: EncodedHeader[][];
  timestampDeltas: number[];
  recordsSize: number;
  header: Parameters<typeof writeHeader>[1];
}

function prepare(input: BatchInput): PreparedBatch {
  const records = input.records;
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const now = Date.now();
  const timestamps = records.map((r) => r.timestamp ?? now);
  const baseTimestamp = input.baseTimestamp ?? timestamps[0]!;
  let maxTimestamp = timestamps[0]!;
  for (const t of timestamps) if (t > maxTimestamp) maxTimestamp = t;
  const keys = records.map((r) => toBytes(r.key));
  const values = records.map((r) => toBytes(r.value));
  const headers = records.map((r) => toHeaders(r.headers));
  const timestampDeltas = timestamps.map((t) => t - baseTimestamp);
  const recordsSize = layoutRecords(records, keys, values, headers, timestampDeltas, null, 0);
  return {
    keys,
    values,
    headers,
    timestampDeltas,
    recordsSize,
    header: {
      baseOffset: input.baseOffset ?? 0,
      partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
      attributes: batchAttributes(input),
      lastOffsetDelta: records.length - 1,
      baseTimestamp,
      maxTimestamp,
      producerId: input.producerId ?? NO_PRODUCER_ID,
      producerEpoch: input.producerEpoch ?? -1,
      baseSequence: input.baseSequence ?? NO_SEQUENCE,
      recordCount: records.length,
    },
  };
}

/** Encodes an uncompressed batch synchronously (compression must be 'none' or absent). */
export function encodeRecordBatchSync(input: BatchInput): Buffer {
  if ((input.compression ?? 'none') !== 'none') {
    throw new TypeError('encodeRecordBatchSync only writes uncompressed batches; use encodeRecordBatch');
  }
  const p = prepare(input);
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + p.recordsSize);
  layoutRecords(input.records, p.keys, p.values, p.headers, p.timestampDeltas, batch, RECORDS);
  writeHeader(batch, p.header);
  return batch;
}

/** Encodes a complete v2 batch (header, records, CRC32C), compressing the records if asked. */
export async function encodeRecordBatch(input: BatchInput): Promise<Buffer> {
  const type = input.compression ?? 'none';
  if (type === 'none') return encodeRecordBatchSync(input);
  const p = prepare(input);
  const raw = Buffer.allocUnsafe(p.recordsSize);
  layoutRecords(input.records, p.keys, p.values, p.headers, p.timestampDeltas, raw, 0);
  const level = input.compressionLevel;
  const compressed = await compress(type, raw, level === undefined ? {} : { level });
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  compressed.copy(batch, RECORDS);
  writeHeader(batch, p.header);
  return batch;
}

// ---------------------------------------------------------------------------------------------
// decoding

function decodeRecords(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  logAppendTime: number | null,
): DecodedRecord[] {
  const c = new ByteCursor(buf, start, end);
  const records: DecodedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    if (length < 0 || c.pos + length > end) {
      throw new CorruptRecordError(`record ${i} claims ${length} bytes, past the end of the batch`);
    }
    const recordEnd = c.pos + length;
    c.end = recordEnd;
    const attributes = c.int8();
    const timestampDelta = c.varlong();
    const offsetDelta = c.varint();
    const key = c.nullableBytes();
    const value = c.nullableBytes();
    const headerCount = c.varint();
    if (headerCount < 0) throw new CorruptRecordError(`record ${i} has ${headerCount} headers`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = c.nullableBytes();
      if (hk === null) throw new CorruptRecordError(`record ${i} has a null header key`);
      headers.push({ key: hk.toString('utf8'), value: c.nullableBytes() });
    }
    if (c.pos !== recordEnd) {
      throw new CorruptRecordError(
        `record ${i}: ${recordEnd - c.pos} bytes left over in its declared length`,
      );
    }
    c.end = end;
    records[i] = {
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      attributes,
    };
  }
  if (c.pos !== end) {
    throw new CorruptRecordError(`${end - c.pos} bytes left over after the batch's ${count} records`);
  }
  return records;
}

/** Decodes one complete v2 batch buf[at, at + size), checking its CRC first. */
async function decodeV2Batch(buf: Buffer, at: number, size: number): Promise<DecodedBatch> {
  const crc = buf.readUInt32BE(at + CRC);
  const computed = computeBatchCrc(buf, at, size);
  if (crc !== computed) {
    throw new CorruptRecordError(
      `record batch at byte ${at} is corrupt (stored crc ${crc}, computed crc ${computed})`,
    );
  }
  const attributes = buf.readInt16BE(at + ATTRIBUTES);
  const codecId = attributes & COMPRESSION_MASK;
  const compression = compressionTypeFromId(codecId);
  if (compression === null)
    throw new CorruptRecordError(`record batch at byte ${at} has unknown codec id ${codecId}`);
  const baseOffset = readInt64(buf, at);
  const baseTimestamp = readInt64(buf, at + BASE_TIMESTAMP);
  const maxTimestamp = readInt64(buf, at + MAX_TIMESTAMP);
  const timestampType = attributes & TIMESTAMP_TYPE_LOG_APPEND ? 'log-append' : 'create';
  const recordCount = buf.readInt32BE(at + RECORD_COUNT);
  if (recordCount < 0)
    throw new CorruptRecordError(`record batch at byte ${at} has record count ${recordCount}`);
  const logAppendTime = timestampType === 'log-append' ? maxTimestamp : null;

  let records: DecodedRecord[];
  const payloadStart = at + RECORDS;
  const end = at + size;
  if (compression === 'none') {
    records = decodeRecords(buf, payloadStart, end, recordCount, baseOffset, baseTimestamp, logAppendTime);
  } else if (recordCount === 0 && payloadStart === end) {
    records = [];
  } else {
    const raw = await decompress(compression, buf.subarray(payloadStart, end));
    records = decodeRecords(raw, 0, raw.length, recordCount, baseOffset, baseTimestamp, logAppendTime);
  }

  return {
    baseOffset,
    batchLength: size - LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
    magic: 2,
    crc,
    attributes,
    compression,
    timestampType,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA),
    baseTimestamp,
    maxTimestamp,
    producerId: readInt64(buf, at + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE),
    recordCount,
    records,
  };
}

/** A legacy (magic 0/1) entry in the shape of a batch: a wrapper's inner messages become its records. */
async function decodeLegacyAsBatch(buf: Buffer, at: number, size: number): Promise<DecodedBatch> {
  const messages = await decodeLegacyEntry(buf, at, size);
  const first = messages[0];
  const last = messages[messages.length - 1];
  const baseOffset = first ? first.offset : readInt64(buf, at);
  let maxTimestamp = -1;
  for (const m of messages) if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp;
  const outerAttributes = buf[at + LEGACY_ATTRIBUTES]!;
  return {
    baseOffset,
    batchLength: size - LOG_OVERHEAD,
    partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
    magic: buf[at + MAGIC]!,
    crc: buf.readUInt32BE(at + LEGACY_CRC),
    attributes: outerAttributes,
    compression: first?.compression ?? 'none',
    timestampType: first?.timestampType ?? 'create',
    isTransactional: false,
    isControl: false,
    lastOffsetDelta: last ? last.offset - baseOffset : 0,
    baseTimestamp: first ? first.timestamp : -1,
    maxTimestamp,
    producerId: NO_PRODUCER_ID,
    producerEpoch: -1,
    baseSequence: NO_SEQUENCE,
    recordCount: messages.length,
    records: messages.map((m) => ({
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: [],
      attributes: 0,
    })),
  };
}

/**
 * Decodes batches laid back to back in buf[start, end) (a fetch response's records, a log segment).
 * A trailing partial batch is ignored. A bad CRC, impossible length, unknown magic or malformed record
 * throws CorruptRecordError. Legacy v0/v1 entries are decoded too, one DecodedBatch per outer message.
 */
export async function decodeRecordBatches(buf: Buffer, start = 0, end = buf.length): Promise<DecodedBatch[]> {
  const batches: DecodedBatch[] = [];
  let at = start;
  while (end - at >= LOG_OVERHEAD) {
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (end - at <= MAGIC) break; // cannot see the magic yet: partial
    const magic = buf.readInt8(at + MAGIC);
    if (magic === 0 || magic === 1) {
      const size = legacyEntrySize(buf, at, end);
      if (size < 0) break;
      batches.push(await decodeLegacyAsBatch(buf, at, size));
      at += size;
      continue;
    }
    if (magic !== 2) throw new CorruptRecordError(`record batch at byte ${at} has unknown magic ${magic}`);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new CorruptRecordError(
        `record batch at byte ${at} has batchLength ${batchLength} < ${MIN_BATCH_LENGTH}`,
      );
    }
    const size = LOG_OVERHEAD + batchLength;
    if (end - at < size) break;
    batches.push(await decodeV2Batch(buf, at, size));
    at += size;
  }
  return batches;
}

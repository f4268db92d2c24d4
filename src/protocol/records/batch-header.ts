// Fixed layout of a RecordBatch (magic v2) header, as stored on disk and sent on the wire:
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records...
//
// batchLength counts the bytes after the batchLength field. The CRC covers attributes..end, so the
// broker may rewrite baseOffset and partitionLeaderEpoch in place without recomputing it.

import { crc32c } from './crc32c.js';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;

/** Bytes of the header before the first record. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of a batch (of any magic) that precedes what batchLength counts. */
export const LOG_OVERHEAD = 12;
/** Smallest legal magic v2 batchLength (a header with no records). */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;

// attributes bits
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * 0x1_0000_0000, at + 4);
}

/** Total bytes of the batch starting at `at` (LOG_OVERHEAD + batchLength). */
export function batchSizeAt(buf: Buffer, at: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
}

/** CRC32C over attributes..end of the batch [at, at+size). */
export function computeBatchCrc(buf: Buffer, at: number, size: number): number {
  return crc32c(buf.subarray(at + ATTRIBUTES, at + size));
}

export function batchCrcMatches(buf: Buffer, at: number, size: number): boolean {
  return buf.readUInt32BE(at + CRC) === computeBatchCrc(buf, at, size);
}

/** Offset of the last record in the batch at `at`. */
export function lastOffsetOf(buf: Buffer, at: number): number {
  return readInt64(buf, at + BASE_OFFSET) + buf.readInt32BE(at + LAST_OFFSET_DELTA);
}

// Finds records without a key, for topics whose cleanup.policy includes compact (Kafka refuses them
// with INVALID_RECORD: compaction keeps one record per key, so a keyless record has no place there).
// Uncompressed records are checked in place (a walk over the length, attributes, timestamp delta,
// offset delta and key length varints); compressed batches are decompressed first.

import {
  COMPRESSION_MASK,
  ATTRIBUTES,
  LOG_OVERHEAD,
  BATCH_LENGTH,
  RECORD_COUNT,
  RECORDS,
} from './batch-header.js';
import { decompress } from './compression/index.js';
import { compressionTypeFromId } from './compression/types.js';
import { CorruptRecordError } from './errors.js';
import { ByteCursor } from './varint.js';

/**
 * Index of the first record without a key among the `count` uncompressed records in buf[start, end),
 * or -1 when every record has one. Throws CorruptRecordError for records that do not parse.
 */
export function firstRecordWithoutKey(buf: Buffer, start: number, end: number, count: number): number {
  const c = new ByteCursor(buf, start, end);
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    const recordEnd = c.pos + length;
    if (length < 0 || recordEnd > end) throw new CorruptRecordError(`record ${i} overruns its batch`);
    c.end = recordEnd;
    c.int8(); // attributes
    c.varlong(); // timestamp delta
    c.varint(); // offset delta
    if (c.varint() < 0) return i;
    c.pos = recordEnd;
    c.end = end;
  }
  return -1;
}

/**
 * Index of the first record without a key in the batch buf[at, at + size) (decompressing it when
 * compressed), or -1. Throws CorruptRecordError for a batch whose records do not parse.
 */
export async function firstRecordWithoutKeyInBatch(buf: Buffer, at: number, size: number): Promise<number> {
  const count = buf.readInt32BE(at + RECORD_COUNT);
  const end = at + LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
  if (end !== at + size) throw new CorruptRecordError(`batch at ${at} is not ${size} bytes long`);
  const codec = compressionTypeFromId(buf.readInt16BE(at + ATTRIBUTES) & COMPRESSION_MASK);
  if (codec === null) throw new CorruptRecordError(`batch at ${at} has an unknown codec`);
  if (codec === 'none') return firstRecordWithoutKey(buf, at + RECORDS, end, count);
  const raw = await decompress(codec, buf.subarray(at + RECORDS, end));
  return firstRecordWithoutKey(raw, 0, raw.length, count);
}

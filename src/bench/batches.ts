// Counting records in a Fetch response's record set from batch headers alone (no decoding):
// whole batches only, records below the fetch offset (the first batch may start earlier) excluded.

import {
  BATCH_LENGTH,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  readInt64,
  RECORD_COUNT,
} from '../protocol/records/batch-header.js';

export interface BatchVisit {
  /** Position of the batch in the buffer. */
  at: number;
  baseOffset: number;
  lastOffset: number;
  /** Records of this batch at or after the fetch offset. */
  records: number;
}

/** Visits each whole batch; returns the offset to fetch next. */
export function forEachBatch(buf: Buffer, fetchOffset: number, visit: (b: BatchVisit) => void): number {
  let at = 0;
  let next = fetchOffset;
  while (at + LOG_OVERHEAD <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
    if (at + size > buf.length) break; // a partial batch at the end of a response
    const baseOffset = readInt64(buf, at);
    const lastOffset = baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA);
    if (lastOffset >= next) {
      const count = buf.readInt32BE(at + RECORD_COUNT);
      const skipped = Math.max(0, next - baseOffset);
      visit({ at, baseOffset, lastOffset, records: Math.max(0, count - skipped) });
      next = lastOffset + 1;
    }
    at += size;
  }
  return next;
}

// The time index of one segment (`<base>.timeindex`): 12-byte entries of (timestamp int64,
// offset - baseOffset int32). An entry (T, O) says: T is the largest batch max-timestamp up to offset
// O, first reached at O. Entries are added with the offset index entries (when the max timestamp has
// grown) and once more when the segment is rolled or closed, so the last entry of a closed segment is
// its exact max timestamp. As in Kafka, the last slot is reserved for that final entry.

import { readInt64, writeInt64 } from '../protocol/records/batch-header.js';
import { IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex extends IndexFile {
  constructor(file: string, baseOffset: number, maxIndexBytes: number) {
    super(file, baseOffset, TIME_INDEX_ENTRY_SIZE, maxIndexBytes);
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries - 1;
  }

  timestampAt(i: number): number {
    return readInt64(this.buf, i * TIME_INDEX_ENTRY_SIZE);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
  }

  /** Timestamp of the last entry, or -1 when empty. */
  get lastTimestamp(): number {
    return this.count > 0 ? this.timestampAt(this.count - 1) : -1;
  }

  /** Offset of the last entry, or -1 when empty. */
  get lastOffset(): number {
    return this.count > 0 ? this.offsetAt(this.count - 1) : -1;
  }

  /**
   * Adds (timestamp, offset) in memory when the timestamp is above the last entry's (persist() writes
   * it). `skipFullCheck` lets the final entry of a segment use the reserved slot.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): boolean {
    if (timestamp <= this.lastTimestamp) return false;
    if (this.count >= this.maxEntries - (skipFullCheck ? 0 : 1)) return false;
    if (this.count > 0 && offset < this.lastOffset) {
      throw new Error(`time index ${this.file}: offset ${offset} is below the last entry ${this.lastOffset}`);
    }
    const at = this.reserve();
    writeInt64(this.buf, at, timestamp);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
    this.count++;
    return true;
  }

  /** Offset of the entry with the largest timestamp <= `timestamp`, or the base offset when none. */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) <= timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.offsetAt(found);
  }

  /** Drops the entries whose offset is >= `offset`. */
  truncateToOffset(offset: number): void {
    let n = this.count;
    while (n > 0 && this.offsetAt(n - 1) >= offset) n--;
    this.truncateEntries(n);
  }

  protected check(): string | null {
    let prevTs = -1;
    let prevRel = 0;
    for (let i = 0; i < this.count; i++) {
      const ts = this.timestampAt(i);
      const rel = this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
      if (ts <= prevTs) return `entry ${i}: timestamp ${ts} is not increasing`;
      if (rel < prevRel) return `entry ${i}: relative offset ${rel} is decreasing`;
      prevTs = ts;
      prevRel = rel;
    }
    return null;
  }
}

// The sparse offset index of one segment (`<base>.index`): 8-byte entries of
// (offset - baseOffset int32, file position int32). As in Kafka, an entry (O, P) points at the batch
// that starts at position P and whose last offset is O; entries are added every index.interval.bytes.
// A lookup gives a position at or before the batch holding an offset; a short scan of batch headers
// from there finds the batch itself.

import { IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex extends IndexFile {
  constructor(file: string, baseOffset: number, maxIndexBytes: number) {
    super(file, baseOffset, OFFSET_INDEX_ENTRY_SIZE, maxIndexBytes);
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  positionAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4);
  }

  /** Offset of the last entry, or -1 when empty. */
  get lastOffset(): number {
    return this.count > 0 ? this.offsetAt(this.count - 1) : -1;
  }

  /** Position of the last entry, or 0 when empty. */
  get lastPosition(): number {
    return this.count > 0 ? this.positionAt(this.count - 1) : 0;
  }

  /** Adds an entry in memory (persist() writes it); false when the index is full. */
  append(offset: number, position: number): boolean {
    if (this.count >= this.maxEntries) return false;
    const rel = offset - this.baseOffset;
    if (this.count > 0 && rel <= this.buf.readInt32BE((this.count - 1) * OFFSET_INDEX_ENTRY_SIZE)) {
      throw new Error(
        `offset index ${this.file}: offset ${offset} is not above the last entry ${this.lastOffset}`,
      );
    }
    const at = this.reserve();
    this.buf.writeInt32BE(rel, at);
    this.buf.writeInt32BE(position, at + 4);
    this.count++;
    return true;
  }

  /** Position of the entry with the largest offset <= `offset`, or 0 when there is none. */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf.readInt32BE(mid * OFFSET_INDEX_ENTRY_SIZE) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positionAt(found);
  }

  /** Number of entries whose position is below `position`. */
  private countBelowPosition(position: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positionAt(mid) < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the last entry strictly before `position`, or 0. */
  lookupBeforePosition(position: number): number {
    const n = this.countBelowPosition(position);
    return n > 0 ? this.positionAt(n - 1) : 0;
  }

  /** Drops the entries at or after file position `position` (the log is being truncated there). */
  truncateToPosition(position: number): void {
    this.truncateEntries(this.countBelowPosition(position));
  }

  protected check(logSize: number): string | null {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
      const pos = this.positionAt(i);
      if (rel < 0 || rel <= prevRel) return `entry ${i}: relative offset ${rel} is not increasing`;
      if (pos < 0 || pos <= prevPos) return `entry ${i}: position ${pos} is not increasing`;
      if (pos >= logSize) return `entry ${i}: position ${pos} is beyond the log size ${logSize}`;
      prevRel = rel;
      prevPos = pos;
    }
    return null;
  }
}

// The replacement segment the log cleaner writes for a group of segments, and its swap into the log
// (Kafka's protocol, which recovery.ts completes after a crash):
//
//   1. write `<base>.log.cleaned` with `.index.cleaned` and `.timeindex.cleaned`; fsync them;
//   2. prepare: rename the three to `.swap`, fsync the directory. From here on a crash completes the
//      swap at the next start: the segments whose base offsets fall in the swap file's offset range
//      are removed and the swap becomes `<base>.log` (its indexes are rebuilt);
//   3. complete: rename the replaced segments' files to `.deleted`, rename the `.swap` files to their
//      final names (the log file last), open the new segment;
//   4. fsync the directory and unlink the `.deleted` files (recovery removes any left).
//
// Recovery finds the replaced range from the swap file's last batch, so a cleaned segment always
// ends with the last batch of the segments it replaces (kept as an empty batch if need be).
// Step 3 is synchronous (renames only, no fsync) and runs in one turn of the event loop together
// with the change of the log's segment list (PartitionLog.replaceSegments), so no read or append
// sees a half-swapped log; the fsyncs and unlinks of steps 1, 2 and 4 run on the threadpool. A kill
// at any point leaves a state recovery completes; after a power loss the directory operations are
// replayed in order by a journaling file system (ext4, XFS), which is what step 3 relies on.

import fs from 'node:fs';
import path from 'node:path';
import { closeQuietly, fsyncAsync, fsyncDirAsync, unlinkIfExists } from './file-io.js';
import { OffsetIndex } from './offset-index.js';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './recovery.js';
import {
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  Segment,
  TIME_INDEX_FILE_SUFFIX,
  segmentFileName,
} from './segment.js';
import { TimeIndex } from './time-index.js';

const SUFFIXES = [LOG_FILE_SUFFIX, INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX] as const;

/** Writes buf[0, length) at `position`, looping over short writes, off the event loop. */
async function writeFullyAsync(fd: number, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.write(fd, buf, done, length - done, position + done, (err, written) =>
        err ? reject(err) : resolve(written),
      ),
    );
    if (n <= 0) throw new Error(`write returned ${n} with ${length - done} bytes left`);
    done += n;
  }
}

/** One batch written to a cleaned segment. */
export interface CleanedBatch {
  size: number;
  lastOffset: number;
  maxTimestamp: number;
}

export class CleanedSegment {
  /** Bytes written. */
  size = 0;
  /** Last offset of the last batch written (-1 when none). */
  lastOffset = -1;
  private readonly fd: number;
  private readonly offsetIndex: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;
  private bytesSinceLastIndexEntry = 0;
  private closed = false;
  /** Files of the replaced segments, renamed to `.deleted` by completeSwap(). */
  private doomed: string[] = [];

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly maxIndexBytes: number,
    private readonly indexIntervalBytes: number,
  ) {
    this.offsetIndex = new OffsetIndex(
      this.file(INDEX_FILE_SUFFIX, CLEANED_FILE_SUFFIX),
      baseOffset,
      maxIndexBytes,
    );
    this.timeIndex = new TimeIndex(
      this.file(TIME_INDEX_FILE_SUFFIX, CLEANED_FILE_SUFFIX),
      baseOffset,
      maxIndexBytes,
    );
    this.fd = fs.openSync(this.file(LOG_FILE_SUFFIX, CLEANED_FILE_SUFFIX), 'w+');
  }

  /** Creates (replacing leftovers) the `.cleaned` files of a segment starting at `baseOffset`. */
  static create(
    dir: string,
    baseOffset: number,
    maxIndexBytes: number,
    indexIntervalBytes: number,
  ): CleanedSegment {
    const seg = new CleanedSegment(dir, baseOffset, maxIndexBytes, indexIntervalBytes);
    try {
      seg.offsetIndex.create();
      seg.timeIndex.create();
    } catch (err) {
      seg.delete();
      throw err;
    }
    return seg;
  }

  private file(suffix: string, state = ''): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, suffix) + state);
  }

  /**
   * Appends batches laid back to back in buf[0, length) (one write, on the threadpool), and indexes
   * them as an append to the log would (an offset and time index entry every index.interval.bytes).
   */
  async append(buf: Buffer, length: number, batches: readonly CleanedBatch[]): Promise<void> {
    if (length === 0) return;
    await writeFullyAsync(this.fd, buf, length, this.size);
    let pos = this.size;
    for (const b of batches) {
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
        // a full index only makes lookups scan further; the group sizes keep that from happening
        if (this.offsetIndex.append(b.lastOffset, pos)) {
          this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
        }
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += b.size;
      pos += b.size;
      this.lastOffset = b.lastOffset;
    }
    this.size = pos;
    this.offsetIndex.persist();
    this.timeIndex.persist();
  }

  /** Writes the final time-index entry and fsyncs the three files (on the threadpool). */
  async finish(): Promise<void> {
    if (this.maxTimestamp >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
      this.timeIndex.persist();
    }
    await Promise.all([fsyncAsync(this.fd), this.offsetIndex.fsyncAsync(), this.timeIndex.fsyncAsync()]);
  }

  private closeFds(): void {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.fd);
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
  }

  /**
   * Step 2: `.cleaned` -> `.swap`, then fsync the directory. On failure the swap files are removed
   * again and the error thrown: the log is as it was.
   */
  async prepareSwap(): Promise<void> {
    this.closeFds();
    try {
      for (const suffix of SUFFIXES) {
        fs.renameSync(this.file(suffix, CLEANED_FILE_SUFFIX), this.file(suffix, SWAP_FILE_SUFFIX));
      }
      await fsyncDirAsync(this.dir);
    } catch (err) {
      this.delete();
      throw err;
    }
  }

  /**
   * Step 3: moves `replaced` (closed here) out of the way and the swap files in place; returns the
   * new segment, whose next offset is `nextOffset` (the base offset of the segment after the group).
   */
  completeSwap(replaced: readonly Segment[], nextOffset: number): Segment {
    for (const s of replaced) s.close();
    for (const s of replaced) {
      for (const suffix of SUFFIXES) {
        const file = path.join(this.dir, segmentFileName(s.baseOffset, suffix));
        try {
          fs.renameSync(file, file + DELETED_FILE_SUFFIX);
          this.doomed.push(file + DELETED_FILE_SUFFIX);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
    // the indexes first: a crash before the log file's rename still finds the log's swap file
    fs.renameSync(this.file(INDEX_FILE_SUFFIX, SWAP_FILE_SUFFIX), this.file(INDEX_FILE_SUFFIX));
    fs.renameSync(this.file(TIME_INDEX_FILE_SUFFIX, SWAP_FILE_SUFFIX), this.file(TIME_INDEX_FILE_SUFFIX));
    fs.renameSync(this.file(LOG_FILE_SUFFIX, SWAP_FILE_SUFFIX), this.file(LOG_FILE_SUFFIX));
    const seg = Segment.open(this.dir, this.baseOffset, this.maxIndexBytes);
    const reason = seg.loadIndexes() ?? seg.initFromIndexes(nextOffset);
    if (reason !== null) {
      seg.close();
      throw new Error(`cleaned segment ${seg.name} does not load: ${reason}`);
    }
    return seg;
  }

  /** Step 4: makes the swap durable and removes the replaced files (on the threadpool). */
  async afterSwap(): Promise<void> {
    await fsyncDirAsync(this.dir);
    const doomed = this.doomed.splice(0);
    await Promise.all(doomed.map((f) => fs.promises.unlink(f).catch(() => undefined)));
  }

  /** Closes and removes whatever `.cleaned` and `.swap` files of this segment exist. */
  delete(): void {
    this.closeFds();
    for (const suffix of SUFFIXES) {
      for (const state of [CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX]) {
        try {
          unlinkIfExists(this.file(suffix, state));
        } catch {
          // left for the next start to remove
        }
      }
    }
  }
}

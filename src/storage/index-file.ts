// Common part of the offset index and the time index: fixed-size big-endian entries kept in memory as
// the exact image of the file (a Buffer, grown by doubling), appended to the file with one positional
// write per log append. The file always holds exactly the persisted entries (Kafka preallocates and
// trims on close; we never preallocate, so the file on disk is always in its trimmed form).

import fs from 'node:fs';
import { closeQuietly, errnoCode, fsyncAsync, unlinkIfExists, writeFully } from './file-io.js';

const EMPTY = Buffer.alloc(0);
const MIN_CAPACITY_ENTRIES = 64;

export abstract class IndexFile {
  /** Entries [0, count) in on-disk format. */
  protected buf: Buffer = EMPTY;
  protected count = 0;
  /** Entries [0, persisted) are in the file. */
  private persisted = 0;
  private fd = -1;
  readonly maxEntries: number;

  constructor(
    readonly file: string,
    readonly baseOffset: number,
    readonly entrySize: number,
    maxIndexBytes: number,
  ) {
    this.maxEntries = Math.floor(maxIndexBytes / entrySize);
  }

  get entries(): number {
    return this.count;
  }

  /** Bytes the index occupies on disk once persisted. */
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  get hasOpenFd(): boolean {
    return this.fd >= 0;
  }

  abstract get isFull(): boolean;

  /** Why the loaded entries are unusable, or null when they pass the sanity checks. */
  protected abstract check(limit: number): string | null;

  /**
   * Reads the file into memory. Returns null when it is present and sane, otherwise the reason
   * ("missing", "size ... not a multiple of ...", ...): the caller then rebuilds it from the log.
   */
  load(limit: number): string | null {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 'missing';
      throw err;
    }
    if (data.length % this.entrySize !== 0) {
      return `size ${data.length} is not a multiple of ${this.entrySize}`;
    }
    this.buf = data;
    this.count = this.persisted = data.length / this.entrySize;
    const reason = this.check(limit);
    if (reason !== null) this.count = this.persisted = 0;
    return reason;
  }

  /** Creates (or empties) the file and keeps it open for appends. */
  create(): void {
    this.closeFd();
    this.fd = fs.openSync(this.file, 'w+');
    this.count = this.persisted = 0;
  }

  /** Drops all entries, in memory and on disk (before a rebuild). */
  clear(): void {
    this.count = this.persisted = 0;
    fs.ftruncateSync(this.ensureFd(), 0);
  }

  /** Byte offset in `buf` of a new entry, growing the buffer when needed. Caller increments count. */
  protected reserve(): number {
    const at = this.count * this.entrySize;
    if (at + this.entrySize > this.buf.length) {
      const entries = Math.max(MIN_CAPACITY_ENTRIES, this.count * 2);
      const grown = Buffer.allocUnsafe(entries * this.entrySize);
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    return at;
  }

  /** Whether entries were added since the last persist(). */
  get hasUnpersisted(): boolean {
    return this.persisted < this.count;
  }

  /** Writes the entries added since the last call, with one write. */
  persist(): void {
    if (this.persisted >= this.count) return;
    const from = this.persisted * this.entrySize;
    const fd = this.ensureFd();
    try {
      writeFully(fd, this.buf, from, this.count * this.entrySize - from, from);
    } catch (err) {
      // a short write (disk full) may have left part of an entry: cut the file back to whole entries
      try {
        fs.ftruncateSync(fd, from);
      } catch {
        // the caller rolls back or takes the log offline
      }
      throw err;
    }
    this.persisted = this.count;
  }

  /** Keeps the first `n` entries, in memory and on disk. */
  truncateEntries(n: number): void {
    if (n >= this.count) return;
    this.count = n;
    if (this.persisted > n) {
      fs.ftruncateSync(this.ensureFd(), n * this.entrySize);
      this.persisted = n;
    }
  }

  /** Forgets entries not yet persisted (rollback of a failed append). */
  dropUnpersisted(): void {
    this.count = this.persisted;
  }

  flush(): void {
    if (this.fd >= 0) fs.fsyncSync(this.fd);
  }

  fsyncAsync(): Promise<void> {
    return this.fd >= 0 ? fsyncAsync(this.fd) : Promise.resolve();
  }

  closeFd(): void {
    closeQuietly(this.fd);
    this.fd = -1;
  }

  delete(): void {
    this.closeFd();
    unlinkIfExists(this.file);
  }

  private ensureFd(): number {
    if (this.fd < 0) this.fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    return this.fd;
  }
}

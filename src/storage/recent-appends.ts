// The fetch hot path's in-memory tail (DESIGN.md: "recently appended batches may be served from an
// in-memory tail without a read"). A partition keeps the buffers of its latest appends to the active
// segment, as one contiguous range of file positions; a fetch whose bytes all lie in that range is
// answered from them: a slice of the produce request's own buffer when one append holds them (no
// read, no allocation), else one copy. Consumers that keep up read only from here.
//
// Memory is bounded twice: per partition (`perPartitionBytes`) and for the whole broker by a shared
// TailBudget, which drops the oldest appends of any partition first. Anything else (a roll, a
// truncation, an append that does not continue the range) clears the partition's tail, and reads
// fall back to the file.

const EMPTY = Buffer.alloc(0);

interface TailChunk {
  owner: RecentAppends;
  bytes: Buffer;
  dropped: boolean;
}

/** The memory all partitions' tails may hold together; the oldest appends go first. */
export class TailBudget {
  private used = 0;
  private queue: TailChunk[] = [];
  private head = 0;

  constructor(readonly maxBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Counts a chunk in, then drops the oldest chunks (of any partition) while over budget. */
  add(chunk: TailChunk): void {
    this.used += chunk.bytes.length;
    this.queue.push(chunk);
    while (this.used > this.maxBytes && this.head < this.queue.length) {
      const oldest = this.queue[this.head++]!;
      if (!oldest.dropped) oldest.owner.dropOldest();
    }
    // forget entries already dropped, now and then (they hold no bytes)
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head).filter((c) => !c.dropped);
      this.head = 0;
    }
  }

  /** A chunk left its partition's tail: it no longer counts. */
  released(chunk: TailChunk): void {
    this.used -= chunk.bytes.length;
  }
}

export class RecentAppends {
  /** The segment the range belongs to (compared by identity), null when empty. */
  private segment: object | null = null;
  /** File position of the first byte of chunks[0]. */
  private start = 0;
  private length = 0;
  private chunks: TailChunk[] = [];

  constructor(
    private readonly budget: TailBudget,
    private readonly perPartitionBytes: number,
  ) {}

  /** Bytes held (for tests and metrics). */
  get bytes(): number {
    return this.length;
  }

  /**
   * Records `bytes` written at `position` of `segment`. The buffer must not change afterwards (it is
   * the produce request's own memory, already stamped with offsets and epochs).
   */
  appended(segment: object, position: number, bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (bytes.length > this.perPartitionBytes) {
      this.clear();
      return;
    }
    if (segment !== this.segment || position !== this.start + this.length) {
      this.clear();
      this.segment = segment;
      this.start = position;
    }
    const chunk: TailChunk = { owner: this, bytes, dropped: false };
    this.chunks.push(chunk);
    this.length += bytes.length;
    while (this.length > this.perPartitionBytes) this.dropOldest();
    this.budget.add(chunk);
  }

  /**
   * File bytes [from, from + n) of `segment` when the tail holds all of them: a slice when one chunk
   * does, else a copy; null when any byte is not here.
   */
  read(segment: object, from: number, n: number): Buffer | null {
    if (segment !== this.segment || n <= 0 || from < this.start || from + n > this.start + this.length) {
      return null;
    }
    let at = this.start;
    let i = 0;
    while (at + this.chunks[i]!.bytes.length <= from) at += this.chunks[i++]!.bytes.length;
    const first = this.chunks[i]!.bytes;
    const offset = from - at;
    if (offset + n <= first.length) return first.subarray(offset, offset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = first.copy(out, 0, offset);
    while (filled < n) {
      const c = this.chunks[++i]!.bytes;
      filled += c.copy(out, filled, 0, Math.min(c.length, n - filled));
    }
    return out;
  }

  /** Drops the oldest chunk (per-partition cap, or the broker-wide budget). */
  dropOldest(): void {
    const chunk = this.chunks.shift();
    if (!chunk) return;
    this.start += chunk.bytes.length;
    this.length -= chunk.bytes.length;
    this.release(chunk);
    if (this.chunks.length === 0) this.segment = null;
  }

  /** Forgets everything (roll, truncation, close). */
  clear(): void {
    for (const c of this.chunks) this.release(c);
    this.chunks = [];
    this.length = 0;
    this.segment = null;
  }

  private release(chunk: TailChunk): void {
    this.budget.released(chunk);
    chunk.dropped = true;
    chunk.bytes = EMPTY;
  }
}

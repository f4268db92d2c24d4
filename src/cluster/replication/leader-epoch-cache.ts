// The leader epoch cache of one partition replica and its `leader-epoch-checkpoint` file (KIP-101,
// KIP-279): for each leader epoch, the first offset written in it. Kafka's text format:
//
//   0            <- format version
//   2            <- number of entries
//   0 0          <- epoch startOffset, one per line, both strictly increasing
//   3 1200
//
// The file is replaced atomically (tmp file, fsync, rename, fsync dir) on every change, so a crash
// leaves the old or the new version. Followers use the cache to find where their log diverges from
// the leader's (OffsetsForLeaderEpoch, Fetch's lastFetchedEpoch/divergingEpoch of KIP-595); the
// leader answers those from it.

import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from '../../storage/errors.js';
import { describeError, errnoCode, writeFileAtomicSync } from '../../storage/file-io.js';

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
const CHECKPOINT_VERSION = 0;

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** What OffsetsForLeaderEpoch answers for one partition. */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

export function formatLeaderEpochCheckpoint(entries: readonly EpochEntry[]): string {
  let text = `${CHECKPOINT_VERSION}\n${entries.length}\n`;
  for (const e of entries) text += `${e.epoch} ${e.startOffset}\n`;
  return text;
}

/** Parses the checkpoint text; throws StorageError naming `file` when it is malformed. */
export function parseLeaderEpochCheckpoint(text: string, file = LEADER_EPOCH_CHECKPOINT_FILE): EpochEntry[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad = (why: string): StorageError => new StorageError(`malformed leader epoch file ${file}: ${why}`);
  if (lines.length < 2) throw bad('missing version or entry count');
  if (lines[0]!.trim() !== String(CHECKPOINT_VERSION)) throw bad(`unsupported version "${lines[0]}"`);
  const count = Number(lines[1]!.trim());
  if (!Number.isSafeInteger(count) || count < 0) throw bad(`bad entry count "${lines[1]}"`);
  if (lines.length - 2 !== count) throw bad(`expected ${count} entries but found ${lines.length - 2}`);
  const entries: EpochEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/);
    const epoch = Number(parts[0]);
    const startOffset = Number(parts[1]);
    if (parts.length !== 2 || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset)) {
      throw bad(`bad line "${lines[i]}"`);
    }
    const prev = entries[entries.length - 1];
    if (epoch < 0 || startOffset < 0 || (prev && (epoch <= prev.epoch || startOffset < prev.startOffset))) {
      throw bad(`entry "${lines[i]}" is not monotonic`);
    }
    entries.push({ epoch, startOffset });
  }
  return entries;
}

export class LeaderEpochCache {
  private entries: EpochEntry[];

  /** `file` null: kept in memory only (tests, and logs that never replicate). */
  constructor(
    private readonly file: string | null,
    entries: EpochEntry[] = [],
  ) {
    this.entries = entries;
  }

  /** Loads `<dir>/leader-epoch-checkpoint` (empty when the file does not exist). */
  static load(dir: string): LeaderEpochCache {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return new LeaderEpochCache(file);
      throw new StorageError(`cannot read ${file}: ${describeError(err)}`, { cause: err });
    }
    return new LeaderEpochCache(file, parseLeaderEpochCheckpoint(text, file));
  }

  get path(): string | null {
    return this.file;
  }

  /** The entries, oldest first. */
  epochEntries(): readonly EpochEntry[] {
    return this.entries;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The newest epoch, UNDEFINED_EPOCH (-1) when none is known. */
  get latestEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    return last ? last.epoch : UNDEFINED_EPOCH;
  }

  get earliestEntry(): EpochEntry | undefined {
    return this.entries[0];
  }

  /** The epoch `offset` was written in: the last entry starting at or before it; -1 when none. */
  epochForOffset(offset: number): number {
    let found = UNDEFINED_EPOCH;
    for (const e of this.entries) {
      if (e.startOffset > offset) break;
      found = e.epoch;
    }
    return found;
  }

  /**
   * Records that `epoch` starts at `startOffset`. As Kafka's assign: an epoch older than the latest
   * is ignored, the latest epoch is only moved to a lower start offset, and entries that would break
   * monotonicity (an equal or newer epoch, or a start offset at or past the new one) are removed.
   * Returns whether the cache changed (and the file was rewritten).
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`invalid leader epoch entry ${epoch} ${startOffset}`);
    }
    const last = this.entries[this.entries.length - 1];
    if (last) {
      if (epoch < last.epoch) return false;
      if (epoch === last.epoch && startOffset >= last.startOffset) return false;
    }
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
    return true;
  }

  /**
   * OffsetsForLeaderEpoch (KIP-101/279): the largest epoch <= `requestedEpoch` this replica knows and
   * the offset where the epoch after it starts (the log end offset for the latest epoch).
   *   - requested UNDEFINED_EPOCH, an empty cache, or an epoch newer than the latest: -1/-1;
   *   - the latest epoch: (latest, logEndOffset);
   *   - older than every entry: (requestedEpoch, start offset of the first entry);
   *   - otherwise: (the floor entry's epoch, start offset of the next higher entry).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedAnswer;
    const latest = this.latestEpoch;
    if (requestedEpoch === latest) return { leaderEpoch: latest, endOffset: logEndOffset };
    let floor: EpochEntry | undefined;
    for (const e of this.entries) {
      if (e.epoch > requestedEpoch) {
        return { leaderEpoch: floor ? floor.epoch : requestedEpoch, endOffset: e.startOffset };
      }
      floor = e;
    }
    return undefinedAnswer;
  }

  /** The log was truncated to `endOffset`: entries starting at or after it go. */
  truncateFromEnd(endOffset: number): void {
    if (endOffset < 0) return;
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /**
   * The log start moved to `startOffset`: entries wholly below it go, and the last one starting at
   * or before it now starts there (Kafka's truncateFromStart).
   */
  truncateFromStart(startOffset: number): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length && this.entries[i]!.startOffset <= startOffset; i++)
      lastBefore = i;
    if (lastBefore < 0) return;
    const first = this.entries[lastBefore]!;
    if (lastBefore === 0 && first.startOffset === startOffset) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.flush();
  }

  /** Forgets every entry (the log was emptied and restarted elsewhere). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.flush();
  }

  private flush(): void {
    if (this.file === null) return;
    try {
      writeFileAtomicSync(this.file, formatLeaderEpochCheckpoint(this.entries));
    } catch (err) {
      throw new StorageError(`cannot write ${this.file}: ${describeError(err)}`, { cause: err });
    }
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOG_OVERHEAD, readInt64 } from '../../../src/protocol/records/batch-header.js';
import {
  DEFAULT_LOG_CONFIG,
  OffsetOutOfRangeError,
  PartitionLog,
  StorageError,
  type LogConfig,
} from '../../../src/storage/index.js';
import {
  batchOffsets,
  buildBatch,
  decodeRecords,
  fakeClock,
  makeAppend,
  makeBatch,
  recordingLogger,
  removeTempDirs,
  tempDir,
} from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  removeTempDirs();
});

function openLog(
  overrides: Partial<LogConfig> = {},
  extra: { dir?: string; now?: () => number; hadCleanShutdown?: boolean; recoveryPoint?: number } = {},
): PartitionLog {
  const dir = extra.dir ?? path.join(tempDir(), 'orders-0');
  return PartitionLog.open({
    dir,
    topic: 'orders',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, ...overrides },
    logger: recordingLogger(),
    hadCleanShutdown: extra.hadCleanShutdown ?? true,
    recoveryPoint: extra.recoveryPoint,
    now: extra.now,
  });
}

let clockTs = 1_700_000_000_000;

/** Appends `n` batches of `perBatch` records (increasing timestamps), one append each; returns the base offsets. */
function fill(log: PartitionLog, n: number, perBatch = 3, valueSize = 40, tag = 'm'): number[] {
  const bases: number[] = [];
  for (let i = 0; i < n; i++) {
    const { records, batches } = makeAppend([
      makeBatch(perBatch, `${tag}${i}`, { valueSize, timestamp: (clockTs += 10) }),
    ]);
    bases.push(log.append(records, batches).baseOffset);
  }
  return bases;
}

function segmentFiles(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort();
}

describe('PartitionLog append and read', () => {
  it('assigns offsets in place and reads whole batches back across segments', () => {
    const log = openLog({ segmentBytes: 1200 });
    const first = makeAppend([makeBatch(3, 'a', { valueSize: 60 }), makeBatch(2, 'b', { valueSize: 60 })]);
    const r1 = log.append(first.records, first.batches, 7);
    expect(r1).toMatchObject({ baseOffset: 0, lastOffset: 4 });
    // baseOffset and partitionLeaderEpoch were written into the caller's buffer
    expect(readInt64(first.records, 0)).toBe(0);
    expect(readInt64(first.records, first.batches[1].position)).toBe(3);
    expect(first.records.readInt32BE(first.batches[1].position + 12)).toBe(7);

    const bases = fill(log, 12, 3, 60);
    expect(bases[0]).toBe(5);
    expect(bases[11]).toBe(5 + 11 * 3);
    expect(log.logEndOffset).toBe(41);
    expect(log.segmentCount).toBeGreaterThan(2);

    const all = log.read(0, 1 << 20);
    expect(all.firstBatchOffset).toBe(0);
    expect(all.logEndOffset).toBe(41);
    const recs = decodeRecords(all.records);
    expect(recs.map((r) => r.offset)).toEqual([...Array(41).keys()]);
    expect(recs[0].value.startsWith('a-0')).toBe(true);
    expect(recs[3].value.startsWith('b-0')).toBe(true);
    expect(recs[5].value.startsWith('m0-0')).toBe(true);
    expect(recs[40].value.startsWith('m11-2')).toBe(true);
    expect(all.records.length).toBe(log.size);

    // the files are Kafka's: 20-digit base offsets; every segment starts at a batch boundary
    const logs = segmentFiles(log.dir, '.log');
    expect(logs.length).toBe(log.segmentCount);
    expect(logs[0]).toBe('00000000000000000000.log');
    expect(log.segmentBaseOffsets.map((b) => String(b).padStart(20, '0') + '.log')).toEqual(logs);
    expect(segmentFiles(log.dir, '.index').length).toBe(log.segmentCount);
    expect(segmentFiles(log.dir, '.timeindex').length).toBe(log.segmentCount);
    log.close();
  });

  it('rolls by size: no segment exceeds segment.bytes and each starts at the log end offset of the roll', () => {
    const batch = makeBatch(3, 'x', { valueSize: 60 });
    const log = openLog({ segmentBytes: batch.length * 3 + 10 });
    fill(log, 10, 3, 60);
    expect(log.segmentCount).toBe(4);
    expect(log.segmentBaseOffsets).toEqual([0, 9, 18, 27]);
    for (const f of segmentFiles(log.dir, '.log')) {
      expect(fs.statSync(path.join(log.dir, f)).size).toBeLessThanOrEqual(batch.length * 3 + 10);
    }
    // an append bigger than segment.bytes still goes into an (empty) segment of its own
    const big = makeAppend([makeBatch(40, 'big', { valueSize: 60 })]);
    expect(big.records.length).toBeGreaterThan(batch.length * 3 + 10);
    log.append(big.records, big.batches);
    expect(log.segmentBaseOffsets.at(-1)).toBe(30);
    expect(log.read(30, 1 << 20).records.equals(big.records)).toBe(true);
    log.close();
  });

  it('rolls by time: segment.ms after the first append of the segment', () => {
    const clock = fakeClock();
    const log = openLog({ segmentMs: 1000 }, { now: clock.now });
    fill(log, 1);
    clock.advance(600);
    fill(log, 1);
    expect(log.segmentCount).toBe(1);
    clock.advance(500); // 1100 ms since the first append
    fill(log, 1);
    expect(log.segmentBaseOffsets).toEqual([0, 6]);
    clock.advance(900); // the new segment counts from its own first append
    fill(log, 1);
    expect(log.segmentCount).toBe(2);
    clock.advance(200);
    fill(log, 1);
    expect(log.segmentBaseOffsets).toEqual([0, 6, 12]);
    log.close();
  });

  it('rolls when an index is full', () => {
    // 24 bytes: 3 offset-index entries, 2 time-index entries (one reserved for the final entry)
    const log = openLog({ segmentIndexBytes: 24, indexIntervalBytes: 0 });
    fill(log, 8);
    expect(log.segmentCount).toBeGreaterThan(2);
    for (const f of segmentFiles(log.dir, 'index')) {
      expect(fs.statSync(path.join(log.dir, f)).size).toBeLessThanOrEqual(24);
    }
    expect(decodeRecords(log.read(0, 1 << 20).records).length).toBe(24);
    log.close();
  });

  it('uses the sparse index to read from any offset in the middle of a segment', () => {
    const log = openLog({ indexIntervalBytes: 400 });
    const bases = fill(log, 60, 3, 30);
    expect(log.segmentCount).toBe(1);
    const indexSize = fs.statSync(path.join(log.dir, '00000000000000000000.index')).size;
    expect(indexSize).toBeGreaterThan(0);
    expect(indexSize).toBeLessThan((60 * 8) / 2); // sparse
    const all = log.read(0, 1 << 20).records;
    for (let offset = 0; offset < log.logEndOffset; offset++) {
      const containing = bases.filter((b) => b <= offset).at(-1)!;
      const r = log.read(offset, 1, { minOneMessage: true });
      expect(r.firstBatchOffset).toBe(containing);
      expect(batchOffsets(r.records)).toEqual([containing]);
      const rest = log.read(offset, 1 << 20);
      expect(rest.firstBatchOffset).toBe(containing);
      // same bytes as the tail of a full read
      expect(rest.records.equals(all.subarray(all.length - rest.records.length))).toBe(true);
    }
    log.close();
  });

  it('continues where the previous read ended (consumer pattern) and respects maxBytes', () => {
    const log = openLog({ indexIntervalBytes: 256, segmentBytes: 4000 });
    fill(log, 40, 2, 50);
    const seen: number[] = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const r = log.read(offset, 700, { minOneMessage: true });
      expect(r.records.length).toBeLessThanOrEqual(700);
      const recs = decodeRecords(r.records);
      seen.push(...recs.map((x) => x.offset));
      offset = recs.at(-1)!.offset + 1;
    }
    expect(seen).toEqual([...Array(80).keys()]);
    log.close();
  });

  it('minOneMessage returns the first batch whole when it alone exceeds maxBytes (KIP-74)', () => {
    const log = openLog();
    fill(log, 3, 5, 100);
    const size = LOG_OVERHEAD + log.read(0, 1 << 20).records.readInt32BE(8);
    expect(log.read(0, size - 1).records.length).toBe(0);
    expect(log.read(0, size - 1).firstBatchOffset).toBeNull();
    const one = log.read(0, size - 1, { minOneMessage: true });
    expect(one.records.length).toBe(size);
    expect(batchOffsets(one.records)).toEqual([0]);
    expect(log.read(0, 5, { minOneMessage: true }).records.length).toBe(size);
    expect(log.read(0, 0, { minOneMessage: true }).records.length).toBe(size);
    // 2.5 batches of room: two whole batches, never a partial one
    expect(batchOffsets(log.read(0, Math.floor(size * 2.5)).records)).toEqual([0, 5]);
    expect(batchOffsets(log.read(0, Math.floor(size * 2.5), { minOneMessage: true }).records)).toEqual([
      0, 5,
    ]);
    log.close();
  });

  it('never returns data at or above maxOffset', () => {
    const log = openLog({ segmentBytes: 1000 });
    fill(log, 12, 3, 40); // offsets 0..35, batches at multiples of 3
    expect(log.segmentCount).toBeGreaterThan(2);
    for (const maxOffset of [0, 1, 3, 4, 9, 10, 17, 18, 30, 35, 36]) {
      const r = log.read(0, 1 << 20, { maxOffset });
      const offsets = decodeRecords(r.records).map((x) => x.offset);
      const expectedEnd = Math.floor(maxOffset / 3) * 3; // a batch holding maxOffset is left out whole
      expect(offsets).toEqual([...Array(expectedEnd).keys()]);
      expect(r.logEndOffset).toBe(36);
    }
    expect(log.read(9, 1 << 20, { maxOffset: 9 }).records.length).toBe(0);
    expect(log.read(10, 1 << 20, { maxOffset: 9 }).records.length).toBe(0);
    expect(log.read(10, 1 << 20, { maxOffset: 11, minOneMessage: true }).records.length).toBe(0);
    expect(batchOffsets(log.read(4, 1 << 20, { maxOffset: 12 }).records)).toEqual([3, 6, 9]);
    log.close();
  });

  it('throws OffsetOutOfRangeError below the log start or above the log end', () => {
    const log = openLog();
    fill(log, 4);
    expect(() => log.read(-1, 100)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(13, 100)).toThrow(OffsetOutOfRangeError);
    const atEnd = log.read(12, 100);
    expect(atEnd).toMatchObject({ firstBatchOffset: null, logStartOffset: 0, logEndOffset: 12 });
    expect(atEnd.records.length).toBe(0);
    expect(log.maybeIncrementLogStartOffset(4)).toBe(true);
    expect(log.logStartOffset).toBe(4);
    let err: unknown;
    try {
      log.read(3, 100);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect(err).toMatchObject({ offset: 3, logStartOffset: 4, logEndOffset: 12 });
    // the batch holding the log start offset is returned whole
    expect(log.read(4, 1 << 20).firstBatchOffset).toBe(3);
    log.close();
  });
});

describe('PartitionLog timestamps', () => {
  function appendWithTimestamps(log: PartitionLog, timestamps: number[][]): number[] {
    return timestamps.map((ts, i) => {
      const { records, batches } = makeAppend([
        buildBatch(ts.map((t, j) => ({ value: `t${i}-${j}`, timestamp: t }))),
      ]);
      return log.append(records, batches).baseOffset;
    });
  }

  it('findBatchByTimestamp returns the first batch whose max timestamp is >= the target', () => {
    const log = openLog({ segmentBytes: 300, indexIntervalBytes: 100 });
    const ts = Array.from({ length: 12 }, (_, i) => [1000 + 10 * i, 1000 + 10 * i + 2]);
    const bases = appendWithTimestamps(log, ts);
    expect(log.segmentCount).toBeGreaterThan(2);
    const check = (target: number, expectedBatch: number | null): void => {
      const found = log.findBatchByTimestamp(target);
      if (expectedBatch === null) {
        expect(found).toBeNull();
        return;
      }
      expect(found?.baseOffset).toBe(bases[expectedBatch]);
      expect(decodeRecords(found!.batch).map((r) => r.timestamp)).toEqual(ts[expectedBatch]);
    };
    check(0, 0);
    check(1000, 0);
    check(1002, 0);
    check(1003, 1);
    for (let i = 0; i < 12; i++) {
      check(1000 + 10 * i + 1, i);
      check(1000 + 10 * i + 2, i);
    }
    check(1000 + 10 * 11 + 3, null);
    expect(log.maxTimestampAndOffset()).toEqual({ timestamp: 1112, offset: 23 });
    log.close();
  });

  it('handles timestamps out of order and keeps them across a clean restart', () => {
    const dir = path.join(tempDir(), 'orders-0');
    const log = openLog({ segmentBytes: 500, indexIntervalBytes: 0 }, { dir });
    // batch 3 has the largest timestamp; later batches are older
    const ts = [[100], [200], [300], [5000, 4000], [400], [500], [600], [700], [800]];
    const bases = appendWithTimestamps(log, ts);
    expect(log.maxTimestampAndOffset()).toEqual({ timestamp: 5000, offset: bases[3] + 1 });
    expect(log.findBatchByTimestamp(450)?.baseOffset).toBe(bases[3]);
    expect(log.findBatchByTimestamp(4500)?.baseOffset).toBe(bases[3]);
    expect(log.findBatchByTimestamp(5001)).toBeNull();
    log.close();
    const again = openLog({ segmentBytes: 500, indexIntervalBytes: 0 }, { dir });
    expect(again.maxTimestampAndOffset()).toEqual({ timestamp: 5000, offset: bases[3] + 1 });
    expect(again.findBatchByTimestamp(450)?.baseOffset).toBe(bases[3]);
    expect(again.findBatchByTimestamp(250)?.baseOffset).toBe(bases[2]);
    again.close();
  });

  it('maxTimestampAndOffset is null for an empty log', () => {
    const log = openLog();
    expect(log.maxTimestampAndOffset()).toBeNull();
    expect(log.findBatchByTimestamp(0)).toBeNull();
    log.close();
  });
});

describe('PartitionLog flush policy and failures', () => {
  it('fsyncs after flush.messages appended messages and advances the recovery point', () => {
    const log = openLog({ flushIntervalMessages: 5 });
    const fsync = vi.spyOn(fs, 'fsyncSync');
    fill(log, 2, 2); // 4 messages
    expect(fsync).not.toHaveBeenCalled();
    expect(log.recoveryPoint).toBe(0);
    expect(log.hasUnflushed).toBe(true);
    fill(log, 1, 2); // 6 messages
    expect(fsync).toHaveBeenCalled();
    expect(log.recoveryPoint).toBe(6);
    expect(log.hasUnflushed).toBe(false);
    fsync.mockClear();
    fill(log, 2, 2);
    expect(fsync).not.toHaveBeenCalled();
    expect(log.recoveryPoint).toBe(6);
    log.close();
  });

  it('does not fsync on append by default; flush() and flushAsync() advance the recovery point', async () => {
    const log = openLog();
    const fsync = vi.spyOn(fs, 'fsyncSync');
    fill(log, 20);
    expect(fsync).not.toHaveBeenCalled();
    expect(log.recoveryPoint).toBe(0);
    log.flush();
    expect(log.recoveryPoint).toBe(60);
    fill(log, 2);
    const pending = log.flushAsync();
    fill(log, 1); // appends continue while the fsync runs
    await pending;
    expect(log.recoveryPoint).toBe(66);
    expect(log.hasUnflushed).toBe(true);
    await log.flushAsync();
    expect(log.recoveryPoint).toBe(69);
    log.close();
  });

  it('rolls back a failed write and stays usable', () => {
    const log = openLog();
    fill(log, 3);
    const file = path.join(log.dir, '00000000000000000000.log');
    const sizeBefore = fs.statSync(file).size;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync')
      .mockImplementationOnce(((fd: number, buf: Buffer, off: number, len: number, pos: number) =>
        real(fd, buf, off, Math.floor(len / 2), pos)) as typeof fs.writeSync) // short write
      .mockImplementationOnce(() => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      });
    const { records, batches } = makeAppend([makeBatch(3, 'fail')]);
    expect(() => log.append(records, batches)).toThrow(StorageError);
    expect(fs.statSync(file).size).toBe(sizeBefore);
    expect(log.logEndOffset).toBe(9);
    expect(log.isOffline).toBe(false);
    vi.restoreAllMocks();
    const ok = makeAppend([makeBatch(3, 'ok')]);
    expect(log.append(ok.records, ok.batches).baseOffset).toBe(9);
    expect(decodeRecords(log.read(9, 1 << 20).records)[0].value).toBe('ok-0');
    log.close();
  });

  it('rolls back the log write when an index write fails', () => {
    const log = openLog({ indexIntervalBytes: 0 });
    fill(log, 2);
    const file = path.join(log.dir, '00000000000000000000.log');
    const sizeBefore = fs.statSync(file).size;
    const indexBefore = fs.readFileSync(path.join(log.dir, '00000000000000000000.index'));
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return (real as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const { records, batches } = makeAppend([makeBatch(3, 'fail')]);
    expect(() => log.append(records, batches)).toThrow(StorageError);
    vi.restoreAllMocks();
    expect(fs.statSync(file).size).toBe(sizeBefore);
    expect(fs.readFileSync(path.join(log.dir, '00000000000000000000.index')).equals(indexBefore)).toBe(true);
    expect(log.logEndOffset).toBe(6);
    fill(log, 1);
    expect(decodeRecords(log.read(0, 1 << 20).records).map((r) => r.offset)).toEqual([...Array(9).keys()]);
    log.close();
  });

  it('goes offline when an fsync fails', () => {
    const logger = recordingLogger();
    const log = PartitionLog.open({
      dir: path.join(tempDir(), 'orders-0'),
      topic: 'orders',
      partition: 0,
      config: DEFAULT_LOG_CONFIG,
      logger,
      hadCleanShutdown: true,
    });
    fill(log, 2);
    vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    expect(() => log.flush()).toThrow(StorageError);
    expect(log.isOffline).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error' && l.obj.topicPartition === 'orders-0')).toBe(true);
    vi.restoreAllMocks();
    const { records, batches } = makeAppend([makeBatch(1, 'x')]);
    expect(() => log.append(records, batches)).toThrow(StorageError);
    expect(() => log.read(0, 100)).toThrow(StorageError);
    log.discard();
  });
});

describe('PartitionLog truncation', () => {
  it('truncateTo drops everything at and after the offset, across segments', () => {
    const dir = path.join(tempDir(), 'orders-0');
    const cfg = { segmentBytes: 1000, indexIntervalBytes: 100 };
    const log = openLog(cfg, { dir });
    fill(log, 15, 3, 40); // 45 offsets
    const segsBefore = log.segmentBaseOffsets;
    expect(segsBefore.length).toBeGreaterThan(3);
    const cut = 15; // a batch boundary inside an early segment
    log.truncateTo(cut);
    expect(log.logEndOffset).toBe(15);
    expect(log.segmentBaseOffsets).toEqual(segsBefore.filter((b) => b <= cut));
    expect(segmentFiles(dir, '.log').length).toBe(log.segmentCount);
    expect(decodeRecords(log.read(0, 1 << 20).records).map((r) => r.offset)).toEqual([...Array(15).keys()]);
    expect(() => log.read(16, 100)).toThrow(OffsetOutOfRangeError);

    // mid-batch: the whole batch holding the offset goes
    log.truncateTo(10);
    expect(log.logEndOffset).toBe(9);
    expect(log.maxTimestampAndOffset()?.offset).toBe(8);

    // appends continue from the new end, and a clean reopen sees the same log
    const bases = fill(log, 3, 3, 40, 'after');
    expect(bases).toEqual([9, 12, 15]);
    log.close();
    const again = openLog(cfg, { dir });
    expect(again.logEndOffset).toBe(18);
    const recs = decodeRecords(again.read(0, 1 << 20).records);
    expect(recs.map((r) => r.offset)).toEqual([...Array(18).keys()]);
    expect(recs[9].value.startsWith('after0-0')).toBe(true);
    again.close();
  });

  it('truncateTo below the log start empties the log and restarts it there', () => {
    const log = openLog({ segmentBytes: 1000 });
    fill(log, 10);
    log.maybeIncrementLogStartOffset(12);
    log.truncateTo(5);
    expect(log.logStartOffset).toBe(5);
    expect(log.logEndOffset).toBe(5);
    expect(log.segmentBaseOffsets).toEqual([5]);
    expect(segmentFiles(log.dir, '.log')).toEqual(['00000000000000000005.log']);
    expect(fill(log, 1)).toEqual([5]);
    log.close();
  });

  it('maybeIncrementLogStartOffset removes segments wholly below the new start', () => {
    const log = openLog({ segmentBytes: 800 });
    fill(log, 12);
    const segs = log.segmentBaseOffsets;
    log.maybeIncrementLogStartOffset(segs[2] + 1);
    expect(log.segmentBaseOffsets).toEqual(segs.slice(2));
    expect(log.logStartOffset).toBe(segs[2] + 1);
    expect(log.maybeIncrementLogStartOffset(1)).toBe(false);
    expect(() => log.maybeIncrementLogStartOffset(1000)).toThrow(OffsetOutOfRangeError);
    log.close();
  });
});

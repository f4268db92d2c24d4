import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  DELETE_HORIZON_FLAG,
  RECORD_COUNT,
  lastOffsetOf,
  readInt64,
} from '../../../src/protocol/records/batch-header.js';
import type { CompressionType } from '../../../src/protocol/records/compression/types.js';
import { buildEndTxnMarkerBatch } from '../../../src/protocol/records/control-record.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { CleanedSegment } from '../../../src/storage/cleaned-segment.js';
import {
  CLEANER_OFFSET_CHECKPOINT_FILE,
  DEFAULT_LOG_CONFIG,
  LogCleaner,
  PartitionLog,
  type LogConfig,
} from '../../../src/storage/index.js';
import {
  describeBatches,
  fakeClock,
  makeAppend,
  recordingLogger,
  removeTempDirs,
  tempDir,
} from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  removeTempDirs();
});

const T0 = 1_700_000_000_000;
const DAY = 24 * 3600 * 1000;

type Entry = [key: string | null, value: string | null];

interface Setup {
  dataDir: string;
  dir: string;
  log: PartitionLog;
  cleaner: LogCleaner;
  clock: ReturnType<typeof fakeClock>;
  logger: ReturnType<typeof recordingLogger>;
  config: LogConfig;
}

function setup(overrides: Partial<LogConfig> = {}): Setup {
  const dataDir = tempDir();
  const dir = path.join(dataDir, 'kv-0');
  const clock = fakeClock(T0);
  const logger = recordingLogger();
  const config: LogConfig = {
    ...DEFAULT_LOG_CONFIG,
    compact: true,
    retentionMs: -1,
    segmentBytes: 1024,
    indexIntervalBytes: 200,
    minCleanableDirtyRatio: 0,
    ...overrides,
  };
  const log = PartitionLog.open({
    dir,
    topic: 'kv',
    partition: 0,
    config,
    logger,
    hadCleanShutdown: true,
    now: clock.now,
  });
  const s: Setup = { dataDir, dir, log, clock, logger, config, cleaner: null! };
  s.cleaner = new LogCleaner({ dataDir, logs: () => [s.log], logger, now: clock.now });
  return s;
}

async function put(
  log: PartitionLog,
  entries: Entry[],
  compression: CompressionType = 'none',
  ts = T0,
): Promise<number> {
  const batch = await encodeRecordBatch({
    records: entries.map(([key, value], i) => ({ key, value, timestamp: ts + i })),
    compression,
  });
  const { records, batches } = makeAppend([batch]);
  return log.append(records, batches).baseOffset;
}

/** A batch of a producer (idempotent, or transactional with `transactional`). */
async function putAs(
  log: PartitionLog,
  producer: { id: number; sequence: number; transactional?: boolean },
  entries: Entry[],
): Promise<number> {
  const batch = await encodeRecordBatch({
    records: entries.map(([key, value], i) => ({ key, value, timestamp: T0 + i })),
    producerId: producer.id,
    producerEpoch: 0,
    baseSequence: producer.sequence,
    transactional: producer.transactional ?? false,
  });
  const { records, batches } = makeAppend([batch]);
  return log.append(records, batches).baseOffset;
}

function putMarker(log: PartitionLog, producerId: number, commit: boolean): number {
  const batch = buildEndTxnMarkerBatch({
    producerId,
    producerEpoch: 0,
    commit,
    coordinatorEpoch: 0,
    timestamp: T0,
  });
  const { records, batches } = makeAppend([batch]);
  return log.append(records, batches).baseOffset;
}

interface Stored {
  offset: number;
  key: string | null;
  value: string | null;
}

/** Every batch from the log start, read through the log (as a fetch would). */
async function readAll(log: PartitionLog): Promise<{ records: Stored[]; batches: Buffer[] }> {
  const records: Stored[] = [];
  const batches: Buffer[] = [];
  let at = log.logStartOffset;
  while (at < log.logEndOffset) {
    const r = log.read(at, 1 << 20, { minOneMessage: true });
    for (const b of describeBatches(r.records)) {
      const raw = r.records.subarray(b.position, b.position + b.size);
      batches.push(Buffer.from(raw));
      at = lastOffsetOf(raw, 0) + 1;
    }
    for (const b of await decodeRecordBatches(r.records)) {
      for (const rec of b.records) {
        records.push({
          offset: rec.offset,
          key: rec.key === null ? null : rec.key.toString(),
          value: rec.value === null ? null : rec.value.toString(),
        });
      }
    }
  }
  return { records, batches };
}

/** Appends `value`-less filler under key `__end__` until the active segment starts after `offset`. */
async function closeUpTo(log: PartitionLog, offset: number): Promise<void> {
  for (let i = 0; log.segmentsForCleaner.at(-1)!.baseOffset <= offset; i++) {
    await put(log, [['__end__', `filler-${i}`.padEnd(200, '.')]]);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('log cleaner', () => {
  it('keeps the latest record per key at its original offset and never touches the active segment', async () => {
    const { log, cleaner } = setup();
    const written = new Map<number, Entry>();
    for (let round = 0; round < 6; round++) {
      for (const k of ['a', 'b', 'c', 'd']) {
        const entry: Entry = [k, `${k}${round}`.padEnd(60, '.')];
        written.set(await put(log, [entry]), entry);
      }
    }
    const lastModel = log.logEndOffset - 1;
    await closeUpTo(log, lastModel);
    const activeBefore = log.segmentsForCleaner.at(-1)!;
    const segmentsBefore = log.segmentCount;

    const stats = await cleaner.cleanLog(log);
    expect(stats).not.toBeNull();
    expect(stats!.recordsRemoved).toBeGreaterThan(0);
    expect(log.segmentsForCleaner.at(-1)).toBe(activeBefore);
    expect(log.segmentCount).toBeLessThanOrEqual(segmentsBefore);

    const { records, batches } = await readAll(log);
    const model = records.filter((r) => r.offset <= lastModel);
    expect(model.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd']);
    for (const r of model) expect(written.get(r.offset)).toEqual([r.key, r.value]);
    expect(model.map((r) => r.value!.slice(0, 2))).toEqual(['a5', 'b5', 'c5', 'd5']);
    // batch offsets strictly increase; every offset read once
    const lastOffsets = batches.map((b) => lastOffsetOf(b, 0));
    for (let i = 1; i < lastOffsets.length; i++) expect(lastOffsets[i]).toBeGreaterThan(lastOffsets[i - 1]!);
    expect(new Set(records.map((r) => r.offset)).size).toBe(records.length);
    expect(log.logEndOffset).toBe(lastOffsets.at(-1)! + 1);
    expect(cleaner.checkpointOf('kv-0')).toBe(activeBefore.baseOffset);
    log.close();
  });

  it('keeps the last batch of each cleaned segment as an empty batch so its offsets stay covered', async () => {
    // ~73-byte batches, two per segment; each segment is cleaned into its own new segment
    const { log, cleaner } = setup({ segmentBytes: 150 });
    await put(log, [['k', 'old']]);
    await put(log, [['x', 'x1']]);
    await put(log, [['x', 'x2']]);
    await put(log, [['k', 'new']]);
    await put(log, [['z', 'active']]);
    expect(log.segmentBaseOffsets).toEqual([0, 2, 4]);
    await cleaner.cleanLog(log);
    const { records, batches } = await readAll(log);
    expect(records.map((r) => [r.offset, r.value])).toEqual([
      [2, 'x2'],
      [3, 'new'],
      [4, 'active'],
    ]);
    // offset 0 went; offset 1, the last of its segment, stays as a batch without records
    expect(batches.map((b) => [readInt64(b, 0), lastOffsetOf(b, 0), b.readInt32BE(RECORD_COUNT)])).toEqual([
      [1, 1, 0],
      [2, 2, 1],
      [3, 3, 1],
      [4, 4, 1],
    ]);
    expect(log.segmentBaseOffsets).toEqual([0, 2, 4]);
    log.close();
  });

  it('sets a delete horizon on tombstones and removes them once delete.retention.ms has passed', async () => {
    const { log, cleaner, clock } = setup({ deleteRetentionMs: DAY });
    await put(log, [['gone', 'v1']]);
    await put(log, [['kept', 'v1']]);
    await put(log, [['gone', null]]);
    const last = log.logEndOffset - 1;
    await closeUpTo(log, last);

    await cleaner.cleanLog(log);
    let all = await readAll(log);
    const tombstone = all.records.find((r) => r.key === 'gone')!;
    expect(tombstone.value).toBeNull();
    const horizonBatch = all.batches.find((b) => readInt64(b, 0) === tombstone.offset)!;
    expect(horizonBatch.readInt16BE(ATTRIBUTES) & DELETE_HORIZON_FLAG).toBe(DELETE_HORIZON_FLAG);
    expect(readInt64(horizonBatch, 27)).toBe(clock.now() + DAY);
    // record timestamps are unchanged by the new base timestamp
    const [decoded] = await decodeRecordBatches(horizonBatch);
    expect(decoded!.records[0]!.timestamp).toBe(T0);

    // not yet: the horizon is a day away
    clock.advance(DAY - 1);
    expect(cleaner.cleanableRange(log, clock.now())!.tombstonesExpired).toBe(false);
    expect(await cleaner.runOnce()).toBeNull();
    clock.advance(1);
    expect(cleaner.cleanableRange(log, clock.now())!.tombstonesExpired).toBe(true);
    const stats = await cleaner.runOnce();
    expect(stats!.tombstonesRemoved).toBe(1);
    all = await readAll(log);
    expect(all.records.filter((r) => r.offset <= last).map((r) => [r.key, r.value])).toEqual([
      ['kept', 'v1'],
    ]);
    log.close();
  });

  it('re-compresses rebuilt batches with their own codec', async () => {
    const { log, cleaner } = setup({ segmentBytes: 1 << 20 });
    const codecs: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
    for (const codec of codecs) {
      await put(
        log,
        [
          [`${codec}-a`, 'first'],
          [`${codec}-b`, 'keep'],
          [`${codec}-a`, 'second'],
        ],
        codec,
      );
    }
    log.roll();
    await put(log, [['z', 'active']]);
    const stats = await cleaner.cleanLog(log);
    expect(stats!.recordsRemoved).toBe(4);
    const { records, batches } = await readAll(log);
    const ids = batches.slice(0, 4).map((b) => b.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK);
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(records.filter((r) => r.key !== 'z').map((r) => [r.offset, r.key, r.value])).toEqual(
      codecs.flatMap((c, i) => [
        [i * 3 + 1, `${c}-b`, 'keep'],
        [i * 3 + 2, `${c}-a`, 'second'],
      ]),
    );
    // the last offset of each batch is the original one
    expect(batches.slice(0, 4).map((b) => lastOffsetOf(b, 0))).toEqual([2, 5, 8, 11]);
    log.close();
  });

  it('drops aborted transactional records, which never hide a committed value', async () => {
    const { log, cleaner } = setup({ segmentBytes: 1 << 20 });
    await put(log, [['k', 'committed']]); // 0
    await putAs(log, { id: 7, sequence: 0, transactional: true }, [
      ['k', 'aborted'],
      ['j', 'aborted'],
    ]); // 1-2
    putMarker(log, 7, false); // 3
    await putAs(log, { id: 8, sequence: 0, transactional: true }, [['j', 'in a commit']]); // 4
    putMarker(log, 8, true); // 5
    log.roll();
    await put(log, [['z', 'active']]);
    await cleaner.cleanLog(log);
    const { records, batches } = await readAll(log);
    const markers = new Set([3, 5]);
    expect(records.filter((r) => !markers.has(r.offset)).map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'k', 'committed'],
      [4, 'j', 'in a commit'],
      [6, 'z', 'active'],
    ]);
    // both markers stay; the aborted batch loses its records, and its header stays (empty) because
    // it is producer 7's last batch
    const headers = batches.map((b) => [readInt64(b, 0), b.readInt32BE(RECORD_COUNT)]);
    expect(headers).toEqual([
      [0, 1],
      [1, 0],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
    ]);
    log.close();
  });

  it('does not clean from the first offset of a transaction that is still open', async () => {
    const { log, cleaner } = setup({ segmentBytes: 1 << 20 });
    await put(log, [['k', 'v0']]); // 0
    await put(log, [['k', 'v1']]); // 1
    await putAs(log, { id: 7, sequence: 0, transactional: true }, [['k', 'open']]); // 2, no marker yet
    await put(log, [['k', 'v3']]); // 3
    log.roll();
    await put(log, [['z', 'active']]);
    await cleaner.cleanLog(log);
    expect((await readAll(log)).records.map((r) => [r.offset, r.value])).toEqual([
      [1, 'v1'],
      [2, 'open'],
      [3, 'v3'],
      [4, 'active'],
    ]);
    expect(cleaner.checkpointOf('kv-0')).toBe(2);
    log.close();
  });

  it('keeps the last batch of an active producer, emptied, so its sequence numbers survive', async () => {
    const { log, cleaner, clock } = setup({ segmentBytes: 1 << 20 });
    await putAs(log, { id: 9, sequence: 0 }, [['k', 'a']]); // 0
    await putAs(log, { id: 9, sequence: 1 }, [
      ['k', 'b'],
      ['j', 'b'],
    ]); // 1-2
    await put(log, [
      ['k', 'c'],
      ['j', 'c'],
    ]); // 3-4
    await put(log, [['x', 'y']]); // 5
    log.roll();
    await put(log, [['z', 'active']]);
    await cleaner.cleanLog(log);
    let all = await readAll(log);
    const producerBatch = all.batches.find((b) => readInt64(b, 43) === 9)!;
    expect([readInt64(producerBatch, 0), lastOffsetOf(producerBatch, 0)]).toEqual([1, 2]);
    expect(producerBatch.readInt32BE(RECORD_COUNT)).toBe(0);
    expect(producerBatch.readInt32BE(53)).toBe(1); // base sequence
    expect(all.records.map((r) => r.value)).toEqual(['c', 'c', 'y', 'active']);

    // once the producer is idle past producer.id.expiration.ms its header may go too
    clock.advance(2 * DAY);
    await cleaner.cleanLog(log);
    all = await readAll(log);
    expect(all.batches.some((b) => readInt64(b, 43) === 9)).toBe(false);
    log.close();
  });

  it('drops records without a key', async () => {
    const { log, cleaner } = setup({ segmentBytes: 1 << 20 });
    await put(log, [
      [null, 'no key'],
      ['k', 'v'],
    ]);
    log.roll();
    await put(log, [['z', 'active']]);
    await cleaner.cleanLog(log);
    expect((await readAll(log)).records.map((r) => r.value)).toEqual(['v', 'active']);
    log.close();
  });

  it('respects min.cleanable.dirty.ratio and min.compaction.lag.ms', async () => {
    const s = setup({ minCleanableDirtyRatio: 0.5, segmentBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) await put(s.log, [['k', `v${i}`]]);
    s.log.roll();
    await put(s.log, [['z', 'active']]);
    const range = s.cleaner.cleanableRange(s.log, s.clock.now())!;
    expect(range.dirtyRatio).toBe(1);
    expect(await s.cleaner.runOnce()).not.toBeNull();
    // all clean now: below the ratio, nothing to do
    expect(s.cleaner.cleanableRange(s.log, s.clock.now())!.dirtyRatio).toBe(0);
    expect(await s.cleaner.runOnce()).toBeNull();
    s.log.close();

    const lagged = setup({ minCompactionLagMs: 60_000, segmentBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) await put(lagged.log, [['k', `v${i}`]], 'none', T0);
    lagged.log.roll();
    await put(lagged.log, [['z', 'active']]);
    // the closed segment's newest record (T0 + 0) is younger than the lag at T0 + 1 s
    lagged.clock.advance(1000);
    expect(lagged.cleaner.cleanableRange(lagged.log, lagged.clock.now())!.dirtyBytes).toBe(0);
    expect(await lagged.cleaner.runOnce()).toBeNull();
    lagged.clock.advance(60_000);
    expect(await lagged.cleaner.runOnce()).not.toBeNull();
    expect((await readAll(lagged.log)).records.map((r) => r.value)).toEqual(['v9', 'active']);
    lagged.log.close();
  });

  it('cleans partitions whose oldest dirty record passed max.compaction.lag.ms whatever the ratio', async () => {
    const s = setup({ minCleanableDirtyRatio: 1, maxCompactionLagMs: 60_000, segmentBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) await put(s.log, [['k', `v${i}`]], 'none', T0);
    s.log.roll();
    await put(s.log, [['z', 'active']]);
    expect(await s.cleaner.runOnce()).toBeNull();
    s.clock.advance(61_000);
    expect(s.cleaner.cleanableRange(s.log, s.clock.now())!.compactionLagExceeded).toBe(true);
    expect(await s.cleaner.runOnce()).not.toBeNull();
    s.log.close();
  });

  it('persists its checkpoint, and cleaned segments load after a restart', async () => {
    const s = setup();
    for (let i = 0; i < 40; i++) await put(s.log, [[`k${i % 5}`, `v${i}`.padEnd(50, '.')]]);
    const last = s.log.logEndOffset - 1;
    await closeUpTo(s.log, last);
    await s.cleaner.cleanLog(s.log);
    const before = await readAll(s.log);
    const checkpoint = s.cleaner.checkpointOf('kv-0');
    s.log.close();
    expect(fs.readFileSync(path.join(s.dataDir, CLEANER_OFFSET_CHECKPOINT_FILE), 'utf8')).toContain(
      `kv 0 ${checkpoint}`,
    );
    const reopened = PartitionLog.open({
      dir: s.dir,
      topic: 'kv',
      partition: 0,
      config: s.config,
      logger: s.logger,
      hadCleanShutdown: false,
    });
    expect(await readAll(reopened)).toEqual(before);
    const again = new LogCleaner({
      dataDir: s.dataDir,
      logs: () => [reopened],
      logger: s.logger,
      now: s.clock.now,
    });
    expect(again.checkpointOf('kv-0')).toBe(checkpoint);
    reopened.close();
  });

  it('a crash after the swap started is completed at the next start; .cleaned leftovers are removed', async () => {
    const s = setup({ segmentBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) await put(s.log, [['k', `v${i}`]]);
    s.log.roll();
    for (let i = 0; i < 10; i++) await put(s.log, [['j', `w${i}`]]);
    s.log.roll();
    await put(s.log, [['z', 'active']]);
    const [first, second] = s.log.segmentsForCleaner;
    // a cleaned segment replacing both: k's and j's last values, as the cleaner would write them
    const cleaned = CleanedSegment.create(s.dir, 0, s.config.segmentIndexBytes, s.config.indexIntervalBytes);
    const keep: Buffer[] = [];
    const r = s.log.read(0, 1 << 20);
    for (const b of describeBatches(r.records)) {
      const base = readInt64(r.records, b.position);
      if (base === 9 || base === 19)
        keep.push(Buffer.from(r.records.subarray(b.position, b.position + b.size)));
    }
    const buf = Buffer.concat(keep);
    await cleaned.append(
      buf,
      buf.length,
      keep.map((b) => ({ size: b.length, lastOffset: lastOffsetOf(b, 0), maxTimestamp: readInt64(b, 35) })),
    );
    await cleaned.finish();
    await cleaned.prepareSwap();
    // crash: the old segments are still there, next to the swap files; a stray .cleaned too
    fs.writeFileSync(path.join(s.dir, '00000000000000000005.log.cleaned'), 'junk');
    s.log.discard();
    expect(first!.baseOffset).toBe(0);
    expect(second!.baseOffset).toBe(10);

    const logger = recordingLogger();
    const reopened = PartitionLog.open({
      dir: s.dir,
      topic: 'kv',
      partition: 0,
      config: s.config,
      logger,
      hadCleanShutdown: false,
    });
    expect(logger.lines.some((l) => l.msg === 'completed an interrupted segment swap')).toBe(true);
    expect(reopened.segmentBaseOffsets).toEqual([0, 20]);
    expect((await readAll(reopened)).records.map((x) => [x.offset, x.value])).toEqual([
      [9, 'v9'],
      [19, 'w9'],
      [20, 'active'],
    ]);
    expect(fs.readdirSync(s.dir).filter((f) => /cleaned|swap/.test(f))).toEqual([]);
    reopened.close();
  });

  it('a crash in the middle of the swap (old files renamed away, indexes in place) is completed at the next start', async () => {
    const s = setup({ segmentBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) await put(s.log, [['k', `v${i}`]]);
    s.log.roll();
    await put(s.log, [['z', 'active']]);
    const r = s.log.read(0, 1 << 20, { maxOffset: 5 });
    const last = describeBatches(r.records).at(-1)!;
    const keep = Buffer.from(r.records.subarray(last.position, last.position + last.size));
    const cleaned = CleanedSegment.create(s.dir, 0, s.config.segmentIndexBytes, s.config.indexIntervalBytes);
    await cleaned.append(keep, keep.length, [
      { size: keep.length, lastOffset: 4, maxTimestamp: readInt64(keep, 35) },
    ]);
    await cleaned.finish();
    await cleaned.prepareSwap();
    // what completeSwap had done when the process died: old files renamed to .deleted, the index
    // swap files renamed into place, the log swap file not yet
    for (const suffix of ['.log', '.index', '.timeindex']) {
      const f = path.join(s.dir, `00000000000000000000${suffix}`);
      if (fs.existsSync(f)) fs.renameSync(f, `${f}.deleted`);
    }
    for (const suffix of ['.index', '.timeindex']) {
      const f = path.join(s.dir, `00000000000000000000${suffix}`);
      fs.renameSync(`${f}.swap`, f);
    }
    s.log.discard();
    const reopened = PartitionLog.open({
      dir: s.dir,
      topic: 'kv',
      partition: 0,
      config: s.config,
      logger: recordingLogger(),
      hadCleanShutdown: false,
    });
    expect((await readAll(reopened)).records.map((x) => [x.offset, x.value])).toEqual([
      [4, 'v4'],
      [5, 'active'],
    ]);
    expect(fs.readdirSync(s.dir).filter((f) => /deleted|swap|cleaned/.test(f))).toEqual([]);
    reopened.close();
  });

  it('abandons a pass whose segments were deleted meanwhile and leaves no files behind', async () => {
    const s = setup({ segmentBytes: 600, retentionMs: 1 });
    for (let i = 0; i < 30; i++) await put(s.log, [[`k${i % 3}`, `v${i}`.padEnd(80, '.')]]);
    await closeUpTo(s.log, s.log.logEndOffset - 1);
    // retention runs while the cleaner waits for its fsync
    const finish = CleanedSegment.prototype.finish;
    vi.spyOn(CleanedSegment.prototype, 'finish').mockImplementation(function (this: CleanedSegment) {
      s.log.deleteOldSegments(() => true);
      return finish.call(this);
    });
    expect(await s.cleaner.cleanLog(s.log)).toBeNull();
    expect(s.logger.lines.some((l) => l.msg === 'log cleaning abandoned')).toBe(true);
    expect(fs.readdirSync(s.dir).filter((f) => /cleaned|swap/.test(f))).toEqual([]);
    s.log.close();
  });

  it('a random keyed workload with tombstones: exactly the latest value per live key, offsets unchanged', async () => {
    const s = setup({ segmentBytes: 2048, deleteRetentionMs: 1000 });
    const rand = mulberry32(20261201);
    const codecs: CompressionType[] = ['none', 'none', 'gzip', 'snappy', 'lz4', 'zstd'];
    const latest = new Map<string, { value: string | null; offset: number }>();
    const written = new Map<number, Entry>();
    for (let op = 0; op < 600; op++) {
      const n = 1 + Math.floor(rand() * 4);
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const key = `key-${Math.floor(rand() * 60)}`;
        const value = rand() < 0.12 ? null : `value-${op}-${i}-${'x'.repeat(Math.floor(rand() * 40))}`;
        entries.push([key, value]);
      }
      const base = await put(s.log, entries, codecs[Math.floor(rand() * codecs.length)]!);
      entries.forEach((e, i) => {
        written.set(base + i, e);
        latest.set(e[0]!, { value: e[1], offset: base + i });
      });
      // passes now and then while writing, as the background cleaner would run
      if (op % 150 === 149) await s.cleaner.cleanLog(s.log);
    }
    const lastModel = s.log.logEndOffset - 1;
    await closeUpTo(s.log, lastModel);
    await s.cleaner.cleanLog(s.log); // sets the horizons
    s.clock.advance(1000);
    await s.cleaner.cleanLog(s.log); // removes the tombstones

    const { records } = await readAll(s.log);
    const model = records.filter((r) => r.offset <= lastModel);
    const live = [...latest].filter(([, v]) => v.value !== null).sort((a, b) => a[1].offset - b[1].offset);
    expect(model.map((r) => [r.offset, r.key, r.value])).toEqual(
      live.map(([k, v]) => [v.offset, k, v.value]),
    );
    for (const r of model) expect(written.get(r.offset)).toEqual([r.key, r.value]);
    s.log.close();
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_OVERHEAD, RECORDS } from '../../../src/protocol/records/batch-header.js';
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig } from '../../../src/storage/index.js';
import {
  decodeRecords,
  describeBatches,
  makeAppend,
  makeBatch,
  recordingLogger,
  removeTempDirs,
  tempDir,
} from './helpers.js';

afterEach(removeTempDirs);

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 1500, indexIntervalBytes: 200 };

interface Opened {
  log: PartitionLog;
  logger: ReturnType<typeof recordingLogger>;
}

function open(dir: string, opts: { clean: boolean; recoveryPoint?: number; config?: LogConfig }): Opened {
  const logger = recordingLogger();
  const log = PartitionLog.open({
    dir,
    topic: 'events',
    partition: 3,
    config: opts.config ?? CONFIG,
    logger,
    hadCleanShutdown: opts.clean,
    recoveryPoint: opts.recoveryPoint,
  });
  return { log, logger };
}

let ts = 1_700_000_000_000;

function fill(log: PartitionLog, n: number, perBatch = 3): void {
  for (let i = 0; i < n; i++) {
    const { records, batches } = makeAppend([
      makeBatch(perBatch, `v${log.logEndOffset}`, { valueSize: 40, timestamp: (ts += 10) }),
    ]);
    log.append(records, batches);
  }
}

function newDir(): string {
  return path.join(tempDir(), 'events-3');
}

function file(dir: string, base: number, suffix: string): string {
  return path.join(dir, String(base).padStart(20, '0') + suffix);
}

/** Snapshot of every file in the dir (name -> bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f))]),
  );
}

function offsets(log: PartitionLog): number[] {
  return decodeRecords(log.read(log.logStartOffset, 1 << 24).records).map((r) => r.offset);
}

describe('restart', () => {
  it('reopens after a clean close with all data, indexes untouched and the recovery point at the end', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    const before = a.log.read(0, 1 << 24).records;
    const segs = a.log.segmentBaseOffsets;
    a.log.close();
    const files = snapshot(dir);

    const b = open(dir, { clean: true });
    expect(b.log.logEndOffset).toBe(90);
    expect(b.log.recoveryPoint).toBe(90);
    expect(b.log.segmentBaseOffsets).toEqual(segs);
    expect(b.log.recoveryStats).toEqual({ segmentsScanned: 0, bytesTruncated: 0, segmentsDeleted: 0 });
    expect(b.log.read(0, 1 << 24).records.equals(before)).toBe(true);
    expect(b.logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
    expect(snapshot(dir)).toEqual(files);
    fill(b.log, 1);
    expect(b.log.logEndOffset).toBe(93);
    b.log.close();
  });

  it('after an unclean stop with intact files, scans from the recovery point and loses nothing', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    a.log.discard(); // crash: no flush, no final index entries
    const b = open(dir, { clean: false, recoveryPoint: 0 });
    expect(b.log.logEndOffset).toBe(90);
    expect(b.log.recoveryStats.bytesTruncated).toBe(0);
    expect(b.log.recoveryStats.segmentsScanned).toBe(b.log.segmentCount);
    expect(b.log.recoveryPoint).toBe(90);
    expect(offsets(b.log)).toEqual([...Array(90).keys()]);
    b.log.close();
  });
});

describe('recovery after an unclean stop', () => {
  it('truncates a batch cut short at the tail', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 20);
    const last = a.log.segmentBaseOffsets.at(-1)!;
    a.log.discard();
    const logFile = file(dir, last, '.log');
    const size = fs.statSync(logFile).size;
    const batches = describeBatches(fs.readFileSync(logFile));
    const lastBatch = batches.at(-1)!;
    fs.truncateSync(logFile, size - 20); // torn write in the middle of the last batch

    const b = open(dir, { clean: false, recoveryPoint: last });
    expect(b.log.logEndOffset).toBe(57);
    expect(fs.statSync(logFile).size).toBe(lastBatch.position);
    expect(offsets(b.log)).toEqual([...Array(57).keys()]);
    const warn = b.logger.lines.find((l) => l.level === 'warn');
    expect(warn?.obj).toMatchObject({
      topicPartition: 'events-3',
      segment: String(last).padStart(20, '0') + '.log',
      offset: 57,
      position: lastBatch.position,
      bytesTruncated: lastBatch.size - 20,
    });
    // the log goes on from the last whole batch
    fill(b.log, 1);
    expect(offsets(b.log)).toEqual([...Array(60).keys()]);
    b.log.close();
  });

  it('truncates from a corrupted batch in the middle, dropping later segments too', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    const segs = a.log.segmentBaseOffsets;
    expect(segs.length).toBeGreaterThanOrEqual(4);
    a.log.flush();
    a.log.discard();

    // flip a byte inside a record of a batch in the middle of the second segment
    const victim = file(dir, segs[1], '.log');
    const bytes = fs.readFileSync(victim);
    const batches = describeBatches(bytes);
    const mid = batches[Math.floor(batches.length / 2)];
    bytes[mid.position + RECORDS + 5] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    const laterBytes = segs.slice(2).reduce((n, b) => n + fs.statSync(file(dir, b, '.log')).size, 0);
    const badOffset = segs[1] + 3 * Math.floor(batches.length / 2);

    const b = open(dir, { clean: false, recoveryPoint: segs[1] });
    expect(b.log.logEndOffset).toBe(badOffset);
    expect(b.log.segmentBaseOffsets).toEqual(segs.slice(0, 2));
    for (const base of segs.slice(2)) {
      expect(fs.existsSync(file(dir, base, '.log'))).toBe(false);
      expect(fs.existsSync(file(dir, base, '.index'))).toBe(false);
      expect(fs.existsSync(file(dir, base, '.timeindex'))).toBe(false);
    }
    expect(fs.statSync(victim).size).toBe(mid.position);
    expect(offsets(b.log)).toEqual([...Array(badOffset).keys()]);
    const warn = b.logger.lines.find((l) => l.level === 'warn');
    expect(warn?.obj).toMatchObject({
      topicPartition: 'events-3',
      segment: String(segs[1]).padStart(20, '0') + '.log',
      offset: badOffset,
      bytesTruncated: bytes.length - mid.position + laterBytes,
      laterSegmentsDeleted: segs.length - 2,
      reason: 'CRC32C mismatch',
    });
    b.log.close();
  });

  it('does not scan segments wholly before the recovery point', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    const segs = a.log.segmentBaseOffsets;
    a.log.close();
    // corrupt the first segment; a recovery point in the third segment means it is trusted
    const first = file(dir, segs[0], '.log');
    const bytes = fs.readFileSync(first);
    bytes[RECORDS + 3] ^= 0xff;
    fs.writeFileSync(first, bytes);
    const b = open(dir, { clean: false, recoveryPoint: segs[2] + 1 });
    expect(b.log.logEndOffset).toBe(90);
    expect(b.log.recoveryStats.segmentsScanned).toBe(segs.length - 2);
    b.log.close();
  });

  it('truncates garbage after the last batch (zero-filled blocks after a power loss)', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 3);
    a.log.discard();
    const logFile = file(dir, 0, '.log');
    const size = fs.statSync(logFile).size;
    fs.appendFileSync(logFile, Buffer.alloc(4096));
    const b = open(dir, { clean: false });
    expect(b.log.logEndOffset).toBe(9);
    expect(fs.statSync(logFile).size).toBe(size);
    expect(b.logger.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({ bytesTruncated: 4096 });
    b.log.close();
  });

  it('truncates a batch whose offsets go backwards', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 3);
    a.log.discard();
    const logFile = file(dir, 0, '.log');
    // append a well-formed batch (valid CRC) claiming offset 0 again
    fs.appendFileSync(logFile, makeBatch(2, 'dup'));
    const b = open(dir, { clean: false });
    expect(b.log.logEndOffset).toBe(9);
    expect(String(b.logger.lines.find((l) => l.level === 'warn')?.obj.reason)).toMatch(/do not follow/);
    b.log.close();
  });
});

describe('index rebuild', () => {
  it('rebuilds a deleted offset index after a clean shutdown, identical to the original', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    const segs = a.log.segmentBaseOffsets;
    a.log.close();
    const original = fs.readFileSync(file(dir, segs[0], '.index'));
    const originalTime = fs.readFileSync(file(dir, segs[0], '.timeindex'));
    expect(original.length).toBeGreaterThan(0);
    fs.unlinkSync(file(dir, segs[0], '.index'));

    const b = open(dir, { clean: true });
    const info = b.logger.lines.find((l) => l.msg === 'rebuilding segment indexes');
    expect(info?.obj).toMatchObject({ topicPartition: 'events-3', segment: '00000000000000000000.log' });
    expect(String(info?.obj.reason)).toMatch(/missing/);
    expect(fs.readFileSync(file(dir, segs[0], '.index')).equals(original)).toBe(true);
    expect(fs.readFileSync(file(dir, segs[0], '.timeindex')).equals(originalTime)).toBe(true);
    expect(b.log.logEndOffset).toBe(90);
    for (const o of [0, 1, 5, 10, 17, segs[1] - 1]) {
      expect(b.log.read(o, 1, { minOneMessage: true }).firstBatchOffset).toBe(o - (o % 3));
    }
    b.log.close();
  });

  it('rebuilds corrupt or missing indexes of the active segment and of the time index', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 30);
    const segs = a.log.segmentBaseOffsets;
    const last = segs.at(-1)!;
    a.log.close();
    const activeIndex = fs.readFileSync(file(dir, last, '.index'));
    expect(activeIndex.length).toBeGreaterThanOrEqual(8);
    // entries out of order
    const garbage = Buffer.from(activeIndex);
    garbage.writeInt32BE(0x7fff0000, 0);
    fs.writeFileSync(file(dir, last, '.index'), garbage);
    fs.unlinkSync(file(dir, segs[1], '.timeindex'));
    fs.writeFileSync(file(dir, segs[2], '.timeindex'), Buffer.alloc(5));

    const b = open(dir, { clean: true });
    const rebuilt = b.logger.lines
      .filter((l) => l.msg === 'rebuilding segment indexes' || l.msg === 'recovering segment')
      .map((l) => l.obj.segment);
    expect(rebuilt.sort()).toEqual(
      [segs[1], segs[2], last].map((s) => String(s).padStart(20, '0') + '.log').sort(),
    );
    expect(fs.readFileSync(file(dir, last, '.index')).equals(activeIndex)).toBe(true);
    expect(b.log.logEndOffset).toBe(90);
    expect(offsets(b.log)).toEqual([...Array(90).keys()]);
    expect(b.log.findBatchByTimestamp(0)?.baseOffset).toBe(0);
    expect(b.log.maxTimestampAndOffset()).toEqual({ timestamp: ts + 2, offset: 89 });
    b.log.close();
  });
});

describe('leftover files', () => {
  it('removes .deleted, .cleaned and orphan index files, and completes a .swap', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 20);
    const segs = a.log.segmentBaseOffsets;
    expect(segs.length).toBeGreaterThanOrEqual(3);
    a.log.close();
    const seg0 = fs.readFileSync(file(dir, segs[0], '.log'));
    const seg1 = fs.readFileSync(file(dir, segs[1], '.log'));
    fs.writeFileSync(file(dir, 999, '.log.deleted'), 'x');
    fs.writeFileSync(file(dir, 999, '.index.deleted'), 'x');
    fs.writeFileSync(file(dir, 998, '.log.cleaned'), 'x');
    fs.writeFileSync(file(dir, 12345, '.index'), Buffer.alloc(8));
    fs.writeFileSync(file(dir, 12345, '.timeindex'), Buffer.alloc(12));
    // an interrupted cleaner swap: segments 0 and 1 rewritten into one file at base 0
    fs.writeFileSync(file(dir, segs[0], '.log.swap'), Buffer.concat([seg0, seg1]));
    fs.writeFileSync(file(dir, segs[0], '.index.swap'), Buffer.alloc(8));

    const b = open(dir, { clean: true });
    const names = fs.readdirSync(dir).sort();
    expect(names.filter((n) => /deleted|cleaned|swap|12345/.test(n))).toEqual([]);
    expect(b.log.segmentBaseOffsets).toEqual([segs[0], ...segs.slice(2)]);
    expect(fs.existsSync(file(dir, segs[1], '.log'))).toBe(false);
    expect(offsets(b.log)).toEqual([...Array(60).keys()]);
    expect(b.logger.lines.some((l) => l.msg === 'completed an interrupted segment swap')).toBe(true);
    b.log.close();
  });

  it('ignores files that are not segments', () => {
    const dir = newDir();
    const a = open(dir, { clean: true });
    fill(a.log, 2);
    a.log.close();
    fs.writeFileSync(path.join(dir, 'leader-epoch-checkpoint'), '0\n0\n');
    fs.writeFileSync(path.join(dir, 'notes.log'), 'hello');
    const b = open(dir, { clean: true });
    expect(b.log.logEndOffset).toBe(6);
    expect(fs.existsSync(path.join(dir, 'notes.log'))).toBe(true);
    b.log.close();
  });

  it('a tiny file with less than a header is recovered to empty', () => {
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file(dir, 0, '.log'), Buffer.alloc(LOG_OVERHEAD + 3, 1));
    const b = open(dir, { clean: false });
    expect(b.log.logEndOffset).toBe(0);
    expect(fs.statSync(file(dir, 0, '.log')).size).toBe(0);
    fill(b.log, 1);
    expect(offsets(b.log)).toEqual([0, 1, 2]);
    b.log.close();
  });
});

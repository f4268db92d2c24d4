import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOG_CONFIG,
  enforceRetention,
  PartitionLog,
  type LogConfig,
} from '../../../src/storage/index.js';
import { makeAppend, makeBatch, recordingLogger, removeTempDirs, tempDir } from './helpers.js';

afterEach(() => removeTempDirs());

function openLog(overrides: Partial<LogConfig>): PartitionLog {
  return PartitionLog.open({
    dir: path.join(tempDir(), 'kept-0'),
    topic: 'kept',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, ...overrides },
    logger: recordingLogger(),
    hadCleanShutdown: true,
  });
}

/** Appends `n` batches of 2 records at the given timestamps (one per batch). */
function fill(log: PartitionLog, timestamps: number[]): void {
  timestamps.forEach((timestamp, i) => {
    const { records, batches } = makeAppend([makeBatch(2, `b${i}`, { valueSize: 100, timestamp })]);
    log.append(records, batches);
  });
}

describe('retention', () => {
  it('retention.bytes deletes the oldest whole segments, never the active one', () => {
    const log = openLog({ segmentBytes: 600 });
    fill(
      log,
      Array.from({ length: 12 }, (_, i) => 1000 + i),
    );
    const segments = log.segmentCount;
    expect(segments).toBeGreaterThan(3);
    // segments hold two ~290-byte batches each: this limit lets exactly the oldest one go
    log.config = { ...log.config, retentionBytes: log.size - 700 };
    const [d] = enforceRetention(log, 2000);
    expect(d).toMatchObject({ reason: 'retention.bytes', segments: 1 });
    expect(log.segmentCount).toBe(segments - 1);
    expect(log.logStartOffset).toBe(log.firstSegmentBaseOffset);

    // even a limit of 0 keeps the active segment
    log.config = { ...log.config, retentionBytes: 0 };
    enforceRetention(log, 2000);
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets[0]);
    expect(log.read(log.logStartOffset, 1 << 20).records.length).toBeGreaterThan(0);
    expect(() => log.read(0, 1 << 20)).toThrow(/out of range/);
    log.close();
  });

  it('retention.ms deletes segments whose newest record is older than the limit, oldest first', () => {
    const log = openLog({ segmentBytes: 600 });
    fill(log, [1000, 1001, 1002, 1003, 5000, 5001, 5002, 5003, 9000, 9001]);
    const bases = log.segmentBaseOffsets;
    log.config = { ...log.config, retentionMs: 3000 };
    const deleted = enforceRetention(log, 9000);
    expect(deleted).toEqual([expect.objectContaining({ reason: 'retention.ms' })]);
    // every remaining closed segment holds a record newer than 9000 - 3000
    expect(log.segmentBaseOffsets.length).toBeLessThan(bases.length);
    expect(log.logStartOffset).toBeGreaterThan(0);
    const kept = log.read(log.logStartOffset, 1 << 20);
    expect(kept.records.length).toBeGreaterThan(0);
    log.close();
  });

  it('-1 (and a cleanup.policy without delete, which the broker maps to -1) keeps everything', () => {
    const log = openLog({ segmentBytes: 600, retentionMs: -1, retentionBytes: -1 });
    fill(
      log,
      Array.from({ length: 8 }, () => 1),
    );
    const segments = log.segmentCount;
    expect(enforceRetention(log, Date.now())).toEqual([]);
    expect(log.segmentCount).toBe(segments);
    log.close();
  });
});

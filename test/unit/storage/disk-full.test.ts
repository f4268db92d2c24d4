// Appends and rolls that fail for lack of space are rolled back: the partition answers
// KAFKA_STORAGE_ERROR (StorageError) without going offline, counts and logs the failure, and the
// next append after space returns succeeds.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_LOG_CONFIG,
  PartitionLog,
  StorageError,
  type LogConfig,
} from '../../../src/storage/index.js';
import { decodeRecords, makeAppend, makeBatch, recordingLogger, removeTempDirs, tempDir } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  removeTempDirs();
});

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

function openLog(overrides: Partial<LogConfig> = {}) {
  const dir = path.join(tempDir(), 'full-0');
  const logger = recordingLogger();
  const errors: string[] = [];
  const log = PartitionLog.open({
    dir,
    topic: 'full',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, ...overrides },
    logger,
    hadCleanShutdown: true,
    observer: { storageError: (_tp, op) => errors.push(op) },
  });
  return { dir, log, logger, errors };
}

function append(log: PartitionLog, tag: string) {
  const { records, batches } = makeAppend([makeBatch(3, tag, { valueSize: 100 })]);
  return log.append(records, batches);
}

describe('disk full on append', () => {
  it('rolls back a short write, stays online, and appends again once space returns', async () => {
    const { dir, log, logger, errors } = openLog();
    append(log, 'a');
    const sizeBefore = log.size;
    // the disk fills in the middle of the next write: part of it lands, then ENOSPC
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((
      fd: number,
      buf: Buffer,
      off: number,
      len: number,
      pos: number,
    ) => {
      if (calls++ === 0) return real(fd, buf, off, Math.floor(len / 2), pos);
      throw enospc();
    }) as typeof fs.writeSync);
    expect(() => append(log, 'b')).toThrow(StorageError);
    expect(() => append(log, 'c')).toThrow(/no space/);
    expect(log.isOffline).toBe(false);
    expect(log.size).toBe(sizeBefore);
    expect(log.logEndOffset).toBe(3);
    expect(errors).toEqual(['append', 'append']);
    // one error line for the run of failures
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    // reads keep working meanwhile
    expect(decodeRecords(log.read(0, 1 << 20).records)).toHaveLength(3);

    vi.restoreAllMocks();
    expect(append(log, 'd').baseOffset).toBe(3);
    expect(logger.lines.some((l) => l.msg === 'appends succeed again')).toBe(true);
    log.close();

    // nothing of the failed writes is left in the files
    const reopened = PartitionLog.open({
      dir,
      topic: 'full',
      partition: 0,
      config: DEFAULT_LOG_CONFIG,
      logger: recordingLogger(),
      hadCleanShutdown: false,
    });
    expect(reopened.recoveryStats.bytesTruncated).toBe(0);
    expect(decodeRecords(reopened.read(0, 1 << 20).records).map((r) => r.value.slice(0, 3))).toEqual([
      'a-0',
      'a-1',
      'a-2',
      'd-0',
      'd-1',
      'd-2',
    ]);
    reopened.close();
  });

  it('a roll whose final time-index entry cannot be written fails the append but keeps the log usable', () => {
    const { log, errors } = openLog({ segmentBytes: 600 });
    append(log, 'a');
    append(log, 'b');
    const segments = log.segmentCount;
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw enospc();
    });
    expect(() => append(log, 'c')).toThrow(StorageError); // needs a roll: the time index write fails
    expect(log.isOffline).toBe(false);
    expect(errors).toEqual(['append']);
    vi.restoreAllMocks();
    expect(append(log, 'c').baseOffset).toBe(6);
    expect(log.segmentCount).toBe(segments + 1);
    log.close();
  });
});

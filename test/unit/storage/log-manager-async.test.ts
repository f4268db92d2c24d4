// LogManager.openAsync (loads one partition at a time, yielding to the event loop) and the storage
// observer (flush latency, rolls, deleted segments) with their log lines.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOG_CONFIG,
  LogManager,
  type LogConfig,
  type StorageObserver,
} from '../../../src/storage/index.js';
import { makeAppend, makeBatch, recordingLogger, removeTempDirs, tempDir } from './helpers.js';

const managers: LogManager[] = [];

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
  removeTempDirs();
});

function config(extra: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...extra };
}

function fill(m: LogManager, partitions: number, batchesEach: number): void {
  for (let p = 0; p < partitions; p++) {
    const log = m.createLog('events', p);
    for (let i = 0; i < batchesEach; i++) {
      const { records, batches } = makeAppend([makeBatch(5, `p${p}-${i}`, { valueSize: 40 })]);
      log.append(records, batches);
    }
  }
}

describe('LogManager.openAsync', () => {
  it('recovers the same logs as open() while the event loop keeps running between partitions', async () => {
    const dataDir = tempDir();
    const first = LogManager.open({
      dataDir,
      config: config({ segmentBytes: 600 }),
      logger: recordingLogger(),
    });
    fill(first, 12, 4);
    const expected = [...first.logs()].map((l) => [l.topicPartition, l.logEndOffset, l.segmentCount]);
    // no close(): the next open sees an unclean shutdown and recovers every partition
    for (const l of first.logs()) l.discard();

    const progress: [number, number][] = [];
    const logger = recordingLogger();
    const opening = LogManager.openAsync({
      dataDir,
      config: config({ segmentBytes: 600 }),
      logger,
      onProgress: (loaded, total) => progress.push([loaded, total]),
    });
    let turnsDuringOpen = 0;
    const counter = (): void => {
      turnsDuringOpen++;
      if (progress.length < 12) setImmediate(counter);
    };
    setImmediate(counter);
    const m = await opening;
    managers.push(m);

    expect(m.hadCleanShutdown).toBe(false);
    expect([...m.logs()].map((l) => [l.topicPartition, l.logEndOffset, l.segmentCount]).sort()).toEqual(
      expected.sort(),
    );
    expect(progress).toHaveLength(12);
    expect(progress[0]).toEqual([1, 12]);
    expect(progress[11]).toEqual([12, 12]);
    // other callbacks ran between the partitions: the open did not hold the event loop throughout
    expect(turnsDuringOpen).toBeGreaterThanOrEqual(6);
    const done = logger.lines.find((l) => l.msg === 'log recovery finished');
    expect(done?.obj).toMatchObject({ logs: 12, hadCleanShutdown: false });
    expect((done?.obj as { segmentsScanned: number }).segmentsScanned).toBeGreaterThan(12);
  });

  it('reports flushes, rolls and deleted segments to the observer, and logs rolls and deletions', async () => {
    const events: string[] = [];
    const flushes: boolean[] = [];
    const observer: StorageObserver = {
      flushed: (seconds, background) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        flushes.push(background);
      },
      segmentRolled: (tp, base) => events.push(`rolled ${tp} ${base}`),
      segmentsDeleted: (tp, n) => events.push(`deleted ${tp} ${n}`),
    };
    const logger = recordingLogger();
    const m = await LogManager.openAsync({
      dataDir: tempDir(),
      config: config({ segmentBytes: 300, flushIntervalMs: 1 }),
      logger,
      observer,
    });
    managers.push(m);
    const log = m.createLog('rolls', 0);
    for (let i = 0; i < 3; i++) {
      const { records, batches } = makeAppend([makeBatch(4, `r${i}`, { valueSize: 40 })]);
      log.append(records, batches);
    }
    expect(log.segmentCount).toBe(3);
    expect(events).toEqual(['rolled rolls-0 4', 'rolled rolls-0 8']);
    const rolled = logger.lines.filter((l) => l.msg === 'segment rolled');
    expect(rolled.map((l) => l.obj)).toEqual([
      expect.objectContaining({ topicPartition: 'rolls-0', baseOffset: 4 }),
      expect.objectContaining({ topicPartition: 'rolls-0', baseOffset: 8 }),
    ]);

    log.maybeIncrementLogStartOffset(9);
    expect(events).toContain('deleted rolls-0 2');
    expect(
      logger.lines.find((l) => l.msg === 'deleted log segments below the log start offset')?.obj,
    ).toMatchObject({ topicPartition: 'rolls-0', segments: 2, logStartOffset: 9 });

    log.flush();
    await new Promise((r) => setTimeout(r, 5));
    log.roll();
    await log.flushAsync();
    expect(flushes).toContain(false);
    expect(flushes).toContain(true);
  });
});

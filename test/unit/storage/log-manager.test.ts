import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLEAN_SHUTDOWN_FILE,
  DEFAULT_LOG_CONFIG,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  LogManager,
  META_PROPERTIES_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  StorageError,
  formatMetaProperties,
  formatOffsetCheckpoint,
  parseMetaProperties,
  parseOffsetCheckpoint,
  parseTopicPartitionDir,
  readMetaProperties,
  readOffsetCheckpoint,
  writeMetaProperties,
  type LogConfig,
  type PartitionLog,
} from '../../../src/storage/index.js';
import {
  decodeRecords,
  fakeClock,
  makeAppend,
  makeBatch,
  recordingLogger,
  removeTempDirs,
  tempDir,
} from './helpers.js';

const managers: LogManager[] = [];

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
  removeTempDirs();
});

function openManager(
  dataDir: string,
  extra: { config?: Partial<LogConfig>; clusterId?: string; nodeId?: number; now?: () => number } = {},
): { m: LogManager; logger: ReturnType<typeof recordingLogger> } {
  const logger = recordingLogger();
  const m = LogManager.open({
    dataDir,
    config: { ...DEFAULT_LOG_CONFIG, ...extra.config },
    logger,
    clusterId: extra.clusterId,
    nodeId: extra.nodeId,
    now: extra.now,
  });
  managers.push(m);
  return { m, logger };
}

function closeManager(m: LogManager): void {
  m.close();
  managers.splice(managers.indexOf(m), 1);
}

function append(log: PartitionLog, batches: number, perBatch = 1): void {
  for (let i = 0; i < batches; i++) {
    const { records, batches: bs } = makeAppend([makeBatch(perBatch, `${log.topic}-${log.logEndOffset}`)]);
    log.append(records, bs);
  }
}

function read(dataDir: string, name: string): string {
  return fs.readFileSync(path.join(dataDir, name), 'utf8');
}

describe('checkpoint files', () => {
  it('are written in Kafka’s exact text format', () => {
    const dataDir = tempDir();
    const { m } = openManager(dataDir);
    append(m.createLog('payments', 1), 2);
    append(m.createLog('payments', 0), 5);
    append(m.createLog('audit-log', 0), 3);
    m.createLog('empty', 7);
    for (const log of m.logs()) log.flush();
    m.checkpoint();
    expect(read(dataDir, RECOVERY_POINT_CHECKPOINT_FILE)).toBe(
      '0\n4\naudit-log 0 3\nempty 7 0\npayments 0 5\npayments 1 2\n',
    );
    // only logs whose start moved past their first segment's base offset are listed, as in Kafka
    expect(read(dataDir, LOG_START_OFFSET_CHECKPOINT_FILE)).toBe('0\n0\n');
    m.getLog('payments', 0)!.maybeIncrementLogStartOffset(3);
    m.checkpoint();
    expect(read(dataDir, LOG_START_OFFSET_CHECKPOINT_FILE)).toBe('0\n1\npayments 0 3\n');
    expect(fs.existsSync(path.join(dataDir, `${RECOVERY_POINT_CHECKPOINT_FILE}.tmp`))).toBe(false);
  });

  it('format and parse round-trip and reject malformed files', () => {
    const entries = [
      { topic: 'a', partition: 0, offset: 10 },
      { topic: 'my-topic-1', partition: 2, offset: 9007199254740991 },
    ];
    const text = formatOffsetCheckpoint(entries);
    expect(text).toBe('0\n2\na 0 10\nmy-topic-1 2 9007199254740991\n');
    expect(parseOffsetCheckpoint(text)).toEqual(entries);
    expect(parseOffsetCheckpoint('0\n0\n')).toEqual([]);
    expect(() => parseOffsetCheckpoint('1\n0\n')).toThrow(StorageError);
    expect(() => parseOffsetCheckpoint('0\n2\na 0 1\n')).toThrow(/expected 2 entries/);
    expect(() => parseOffsetCheckpoint('0\n1\na zero 1\n')).toThrow(StorageError);
    expect(readOffsetCheckpoint(path.join(tempDir(), 'nope'))).toBeNull();
  });

  it('a malformed checkpoint at open is ignored with a warning (full recovery instead)', () => {
    const dataDir = tempDir();
    const first = openManager(dataDir);
    append(first.m.createLog('t', 0), 3);
    closeManager(first.m);
    fs.writeFileSync(path.join(dataDir, RECOVERY_POINT_CHECKPOINT_FILE), 'garbage');
    fs.unlinkSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE));
    const { m, logger } = openManager(dataDir);
    expect(logger.lines.some((l) => l.msg === 'ignoring an unreadable checkpoint file')).toBe(true);
    expect(m.getLog('t', 0)!.logEndOffset).toBe(3);
    expect(read(dataDir, RECOVERY_POINT_CHECKPOINT_FILE)).toBe('0\n1\nt 0 3\n');
  });
});

describe('meta.properties', () => {
  it('round-trips through format and parse', () => {
    const meta = { version: 1, clusterId: 'q1Sh-9_ISia_zwGINzRvyQ', nodeId: 3 };
    const text = formatMetaProperties(meta, new Date(Date.UTC(2024, 0, 2, 10, 0, 0)));
    expect(text).toBe(
      '#\n#Tue Jan 02 10:00:00 UTC 2024\ncluster.id=q1Sh-9_ISia_zwGINzRvyQ\nnode.id=3\nversion=1\n',
    );
    expect(parseMetaProperties(text)).toEqual(meta);
    const dir = tempDir();
    writeMetaProperties(dir, meta);
    expect(readMetaProperties(dir)).toEqual(meta);
  });

  it('reads what Kafka writes, including v0 files and Java properties syntax', () => {
    const kafka =
      '#\n#Thu Mar 14 09:12:01 UTC 2024\nnode.id=1\ndirectory.id=Ej4Wk3rXQ2Ga8kY5p3Xz0Q\nversion=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n';
    expect(parseMetaProperties(kafka)).toEqual({
      version: 1,
      clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
      nodeId: 1,
    });
    expect(parseMetaProperties('! comment\n  version : 0\nbroker.id 5\ncluster.id=ab\\=c\n')).toEqual({
      version: 0,
      clusterId: 'ab=c',
      nodeId: 5,
    });
    expect(() => parseMetaProperties('version=1\nnode.id=1\n')).toThrow(/cluster.id/);
    expect(() => parseMetaProperties('version=2\n')).toThrow(/version/);
  });

  it('is created on first open and checked on later opens', () => {
    const dataDir = tempDir();
    const a = openManager(dataDir, { nodeId: 4 });
    expect(a.m.meta.nodeId).toBe(4);
    expect(a.m.meta.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const clusterId = a.m.meta.clusterId;
    expect(readMetaProperties(dataDir)).toEqual({ version: 1, clusterId, nodeId: 4 });
    closeManager(a.m);
    const b = openManager(dataDir);
    expect(b.m.meta).toEqual({ clusterId, nodeId: 4 });
    closeManager(b.m);
    expect(() =>
      LogManager.open({ dataDir, config: DEFAULT_LOG_CONFIG, logger: recordingLogger(), nodeId: 5 }),
    ).toThrow(/node.id 5 does not match 4/);
    expect(() =>
      LogManager.open({ dataDir, config: DEFAULT_LOG_CONFIG, logger: recordingLogger(), clusterId: 'other' }),
    ).toThrow(/cluster.id/);
    expect(fs.readdirSync(dataDir)).toContain(META_PROPERTIES_FILE);
  });
});

describe('LogManager', () => {
  it('writes the clean-shutdown marker on close and removes it on open', () => {
    const dataDir = tempDir();
    const a = openManager(dataDir);
    expect(a.m.hadCleanShutdown).toBe(true); // a new data dir has nothing to recover
    append(a.m.createLog('t', 0), 2);
    closeManager(a.m);
    expect(fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(read(dataDir, RECOVERY_POINT_CHECKPOINT_FILE)).toBe('0\n1\nt 0 2\n');

    const b = openManager(dataDir);
    expect(b.m.hadCleanShutdown).toBe(true);
    expect(fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    expect(b.m.getLog('t', 0)!.logEndOffset).toBe(2);
    expect(b.logger.lines.find((l) => l.level === 'info' && l.obj.dataDir === dataDir)?.obj).toMatchObject({
      hadCleanShutdown: true,
      logs: 1,
      segmentsScanned: 0,
    });
  });

  it('recovers after a crash (a copy of the data dir taken while running)', () => {
    const dataDir = tempDir();
    const { m } = openManager(dataDir, { config: { segmentBytes: 400 } });
    const log = m.createLog('clicks', 0);
    append(log, 10, 2);
    log.flush();
    m.checkpoint();
    append(log, 3, 2); // not flushed, not checkpointed
    const crashDir = path.join(tempDir(), 'crash');
    fs.cpSync(dataDir, crashDir, { recursive: true });
    // tear the last batch of the crash copy
    const tp = path.join(crashDir, 'clicks-0');
    const last = fs
      .readdirSync(tp)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .at(-1)!;
    const lastFile = path.join(tp, last);
    fs.truncateSync(lastFile, fs.statSync(lastFile).size - 7);

    const { m: r, logger } = openManager(crashDir, { config: { segmentBytes: 400 } });
    expect(r.hadCleanShutdown).toBe(false);
    const recovered = r.getLog('clicks', 0)!;
    expect(recovered.logEndOffset).toBe(24);
    expect(recovered.recoveryPoint).toBe(24);
    expect(decodeRecords(recovered.read(0, 1 << 20).records).map((x) => x.offset)).toEqual([
      ...Array(24).keys(),
    ]);
    expect(logger.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({
      topicPartition: 'clicks-0',
      offset: 24,
    });
    expect(logger.lines.find((l) => l.msg === 'log recovery finished')?.obj).toMatchObject({
      hadCleanShutdown: false,
      logs: 1,
    });
    expect(read(crashDir, RECOVERY_POINT_CHECKPOINT_FILE)).toBe('0\n1\nclicks 0 24\n');
  });

  it('handles a topic named my-topic-1, partition 2', () => {
    const dataDir = tempDir();
    const a = openManager(dataDir);
    const log = a.m.createLog('my-topic-1', 2);
    expect(log.dir).toBe(path.join(dataDir, 'my-topic-1-2'));
    append(log, 4);
    closeManager(a.m);
    expect(parseTopicPartitionDir('my-topic-1-2')).toEqual({ topic: 'my-topic-1', partition: 2 });
    const b = openManager(dataDir);
    const again = b.m.getLog('my-topic-1', 2)!;
    expect(again).toBeDefined();
    expect(again.topic).toBe('my-topic-1');
    expect(again.partition).toBe(2);
    expect(again.logEndOffset).toBe(4);
    expect(b.m.getLog('my-topic', 12)).toBeUndefined();
    expect([...b.m.logs()].length).toBe(1);
  });

  it('ignores directories that are not <topic>-<partition> and finishes interrupted deletions', () => {
    const dataDir = tempDir();
    const a = openManager(dataDir);
    append(a.m.createLog('keep', 0), 1);
    closeManager(a.m);
    for (const d of ['lost+found', 'nodash', 'topic-x', 'bad-01x', 'keep-1.0123456789abcdef-delete']) {
      fs.mkdirSync(path.join(dataDir, d));
    }
    fs.writeFileSync(path.join(dataDir, 'keep-1.0123456789abcdef-delete', '00000000000000000000.log'), 'x');
    const { m, logger } = openManager(dataDir);
    expect([...m.logs()].map((l) => l.topicPartition)).toEqual(['keep-0']);
    expect(fs.existsSync(path.join(dataDir, 'keep-1.0123456789abcdef-delete'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'lost+found'))).toBe(true);
    const ignored = logger.lines
      .filter((l) => l.msg?.startsWith('ignoring a directory'))
      .map((l) => l.obj.dir);
    expect(ignored.map((d) => path.basename(String(d))).sort()).toEqual([
      'bad-01x',
      'lost+found',
      'nodash',
      'topic-x',
    ]);
  });

  it('createLog is idempotent, applies overrides, validates names; deleteLog removes the directory', () => {
    const dataDir = tempDir();
    const { m } = openManager(dataDir);
    const log = m.createLog('t', 0, { segmentBytes: 4096 });
    expect(m.createLog('t', 0)).toBe(log);
    expect(log.config.segmentBytes).toBe(4096);
    expect(log.config.indexIntervalBytes).toBe(DEFAULT_LOG_CONFIG.indexIntervalBytes);
    expect(() => m.createLog('../evil', 0)).toThrow(RangeError);
    expect(() => m.createLog('t', -1)).toThrow(RangeError);
    expect(() => m.createLog('u', 0, { segmentBytes: 1 })).toThrow(/segment.bytes/);
    append(log, 2);
    m.deleteLog('t', 0);
    expect(m.getLog('t', 0)).toBeUndefined();
    expect(fs.readdirSync(dataDir).filter((n) => n.startsWith('t-'))).toEqual([]);
    const fresh = m.createLog('t', 0);
    expect(fresh.logEndOffset).toBe(0);
    m.checkpoint();
    expect(read(dataDir, RECOVERY_POINT_CHECKPOINT_FILE)).toBe('0\n1\nt 0 0\n');
  });

  it('the flush timer fsyncs logs whose flush.ms has passed', async () => {
    const clock = fakeClock();
    const dataDir = tempDir();
    const { m } = openManager(dataDir, { config: { flushIntervalMs: 1000 }, now: clock.now });
    const a = m.createLog('a', 0);
    const b = m.createLog('b', 0, { flushIntervalMs: 5000 });
    append(a, 3);
    append(b, 3);
    clock.advance(500);
    await m.flushDirtyLogs();
    expect(a.recoveryPoint).toBe(0);
    clock.advance(600);
    await m.flushDirtyLogs();
    expect(a.recoveryPoint).toBe(3);
    expect(b.recoveryPoint).toBe(0);
    clock.advance(4000);
    await m.flushDirtyLogs();
    expect(b.recoveryPoint).toBe(3);
  });
});

// All partition logs of one data directory, laid out as Kafka does:
//
//   <dataDir>/meta.properties                     cluster.id, node.id, version
//   <dataDir>/recovery-point-offset-checkpoint    fsynced offset of every log
//   <dataDir>/log-start-offset-checkpoint         log start offsets above the first segment's base
//   <dataDir>/replication-offset-checkpoint       high watermarks (cluster mode, the replica manager)
//   <dataDir>/.kafka_cleanshutdown                present only after a clean close
//   <dataDir>/<topic>-<partition>/<base>.log|.index|.timeindex
//
// open() loads every partition synchronously; openAsync() runs the same steps but yields to the
// event loop between partitions, so a broker recovering a large data directory keeps answering its
// health and readiness endpoints meanwhile. Both remove the clean-shutdown marker first, so a crash
// from then on is detected at the next start.
// Three timers run (all unref'd): a flush timer that fsyncs logs whose flush.ms has passed (async
// fsync, off the event loop), a checkpoint timer (Kafka's log.flush.offset.checkpoint.interval.ms),
// and the retention check (log.retention.check.interval.ms) that deletes expired segments. The log
// cleaner (cleaner.ts) compacts the logs whose cleanup.policy includes compact in the background.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  type TopicPartitionOffset,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
} from './checkpoint-file.js';
import { StorageError } from './errors.js';
import { describeError, fsyncDir, unlinkIfExists, writeFileAtomicSync } from './file-io.js';
import { type LogConfig, resolveLogConfig, validateLogConfig } from './log-config.js';
import {
  META_PROPERTIES_FILE,
  type MetaProperties,
  generateClusterId,
  readMetaProperties,
  writeMetaProperties,
} from './meta-properties.js';
import type { StorageObserver } from './observer.js';
import { PartitionLog } from './partition-log.js';
import { TailBudget } from './recent-appends.js';
import type { StorageLogger } from './recovery.js';
import { type CleanerConfig, LogCleaner } from './cleaner.js';
import { enforceRetention } from './retention.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** Suffix of a partition directory being deleted: `<topic>-<partition>.<uuid>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete';
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;
/** Memory of all partitions' in-memory tails together. */
export const DEFAULT_RECENT_APPENDS_BYTES = 32 * 1024 * 1024;
/** Kafka's log.retention.check.interval.ms default: five minutes. */
export const DEFAULT_RETENTION_CHECK_INTERVAL_MS = 300_000;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export interface LogManagerOptions {
  dataDir: string;
  /** Defaults for every log; createLog() overrides apply per log. */
  config: LogConfig;
  logger: StorageLogger;
  /** Must match meta.properties when it exists; generated for a new data dir when absent. */
  clusterId?: string;
  /** Must match meta.properties when it exists; 0 for a new data dir when absent. */
  nodeId?: number;
  /** How often checkpoint files are written (default 60000, Kafka's default). */
  checkpointIntervalMs?: number;
  /** How often retention deletes expired segments (default 300000, Kafka's default). */
  retentionCheckIntervalMs?: number;
  /** Clock (ms) for segment.ms and flush.ms; Date.now by default. */
  now?: () => number;
  /** Told about flushes, rolls and deleted segments of every log (metrics). */
  observer?: StorageObserver;
  /**
   * Memory for the in-memory tails of all partitions (recent appends served to fetches without a
   * read); default 32 MiB, 0 turns them off.
   */
  recentAppendsBytes?: number;
  /** Called after each partition directory is loaded while opening. */
  onProgress?: (loaded: number, total: number) => void;
  /** The log cleaner's settings (log.cleaner.*); Kafka's defaults when absent. */
  cleaner?: Partial<CleanerConfig>;
}

/** Parses a partition directory name; the partition is the suffix after the last '-'. */
export function parseTopicPartitionDir(name: string): { topic: string; partition: number } | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const topic = name.slice(0, dash);
  const digits = name.slice(dash + 1);
  if (!/^\d{1,10}$/.test(digits) || !isValidTopicName(topic)) return null;
  const partition = Number(digits);
  return partition <= 0x7fff_ffff ? { topic, partition } : null;
}

/** Kafka's legal topic names: [a-zA-Z0-9._-], 1 to 249 chars, not "." or "..". */
export function isValidTopicName(topic: string): boolean {
  return TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..';
}

function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function byTopicPartition(a: PartitionLog, b: PartitionLog): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export class LogManager {
  readonly dataDir: string;
  readonly hadCleanShutdown: boolean;
  readonly meta: { clusterId: string; nodeId: number };
  readonly config: LogConfig;

  private readonly logger: StorageLogger;
  private readonly now: () => number;
  private readonly observer: StorageObserver | undefined;
  private readonly tails: TailBudget | undefined;
  private readonly logsByKey = new Map<string, PartitionLog>();
  private flushTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Compacts the logs whose cleanup.policy includes compact (started with the timers). */
  readonly cleaner: LogCleaner;
  private closed = false;

  private constructor(opts: LogManagerOptions, hadCleanShutdown: boolean, meta: MetaProperties) {
    this.dataDir = opts.dataDir;
    this.config = opts.config;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.observer = opts.observer;
    const tailBytes = opts.recentAppendsBytes ?? DEFAULT_RECENT_APPENDS_BYTES;
    this.tails = tailBytes > 0 ? new TailBudget(tailBytes) : undefined;
    this.hadCleanShutdown = hadCleanShutdown;
    this.meta = Object.freeze({ clusterId: meta.clusterId, nodeId: meta.nodeId });
    this.cleaner = new LogCleaner({
      dataDir: opts.dataDir,
      logs: () => this.logsByKey.values(),
      config: opts.cleaner,
      logger: opts.logger,
      now: this.now,
      observer: opts.observer,
    });
  }

  /** Opens the data dir: meta.properties, clean-shutdown marker, checkpoints, every partition log. */
  static open(opts: LogManagerOptions): LogManager {
    const steps = LogManager.openSteps(opts);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      opts.onProgress?.(step.value.loaded, step.value.total);
    }
  }

  /** open(), yielding to the event loop after each partition directory. */
  static async openAsync(opts: LogManagerOptions): Promise<LogManager> {
    const steps = LogManager.openSteps(opts);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      opts.onProgress?.(step.value.loaded, step.value.total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The steps of opening: one per partition directory, then the manager. */
  private static *openSteps(
    opts: LogManagerOptions,
  ): Generator<{ loaded: number; total: number }, LogManager, void> {
    validateLogConfig(opts.config);
    const { dataDir, logger } = opts;
    const started = Date.now();
    let hadCleanShutdown: boolean;
    let meta: MetaProperties;
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      // A data dir without meta.properties has never held a log: nothing to recover.
      const fresh = !fs.existsSync(path.join(dataDir, META_PROPERTIES_FILE));
      meta = LogManager.loadMeta(opts);
      const marker = path.join(dataDir, CLEAN_SHUTDOWN_FILE);
      hadCleanShutdown = unlinkIfExists(marker) || fresh;
      if (hadCleanShutdown) fsyncDir(dataDir);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageError(`cannot open data dir ${dataDir}: ${describeError(err)}`, { cause: err });
    }
    const manager = new LogManager(opts, hadCleanShutdown, meta);
    const recoveryPoints = manager.readCheckpoint(RECOVERY_POINT_CHECKPOINT_FILE);
    const logStartOffsets = manager.readCheckpoint(LOG_START_OFFSET_CHECKPOINT_FILE);

    let segmentsScanned = 0;
    let bytesTruncated = 0;
    let failed = 0;
    const entries = fs.readdirSync(dataDir, { withFileTypes: true }).filter((e) => e.isDirectory());
    let visited = 0;
    for (const entry of entries) {
      if (visited++ > 0) yield { loaded: visited - 1, total: entries.length };
      const dir = path.join(dataDir, entry.name);
      if (entry.name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmSync(dir, { recursive: true, force: true });
        logger.info({ dir }, 'removed a partition directory whose deletion was interrupted');
        continue;
      }
      const tp = parseTopicPartitionDir(entry.name);
      if (!tp) {
        logger.warn({ dir }, 'ignoring a directory that is not <topic>-<partition>');
        continue;
      }
      const key = tpKey(tp.topic, tp.partition);
      try {
        const log = PartitionLog.open({
          dir,
          topic: tp.topic,
          partition: tp.partition,
          config: opts.config,
          logger,
          hadCleanShutdown,
          recoveryPoint: recoveryPoints.get(key) ?? 0,
          logStartOffset: logStartOffsets.get(key),
          now: manager.now,
          observer: opts.observer,
          recentAppends: manager.tails,
        });
        manager.logsByKey.set(key, log);
        segmentsScanned += log.recoveryStats.segmentsScanned;
        bytesTruncated += log.recoveryStats.bytesTruncated;
      } catch (err) {
        failed++;
        logger.error(
          { topicPartition: key, dir, err: describeError(err) },
          'cannot load log; partition is offline',
        );
      }
    }
    if (entries.length > 0) yield { loaded: entries.length, total: entries.length };
    logger.info(
      {
        dataDir,
        logs: manager.logsByKey.size,
        failedLogs: failed,
        hadCleanShutdown,
        segmentsScanned,
        bytesTruncated,
        ms: Date.now() - started,
      },
      hadCleanShutdown ? 'logs loaded after a clean shutdown' : 'log recovery finished',
    );
    try {
      manager.checkpoint();
    } catch (err) {
      logger.error({ dataDir, err: describeError(err) }, 'cannot write checkpoint files');
    }
    manager.startTimers(
      opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
      opts.retentionCheckIntervalMs ?? DEFAULT_RETENTION_CHECK_INTERVAL_MS,
    );
    return manager;
  }

  private static loadMeta(opts: LogManagerOptions): MetaProperties {
    const stored = readMetaProperties(opts.dataDir);
    if (stored) {
      if (opts.clusterId !== undefined && stored.clusterId !== '' && stored.clusterId !== opts.clusterId) {
        throw new StorageError(
          `cluster.id ${opts.clusterId} does not match ${stored.clusterId} in ${opts.dataDir}/meta.properties`,
        );
      }
      if (opts.nodeId !== undefined && stored.nodeId !== opts.nodeId) {
        throw new StorageError(
          `node.id ${opts.nodeId} does not match ${stored.nodeId} in ${opts.dataDir}/meta.properties`,
        );
      }
      if (stored.version === 1) return stored;
    }
    const meta: MetaProperties = {
      version: 1,
      clusterId: stored?.clusterId || opts.clusterId || generateClusterId(),
      nodeId: stored?.nodeId ?? opts.nodeId ?? 0,
    };
    writeMetaProperties(opts.dataDir, meta);
    return meta;
  }

  /** Offsets by `<topic>-<partition>`; an unreadable file is reported and treated as empty (safe: more recovery). */
  private readCheckpoint(name: string): Map<string, number> {
    const map = new Map<string, number>();
    try {
      for (const e of readOffsetCheckpoint(path.join(this.dataDir, name)) ?? [])
        map.set(tpKey(e.topic, e.partition), e.offset);
    } catch (err) {
      this.logger.warn({ file: name, err: describeError(err) }, 'ignoring an unreadable checkpoint file');
    }
    return map;
  }

  private startTimers(checkpointIntervalMs: number, retentionCheckIntervalMs: number): void {
    // Check a quarter of the default flush.ms (10 ms to 1 s): a log under load is fsynced every
    // flush.ms plus at most one tick; per-log overrides below the tick are rounded up to it.
    const tick = Math.max(10, Math.min(1000, Math.floor(this.config.flushIntervalMs / 4)));
    this.flushTimer = setInterval(() => void this.flushDirtyLogs(), tick);
    this.flushTimer.unref();
    this.checkpointTimer = setInterval(
      () => {
        try {
          this.checkpoint();
        } catch (err) {
          this.logger.error(
            { dataDir: this.dataDir, err: describeError(err) },
            'cannot write checkpoint files',
          );
        }
      },
      Math.min(checkpointIntervalMs, 0x7fff_ffff),
    );
    this.checkpointTimer.unref();
    this.retentionTimer = setInterval(
      () => this.enforceRetention(),
      Math.max(1, Math.min(retentionCheckIntervalMs, 0x7fff_ffff)),
    );
    this.retentionTimer.unref();
    this.cleaner.start();
  }

  /** Deletes the segments every log's retention.ms / retention.bytes no longer keeps; returns the count. */
  enforceRetention(): number {
    if (this.closed) return 0;
    const now = this.now();
    let deleted = 0;
    for (const log of this.logsByKey.values()) {
      if (log.isOffline || log.isClosed) continue;
      try {
        for (const d of enforceRetention(log, now)) {
          deleted += d.segments;
          this.logger.info(
            {
              topicPartition: log.topicPartition,
              reason: d.reason,
              segments: d.segments,
              bytes: d.bytes,
              logStartOffset: log.logStartOffset,
            },
            'deleted old log segments',
          );
        }
      } catch (err) {
        this.logger.error(
          { topicPartition: log.topicPartition, err: describeError(err) },
          'retention failed',
        );
      }
    }
    return deleted;
  }

  /** Starts an fsync of every log whose flush.ms has passed since its last flush; resolves when they end. */
  async flushDirtyLogs(): Promise<void> {
    const now = this.now();
    const pending: Promise<void>[] = [];
    for (const log of this.logsByKey.values()) {
      if (!log.hasUnflushed || log.isOffline || now - log.lastFlushTime < log.config.flushIntervalMs)
        continue;
      pending.push(
        log.flushAsync().catch((err: unknown) => {
          this.logger.error(
            { topicPartition: log.topicPartition, err: describeError(err) },
            'log flush failed',
          );
        }),
      );
    }
    await Promise.all(pending);
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logsByKey.get(tpKey(topic, partition));
  }

  /** Returns the log, creating it (directory and first segment) when missing. Throws StorageError on I/O errors. */
  createLog(topic: string, partition: number, overrides?: Partial<LogConfig>): PartitionLog {
    this.ensureOpen();
    const key = tpKey(topic, partition);
    const existing = this.logsByKey.get(key);
    if (existing) return existing;
    if (!isValidTopicName(topic)) throw new RangeError(`invalid topic name "${topic}"`);
    if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fff_ffff) {
      throw new RangeError(`invalid partition ${partition}`);
    }
    const config = resolveLogConfig(this.config, overrides);
    const dir = path.join(this.dataDir, key);
    const isNew = !fs.existsSync(dir);
    const log = PartitionLog.open({
      dir,
      topic,
      partition,
      config,
      logger: this.logger,
      // a directory that exists but was not loaded at open (it failed then) gets a full scan
      hadCleanShutdown: isNew,
      now: this.now,
      observer: this.observer,
      recentAppends: this.tails,
    });
    if (isNew) {
      try {
        fsyncDir(this.dataDir);
      } catch (err) {
        log.discard();
        throw new StorageError(`cannot create log ${key}: ${describeError(err)}`, { cause: err });
      }
    }
    this.logsByKey.set(key, log);
    return log;
  }

  /** Closes the log and removes its directory (renamed to `...-delete` first, so a crash finishes the job). */
  deleteLog(topic: string, partition: number): void {
    this.ensureOpen();
    const key = tpKey(topic, partition);
    const log = this.logsByKey.get(key);
    if (!log) return;
    this.logsByKey.delete(key);
    this.cleaner.forget(key);
    log.discard();
    try {
      const doomed = `${log.dir}.${randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`;
      fs.renameSync(log.dir, doomed);
      fsyncDir(this.dataDir);
      fs.rmSync(doomed, { recursive: true, force: true });
    } catch (err) {
      throw new StorageError(`cannot delete log ${key}: ${describeError(err)}`, { cause: err });
    }
  }

  logs(): Iterable<PartitionLog> {
    return this.logsByKey.values();
  }

  /** Writes the recovery-point and log-start-offset checkpoints (atomically). */
  checkpoint(): void {
    const logs = [...this.logsByKey.values()].sort(byTopicPartition);
    const entry = (log: PartitionLog, offset: number): TopicPartitionOffset => ({
      topic: log.topic,
      partition: log.partition,
      offset,
    });
    writeOffsetCheckpoint(
      path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT_FILE),
      logs.map((l) => entry(l, l.recoveryPoint)),
    );
    // as Kafka: only logs whose start offset moved past their first segment's base offset
    writeOffsetCheckpoint(
      path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT_FILE),
      logs.filter((l) => l.logStartOffset > l.firstSegmentBaseOffset).map((l) => entry(l, l.logStartOffset)),
    );
  }

  /** Stops the timers, flushes and closes every log, writes the checkpoints and the clean-shutdown marker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.cleaner.stop();
    let clean = true;
    for (const log of this.logsByKey.values()) {
      try {
        if (log.isOffline) {
          clean = false;
          log.discard();
        } else {
          log.close();
        }
      } catch (err) {
        clean = false;
        this.logger.error(
          { topicPartition: log.topicPartition, err: describeError(err) },
          'cannot close log',
        );
      }
    }
    try {
      this.checkpoint();
      if (clean) writeFileAtomicSync(path.join(this.dataDir, CLEAN_SHUTDOWN_FILE), '');
    } catch (err) {
      clean = false;
      this.logger.error({ dataDir: this.dataDir, err: describeError(err) }, 'cannot write shutdown files');
    }
    this.logger.info({ dataDir: this.dataDir, logs: this.logsByKey.size, clean }, 'log manager closed');
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError(`log manager of ${this.dataDir} is closed`);
  }
}

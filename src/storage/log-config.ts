// Per-log settings, named after Kafka's topic-level configs (broker-level defaults in brackets).
//
// Flush policy default: Kafka leaves flush.ms unset (it relies on replication and never fsyncs on a
// timer). FluxMQ often runs as a single broker with no replica to fall back on, so it fsyncs dirty logs
// once a second by default. Every append is written to the page cache before it is acknowledged, so a
// crash of the broker process loses nothing; a power loss or kernel crash can lose what was appended
// since the last fsync, about the last second (at most flush.ms plus one flush-timer tick). Set
// flushIntervalMessages = 1 for an fsync before every acknowledgement (slow: ~0.24 ms per fsync).

/** Largest file position / relative offset an index entry can hold. */
export const INT32_MAX = 0x7fff_ffff;

export interface LogConfig {
  /** segment.bytes [log.segment.bytes]: roll the active segment before it would exceed this size. */
  segmentBytes: number;
  /** segment.ms [log.roll.ms]: roll a segment this long after its first append. */
  segmentMs: number;
  /** segment.index.bytes [log.index.size.max.bytes]: max size of each index; roll when one is full. */
  segmentIndexBytes: number;
  /** index.interval.bytes [log.index.interval.bytes]: bytes of log between sparse index entries. */
  indexIntervalBytes: number;
  /** flush.messages [log.flush.interval.messages]: fsync after this many appended messages. */
  flushIntervalMessages: number;
  /** flush.ms [log.flush.interval.ms]: fsync a log with unflushed data at least this often. */
  flushIntervalMs: number;
  /**
   * retention.ms [log.retention.ms]: delete a closed segment once its newest record is older than
   * this; -1 keeps segments forever (also what a topic without `delete` in cleanup.policy gets).
   */
  retentionMs: number;
  /** retention.bytes [log.retention.bytes]: delete the oldest closed segments while the log is larger than this; -1: no limit. */
  retentionBytes: number;
  /** cleanup.policy [log.cleanup.policy] includes `compact`: the cleaner keeps the latest record per key. */
  compact: boolean;
  /** delete.retention.ms [log.cleaner.delete.retention.ms]: how long a cleaned tombstone is kept. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms [log.cleaner.min.compaction.lag.ms]: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms [log.cleaner.max.compaction.lag.ms]: dirty records older than this are compacted whatever the dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio [log.cleaner.min.cleanable.ratio]: clean once dirty bytes exceed this share of the log. */
  minCleanableDirtyRatio: number;
}

/** The numeric settings (every one but `compact`). */
export type NumericLogConfigKey = Exclude<keyof LogConfig, 'compact'>;

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushIntervalMessages: Number.MAX_SAFE_INTEGER,
  flushIntervalMs: 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  compact: false,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  minCleanableDirtyRatio: 0.5,
});

/** Kafka's topic-level config name of each setting (for error messages and config mapping). */
export const LOG_CONFIG_NAMES: Readonly<Record<keyof LogConfig, string>> = Object.freeze({
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  segmentIndexBytes: 'segment.index.bytes',
  indexIntervalBytes: 'index.interval.bytes',
  flushIntervalMessages: 'flush.messages',
  flushIntervalMs: 'flush.ms',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes',
  compact: 'cleanup.policy',
  deleteRetentionMs: 'delete.retention.ms',
  minCompactionLagMs: 'min.compaction.lag.ms',
  maxCompactionLagMs: 'max.compaction.lag.ms',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
});

// Kafka's lower bounds (segment.bytes >= the v0 record overhead, segment.index.bytes >= 4, ...).
const BOUNDS: Record<NumericLogConfigKey, [number, number]> = {
  segmentBytes: [14, INT32_MAX],
  segmentMs: [1, Number.MAX_SAFE_INTEGER],
  segmentIndexBytes: [4, INT32_MAX],
  indexIntervalBytes: [0, INT32_MAX],
  flushIntervalMessages: [1, Number.MAX_SAFE_INTEGER],
  flushIntervalMs: [0, Number.MAX_SAFE_INTEGER],
  retentionMs: [-1, Number.MAX_SAFE_INTEGER],
  retentionBytes: [-1, Number.MAX_SAFE_INTEGER],
  deleteRetentionMs: [0, Number.MAX_SAFE_INTEGER],
  minCompactionLagMs: [0, Number.MAX_SAFE_INTEGER],
  maxCompactionLagMs: [1, Number.MAX_SAFE_INTEGER],
  minCleanableDirtyRatio: [0, 1],
};

/** Settings that may be fractional (a ratio); every other one must be an integer. */
const FRACTIONAL: ReadonlySet<NumericLogConfigKey> = new Set(['minCleanableDirtyRatio']);

/** Throws a RangeError naming the Kafka config key when a value is not an integer in range. */
export function validateLogConfig(config: LogConfig): void {
  for (const key of Object.keys(BOUNDS) as NumericLogConfigKey[]) {
    const [min, max] = BOUNDS[key];
    const v = config[key];
    const fractional = FRACTIONAL.has(key);
    if (!(fractional ? Number.isFinite(v) : Number.isSafeInteger(v)) || v < min || v > max) {
      throw new RangeError(
        `${LOG_CONFIG_NAMES[key]} must be ${fractional ? 'a number' : 'an integer'} in [${min}, ${max}], got ${String(v)}`,
      );
    }
  }
  if (typeof config.compact !== 'boolean') {
    throw new RangeError(`cleanup.policy must say whether to compact, got ${String(config.compact)}`);
  }
}

/** `base` with `overrides` applied (undefined values ignored), validated. */
export function resolveLogConfig(base: LogConfig, overrides?: Partial<LogConfig>): LogConfig {
  const config: LogConfig = { ...base };
  if (overrides) {
    for (const key of Object.keys(BOUNDS) as NumericLogConfigKey[]) {
      const v = overrides[key];
      if (v !== undefined) config[key] = v;
    }
    if (overrides.compact !== undefined) config.compact = overrides.compact;
  }
  validateLogConfig(config);
  return config;
}

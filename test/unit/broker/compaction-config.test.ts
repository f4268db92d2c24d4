// The compaction settings: topic keys with their broker synonyms, and __consumer_offsets picked up
// by the log cleaner through its cleanup.policy=compact.
import { describe, expect, it } from 'vitest';
import {
  TOPIC_CONFIG_KEYS,
  topicRuntimeConfig,
  validateTopicConfig,
} from '../../../src/broker/topic-config.js';
import { CONFIG_KEY_BY_NAME } from '../../../src/config/schema.js';
import { OFFSETS_TOPIC_CONFIGS } from '../../../src/coordinator/group/offsets-topic.js';
import { DEFAULT_LOG_CONFIG, resolveLogConfig } from '../../../src/storage/index.js';

/** A topic's effective values: its overrides, else the broker defaults. */
function valueOf(overrides: Record<string, string>) {
  return (name: string): string => {
    if (overrides[name] !== undefined) return overrides[name]!;
    const brokerKey = TOPIC_CONFIG_KEYS.get(name)!.brokerKey;
    return String(CONFIG_KEY_BY_NAME.get(brokerKey)!.default);
  };
}

describe('compaction configs', () => {
  it('every topic key has a broker synonym with a default', () => {
    for (const [name, key] of TOPIC_CONFIG_KEYS) {
      expect(CONFIG_KEY_BY_NAME.has(key.brokerKey), `${name} -> ${key.brokerKey}`).toBe(true);
    }
  });

  it('maps the broker defaults onto the log config (Kafka defaults)', () => {
    const rc = topicRuntimeConfig(DEFAULT_LOG_CONFIG, valueOf({}));
    expect(rc.log).toMatchObject({
      compact: false,
      deleteRetentionMs: 86_400_000,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      minCleanableDirtyRatio: 0.5,
    });
    expect(() => resolveLogConfig(rc.log)).not.toThrow();
  });

  it('__consumer_offsets is compacted by the log cleaner and keeps everything else forever', () => {
    const rc = topicRuntimeConfig(DEFAULT_LOG_CONFIG, valueOf({ ...OFFSETS_TOPIC_CONFIGS }));
    expect(rc.log.compact).toBe(true);
    expect(rc.log.retentionMs).toBe(-1);
    expect(rc.log.retentionBytes).toBe(-1);
    expect(() => resolveLogConfig(rc.log)).not.toThrow();
  });

  it('compact,delete compacts and applies retention', () => {
    const rc = topicRuntimeConfig(
      DEFAULT_LOG_CONFIG,
      valueOf({
        'cleanup.policy': 'compact,delete',
        'retention.ms': '1000',
        'min.cleanable.dirty.ratio': '0.1',
      }),
    );
    expect(rc.log).toMatchObject({ compact: true, retentionMs: 1000, minCleanableDirtyRatio: 0.1 });
  });

  it('validates the compaction keys, naming them', () => {
    expect(validateTopicConfig('min.cleanable.dirty.ratio', '0.25')).toBe('0.25');
    expect(() => validateTopicConfig('min.cleanable.dirty.ratio', '1.5')).toThrow(
      /min.cleanable.dirty.ratio/,
    );
    expect(() => validateTopicConfig('delete.retention.ms', '-1')).toThrow(/delete.retention.ms/);
    expect(validateTopicConfig('min.compaction.lag.ms', '0')).toBe('0');
    expect(() => validateTopicConfig('max.compaction.lag.ms', '0')).toThrow(/max.compaction.lag.ms/);
  });
});

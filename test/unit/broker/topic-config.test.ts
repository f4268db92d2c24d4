import { describe, expect, it } from 'vitest';
import {
  topicRuntimeConfig,
  validateTopicConfig,
  validateTopicConfigs,
} from '../../../src/broker/topic-config.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/storage/index.js';

function refusal(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KafkaError) return err;
    throw err;
  }
  throw new Error('expected a KafkaError');
}

describe('topic configs', () => {
  it('normalises valid values', () => {
    expect(
      validateTopicConfigs({
        'cleanup.policy': 'delete, compact',
        'compression.type': 'ZSTD',
        'retention.ms': ' -1 ',
      }),
    ).toEqual({
      'cleanup.policy': 'compact,delete',
      'compression.type': 'zstd',
      'retention.ms': '-1',
    });
    expect(validateTopicConfig('message.timestamp.type', 'logappendtime')).toBe('LogAppendTime');
  });

  it('refuses unknown keys and bad values with INVALID_CONFIG naming the key', () => {
    const unknown = refusal(() => validateTopicConfig('retention.bytez', '1'));
    expect(unknown.code).toBe(ErrorCode.INVALID_CONFIG);
    expect(unknown.message).toContain("'retention.bytez'");
    for (const [k, v] of [
      ['segment.bytes', '13'],
      ['segment.bytes', '1.5'],
      ['retention.ms', '-2'],
      ['cleanup.policy', 'archive'],
      ['cleanup.policy', ''],
      ['compression.type', 'brotli'],
      ['min.insync.replicas', '0'],
      ['message.timestamp.type', 'Now'],
    ]) {
      const e = refusal(() => validateTopicConfig(k!, v!));
      expect(e.code).toBe(ErrorCode.INVALID_CONFIG);
      expect(e.message).toContain(`'${k}'`);
    }
  });

  it('turns effective values into what the broker does', () => {
    const values: Record<string, string> = {
      'cleanup.policy': 'compact',
      'compression.type': 'uncompressed',
      'flush.messages': '10',
      'flush.ms': '1000',
      'index.interval.bytes': '4096',
      'max.message.bytes': '1000',
      'message.timestamp.type': 'LogAppendTime',
      'min.insync.replicas': '2',
      'retention.bytes': '100',
      'retention.ms': '100',
      'segment.bytes': '2048',
      'segment.index.bytes': '4096',
      'segment.ms': '60000',
    };
    const rc = topicRuntimeConfig(DEFAULT_LOG_CONFIG, (k) => values[k]!);
    expect(rc).toMatchObject({
      maxMessageBytes: 1000,
      compression: 'none',
      logAppendTime: true,
      minInsyncReplicas: 2,
      cleanupPolicy: 'compact',
    });
    // compact only: retention deletes nothing
    expect(rc.log).toMatchObject({
      segmentBytes: 2048,
      flushIntervalMessages: 10,
      retentionMs: -1,
      retentionBytes: -1,
    });
    values['cleanup.policy'] = 'compact,delete';
    expect(topicRuntimeConfig(DEFAULT_LOG_CONFIG, (k) => values[k]!).log).toMatchObject({
      retentionMs: 100,
      retentionBytes: 100,
    });
  });
});

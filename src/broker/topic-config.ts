// Topic-level config overrides (CreateTopics configs) that this broker honours, with validation that
// names the key. Each maps onto the partition log's settings or a produce-time limit.

import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogConfig } from '../storage/index.js';

interface TopicConfigKey {
  /** Broker-level key that supplies the default. */
  brokerKey: string;
  min: number;
  toLog?: keyof LogConfig;
}

export const TOPIC_CONFIG_KEYS: ReadonlyMap<string, TopicConfigKey> = new Map([
  ['segment.bytes', { brokerKey: 'log.segment.bytes', min: 14, toLog: 'segmentBytes' }],
  ['segment.ms', { brokerKey: 'log.roll.ms', min: 1, toLog: 'segmentMs' }],
  ['segment.index.bytes', { brokerKey: 'log.index.size.max.bytes', min: 4, toLog: 'segmentIndexBytes' }],
  ['index.interval.bytes', { brokerKey: 'log.index.interval.bytes', min: 0, toLog: 'indexIntervalBytes' }],
  ['flush.messages', { brokerKey: 'log.flush.interval.messages', min: 1, toLog: 'flushIntervalMessages' }],
  ['flush.ms', { brokerKey: 'log.flush.interval.ms', min: 0, toLog: 'flushIntervalMs' }],
  ['max.message.bytes', { brokerKey: 'message.max.bytes', min: 0 }],
]);

/** Checks topic configs; throws INVALID_CONFIG naming the first bad key. */
export function validateTopicConfigs(configs: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    const key = TOPIC_CONFIG_KEYS.get(name);
    if (!key) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown or unsupported topic config '${name}'`);
    }
    if (value === null) continue;
    if (!/^-?\d+$/.test(value.trim()) || Number(value) < key.min || !Number.isSafeInteger(Number(value))) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `Invalid value '${value}' for topic config '${name}': must be an integer >= ${key.min}`,
      );
    }
    out[name] = value.trim();
  }
  return out;
}

export function logOverrides(configs: Record<string, string>): Partial<LogConfig> {
  const out: Partial<LogConfig> = {};
  for (const [name, value] of Object.entries(configs)) {
    const field = TOPIC_CONFIG_KEYS.get(name)?.toLog;
    if (field) out[field] = Number(value);
  }
  return out;
}

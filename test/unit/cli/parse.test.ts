import { describe, expect, it } from 'vitest';
import {
  parseDateTime,
  parsePair,
  parsePairs,
  parseTopicPartitions,
  UsageError,
} from '../../../src/cli/parse.js';
import { describeFailure } from '../../../src/cli/base.js';
import { KafkaRequestError, UnreachableError } from '../../../src/client/errors.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

describe('command-line values', () => {
  it('parses key=value pairs, keeping = in values', () => {
    expect(parsePair('a=b=c', '--config')).toEqual(['a', 'b=c']);
    expect(parsePairs(['x=1', 'y='], '--header')).toEqual({ x: '1', y: '' });
    expect(() => parsePair('novalue', '--config')).toThrow(
      new UsageError("--config expects key=value, got 'novalue'"),
    );
  });

  it('parses topics with optional partitions', () => {
    expect(parseTopicPartitions('orders')).toEqual({ topic: 'orders' });
    expect(parseTopicPartitions('orders:0,2')).toEqual({ topic: 'orders', partitions: [0, 2] });
    expect(() => parseTopicPartitions('orders:x')).toThrow(UsageError);
  });

  it('parses ISO-8601 date-times and epoch milliseconds', () => {
    expect(parseDateTime('2024-05-01T12:00:00Z', '--to-datetime')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseDateTime('1714564800000', '--to-datetime')).toBe(1714564800000);
    expect(() => parseDateTime('last tuesday', '--to-datetime')).toThrow(/ISO-8601/);
  });
});

describe('failures', () => {
  it('maps errors to messages and exit codes', () => {
    expect(
      describeFailure(new KafkaRequestError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "describe topic 'x'")),
    ).toEqual({
      name: 'KafkaError',
      code: 'TOPIC_AUTHORIZATION_FAILED',
      exitCode: 1,
      message: expect.stringMatching(
        /^cannot describe topic 'x': TOPIC_AUTHORIZATION_FAILED: .*check its ACLs\.$/,
      ),
    });
    expect(describeFailure(new UnreachableError('no broker')).exitCode).toBe(3);
    expect(describeFailure(new UsageError('bad')).exitCode).toBe(2);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedRecords } from '../../../src/bench/consume-result.js';
import { benchSecurity, consumeOptionsFrom, produceOptionsFrom } from '../../../src/bench/flags.js';
import { BenchOptionError } from '../../../src/bench/options.js';

const consumeDefaults = {
  'bootstrap-server': '127.0.0.1:9092',
  topic: 'bench',
  'max-bytes': 52428800,
  'partition-max-bytes': 16777216,
};

const produceDefaults = {
  'bootstrap-server': '127.0.0.1:9092',
  topic: 'bench',
  partitions: 1,
  'record-size': 100,
  records: 1000,
  acks: 'all',
  'batch-bytes': 1048576,
  'linger-ms': 5,
  inflight: 5,
};
const produceRest = { compression: 'none' as const, connections: 1, rate: undefined };

describe('bench consume options', () => {
  it('keep direct partition fetches without --group', () => {
    const o = consumeOptionsFrom({ ...consumeDefaults, records: 10 });
    expect(o).toMatchObject({ topic: 'bench', records: 10, maxBytes: 52428800, security: {} });
    expect(o.group).toBeUndefined();
    expect(o.commitIntervalMs).toBeUndefined();
  });

  it('take --group with --commit-interval and --idle-timeout as durations', () => {
    const o = consumeOptionsFrom({
      ...consumeDefaults,
      group: 'readers',
      'commit-interval': '250ms',
      'idle-timeout': '2m',
    });
    expect(o).toMatchObject({ group: 'readers', commitIntervalMs: 250, idleTimeoutMs: 120_000 });
    expect(
      consumeOptionsFrom({ ...consumeDefaults, group: 'g', 'commit-interval': '0' }).commitIntervalMs,
    ).toBe(0);
  });

  it('refuse group-only flags without --group, an empty group and bad numbers, naming the flag', () => {
    const bad = (flags: Record<string, unknown>, message: string | RegExp) =>
      expect(() => consumeOptionsFrom({ ...consumeDefaults, ...flags })).toThrow(
        expect.objectContaining({ name: 'BenchOptionError', message: expect.stringMatching(message) }),
      );
    bad({ 'commit-interval': '1s' }, '--commit-interval and --idle-timeout need --group');
    bad({ 'idle-timeout': '5s' }, 'need --group');
    bad({ group: '  ' }, '--group must name a consumer group');
    bad({ group: 'g', 'idle-timeout': '0' }, '--idle-timeout must be a positive number');
    bad({ group: 'g', 'commit-interval': 'soon' }, "'soon' is not a duration");
    bad({ records: 0 }, '--records must be a positive number');
    bad({ 'max-bytes': -1 }, '--max-bytes must be a positive number');
  });
});

describe('bench security flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluxmq-bench-opts-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'CA PEM');

  it('connect in plaintext without security flags', () => {
    expect(benchSecurity({})).toEqual({});
  });

  it('turn the SASL and TLS flags into the connection security of every workload', () => {
    const flags = {
      'ca-file': ca,
      'sasl-mechanism': 'SCRAM-SHA-512',
      'sasl-username': 'bench',
      'sasl-password': 'secret',
    };
    const security = {
      tls: { ca: 'CA PEM' },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: 'secret' },
    };
    expect(consumeOptionsFrom({ ...consumeDefaults, ...flags, group: 'g' }).security).toEqual(security);
    expect(produceOptionsFrom({ ...produceDefaults, ...flags }, produceRest).security).toEqual(security);
    expect(benchSecurity({ tls: true })).toEqual({ tls: {} });
  });

  it('read --command-config with Kafka client property names', () => {
    const file = join(dir, 'client.properties');
    writeFileSync(
      file,
      [
        'security.protocol=SASL_SSL',
        `ssl.truststore.location=${ca}`,
        'sasl.mechanism=PLAIN',
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
      ].join('\n'),
    );
    expect(benchSecurity({ 'command-config': file })).toEqual({
      tls: { ca: 'CA PEM' },
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
    });
  });

  it('report bad security settings as option errors (exit code 2)', () => {
    expect(() => benchSecurity({ 'sasl-username': 'u' })).toThrow(BenchOptionError);
    expect(() => benchSecurity({ 'ca-file': join(dir, 'missing.pem') })).toThrow(/cannot read CA file/);
    expect(() =>
      produceOptionsFrom(
        { ...produceDefaults, 'sasl-mechanism': 'GSSAPI', 'sasl-username': 'u', 'sasl-password': 'p' },
        produceRest,
      ),
    ).toThrow(BenchOptionError);
  });
});

describe('expected record counts', () => {
  /** Offsets of partitions 0, 1, 2, ... */
  const offsets = (...values: number[]) => new Map(values.map((v, i) => [i, v]));
  const end = offsets(100, 50, 0);

  it('count from each partition start (or committed offset) to its log end, capped at --records', () => {
    expect(expectedRecords(offsets(0, 0, 0), end, undefined)).toBe(150);
    expect(expectedRecords(offsets(90, 50, 0), end, undefined)).toBe(10);
    expect(expectedRecords(offsets(0, 0, 0), end, 20)).toBe(20);
  });

  it('never count a committed offset past the log end as negative', () => {
    expect(expectedRecords(offsets(120, 40, 0), end, undefined)).toBe(10);
  });
});

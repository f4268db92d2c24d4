// Flags every bench command shares (connection and the client security flags of the other
// commands), each with an environment-variable twin, and the workload options built from them.
import { Flags } from '@oclif/core';
import { UsageError } from '../cli/parse.js';
import { clientSecurity, securityFlags, type SecurityFlagValues } from '../cli/security-flags.js';
import type { ClientSecurity } from '../client/connection.js';
import {
  BenchOptionError,
  checkConsumeOptions,
  checkProduceOptions,
  parseAcks,
  parseDuration,
  type ConsumeBenchOptions,
  type ProduceBenchOptions,
} from './options.js';

export const benchFlags = {
  'bootstrap-server': Flags.string({
    char: 'b',
    description: 'Broker to bootstrap from (host:port).',
    default: '127.0.0.1:9092',
    env: 'FLUXMQ_BOOTSTRAP_SERVER',
  }),
  topic: Flags.string({ char: 't', description: 'Topic to use.', default: 'fluxmq-bench' }),
  dashboard: Flags.boolean({
    description: 'Live dashboard on a TTY (--no-dashboard: one line per second).',
    default: true,
    allowNo: true,
  }),
  ...securityFlags,
};

/** TLS/SASL from the security flags (and --command-config); bad values throw BenchOptionError. */
export function benchSecurity(flags: SecurityFlagValues): ClientSecurity {
  try {
    return clientSecurity(flags);
  } catch (err) {
    if (err instanceof UsageError) throw new BenchOptionError(err.message);
    throw err;
  }
}

/** Flags of `bench consume`. */
export const consumeFlags = {
  records: Flags.integer({ description: 'Stop after this many records.' }),
  'max-bytes': Flags.integer({ description: 'Fetch max bytes.', default: 52428800 }),
  'partition-max-bytes': Flags.integer({
    description: 'Fetch max bytes per partition.',
    default: 16777216,
  }),
  group: Flags.string({
    char: 'g',
    description:
      'Consume as a member of this consumer group, committing offsets (from the beginning when it has none).',
  }),
  'commit-interval': Flags.string({
    description:
      'With --group: how often offsets are committed (1s, 500ms; 0: after every fetch). Default 1s.',
  }),
  'idle-timeout': Flags.string({
    description: 'With --group: stop, unverified, when no record arrived for this long. Default 30s.',
  }),
};

interface ConsumeFlagValues extends SecurityFlagValues {
  'bootstrap-server': string;
  topic: string;
  records?: number;
  'max-bytes': number;
  'partition-max-bytes': number;
  group?: string;
  'commit-interval'?: string;
  'idle-timeout'?: string;
}

const durationOf = (s: string | undefined) => (s !== undefined ? parseDuration(s) : undefined);

/** Checked consume options from the parsed flags (throws BenchOptionError naming the flag). */
export function consumeOptionsFrom(flags: ConsumeFlagValues): ConsumeBenchOptions {
  return checkConsumeOptions({
    bootstrap: flags['bootstrap-server'],
    topic: flags.topic,
    security: benchSecurity(flags),
    records: flags.records,
    maxBytes: flags['max-bytes'],
    partitionMaxBytes: flags['partition-max-bytes'],
    group: flags.group,
    commitIntervalMs: durationOf(flags['commit-interval']),
    idleTimeoutMs: durationOf(flags['idle-timeout']),
  });
}

/** Flags of the workloads that produce (produce and e2e); defaults differ per command. */
export function produceFlags(defaults: { recordSize: number; lingerMs: number }) {
  return {
    partitions: Flags.integer({ description: 'Partitions when the topic has to be created.', default: 1 }),
    'record-size': Flags.integer({ description: 'Bytes per record value.', default: defaults.recordSize }),
    records: Flags.integer({ description: 'Stop after this many records.' }),
    duration: Flags.string({ description: 'Stop after this long (10s, 500ms, 2m).' }),
    acks: Flags.string({ description: 'acks: 0, 1, -1 or all.', default: 'all' }),
    'batch-bytes': Flags.integer({
      description: 'Target record batch size (1048576 = MegaBatch).',
      default: 1048576,
    }),
    'linger-ms': Flags.integer({
      description: 'With --rate: how long records gather into a batch.',
      default: defaults.lingerMs,
    }),
    inflight: Flags.integer({ description: 'Pipelined requests per connection.', default: 5 }),
  };
}

interface ProduceFlagValues extends SecurityFlagValues {
  'bootstrap-server': string;
  topic: string;
  partitions: number;
  'record-size': number;
  records?: number;
  duration?: string;
  acks: string;
  'batch-bytes': number;
  'linger-ms': number;
  inflight: number;
}

/** Checked workload options from the parsed flags (throws BenchOptionError naming the flag). */
export function produceOptionsFrom(
  flags: ProduceFlagValues,
  rest: Pick<ProduceBenchOptions, 'compression' | 'connections' | 'rate' | 'stampSendTime'>,
): ProduceBenchOptions {
  return checkProduceOptions({
    bootstrap: flags['bootstrap-server'],
    topic: flags.topic,
    security: benchSecurity(flags),
    partitions: flags.partitions,
    recordSize: flags['record-size'],
    records: flags.records,
    durationMs: durationOf(flags.duration),
    acks: parseAcks(flags.acks),
    batchBytes: flags['batch-bytes'],
    lingerMs: flags['linger-ms'],
    inflight: flags.inflight,
    ...rest,
  });
}

// Flags every bench command shares, each with an environment-variable twin.
import { Flags } from '@oclif/core';
import { checkProduceOptions, parseAcks, parseDuration, type ProduceBenchOptions } from './options.js';

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
};

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

interface ProduceFlagValues {
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
    partitions: flags.partitions,
    recordSize: flags['record-size'],
    records: flags.records,
    durationMs: flags.duration !== undefined ? parseDuration(flags.duration) : undefined,
    acks: parseAcks(flags.acks),
    batchBytes: flags['batch-bytes'],
    lingerMs: flags['linger-ms'],
    inflight: flags.inflight,
    ...rest,
  });
}

import { Command, Flags } from '@oclif/core';
import {
  BenchOptionError,
  checkProduceOptions,
  parseAcks,
  parseDuration,
  type ProduceBenchOptions,
} from '../../src/bench/options.js';
import { runProduceBench, type ProduceBenchResult } from '../../src/bench/produce.js';
import { outputMode, runWithOutput } from '../../src/bench/render.js';
import type { CompressionType } from '../../src/protocol/records/compression/index.js';
import { benchFlags } from '../../src/bench/flags.js';

export default class BenchProduce extends Command {
  static override summary = 'Produce load against any Kafka broker and measure throughput and latency.';
  static override description = `Sends pre-encoded record batches (MegaBatch: encoded once, only the correlation id patched per send)
over several connections with pipelined requests. Shows a live dashboard on a TTY, one line per second otherwise,
and only the summary object with --json. MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> bench produce --topic bench --records 1000000 --record-size 100',
    '<%= config.bin %> bench produce --topic bench --duration 30s --batch-bytes 1048576 --inflight 8 --acks all',
    '<%= config.bin %> bench produce --topic bench --duration 10s --rate 50000 --json',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...benchFlags,
    partitions: Flags.integer({ description: 'Partitions when the topic has to be created.', default: 1 }),
    'record-size': Flags.integer({ description: 'Bytes per record value.', default: 100 }),
    records: Flags.integer({ description: 'Stop after this many records.' }),
    duration: Flags.string({ description: 'Stop after this long (10s, 500ms, 2m).' }),
    acks: Flags.string({ description: 'acks: 0, 1, -1 or all.', default: 'all' }),
    compression: Flags.string({
      description: 'Batch compression.',
      options: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
      default: 'none',
    }),
    'batch-bytes': Flags.integer({
      description: 'Target record batch size (1048576 = MegaBatch).',
      default: 1048576,
    }),
    'linger-ms': Flags.integer({
      description: 'With --rate: how long records gather into a batch.',
      default: 5,
    }),
    inflight: Flags.integer({ description: 'Pipelined requests per connection.', default: 5 }),
    connections: Flags.integer({ description: 'Connections per broker.', default: 1 }),
    rate: Flags.integer({ description: 'Records per second (default: as fast as possible).' }),
  };

  async run(): Promise<ProduceBenchResult> {
    const { flags } = await this.parse(BenchProduce);
    let options: ProduceBenchOptions;
    try {
      options = checkProduceOptions({
        bootstrap: flags['bootstrap-server'],
        topic: flags.topic,
        partitions: flags.partitions,
        recordSize: flags['record-size'],
        records: flags.records,
        durationMs: flags.duration !== undefined ? parseDuration(flags.duration) : undefined,
        acks: parseAcks(flags.acks),
        compression: flags.compression as CompressionType,
        batchBytes: flags['batch-bytes'],
        lingerMs: flags['linger-ms'],
        inflight: flags.inflight,
        connections: flags.connections,
        rate: flags.rate,
      });
    } catch (err) {
      if (err instanceof BenchOptionError) this.error(err.message, { exit: 2 });
      throw err;
    }
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const mode = outputMode(
      { json: this.jsonEnabled(), dashboard: flags.dashboard },
      process.stdout.isTTY === true,
    );
    try {
      return await runWithOutput(
        mode,
        `fluxmq bench produce → ${options.topic}`,
        'request latency',
        (onSnapshot) => runProduceBench(options, { onSnapshot, signal: abort.signal }),
        (line) => this.log(line),
      );
    } catch (err) {
      this.error(`bench produce failed: ${(err as Error).message}`, { exit: 1 });
    }
  }
}

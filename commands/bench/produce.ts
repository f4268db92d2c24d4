import { Command, Flags } from '@oclif/core';
import { BenchOptionError, type ProduceBenchOptions } from '../../src/bench/options.js';
import { runProduceBench, type ProduceBenchResult } from '../../src/bench/produce.js';
import { outputMode, runWithOutput } from '../../src/bench/render.js';
import type { CompressionType } from '../../src/protocol/records/compression/index.js';
import { benchFlags, produceFlags, produceOptionsFrom } from '../../src/bench/flags.js';

export default class BenchProduce extends Command {
  static override summary = 'Produce load against any Kafka broker and measure throughput and latency.';
  static override description = `Sends pre-encoded record batches (MegaBatch: encoded once, only the correlation id patched per send)
over several connections with pipelined requests. Shows a live dashboard on a TTY, one line per second otherwise,
and only the summary object with --json. MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> bench produce --topic bench --records 1000000 --record-size 100',
    '<%= config.bin %> bench produce --topic bench --duration 30s --batch-bytes 1048576 --inflight 8 --acks all',
    '<%= config.bin %> bench produce --topic bench --duration 10s --rate 50000 --json',
    '<%= config.bin %> bench produce --topic bench --records 100000 -b broker:9093 --command-config client.properties',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...benchFlags,
    ...produceFlags({ recordSize: 100, lingerMs: 5 }),
    compression: Flags.string({
      description: 'Batch compression.',
      options: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
      default: 'none',
    }),
    connections: Flags.integer({ description: 'Connections per broker.', default: 1 }),
    rate: Flags.integer({ description: 'Records per second (default: as fast as possible).' }),
  };

  async run(): Promise<ProduceBenchResult> {
    const { flags } = await this.parse(BenchProduce);
    let options: ProduceBenchOptions;
    try {
      options = produceOptionsFrom(flags, {
        compression: flags.compression as CompressionType,
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

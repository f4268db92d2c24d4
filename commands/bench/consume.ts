import { Command } from '@oclif/core';
import { runConsumeBench, type ConsumeBenchResult } from '../../src/bench/consume.js';
import { benchFlags, consumeFlags, consumeOptionsFrom } from '../../src/bench/flags.js';
import { BenchOptionError, type ConsumeBenchOptions } from '../../src/bench/options.js';
import { outputMode, runWithOutput } from '../../src/bench/render.js';

export default class BenchConsume extends Command {
  static override summary =
    'Consume a topic from the beginning and measure throughput; verifies the record count.';
  static override description = `Reads every partition from its earliest offset to the log end offset seen at the start
(or until --records), counting records from batch headers, and checks the count against the offsets.
With --group, reads as a member of that consumer group instead: from the group's committed offsets (the
beginning when it has none) to the log end offsets seen at the start, committing offsets every
--commit-interval and when done; the bench should be the group's only member. MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> bench consume --topic bench',
    '<%= config.bin %> bench consume --topic bench --records 500000 --max-bytes 52428800 --json',
    '<%= config.bin %> bench consume --topic bench --group bench-readers --commit-interval 500ms',
    '<%= config.bin %> bench consume --topic bench -b broker:9093 --ca-file ca.pem --sasl-mechanism SCRAM-SHA-512 --sasl-username bench --sasl-password secret',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...benchFlags,
    ...consumeFlags,
  };

  async run(): Promise<ConsumeBenchResult> {
    const { flags } = await this.parse(BenchConsume);
    let options: ConsumeBenchOptions;
    try {
      options = consumeOptionsFrom(flags);
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
    let result: ConsumeBenchResult;
    try {
      result = await runWithOutput(
        mode,
        `fluxmq bench consume ← ${options.topic}${options.group !== undefined ? ` (group ${options.group})` : ''}`,
        'fetch',
        (onSnapshot) => runConsumeBench(options, { onSnapshot, signal: abort.signal }),
        (line) => this.log(line),
      );
    } catch (err) {
      this.error(`bench consume failed: ${(err as Error).message}`, { exit: 1 });
    }
    if (!result.verified && !abort.signal.aborted) {
      process.exitCode = 3;
      this.warn(`consumed ${result.records} records but expected ${result.expectedRecords}`);
    }
    return result;
  }
}

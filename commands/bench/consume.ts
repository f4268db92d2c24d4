import { Command, Flags } from '@oclif/core';
import { runConsumeBench, type ConsumeBenchResult } from '../../src/bench/consume.js';
import { benchFlags } from '../../src/bench/flags.js';
import { outputMode, runWithOutput } from '../../src/bench/render.js';

export default class BenchConsume extends Command {
  static override summary =
    'Consume a topic from the beginning and measure throughput; verifies the record count.';
  static override description = `Reads every partition from its earliest offset to the log end offset seen at the start
(or until --records), counting records from batch headers, and checks the count against the offsets. MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> bench consume --topic bench',
    '<%= config.bin %> bench consume --topic bench --records 500000 --max-bytes 52428800 --json',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...benchFlags,
    records: Flags.integer({ description: 'Stop after this many records.' }),
    'max-bytes': Flags.integer({ description: 'Fetch max bytes.', default: 52428800 }),
    'partition-max-bytes': Flags.integer({
      description: 'Fetch max bytes per partition.',
      default: 16777216,
    }),
  };

  async run(): Promise<ConsumeBenchResult> {
    const { flags } = await this.parse(BenchConsume);
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
        `fluxmq bench consume ← ${flags.topic}`,
        'fetch',
        (onSnapshot) =>
          runConsumeBench(
            {
              bootstrap: flags['bootstrap-server'],
              topic: flags.topic,
              records: flags.records,
              maxBytes: flags['max-bytes'],
              partitionMaxBytes: flags['partition-max-bytes'],
            },
            { onSnapshot, signal: abort.signal },
          ),
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

import { Command, Flags } from '@oclif/core';
import { runE2eBench, type E2eBenchResult } from '../../src/bench/e2e.js';
import { benchFlags, produceFlags, produceOptionsFrom } from '../../src/bench/flags.js';
import { BenchOptionError } from '../../src/bench/options.js';
import { outputMode, runWithOutput } from '../../src/bench/render.js';

export default class BenchE2e extends Command {
  static override summary = 'Produce at a fixed rate while consuming, and measure end-to-end latency.';
  static override description = `Each batch carries its send time; the consumer records receive time minus send time for
every record in an HDR histogram (same process, same clock). MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> bench e2e --topic latency --rate 50000 --record-size 1024 --duration 30s',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...benchFlags,
    ...produceFlags({ recordSize: 1024, lingerMs: 1 }),
    rate: Flags.integer({ description: 'Records per second.', required: true }),
  };

  async run(): Promise<E2eBenchResult> {
    const { flags } = await this.parse(BenchE2e);
    let options;
    try {
      options = {
        ...produceOptionsFrom(flags, {
          compression: 'none',
          connections: 1,
          rate: flags.rate,
          stampSendTime: true,
        }),
        rate: flags.rate,
      };
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
        `fluxmq bench e2e ↔ ${options.topic}`,
        'end-to-end latency',
        (onSnapshot) => runE2eBench(options, { onSnapshot, signal: abort.signal }),
        (line) => this.log(line),
      );
    } catch (err) {
      this.error(`bench e2e failed: ${(err as Error).message}`, { exit: 1 });
    }
  }
}

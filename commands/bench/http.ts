import { Command, Flags } from '@oclif/core';
import { renderHttpBench, runHttpBench, type HttpBenchResult } from '../../src/bench/http.js';

export default class BenchHttp extends Command {
  static override summary =
    "Load the broker's /metrics and /health endpoints while it serves produce traffic.";
  static override description = `Runs autocannon against each endpoint in turn (--duration seconds each) while pipelined acks=1
Produce requests keep the broker busy, then prints requests/s and latency per endpoint and the broker's
event-loop delay (fluxmq_event_loop_delay_seconds from /metrics) before and during the load.
--json prints only the summary object.`;
  static override examples = [
    '<%= config.bin %> bench http',
    '<%= config.bin %> bench http --url http://127.0.0.1:9644 -b 127.0.0.1:9092 --duration 10 --json',
    '<%= config.bin %> bench http --no-produce --path /health',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    url: Flags.string({
      description: "Base URL of the broker's HTTP listener.",
      default: 'http://127.0.0.1:9644',
      env: 'FLUXMQ_HTTP_URL',
    }),
    'bootstrap-server': Flags.string({
      char: 'b',
      description: 'Kafka listener to send the produce traffic to (host:port).',
      default: '127.0.0.1:9092',
      env: 'FLUXMQ_BOOTSTRAP_SERVER',
    }),
    produce: Flags.boolean({
      description: 'Send produce traffic during the load (--no-produce: HTTP only).',
      default: true,
      allowNo: true,
    }),
    topic: Flags.string({
      char: 't',
      description: 'Topic for the produce traffic.',
      default: 'fluxmq-bench-http',
    }),
    path: Flags.string({
      description: 'Endpoint to load (repeatable).',
      multiple: true,
      default: ['/metrics', '/health'],
    }),
    duration: Flags.integer({ description: 'Seconds of load per endpoint.', default: 10, min: 1 }),
    connections: Flags.integer({ description: 'HTTP connections.', default: 10, min: 1 }),
    inflight: Flags.integer({ description: 'Produce requests in flight.', default: 8, min: 1 }),
    'record-size': Flags.integer({ description: 'Bytes per produced record value.', default: 100, min: 0 }),
    'batch-records': Flags.integer({ description: 'Records per produced batch.', default: 100, min: 1 }),
  };

  async run(): Promise<HttpBenchResult> {
    const { flags } = await this.parse(BenchHttp);
    const json = this.jsonEnabled();
    const result = await runHttpBench(
      {
        url: flags.url,
        paths: flags.path,
        durationSec: flags.duration,
        connections: flags.connections,
        bootstrap: flags.produce ? flags['bootstrap-server'] : null,
        topic: flags.topic,
        produceInflight: flags.inflight,
        recordsPerBatch: flags['batch-records'],
        recordSize: flags['record-size'],
      },
      (line) => {
        if (!json) process.stderr.write(`${line}\n`);
      },
    );
    if (!json) this.log(renderHttpBench(result));
    return result;
  }
}

// `fluxmq bench http`: loads the management endpoints (/metrics, /health) with autocannon while the
// broker serves produce traffic, and reads the broker's own event-loop delay from /metrics before and
// during the load. Answers "does scraping hurt the broker, and how fast are the endpoints under load".

import autocannon from 'autocannon';
import { KafkaConnection } from '../client/connection.js';
import { ErrorCode } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import { encodeRecordBatch } from '../protocol/records/record-batch.js';

export interface HttpBenchOptions {
  /** Base URL of the broker's HTTP listener, e.g. http://127.0.0.1:9644. */
  url: string;
  /** Endpoints to load, one after the other. */
  paths: string[];
  /** Seconds of load per endpoint. */
  durationSec: number;
  /** autocannon connections. */
  connections: number;
  /** Kafka listener for the produce traffic (host:port), or null for none. */
  bootstrap: string | null;
  topic: string;
  /** Pipelined Produce requests (acks=1) kept in flight. */
  produceInflight: number;
  recordsPerBatch: number;
  recordSize: number;
}

export interface EventLoopReading {
  p99Ms: number;
  maxMs: number;
}

export interface EndpointResult {
  path: string;
  requests: number;
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  bytesPerSec: number;
  errors: number;
  non2xx: number;
}

export interface HttpBenchResult {
  url: string;
  durationSec: number;
  connections: number;
  produce: { records: number; bytes: number; recordsPerSec: number; errors: number } | null;
  /** The broker's fluxmq_event_loop_delay_seconds{quantile="0.99"} and _max: before the load, and the largest seen during it. */
  eventLoop: { before: EventLoopReading | null; during: EventLoopReading | null };
  endpoints: EndpointResult[];
}

/** Reads one unlabelled or labelled sample's value from exposition text. */
export function readSample(text: string, name: string, labels = ''): number | null {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  for (const line of text.split('\n')) {
    if (line.startsWith(prefix)) {
      const v = Number(line.slice(prefix.length).split(' ')[0]);
      return Number.isFinite(v) ? v : null;
    }
  }
  return null;
}

export async function readEventLoop(url: string): Promise<EventLoopReading | null> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const text = await res.text();
    const p99 = readSample(text, 'fluxmq_event_loop_delay_seconds', 'quantile="0.99"');
    const max = readSample(text, 'fluxmq_event_loop_delay_max_seconds');
    return p99 === null || max === null ? null : { p99Ms: p99 * 1000, maxMs: max * 1000 };
  } catch {
    return null;
  }
}

/** Pipelined acks=1 produce of one pre-encoded batch until stopped. */
class ProduceLoad {
  records = 0;
  bytes = 0;
  errors = 0;
  private running = true;
  private lanes: Promise<void>[] = [];
  private readonly started = Date.now();
  private stoppedAt = 0;

  private constructor(
    private readonly conn: KafkaConnection,
    private readonly opts: HttpBenchOptions,
    private readonly batch: Buffer,
    private readonly count: number,
  ) {}

  static async start(opts: HttpBenchOptions): Promise<ProduceLoad> {
    const [host, portText] = splitHostPort(opts.bootstrap!);
    const conn = await KafkaConnection.connect(host, Number(portText), { clientId: 'fluxmq-bench-http' });
    const created = await conn.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: opts.topic, numPartitions: 1, replicationFactor: 1 }],
      timeoutMs: 5000,
    });
    const code = created.topics[0].errorCode as number;
    if (code !== ErrorCode.NONE && code !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      conn.close();
      throw new Error(`cannot create topic ${opts.topic}: error ${code}`);
    }
    const value = Buffer.alloc(opts.recordSize, 'x');
    const batch = await encodeRecordBatch({
      records: Array.from({ length: opts.recordsPerBatch }, () => ({ value })),
    });
    const load = new ProduceLoad(conn, opts, batch, opts.recordsPerBatch);
    for (let i = 0; i < opts.produceInflight; i++) load.lanes.push(load.lane());
    return load;
  }

  get recordsPerSec(): number {
    const end = this.stoppedAt || Date.now();
    return this.records / Math.max(0.001, (end - this.started) / 1000);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
    this.stoppedAt = Date.now();
    this.conn.close();
  }

  private async lane(): Promise<void> {
    while (this.running) {
      try {
        const res = await this.conn.request(ApiKey.Produce, 9, {
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: this.opts.topic, partitionData: [{ index: 0, records: this.batch }] }],
        });
        if (res.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE) {
          this.records += this.count;
          this.bytes += this.batch.length;
        } else {
          this.errors++;
        }
      } catch {
        this.errors++;
        if (this.conn.closed) return;
      }
    }
  }
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  if (i <= 0) throw new Error(`expected host:port, got ${s}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

export async function runHttpBench(
  opts: HttpBenchOptions,
  note: (line: string) => void = () => {},
): Promise<HttpBenchResult> {
  const url = opts.url.replace(/\/+$/, '');
  const before = await readEventLoop(url);
  if (before === null)
    note(`no fluxmq event-loop metrics at ${url}/metrics (is this a FluxMQ HTTP listener?)`);

  const produce = opts.bootstrap ? await ProduceLoad.start(opts) : null;
  if (produce) note(`producing to ${opts.topic} via ${opts.bootstrap}`);

  let during: EventLoopReading | null = null;
  const sampler = setInterval(() => {
    void readEventLoop(url).then((r) => {
      if (!r) return;
      during = {
        p99Ms: Math.max(during?.p99Ms ?? 0, r.p99Ms),
        maxMs: Math.max(during?.maxMs ?? 0, r.maxMs),
      };
    });
  }, 1000);

  const endpoints: EndpointResult[] = [];
  try {
    for (const path of opts.paths) {
      note(`loading ${url}${path} for ${opts.durationSec} s with ${opts.connections} connections`);
      const r = await autocannon({
        url: `${url}${path}`,
        connections: opts.connections,
        duration: opts.durationSec,
      });
      endpoints.push({
        path,
        requests: r.requests.total,
        requestsPerSec: r.requests.average,
        latencyMs: {
          mean: r.latency.mean,
          p50: r.latency.p50,
          p90: r.latency.p90,
          p99: r.latency.p99,
          max: r.latency.max,
        },
        bytesPerSec: r.throughput.average,
        errors: r.errors,
        non2xx: r.non2xx,
      });
    }
  } finally {
    clearInterval(sampler);
    await produce?.stop();
  }
  return {
    url,
    durationSec: opts.durationSec,
    connections: opts.connections,
    produce: produce
      ? {
          records: produce.records,
          bytes: produce.bytes,
          recordsPerSec: produce.recordsPerSec,
          errors: produce.errors,
        }
      : null,
    eventLoop: { before, during },
    endpoints,
  };
}

/** The human-readable summary. */
export function renderHttpBench(r: HttpBenchResult): string {
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const lines = [
    `HTTP endpoints of ${r.url}, ${r.durationSec} s each, ${r.connections} connections`,
    '',
    'endpoint       req/s   mean ms   p50 ms   p99 ms   max ms   errors  non-2xx',
  ];
  for (const e of r.endpoints) {
    lines.push(
      [
        e.path.padEnd(12),
        f(e.requestsPerSec, 0).padStart(8),
        f(e.latencyMs.mean, 2).padStart(9),
        f(e.latencyMs.p50).padStart(8),
        f(e.latencyMs.p99).padStart(8),
        f(e.latencyMs.max).padStart(8),
        String(e.errors).padStart(8),
        String(e.non2xx).padStart(8),
      ].join(' '),
    );
  }
  lines.push('');
  if (r.produce) {
    lines.push(
      `produce traffic: ${f(r.produce.recordsPerSec, 0)} records/s (${r.produce.records} records, ${r.produce.errors} errors)`,
    );
  } else {
    lines.push('produce traffic: none');
  }
  const el = (x: EventLoopReading | null) => (x ? `p99 ${f(x.p99Ms, 2)} ms, max ${f(x.maxMs, 2)} ms` : 'n/a');
  lines.push(`broker event-loop delay before: ${el(r.eventLoop.before)}`);
  lines.push(`broker event-loop delay during: ${el(r.eventLoop.during)} (largest 5 s window seen)`);
  return lines.join('\n');
}

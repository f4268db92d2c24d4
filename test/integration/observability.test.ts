// The operator's view of a running broker: /metrics after a KafkaJS produce/consume round (values,
// not just names, in valid exposition format), /v1/status, the structured log lines of notable events,
// and /ready answering 503 while a large data directory is recovered after kill -9, 200 after.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_HANDLERS } from '../../src/broker/handlers/index.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { PROJECT_ROOT, startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, produceValues } from '../helpers/client.js';
import { freePort, httpGet, httpJson } from '../helpers/http.js';
import { fetchPartition, kafkajs } from '../helpers/kafkajs.js';
import { parseExposition, sampleValue, samplesOf, type PromFamily } from '../helpers/prometheus.js';
import { storedBatches } from '../helpers/segments.js';

const served = new Set(ALL_HANDLERS.map((h) => h.apiKey));

let broker: RunningBroker;
let http: string;

beforeAll(async () => {
  const port = await freePort();
  broker = await startBroker({
    overrides: {
      'http.port': port,
      'log.segment.bytes': 16384,
      // a consumer group round in well under a second (ignored with a warning where unknown)
      'group.initial.rebalance.delay.ms': 0,
      'offsets.topic.num.partitions': 3,
    },
  });
  http = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await broker?.stop();
});

async function scrape(): Promise<Map<string, PromFamily>> {
  const res = await httpGet(`${http}/metrics`);
  expect(res.status).toBe(200);
  expect(res.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.text); // throws on any line that is not valid exposition format
}

/** Sum of a metric's samples whose labels include `labels`. */
function total(f: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(f, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

function storedBytes(topic: string, partition: number): number {
  return storedBatches(broker.dataDir, topic, partition).reduce((a, b) => a + b.size, 0);
}

describe('/metrics and /v1/status', () => {
  it('show produced and fetched counts per topic, per-API latency histograms and errors after a KafkaJS round', async () => {
    const kafka = kafkajs(broker.bootstrap, 'metrics-test');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let round = 0; round < 3; round++) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic: 'metered',
            messages: Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: `m-${round}-${i}` })),
          },
        ],
      });
    }
    await producer.disconnect();
    expect(await fetchPartition(kafka, 'metered', 0)).toHaveLength(300);
    expect(await fetchPartition(kafka, 'metered', 1)).toHaveLength(300);

    // one refused produce: partition 7 does not exist
    const c = await connectTo(broker.port);
    expect((await produceValues(c, 'metered', 7, ['nowhere'])).errorCode).toBe(3);
    c.close();

    const f = await scrape();
    const bytes = storedBytes('metered', 0) + storedBytes('metered', 1);
    expect(bytes).toBeGreaterThan(0);
    expect(sampleValue(f, 'fluxmq_topic_messages_in_total', { topic: 'metered' })).toBe(600);
    expect(sampleValue(f, 'fluxmq_topic_bytes_in_total', { topic: 'metered' })).toBe(bytes);
    // each batch was fetched once, whole
    expect(sampleValue(f, 'fluxmq_topic_messages_out_total', { topic: 'metered' })).toBe(600);
    expect(sampleValue(f, 'fluxmq_topic_bytes_out_total', { topic: 'metered' })).toBe(bytes);
    for (const p of [0, 1]) {
      const labels = { topic: 'metered', partition: String(p) };
      expect(sampleValue(f, 'fluxmq_log_end_offset', labels)).toBe(300);
      expect(sampleValue(f, 'fluxmq_log_start_offset', labels)).toBe(0);
      expect(sampleValue(f, 'fluxmq_log_size_bytes', labels)).toBe(storedBytes('metered', p));
      expect(sampleValue(f, 'fluxmq_log_segments', labels)).toBe(1);
    }

    // Produce: KafkaJS's three sends and ours; the histogram agrees with the counter
    const produces = total(f, 'fluxmq_requests_total', { request: 'Produce' });
    expect(produces).toBe(4);
    expect(total(f, 'fluxmq_request_duration_seconds_count', { request: 'Produce' })).toBe(produces);
    expect(total(f, 'fluxmq_request_duration_seconds_bucket', { request: 'Produce', le: '+Inf' })).toBe(
      produces,
    );
    expect(total(f, 'fluxmq_request_duration_seconds_sum', { request: 'Produce' })).toBeGreaterThan(0);
    expect(total(f, 'fluxmq_request_duration_seconds_bucket', { request: 'Produce', le: '5' })).toBe(
      produces,
    );
    const fetches = total(f, 'fluxmq_requests_total', { request: 'Fetch' });
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(total(f, 'fluxmq_request_duration_seconds_count', { request: 'Fetch' })).toBe(fetches);
    for (const s of samplesOf(f, 'fluxmq_requests_total')) expect(s.labels.version).toMatch(/^\d+$/);

    expect(
      sampleValue(f, 'fluxmq_request_errors_total', {
        request: 'Produce',
        error: 'UNKNOWN_TOPIC_OR_PARTITION',
      }),
    ).toBe(1);
    expect(total(f, 'fluxmq_request_bytes_total', { request: 'Produce' })).toBeGreaterThan(bytes);
    expect(total(f, 'fluxmq_response_bytes_total', { request: 'Fetch' })).toBeGreaterThan(bytes);
    expect(
      sampleValue(f, 'fluxmq_connections_created_total', { listener: 'PLAINTEXT' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sampleValue(f, 'fluxmq_purgatory_size', { purgatory: 'fetch' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(f, 'fluxmq_broker_ready')).toBe(1);
    expect(sampleValue(f, 'fluxmq_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    expect(f.get('process_resident_memory_bytes')?.samples[0]?.value).toBeGreaterThan(0);

    const status = await httpJson(`${http}/v1/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      brokerId: 1,
      version: '0.1.0',
      state: 'running',
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: broker.port }],
    });
    expect(status.body.topics).toBeGreaterThanOrEqual(1);
    expect(status.body.partitions).toBe(sampleValue(f, 'fluxmq_partitions'));
    expect((await httpJson(`${http}/ready`)).status).toBe(200);
    expect((await httpJson(`${http}/health`)).status).toBe(200);
  });

  // Needs the group coordinator (JoinGroup, OffsetCommit); until it is served,
  // test/unit/observability/metrics.test.ts checks the same series against a stand-in coordinator.
  it.skipIf(!served.has(ApiKey.JoinGroup) || !served.has(ApiKey.OffsetCommit))(
    'shows consumer group lag, committed offsets and state after a consumer group round',
    async () => {
      const kafka = kafkajs(broker.bootstrap, 'lag-test');
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'lagging', numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const send = (from: number, n: number) =>
        producer.send({
          topic: 'lagging',
          acks: -1,
          messages: Array.from({ length: n }, (_, i) => ({ value: `l${from + i}` })),
        });
      await send(0, 50);

      const consumer = kafka.consumer({
        groupId: 'lag-group',
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'lagging', fromBeginning: true });
      let consumed = 0;
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async () => {
              if (++consumed === 50) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect(); // commits what it consumed and leaves the group
      await send(50, 30);
      await producer.disconnect();

      const f = await scrape();
      const labels = { group: 'lag-group', topic: 'lagging', partition: '0' };
      expect(sampleValue(f, 'fluxmq_consumer_group_committed_offset', labels)).toBe(50);
      expect(sampleValue(f, 'fluxmq_consumer_group_lag', labels)).toBe(30);
      expect(sampleValue(f, 'fluxmq_consumer_group_lag_sum', { group: 'lag-group' })).toBe(30);
      expect(sampleValue(f, 'fluxmq_consumer_group_lag_max', { group: 'lag-group' })).toBe(30);
      expect(sampleValue(f, 'fluxmq_consumer_group_members', { group: 'lag-group' })).toBe(0);
      expect(sampleValue(f, 'fluxmq_consumer_group_state', { group: 'lag-group', state: 'Empty' })).toBe(1);
      expect(sampleValue(f, 'fluxmq_consumer_groups', { state: 'Empty' })).toBeGreaterThanOrEqual(1);
      expect(total(f, 'fluxmq_requests_total', { request: 'JoinGroup' })).toBeGreaterThanOrEqual(1);
      expect(
        total(f, 'fluxmq_request_duration_seconds_count', { request: 'OffsetCommit' }),
      ).toBeGreaterThanOrEqual(1);
      expect(sampleValue(f, 'fluxmq_purgatory_size', { purgatory: 'join' })).toBe(0);
      const ready = await httpJson(`${http}/ready`);
      expect(ready.body.checks).toMatchObject({ groupCoordinator: { ok: true } });
      // the coordinator logs the rebalance, one line with the group and generation
      const rebalance = broker.logs.find(
        (l) => l.group === 'lag-group' && typeof l.msg === 'string' && /rebalanc/.test(l.msg),
      );
      expect(rebalance).toMatchObject({ level: 30, generation: expect.any(Number) });
    },
  );
});

describe('fluxmq bench http', () => {
  it('loads /metrics and /health during produce traffic and reports the event-loop delay (--json)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin/run.js'),
        'bench',
        'http',
        '--url',
        http,
        '-b',
        broker.bootstrap,
        '--duration',
        '1',
        '--connections',
        '2',
        '--inflight',
        '2',
        '--json',
      ],
      { cwd: PROJECT_ROOT, timeout: 30_000 },
    );
    const r = JSON.parse(stdout) as {
      endpoints: { path: string; requests: number; requestsPerSec: number; errors: number; non2xx: number }[];
      produce: { records: number; errors: number };
      eventLoop: { before: { p99Ms: number } | null; during: { p99Ms: number } | null };
    };
    expect(r.endpoints.map((e) => e.path)).toEqual(['/metrics', '/health']);
    for (const e of r.endpoints) {
      expect(e.requests).toBeGreaterThan(0);
      expect(e.requestsPerSec).toBeGreaterThan(0);
      expect(e.errors + e.non2xx).toBe(0);
    }
    expect(r.produce.records).toBeGreaterThan(0);
    expect(r.produce.errors).toBe(0);
    expect(r.eventLoop.before?.p99Ms).toBeGreaterThanOrEqual(0);
    expect(r.eventLoop.during?.p99Ms).toBeGreaterThanOrEqual(0);
    const f = await scrape();
    expect(sampleValue(f, 'fluxmq_topic_messages_in_total', { topic: 'fluxmq-bench-http' })).toBe(
      r.produce.records,
    );
  });
});

/** A frame with an API key no broker knows, from client id "bad-client". */
function unknownApiFrame(): Buffer {
  const clientId = Buffer.from('bad-client');
  const body = Buffer.alloc(10 + clientId.length);
  body.writeInt16BE(999, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('structured logs', () => {
  const find = (msg: string, match: (l: Record<string, unknown>) => boolean = () => true) =>
    broker.logs.find((l) => l.msg === msg && match(l));

  it('has one JSON line per notable event, with its fields, and none per request at info', async () => {
    const started = broker.logs.find((l) => typeof l.msg === 'string' && l.msg.endsWith(' started'));
    expect(started).toMatchObject({ level: 30, name: 'fluxmq', nodeId: 1, dataDir: broker.dataDir });
    expect(started!.clusterId).toEqual(expect.any(String));
    expect(find('listener bound')).toMatchObject({
      listener: 'PLAINTEXT',
      host: '127.0.0.1',
      port: broker.port,
    });
    expect(find('http listener bound')).toMatchObject({ listener: 'http', host: '127.0.0.1' });
    expect(broker.logs.every((l) => typeof l.time === 'number' && typeof l.level === 'number')).toBe(true);

    const c = await connectTo(broker.port);
    await createTopic(c, 'rolling');
    expect(await broker.waitForLog((l) => l.msg === 'topic created' && l.topic === 'rolling')).toMatchObject({
      partitions: 1,
      topicId: expect.any(String),
    });

    // 16 KiB segments: the third 7 KiB batch rolls one
    for (let i = 0; i < 3; i++)
      expect((await produceValues(c, 'rolling', 0, ['r'.repeat(7000)])).errorCode).toBe(0);
    expect(
      await broker.waitForLog((l) => l.msg === 'segment rolled' && l.topicPartition === 'rolling-0'),
    ).toMatchObject({ level: 30, baseOffset: 2, previousSegmentBytes: expect.any(Number) });

    // many requests, no new info lines
    const infoLines = () => broker.logs.filter((l) => (l.level as number) >= 30).length;
    const before = infoLines();
    for (let i = 0; i < 100; i++) await produceValues(c, 'rolling', 0, [`small-${i}`]);
    await new Promise((r) => setTimeout(r, 100));
    expect(infoLines()).toBe(before);

    // a client error: the connection is closed and the line names the client and its address
    const socket = connect({ host: '127.0.0.1', port: broker.port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const local = `${socket.localAddress}:${socket.localPort}`;
    socket.on('error', () => {});
    socket.write(unknownApiFrame());
    await new Promise<void>((r) => socket.once('close', () => r()));
    const warn = await broker.waitForLog((l) => l.msg === 'closing connection: unknown API key 999');
    expect(warn).toMatchObject({ level: 40, clientId: 'bad-client', apiKey: 999 });
    expect((warn.conn as { remoteAddress: string }).remoteAddress).toBe(local);
    const f = await scrape();
    expect(sampleValue(f, 'fluxmq_requests_rejected_total', { reason: 'unknown_api' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_log_segments_rolled_total')).toBeGreaterThanOrEqual(1);
    c.close();
  });

  it.skipIf(!served.has(ApiKey.DeleteRecords) || !served.has(ApiKey.DeleteTopics))(
    'logs deleted segments and topics',
    async () => {
      const kafka = kafkajs(broker.bootstrap, 'deleter');
      const admin = kafka.admin();
      await admin.connect();
      const c = await connectTo(broker.port);
      await createTopic(c, 'doomed');
      for (let i = 0; i < 3; i++) await produceValues(c, 'doomed', 0, ['d'.repeat(7000)]);
      c.close();
      await admin.fetchTopicMetadata({ topics: ['doomed'] });
      await admin.deleteTopicRecords({ topic: 'doomed', partitions: [{ partition: 0, offset: '3' }] });
      expect(
        await broker.waitForLog(
          (l) =>
            l.msg === 'deleted log segments below the log start offset' && l.topicPartition === 'doomed-0',
        ),
      ).toMatchObject({ segments: 1, logStartOffset: 3 });
      await admin.deleteTopics({ topics: ['doomed'] });
      expect(await broker.waitForLog((l) => l.msg === 'topic deleted' && l.topic === 'doomed')).toMatchObject(
        {
          partitions: 1,
        },
      );
      await admin.disconnect();
      const f = await scrape();
      expect(sampleValue(f, 'fluxmq_log_segments_deleted_total')).toBeGreaterThanOrEqual(1);
      // a deleted topic's series go away with it
      expect(samplesOf(f, 'fluxmq_topic_messages_in_total').some((s) => s.labels.topic === 'doomed')).toBe(
        false,
      );
    },
  );
});

describe('/ready during recovery', () => {
  it('answers 503 while a large data directory is recovered after kill -9, and 200 after', async () => {
    const dataDir = tempDataDir();
    const PARTITIONS = 400;
    let b = await startBroker({ dataDir, overrides: { 'log.segment.bytes': 4096 } });
    try {
      const c = await connectTo(b.port);
      await createTopic(c, 'bulk', PARTITIONS);
      // three 1.5 KiB batches per partition: two segments each
      const batch = await encodeRecordBatch({ records: [{ value: 'x'.repeat(1500) }] });
      for (let round = 0; round < 3; round++) {
        for (let first = 0; first < PARTITIONS; first += 100) {
          const res = await c.request(ApiKey.Produce, 9, {
            acks: 1,
            timeoutMs: 5000,
            topicData: [
              {
                name: 'bulk',
                partitionData: Array.from({ length: 100 }, (_, i) => ({
                  index: first + i,
                  records: Buffer.from(batch),
                })),
              },
            ],
          });
          expect(
            res.responses[0].partitionResponses.every((p: { errorCode: number }) => p.errorCode === 0),
          ).toBe(true);
        }
      }
      c.close();
    } finally {
      await b.kill9();
    }

    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const starting = startBroker({ dataDir, overrides: { 'http.port': httpPort } });
    const seen: { status: number; detail: string; health: number }[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      let r: { status: number; body: Record<string, unknown> } | null = null;
      try {
        r = await httpJson(`${base}/ready`);
      } catch {
        // not listening yet
      }
      if (r) {
        const checks = r.body.checks as Record<string, { detail: string }>;
        const health = r.status === 503 ? (await httpGet(`${base}/health`)).status : 200;
        seen.push({ status: r.status, detail: checks.logs!.detail, health });
        if (r.status === 200) break;
      }
      if (Date.now() > deadline) throw new Error(`not ready in time: ${JSON.stringify(seen.slice(-3))}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    b = await starting;
    try {
      const loading = seen.filter((s) => s.status === 503);
      expect(loading.length, 'no 503 seen while recovering').toBeGreaterThan(0);
      // the event loop kept serving: /health was 200 meanwhile and progress moved
      expect(loading.every((s) => s.health === 200)).toBe(true);
      expect(loading.some((s) => /^loading: \d+ of \d+ partition directories$/.test(s.detail))).toBe(true);
      expect(seen[seen.length - 1]!.status).toBe(200);
      expect(seen[seen.length - 1]!.detail).toBe(`${PARTITIONS} partition logs loaded`);
      const recovered = b.logs.find((l) => l.msg === 'log recovery finished');
      expect(recovered).toMatchObject({ logs: PARTITIONS, hadCleanShutdown: false, failedLogs: 0 });
      expect(recovered!.segmentsScanned as number).toBeGreaterThanOrEqual(2 * PARTITIONS);
      const f = parseExposition((await httpGet(`${base}/metrics`)).text);
      expect(sampleValue(f, 'fluxmq_partitions')).toBe(PARTITIONS);
      expect(sampleValue(f, 'fluxmq_log_end_offset', { topic: 'bulk', partition: '399' })).toBe(3);
    } finally {
      await b.stop();
    }
  });
});

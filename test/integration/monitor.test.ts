// `fluxmq monitor` against a live broker: a KafkaJS producer at a fixed rate and a KafkaJS group
// that commits and then stops consuming on purpose. The one-shot JSON snapshot must report the
// produce rate within 20% of the real rate and the group's lag within the true bounds (the end
// offsets before and after the snapshot, minus the committed offsets). Also: plain tables without
// FluxMQ's HTTP port, the exit code when nothing answers, and the poller seeing a broker go away
// and come back.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/index.js';
import { digestMetrics } from '../../src/monitor/metrics-text.js';
import { createPoller } from '../../src/monitor/run.js';
import type { MonitorSnapshot } from '../../src/monitor/types.js';
import { PROJECT_ROOT, startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';
import { connectTo, produceValues } from '../helpers/client.js';
import { freePort } from '../helpers/http.js';
import { kafkajs } from '../helpers/kafkajs.js';

const RATE = 200;
const TOPIC = 'metered';

let broker: RunningBroker;
let http: string;
let kafka: Kafka;
let producer: Producer;
const consumers: Consumer[] = [];
let producing = true;
let producerLoop: Promise<void> = Promise.resolve();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Sends RATE messages per second on average (never ahead of the clock), alternating partitions. */
async function produceAtFixedRate(): Promise<void> {
  const start = Date.now();
  let sent = 0;
  while (producing) {
    const due = Math.floor(((Date.now() - start) / 1000) * RATE) - sent;
    if (due > 0) {
      await producer.send({
        topic: TOPIC,
        acks: 1,
        messages: Array.from({ length: due }, (_, i) => ({
          partition: (sent + i) % 2,
          value: `m-${sent + i}`,
        })),
      });
      sent += due;
    }
    await sleep(10);
  }
}

beforeAll(async () => {
  const port = await freePort();
  broker = await startBroker({ overrides: { 'http.port': port, 'group.initial.rebalance.delay.ms': 0 } });
  http = `http://127.0.0.1:${port}`;
  kafka = kafkajs(broker.bootstrap, 'monitor-test');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  producerLoop = produceAtFixedRate();
});

afterAll(async () => {
  producing = false;
  await producerLoop.catch(() => undefined);
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  await producer?.disconnect().catch(() => undefined);
  await broker?.stop();
});

describe('fluxmq monitor --once --json', () => {
  it('reports the produce rate within 20% and a lagging group within its true lag bounds', async () => {
    // a group that reads a little, commits what it read, then stops consuming (still a member)
    const lagging = kafka.consumer({ groupId: 'lagging', sessionTimeout: 10_000, heartbeatInterval: 500 });
    consumers.push(lagging);
    await lagging.connect();
    await lagging.subscribe({ topic: TOPIC, fromBeginning: true });
    const read = new Map<number, number>();
    let stopped = false;
    await lagging.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (!stopped) read.set(partition, Number(message.offset) + 1);
      },
    });
    await until(
      () => read.size === 2 && [...read.values()].every((o) => o >= 20),
      'the lagging group to read',
    );
    stopped = true;
    lagging.pause([{ topic: TOPIC }]);
    await lagging.commitOffsets(
      [...read].map(([partition, offset]) => ({ topic: TOPIC, partition, offset: String(offset) })),
    );

    // a group that keeps up, so there is fetch traffic to see
    const live = kafka.consumer({ groupId: 'keeping-up', sessionTimeout: 10_000, heartbeatInterval: 500 });
    consumers.push(live);
    await live.connect();
    await live.subscribe({ topic: TOPIC, fromBeginning: false });
    let liveSeen = 0;
    await live.run({ eachMessage: async () => void liveSeen++ });
    await until(() => liveSeen > 0, 'the live consumer to read');

    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: 'lagging', topics: [TOPIC] });
      const commits = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      expect([...commits.values()].every((o) => o >= 20)).toBe(true);
      const ends = async () =>
        new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, Number(p.high)]));
      const lagOf = (e: Map<number, number>) => [0, 1].reduce((a, p) => a + e.get(p)! - commits.get(p)!, 0);

      const before = await ends();
      const r = await runCli(
        [
          'monitor',
          '--once',
          '--json',
          '--interval',
          '2s',
          '--http',
          http,
          '--bootstrap-server',
          broker.bootstrap,
        ],
        { timeoutMs: 30_000 },
      );
      const after = await ends();
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as MonitorSnapshot;

      expect(s.reachable).toBe(true);
      expect(s.sampleSeconds).toBeGreaterThan(1.8);
      expect(s.brokers).toHaveLength(1);
      expect(s.brokers[0]).toMatchObject({ reachable: true, http, state: 'running', isController: true });
      expect(s.brokers[0]!.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(s.brokers[0]!.listeners[0]!.connections).toBeGreaterThan(0);

      const topic = s.topics.find((t) => t.name === TOPIC)!;
      expect(topic.partitions).toBe(2);
      expect(topic.produceRate).toBeGreaterThan(RATE * 0.8);
      expect(topic.produceRate).toBeLessThan(RATE * 1.2);
      expect(topic.produceBytesRate).toBeGreaterThan(0);
      expect(topic.fetchRate).toBeGreaterThan(0);
      expect(topic.sizeBytes).toBeGreaterThan(0);
      expect(s.sources).toEqual({ metrics: true, status: true, sizes: 'DescribeLogDirs' });

      const group = s.groups.find((g) => g.groupId === 'lagging')!;
      expect(group).toMatchObject({
        state: 'Stable',
        members: 1,
        protocolType: 'consumer',
        partitions: 2,
        error: null,
      });
      expect(group.totalLag).toBeGreaterThanOrEqual(lagOf(before));
      expect(group.totalLag).toBeLessThanOrEqual(lagOf(after));
      // nobody consumes for it, so its lag grows at the produce rate
      expect(group.lagTrend).toBeGreaterThan(RATE * 0.5);
      expect(group.commitRate).toBe(0);
      expect(group.worst.map((w) => w.partition).sort()).toEqual([0, 1]);
      expect(s.groups.find((g) => g.groupId === 'keeping-up')).toMatchObject({ state: 'Stable', members: 1 });

      const produce = s.requests!.find((a) => a.api === 'Produce')!;
      expect(s.latencyWindow).toBe('interval');
      expect(produce.requestsPerSec).toBeGreaterThan(0);
      expect(produce.p99Ms).toBeGreaterThan(0);
      expect(produce.p50Ms).toBeLessThanOrEqual(produce.p99Ms!);
      expect(s.requests!.find((a) => a.api === 'ListOffsets')!.requests).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('fluxmq monitor without FluxMQ HTTP, and when nothing answers', () => {
  it('prints plain tables and says what needs /metrics', async () => {
    const r = await runCli(
      [
        'monitor',
        '--once',
        '--interval',
        '500ms',
        '--no-discover-http',
        '--filter',
        'meter',
        '-b',
        broker.bootstrap,
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ metered │\s+2 │ \d+/);
    expect(r.stdout).toContain("Topics (1 matching 'meter')");
    expect(r.stdout).toContain("note: request latency, fetch rates and connections need FluxMQ's /metrics");
    expect(r.stdout).not.toContain('Requests (');
  });

  it('prints a table every interval when stdout is not a terminal, until interrupted', async () => {
    const proc = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin/run.js'),
        'monitor',
        '--interval',
        '300ms',
        '--no-discover-http',
        '-b',
        broker.bootstrap,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
    await until(() => (out.match(/^fluxmq monitor /gm) ?? []).length >= 3, 'three plain snapshots', 20_000);
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/rates over 0\.\d s/);
    expect(out).toContain('Consumer groups');
  });

  it('exits 3 with a JSON error when the cluster cannot be reached', async () => {
    const port = await freePort();
    const r = await runCli(['monitor', '--once', '--json', '--no-discover-http', '-b', `127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { name: 'UnreachableError' } });
  });
});

describe('the poller', () => {
  it('polls 150 topics and 100 groups with one request of each kind per poll', async () => {
    const httpPort = await freePort();
    const b = await startBroker({ overrides: { 'http.port': httpPort } });
    const url = `http://127.0.0.1:${httpPort}`;
    const admin = await Admin.connect({ bootstrap: b.bootstrap });
    const poller = createPoller({
      bootstrap: b.bootstrap,
      requestTimeoutMs: 5000,
      intervalMs: 1000,
      httpUrls: [url],
      discoverHttp: false,
      includeInternal: false,
      filter: '',
    });
    try {
      const topics = Array.from({ length: 150 }, (_, i) => `scale-${String(i).padStart(3, '0')}`);
      for (const name of topics) await admin.createTopic({ name, partitions: 2, replicationFactor: 1 });
      const c = await connectTo(b.port);
      await produceValues(
        c,
        'scale-000',
        0,
        Array.from({ length: 30 }, (_, i) => `v${i}`),
      );
      c.close();
      for (let g = 0; g < 100; g++) {
        await admin.commitOffsets(`group-${String(g).padStart(3, '0')}`, [
          { topic: 'scale-000', partition: 0, newOffset: g % 30 },
        ]);
      }

      const requests = async () => {
        const d = digestMetrics(await (await fetch(`${url}/metrics`)).text());
        return new Map([...d.apis].map(([api, a]) => [api, a.requests]));
      };
      await poller.pollOnce(); // connects: ApiVersions, first Metadata
      const before = await requests();
      const snap = await poller.pollOnce();
      const after = await requests();
      const sent = Object.fromEntries(
        [...after].map(([api, n]) => [api, n - (before.get(api) ?? 0)]).filter(([, n]) => (n as number) > 0),
      );
      expect(sent).toEqual({
        Metadata: 1,
        ListOffsets: 1,
        ListGroups: 1,
        DescribeGroups: 1,
        OffsetFetch: 1,
        DescribeLogDirs: 1,
      });
      expect(snap.topics).toHaveLength(150);
      expect(snap.groups).toHaveLength(100);
      expect(snap.groups.find((g) => g.groupId === 'group-007')).toMatchObject({
        state: 'Empty',
        members: 0,
        totalLag: 23,
      });
    } finally {
      admin.close();
      await poller.stop();
      await b.stop();
    }
  });

  it('shows a broker that goes away as unreachable and recovers when it returns', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    let b = await startBroker({ dataDir, port });
    const poller = createPoller({
      bootstrap: b.bootstrap,
      requestTimeoutMs: 2000,
      intervalMs: 200,
      httpUrls: [],
      discoverHttp: false,
      includeInternal: false,
      filter: '',
    });
    try {
      const c = kafkajs(b.bootstrap, 'poller-test').producer();
      await c.connect();
      await c.send({ topic: 'comes-back', messages: [{ value: 'a' }, { value: 'b' }] });
      await c.disconnect();
      const up = await poller.pollOnce();
      expect(up.reachable).toBe(true);
      expect(up.topics.find((t) => t.name === 'comes-back')!.endOffset).toBe(2);

      await b.stop();
      const down = await poller.pollOnce();
      expect(down.reachable).toBe(false);
      expect(down.brokers).toEqual([expect.objectContaining({ id: 1, port, reachable: false })]);
      expect(down.topics.find((t) => t.name === 'comes-back')).toMatchObject({
        endOffset: 2,
        produceRate: null,
      });

      b = await startBroker({ dataDir, port });
      const back = await poller.pollOnce();
      expect(back.reachable).toBe(true);
      expect(back.brokers[0]!.reachable).toBe(true);
      expect(back.topics.find((t) => t.name === 'comes-back')!.endOffset).toBe(2);
    } finally {
      await poller.stop();
      await b.stop();
    }
  });
});

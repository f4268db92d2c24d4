import { describe, expect, it } from 'vitest';
import { emptyDigest, type MetricsDigest } from '../../../src/monitor/metrics-text.js';
import {
  bucketDelta,
  counterDelta,
  groupLags,
  histogramQuantile,
  HISTORY_LENGTH,
  MonitorModel,
  NO_METRICS_NOTE,
  perSecond,
} from '../../../src/monitor/model.js';
import type { BrokerSample, GroupSample, RawSample, TopicSample } from '../../../src/monitor/probe.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function broker(extra: Partial<BrokerSample> = {}): BrokerSample {
  return {
    nodeId: 1,
    host: '127.0.0.1',
    port: 9092,
    rack: null,
    reachable: true,
    error: null,
    http: null,
    ...extra,
  };
}

function topic(name: string, ends: (number | null)[], internal = false): TopicSample {
  return {
    name,
    internal,
    partitions: ends.map((endOffset, partition) => ({ partition, leader: 1, endOffset })),
  };
}

function group(
  groupId: string,
  committed: [string, number, number][],
  extra: Partial<GroupSample> = {},
): GroupSample {
  return {
    groupId,
    protocolType: 'consumer',
    state: 'Stable',
    members: 1,
    coordinator: 1,
    committed: committed.map(([t, partition, offset]) => ({ topic: t, partition, offset })),
    error: null,
    ...extra,
  };
}

function raw(
  atMs: number,
  topics: TopicSample[],
  groups: GroupSample[] = [],
  extra: Partial<RawSample> = {},
): RawSample {
  return {
    atMs,
    reachable: true,
    error: null,
    clusterId: 'cid',
    controllerId: 1,
    brokers: [broker()],
    topics,
    groups,
    logDirSizes: null,
    notes: [],
    ...extra,
  };
}

function digest(fill: (d: MetricsDigest) => void): MetricsDigest {
  const d = emptyDigest();
  fill(d);
  return d;
}

const model = () => new MonitorModel({ bootstrap: '127.0.0.1:9092', intervalMs: 1000 });

describe('helpers', () => {
  it('computes per-second rates and counter deltas across resets', () => {
    expect(perSecond(500, 2)).toBe(250);
    expect(perSecond(null, 2)).toBeNull();
    expect(perSecond(5, 0)).toBeNull();
    expect(counterDelta(100, 150)).toBe(50);
    expect(counterDelta(100, 30)).toBe(30);
  });

  it('interpolates histogram quantiles as histogram_quantile does', () => {
    const b = new Map([
      [0.001, 50],
      [0.01, 90],
      [0.1, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(b, 0.5)).toBeCloseTo(0.001);
    expect(histogramQuantile(b, 0.25)).toBeCloseTo(0.0005);
    expect(histogramQuantile(b, 0.7)).toBeCloseTo(0.001 + 0.009 * 0.5);
    expect(histogramQuantile(b, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.9);
    expect(
      histogramQuantile(
        new Map([
          [0.1, 0],
          [Infinity, 0],
        ]),
        0.5,
      ),
    ).toBeNull();
    // everything above the last finite bound answers that bound
    expect(
      histogramQuantile(
        new Map([
          [0.1, 0],
          [Infinity, 10],
        ]),
        0.5,
      ),
    ).toBe(0.1);
  });

  it('takes bucket deltas between scrapes, from zero after a reset', () => {
    const prev = new Map([
      [0.1, 10],
      [Infinity, 12],
    ]);
    expect([
      ...bucketDelta(
        prev,
        new Map([
          [0.1, 15],
          [Infinity, 20],
        ]),
      ),
    ]).toEqual([
      [0.1, 5],
      [Infinity, 8],
    ]);
    expect([
      ...bucketDelta(
        prev,
        new Map([
          [0.1, 1],
          [Infinity, 1],
        ]),
      ),
    ]).toEqual([
      [0.1, 1],
      [Infinity, 1],
    ]);
  });

  it('computes partition lag against log end offsets, unknown when the end is unknown', () => {
    const ends = new Map<string, number | null>([
      ['a:0', 100],
      ['a:1', null],
      ['a:2', 5],
    ]);
    const lags = groupLags(
      [
        { topic: 'a', partition: 0, offset: 40 },
        { topic: 'a', partition: 1, offset: 3 },
        { topic: 'a', partition: 2, offset: 9 },
      ],
      ends,
    );
    expect(lags.map((l) => l.lag)).toEqual([60, null, 0]);
  });
});

describe('MonitorModel', () => {
  it('has no rates after one poll, then rates from end-offset deltas over the time between polls', () => {
    const m = model();
    const first = m.ingest(raw(T0, [topic('orders', [100, 200])]));
    expect(first.sampleSeconds).toBeNull();
    expect(first.topics[0]).toMatchObject({
      name: 'orders',
      partitions: 2,
      endOffset: 300,
      produceRate: null,
    });

    const second = m.ingest(raw(T0 + 2000, [topic('orders', [300, 600])]));
    expect(second.sampleSeconds).toBe(2);
    expect(second.topics[0]!.produceRate).toBe(300); // (200 + 400) / 2 s
    expect(second.topics[0]!.history).toEqual([300]);
    expect(second.topics[0]!.fetchRate).toBeNull();
    expect(second.notes).toContain(NO_METRICS_NOTE);
    expect(second.requests).toBeNull();
  });

  it('counts a partition added between polls from 0 and a topic that appears only from its second poll', () => {
    const m = model();
    m.ingest(raw(T0, [topic('a', [10])]));
    const s = m.ingest(raw(T0 + 1000, [topic('a', [20, 5]), topic('b', [50])]));
    expect(s.topics.find((t) => t.name === 'a')!.produceRate).toBe(15);
    expect(s.topics.find((t) => t.name === 'b')!.produceRate).toBeNull();
  });

  it('leaves the rate unknown when a leader did not answer', () => {
    const m = model();
    m.ingest(raw(T0, [topic('a', [10, 10])]));
    const s = m.ingest(raw(T0 + 1000, [topic('a', [20, null])]));
    expect(s.topics[0]!.produceRate).toBeNull();
    expect(s.topics[0]!.endOffset).toBeNull();
  });

  it('hides internal topics unless asked', () => {
    const topics = [topic('__consumer_offsets', [1], true), topic('a', [1])];
    expect(
      model()
        .ingest(raw(T0, topics))
        .topics.map((t) => t.name),
    ).toEqual(['a']);
    const all = new MonitorModel({ bootstrap: 'x', intervalMs: 1000, includeInternal: true });
    expect(all.ingest(raw(T0, topics)).topics.map((t) => t.name)).toEqual(['__consumer_offsets', 'a']);
  });

  it('computes group lag, its trend, the commit rate and the worst partitions', () => {
    const m = model();
    m.ingest(
      raw(
        T0,
        [topic('orders', [100, 100, 10])],
        [
          group('billing', [
            ['orders', 0, 50],
            ['orders', 1, 100],
          ]),
        ],
      ),
    );
    const s = m.ingest(
      raw(
        T0 + 2000,
        [topic('orders', [200, 140, 10])],
        [
          group('billing', [
            ['orders', 0, 60],
            ['orders', 1, 130],
            ['orders', 2, 10],
          ]),
          group('idle', []),
        ],
      ),
    );
    const g = s.groups.find((x) => x.groupId === 'billing')!;
    expect(g.totalLag).toBe(140 + 10 + 0);
    expect(g.lagTrend).toBe((150 - 50) / 2);
    expect(g.commitRate).toBe((10 + 30) / 2); // orders-2 is new: no rate from it yet
    expect(g.worst.map((w) => [w.partition, w.lag])).toEqual([
      [0, 140],
      [1, 10],
    ]);
    expect(g.topics).toEqual(['orders']);
    expect(g.lagHistory).toEqual([50, 150]);
    const idle = s.groups.find((x) => x.groupId === 'idle')!;
    expect(idle.totalLag).toBeNull();
    expect(idle.partitions).toBe(0);
  });

  it('shows no commit rate after offsets were reset backwards', () => {
    const m = model();
    m.ingest(raw(T0, [topic('a', [100])], [group('g', [['a', 0, 90]])]));
    const s = m.ingest(raw(T0 + 1000, [topic('a', [100])], [group('g', [['a', 0, 0]])]));
    expect(s.groups[0]!.commitRate).toBeNull();
    expect(s.groups[0]!.lagTrend).toBe(90);
  });

  it('keeps the last topics and groups without rates while unreachable, and starts over after', () => {
    const m = model();
    m.ingest(raw(T0, [topic('a', [0])], [group('g', [['a', 0, 0]])]));
    const live = m.ingest(raw(T0 + 1000, [topic('a', [100])], [group('g', [['a', 0, 50]])]));
    expect(live.topics[0]!.produceRate).toBe(100);

    const down = m.ingest(
      raw(T0 + 2000, [], [], {
        reachable: false,
        error: 'cannot reach the Kafka cluster',
        topics: null,
        groups: null,
        brokers: [broker({ reachable: false, error: 'connection refused' })],
      }),
    );
    expect(down.reachable).toBe(false);
    expect(down.error).toContain('cannot reach');
    expect(down.brokers[0]).toMatchObject({ reachable: false, error: 'connection refused' });
    expect(down.topics[0]).toMatchObject({ name: 'a', endOffset: 100, produceRate: null });
    expect(down.groups[0]).toMatchObject({ groupId: 'g', totalLag: 50, lagTrend: null });

    const back = m.ingest(raw(T0 + 60_000, [topic('a', [5000])], [group('g', [['a', 0, 50]])]));
    expect(back.reachable).toBe(true);
    expect(back.sampleSeconds).toBeNull(); // no rate across the outage
    expect(back.topics[0]!.produceRate).toBeNull();
    const next = m.ingest(raw(T0 + 61_000, [topic('a', [5100])], [group('g', [['a', 0, 50]])]));
    expect(next.topics[0]!.produceRate).toBe(100);
  });

  it('keeps a bounded sparkline history and forgets deleted topics', () => {
    const m = model();
    for (let i = 0; i <= HISTORY_LENGTH + 5; i++) m.ingest(raw(T0 + i * 1000, [topic('a', [i * 10])]));
    const s = m.ingest(raw(T0 + 100_000, [topic('a', [10_000])]));
    expect(s.topics[0]!.history).toHaveLength(HISTORY_LENGTH);
    m.ingest(raw(T0 + 101_000, []));
    expect(m.ingest(raw(T0 + 102_000, [topic('a', [0])])).topics[0]!.history).toEqual([]);
  });

  it('takes fetch rates, bytes, sizes, latency percentiles and errors from FluxMQ metrics', () => {
    const m = model();
    const metricsAt = (atMs: number, d: MetricsDigest) =>
      broker({ http: { url: 'http://127.0.0.1:9644', status: null, metrics: d, atMs } });
    const d1 = digest((d) => {
      d.topics.set('a', { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, sizeBytes: 1000 });
      d.apis.set('Produce', {
        requests: 10,
        buckets: new Map([
          [0.001, 10],
          [0.01, 10],
          [Infinity, 10],
        ]),
        errors: new Map(),
      });
    });
    const d2 = digest((d) => {
      d.topics.set('a', {
        messagesIn: 200,
        bytesIn: 20_000,
        messagesOut: 400,
        bytesOut: 40_000,
        sizeBytes: 21_000,
      });
      d.apis.set('Produce', {
        requests: 110,
        buckets: new Map([
          [0.001, 10],
          [0.01, 110],
          [Infinity, 110],
        ]),
        errors: new Map([['NOT_LEADER_OR_FOLLOWER', 4]]),
      });
      d.connections.set('PLAINTEXT', 3);
      d.eventLoopP99Seconds = 0.002;
    });
    const first = m.ingest(raw(T0, [topic('a', [0])], [], { brokers: [metricsAt(T0, d1)] }));
    expect(first.latencyWindow).toBe('since-start');
    expect(first.requests![0]).toMatchObject({ api: 'Produce', requests: 10, requestsPerSec: null });
    expect(first.requests![0]!.p50Ms).toBeCloseTo(0.5);
    expect(first.sources).toEqual({ metrics: true, status: false, sizes: 'metrics' });

    const s = m.ingest(raw(T0 + 2000, [topic('a', [200])], [], { brokers: [metricsAt(T0 + 2000, d2)] }));
    expect(s.topics[0]).toMatchObject({
      produceRate: 100,
      produceBytesRate: 10_000,
      fetchRate: 200,
      fetchBytesRate: 20_000,
      sizeBytes: 21_000,
    });
    expect(s.latencyWindow).toBe('interval');
    const produce = s.requests![0]!;
    expect(produce.requestsPerSec).toBe(50);
    // the 100 requests of this interval all landed in (1 ms, 10 ms]
    expect(produce.p50Ms).toBeCloseTo(5.5);
    expect(produce.p99Ms).toBeCloseTo(1 + 9 * 0.99);
    expect(produce).toMatchObject({
      errors: 4,
      errorsPerSec: 2,
      topErrors: [{ name: 'NOT_LEADER_OR_FOLLOWER', count: 4 }],
    });
    expect(s.brokers[0]).toMatchObject({
      listeners: [{ name: 'PLAINTEXT', connections: 3 }],
      eventLoopP99Ms: 2,
    });
    expect(s.notes).not.toContain(NO_METRICS_NOTE);
  });

  it('prefers DescribeLogDirs sizes and uses the log growth for bytes in without metrics', () => {
    const m = model();
    m.ingest(raw(T0, [topic('a', [0])], [], { logDirSizes: new Map([['a', 1000]]) }));
    const s = m.ingest(raw(T0 + 1000, [topic('a', [10])], [], { logDirSizes: new Map([['a', 3000]]) }));
    expect(s.topics[0]).toMatchObject({ sizeBytes: 3000, produceBytesRate: 2000 });
    expect(s.sources.sizes).toBe('DescribeLogDirs');
    // retention shrank the log: bytes in unknown rather than negative
    const shrunk = m.ingest(raw(T0 + 2000, [topic('a', [20])], [], { logDirSizes: new Map([['a', 100]]) }));
    expect(shrunk.topics[0]!.produceBytesRate).toBeNull();
  });

  it('reads version, uptime and connections from the FluxMQ status', () => {
    const s = model().ingest(
      raw(T0, [], [], {
        brokers: [
          broker({
            http: {
              url: 'http://127.0.0.1:9644',
              atMs: T0,
              metrics: null,
              status: {
                brokerId: 1,
                clusterId: 'cid',
                version: '0.1.0',
                state: 'running',
                uptimeSeconds: 3725,
                listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
                advertisedListeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
                connections: 7,
              },
            },
          }),
        ],
      }),
    );
    expect(s.brokers[0]).toMatchObject({
      id: 1,
      isController: true,
      version: '0.1.0',
      state: 'running',
      uptimeSeconds: 3725,
      connections: 7,
      http: 'http://127.0.0.1:9644',
      listeners: [{ name: 'PLAINTEXT', connections: null }],
    });
    expect(s.sources.status).toBe(true);
  });
});

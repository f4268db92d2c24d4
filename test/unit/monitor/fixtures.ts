// Snapshots for the monitor's view tests: an empty cluster, a busy one (more topics than a page),
// and the same cluster with its broker gone.

import type { BrokerView, GroupView, MonitorSnapshot, TopicView } from '../../../src/monitor/types.js';

export function brokerView(extra: Partial<BrokerView> = {}): BrokerView {
  return {
    id: 1,
    host: '127.0.0.1',
    port: 9092,
    rack: null,
    isController: true,
    reachable: true,
    error: null,
    http: 'http://127.0.0.1:9644',
    version: '0.1.0',
    state: 'running',
    uptimeSeconds: 3725,
    connections: 12,
    listeners: [{ name: 'PLAINTEXT', connections: 12 }],
    eventLoopP99Ms: 1.25,
    ...extra,
  };
}

export function emptySnapshot(extra: Partial<MonitorSnapshot> = {}): MonitorSnapshot {
  return {
    at: '2025-01-01T12:00:00.000Z',
    bootstrap: '127.0.0.1:9092',
    intervalMs: 1000,
    sampleSeconds: 1,
    reachable: true,
    error: null,
    clusterId: 'lkc-empty',
    controllerId: 1,
    brokers: [brokerView()],
    topics: [],
    groups: [],
    requests: [],
    latencyWindow: 'interval',
    sources: { metrics: true, status: true, sizes: 'DescribeLogDirs' },
    notes: [],
    ...extra,
  };
}

function topicView(i: number): TopicView {
  const name = i === 0 ? 'orders' : i === 1 ? 'payments' : `events-${String(i).padStart(3, '0')}`;
  const rate = i === 0 ? 200 : i === 1 ? 48.5 : i * 3;
  return {
    name,
    internal: false,
    partitions: i === 0 ? 6 : 3,
    endOffset: 10_000 + i,
    produceRate: rate,
    produceBytesRate: rate * 250,
    fetchRate: i === 0 ? 180 : 0,
    fetchBytesRate: i === 0 ? 45_000 : 0,
    sizeBytes: 1_500_000 + i * 1000,
    history: [rate * 0.5, rate * 0.8, rate, rate * 0.9],
  };
}

function groupView(groupId: string, extra: Partial<GroupView>): GroupView {
  return {
    groupId,
    protocolType: 'consumer',
    state: 'Stable',
    members: 2,
    coordinator: 1,
    totalLag: 0,
    lagTrend: 0,
    commitRate: 0,
    lagHistory: [0, 0, 0],
    partitions: 6,
    topics: ['orders'],
    worst: [],
    error: null,
    ...extra,
  };
}

export function busySnapshot(extra: Partial<MonitorSnapshot> = {}): MonitorSnapshot {
  return emptySnapshot({
    clusterId: 'lkc-busy',
    topics: Array.from({ length: 40 }, (_, i) => topicView(i)),
    groups: [
      groupView('billing', {
        totalLag: 1234,
        lagTrend: 120,
        commitRate: 80,
        lagHistory: [400, 800, 1234],
        worst: [
          { topic: 'orders', partition: 3, committedOffset: 100, logEndOffset: 1000, lag: 900 },
          { topic: 'orders', partition: 1, committedOffset: 200, logEndOffset: 534, lag: 334 },
        ],
      }),
      groupView('audit', { state: 'Empty', members: 0, totalLag: 5, topics: ['payments'] }),
      groupView('shipping', { state: 'PreparingRebalance', members: 3, totalLag: 0, topics: ['events-002'] }),
    ],
    requests: [
      {
        api: 'Produce',
        requests: 50_000,
        requestsPerSec: 21,
        p50Ms: 0.25,
        p95Ms: 0.48,
        p99Ms: 0.5,
        errors: 0,
        errorsPerSec: 0,
        topErrors: [],
      },
      {
        api: 'Fetch',
        requests: 20_000,
        requestsPerSec: 10,
        p50Ms: 58.3,
        p95Ms: 95.8,
        p99Ms: 99.2,
        errors: 3,
        errorsPerSec: 0,
        topErrors: [{ name: 'OFFSET_OUT_OF_RANGE', count: 3 }],
      },
    ],
    ...extra,
  });
}

/** The busy cluster after its only broker went away: the last data, no rates. */
export function unreachableSnapshot(): MonitorSnapshot {
  const busy = busySnapshot();
  const error = 'cannot reach the Kafka cluster at 127.0.0.1:9092: connect ECONNREFUSED 127.0.0.1:9092';
  return {
    ...busy,
    reachable: false,
    error,
    sampleSeconds: null,
    brokers: [
      brokerView({
        reachable: false,
        error,
        http: null,
        version: null,
        state: null,
        uptimeSeconds: null,
        connections: null,
        listeners: [],
        eventLoopP99Ms: null,
      }),
    ],
    topics: busy.topics.map((t) => ({
      ...t,
      produceRate: null,
      produceBytesRate: null,
      fetchRate: null,
      fetchBytesRate: null,
    })),
    groups: busy.groups.map((g) => ({ ...g, lagTrend: null, commitRate: null })),
    requests: null,
    latencyWindow: null,
    sources: { metrics: false, status: false, sizes: null },
  };
}

import { afterEach, describe, expect, it } from 'vitest';
import { digestMetrics, mergeDigests, parseSamples } from '../../../src/monitor/metrics-text.js';
import { BrokerMetrics } from '../../../src/observability/metrics.js';
import type { BrokerMetricsSource, PartitionLogView } from '../../../src/observability/sources.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';

const created: BrokerMetrics[] = [];
afterEach(() => {
  for (const m of created.splice(0)) m.close();
});

function source(partitions: PartitionLogView[]): BrokerMetricsSource {
  return {
    nodeId: 1,
    clusterId: 'c',
    version: '0.1.0',
    partitions: () => partitions,
    topicNames: () => [...new Set(partitions.map((p) => p.topic))],
    hasTopic: (name) => partitions.some((p) => p.topic === name),
    fetchPurgatorySize: () => 0,
    groups: () => undefined,
    ready: () => true,
  };
}

describe('parseSamples', () => {
  it('reads names, escaped labels and values, skipping comments and other families', () => {
    const text = [
      '# HELP fluxmq_x a thing',
      '# TYPE fluxmq_x counter',
      'fluxmq_x{topic="a\\"b",le="+Inf"} 12',
      'fluxmq_y 3.5',
      'process_cpu_seconds_total 9',
      'fluxmq_broken{topic="x} 1',
      'fluxmq_nan NaN',
    ].join('\n');
    expect(parseSamples(text)).toEqual([
      { name: 'fluxmq_x', labels: { topic: 'a"b', le: '+Inf' }, value: 12 },
      { name: 'fluxmq_y', labels: {}, value: 3.5 },
    ]);
  });
});

describe('digestMetrics on the exposition FluxMQ serves', () => {
  it('sums topic counters, request buckets over versions, errors, connections and the event-loop p99', async () => {
    const m = new BrokerMetrics({ processMetrics: false });
    created.push(m);
    m.attach(
      source([
        {
          topic: 'orders',
          partition: 0,
          logStartOffset: 0,
          logEndOffset: 10,
          size: 1000,
          segmentCount: 1,
          isOffline: false,
        },
        {
          topic: 'orders',
          partition: 1,
          logStartOffset: 0,
          logEndOffset: 5,
          size: 500,
          segmentCount: 1,
          isOffline: false,
        },
      ]),
    );
    const batch = await encodeRecordBatch({ records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    m.topic('orders').produced([{ recordCount: 3 }], 300);
    m.topic('orders').fetched(batch);
    for (const [version, seconds] of [
      [9, 0.0002],
      [9, 0.0004],
      [8, 0.003],
    ] as const) {
      const r = m.request(ApiKey.Produce, version)!;
      r.received(100);
      r.completed(seconds, { responses: [{ partitionResponses: [{ errorCode: 0 }] }] });
    }
    m.request(ApiKey.Metadata, 12)!.completed(0.001, {
      topics: [{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }],
    });
    m.listener('PLAINTEXT').opened = 4;
    m.listener('PLAINTEXT').closed = 1;

    const d = digestMetrics(await m.expose());
    expect(d.topics.get('orders')).toEqual({
      messagesIn: 3,
      bytesIn: 300,
      messagesOut: 3,
      bytesOut: batch.length,
      sizeBytes: 1500,
    });
    const produce = d.apis.get('Produce')!;
    expect(produce.requests).toBe(3);
    expect(produce.buckets.get(0.00025)).toBe(1);
    expect(produce.buckets.get(0.0005)).toBe(2);
    expect(produce.buckets.get(0.005)).toBe(3);
    expect(produce.buckets.get(Infinity)).toBe(3);
    expect(d.apis.get('Metadata')!.errors.get('UNKNOWN_TOPIC_OR_PARTITION')).toBe(1);
    expect(d.connections.get('PLAINTEXT')).toBe(3);
    expect(d.eventLoopP99Seconds).not.toBeNull();

    const two = mergeDigests([d, digestMetrics(await m.expose())]);
    expect(two.topics.get('orders')!.messagesIn).toBe(6);
    expect(two.apis.get('Produce')!.buckets.get(Infinity)).toBe(6);
    expect(two.connections.get('PLAINTEXT')).toBe(6);
  });
});

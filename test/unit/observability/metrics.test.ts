import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokerMetrics,
  countErrorCodes,
  errorLabel,
  recordsInBatches,
} from '../../../src/observability/metrics.js';
import type {
  BrokerMetricsSource,
  GroupLagEntry,
  GroupMetricsSource,
  GroupSummary,
  PartitionLogView,
} from '../../../src/observability/sources.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { parseExposition, sampleValue, samplesOf } from '../../helpers/prometheus.js';

const created: BrokerMetrics[] = [];

afterEach(() => {
  for (const m of created.splice(0)) m.close();
});

function newMetrics(partitionLevel = true): BrokerMetrics {
  const m = new BrokerMetrics({ partitionLevel, processMetrics: false });
  created.push(m);
  return m;
}

function partition(
  topic: string,
  p: number,
  leo: number,
  extra: Partial<PartitionLogView> = {},
): PartitionLogView {
  return {
    topic,
    partition: p,
    logStartOffset: 0,
    logEndOffset: leo,
    size: leo * 100,
    segmentCount: 1,
    isOffline: false,
    ...extra,
  };
}

/** A stand-in for the group coordinator, which implements GroupMetricsSource for real. */
class FakeGroups implements GroupMetricsSource {
  constructor(
    public summaries: GroupSummary[],
    public entries: GroupLagEntry[],
    public joins = 0,
  ) {}
  groups(): GroupSummary[] {
    return this.summaries;
  }
  lag(): GroupLagEntry[] {
    return this.entries;
  }
  joinPurgatorySize(): number {
    return this.joins;
  }
}

function source(
  partitions: PartitionLogView[],
  groups?: GroupMetricsSource,
  topics = [...new Set(partitions.map((p) => p.topic))],
): BrokerMetricsSource {
  return {
    nodeId: 7,
    clusterId: 'cluster-x',
    version: '0.1.0',
    partitions: () => partitions,
    topicNames: () => topics,
    hasTopic: (name) => topics.includes(name),
    fetchPurgatorySize: () => 3,
    groups: () => groups,
    ready: () => true,
  };
}

async function scrape(m: BrokerMetrics) {
  return parseExposition(await m.expose());
}

describe('BrokerMetrics', () => {
  it('counts requests, latency buckets, bytes and error codes per API and version', async () => {
    const m = newMetrics();
    const produce = m.request(ApiKey.Produce, 9)!;
    expect(m.request(ApiKey.Produce, 9)).toBe(produce); // pre-built, cached
    produce.received(100);
    produce.completed(0.0003, {
      responses: [
        {
          name: 't',
          partitionResponses: [
            { index: 0, errorCode: 0, recordErrors: [] },
            { index: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, recordErrors: [] },
            { index: 2, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, recordErrors: [] },
          ],
        },
      ],
      throttleTimeMs: 0,
    });
    produce.sent(40);
    produce.completed(2, null); // acks=0: no response
    m.request(ApiKey.Fetch, 12)!.completed(0.05, {
      errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
      responses: [],
    });
    m.request(ApiKey.Fetch, 99)!.completed(0.001, null); // outside Fetch's version range
    m.rejected('unknown_api');

    const f = await scrape(m);
    expect(sampleValue(f, 'fluxmq_requests_total', { request: 'Produce', version: '9' })).toBe(2);
    expect(sampleValue(f, 'fluxmq_requests_total', { request: 'Fetch', version: '12' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_requests_total', { request: 'Fetch', version: 'unsupported' })).toBe(1);
    const bucket = (le: string) =>
      sampleValue(f, 'fluxmq_request_duration_seconds_bucket', { request: 'Produce', version: '9', le });
    expect(bucket('0.00025')).toBe(0);
    expect(bucket('0.0005')).toBe(1);
    expect(bucket('1')).toBe(1);
    expect(bucket('2.5')).toBe(2);
    expect(bucket('+Inf')).toBe(2);
    expect(sampleValue(f, 'fluxmq_request_duration_seconds_sum', { request: 'Produce' })).toBeCloseTo(
      2.0003,
      6,
    );
    expect(sampleValue(f, 'fluxmq_request_bytes_total', { request: 'Produce' })).toBe(100);
    expect(sampleValue(f, 'fluxmq_response_bytes_total', { request: 'Produce' })).toBe(40);
    expect(
      sampleValue(f, 'fluxmq_request_errors_total', { request: 'Produce', error: 'NOT_LEADER_OR_FOLLOWER' }),
    ).toBe(2);
    expect(
      sampleValue(f, 'fluxmq_request_errors_total', {
        request: 'Fetch',
        error: 'FETCH_SESSION_ID_NOT_FOUND',
      }),
    ).toBe(1);
    expect(sampleValue(f, 'fluxmq_requests_rejected_total', { reason: 'unknown_api' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_requests_rejected_total', { reason: 'bad_frame' })).toBe(0);
    expect(m.request(12345, 0)).toBeNull();
  });

  it('publishes partition logs, topic counters and group lag from the broker at scrape time', async () => {
    const m = newMetrics();
    const groups = new FakeGroups(
      [
        { group: 'billing', state: 'Stable', members: 2 },
        { group: 'audit', state: 'Empty', members: 0 },
      ],
      [
        { group: 'billing', topic: 'orders', partition: 0, committedOffset: 90, logEndOffset: 100, lag: 10 },
        { group: 'billing', topic: 'orders', partition: 1, committedOffset: 40, logEndOffset: 45, lag: 5 },
        { group: 'audit', topic: 'orders', partition: 0, committedOffset: 100, logEndOffset: 100, lag: 0 },
      ],
      1,
    );
    m.attach(
      source(
        [partition('orders', 0, 100), partition('orders', 1, 45, { logStartOffset: 5, segmentCount: 3 })],
        groups,
      ),
    );
    const batch = await encodeRecordBatch({ records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    m.topic('orders').produced([{ recordCount: 3 }], batch.length);
    m.topic('orders').fetched(Buffer.concat([batch, batch]));

    const f = await scrape(m);
    expect(sampleValue(f, 'fluxmq_broker_info')).toBe(1);
    expect(samplesOf(f, 'fluxmq_broker_info')[0]!.labels).toEqual({
      version: '0.1.0',
      node_id: '7',
      cluster_id: 'cluster-x',
    });
    expect(sampleValue(f, 'fluxmq_topic_messages_in_total', { topic: 'orders' })).toBe(3);
    expect(sampleValue(f, 'fluxmq_topic_bytes_in_total', { topic: 'orders' })).toBe(batch.length);
    expect(sampleValue(f, 'fluxmq_topic_messages_out_total', { topic: 'orders' })).toBe(6);
    expect(sampleValue(f, 'fluxmq_topic_bytes_out_total', { topic: 'orders' })).toBe(2 * batch.length);
    expect(sampleValue(f, 'fluxmq_log_end_offset', { topic: 'orders', partition: '1' })).toBe(45);
    expect(sampleValue(f, 'fluxmq_log_start_offset', { topic: 'orders', partition: '1' })).toBe(5);
    expect(sampleValue(f, 'fluxmq_log_segments', { topic: 'orders', partition: '1' })).toBe(3);
    expect(sampleValue(f, 'fluxmq_log_size_bytes', { topic: 'orders', partition: '0' })).toBe(10_000);
    expect(sampleValue(f, 'fluxmq_topic_size_bytes', { topic: 'orders' })).toBe(14_500);
    expect(sampleValue(f, 'fluxmq_partitions')).toBe(2);
    expect(sampleValue(f, 'fluxmq_topics')).toBe(1);
    expect(sampleValue(f, 'fluxmq_purgatory_size', { purgatory: 'fetch' })).toBe(3);
    expect(sampleValue(f, 'fluxmq_purgatory_size', { purgatory: 'join' })).toBe(1);

    const lag = (group: string, p: string) =>
      sampleValue(f, 'fluxmq_consumer_group_lag', { group, topic: 'orders', partition: p });
    expect(lag('billing', '0')).toBe(10);
    expect(lag('billing', '1')).toBe(5);
    expect(lag('audit', '0')).toBe(0);
    expect(
      sampleValue(f, 'fluxmq_consumer_group_committed_offset', { group: 'billing', partition: '1' }),
    ).toBe(40);
    expect(sampleValue(f, 'fluxmq_consumer_group_lag_sum', { group: 'billing' })).toBe(15);
    expect(sampleValue(f, 'fluxmq_consumer_group_lag_max', { group: 'billing' })).toBe(10);
    expect(sampleValue(f, 'fluxmq_consumer_group_members', { group: 'billing' })).toBe(2);
    expect(sampleValue(f, 'fluxmq_consumer_group_state', { group: 'billing', state: 'Stable' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_consumer_groups', { state: 'Stable' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_consumer_groups', { state: 'Empty' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_consumer_groups', { state: 'Dead' })).toBe(0);

    // lag moves with the coordinator's answers, read at every scrape
    groups.entries[0] = { ...groups.entries[0]!, committedOffset: 100, lag: 0 };
    const g = await scrape(m);
    expect(sampleValue(g, 'fluxmq_consumer_group_lag_sum', { group: 'billing' })).toBe(5);
  });

  it('drops per-partition series when metrics.partition.level is false, keeping topic and group totals', async () => {
    const m = newMetrics(false);
    m.attach(
      source(
        [partition('orders', 0, 100), partition('orders', 1, 45)],
        new FakeGroups(
          [{ group: 'g', state: 'Stable', members: 1 }],
          [{ group: 'g', topic: 'orders', partition: 0, committedOffset: 90, logEndOffset: 100, lag: 10 }],
        ),
      ),
    );
    const f = await scrape(m);
    for (const name of [
      'fluxmq_log_end_offset',
      'fluxmq_log_start_offset',
      'fluxmq_log_size_bytes',
      'fluxmq_log_segments',
      'fluxmq_consumer_group_lag',
      'fluxmq_consumer_group_committed_offset',
    ]) {
      expect(samplesOf(f, name)).toEqual([]);
    }
    expect(sampleValue(f, 'fluxmq_topic_size_bytes', { topic: 'orders' })).toBe(14_500);
    expect(sampleValue(f, 'fluxmq_consumer_group_lag_sum', { group: 'g' })).toBe(10);
  });

  it('keeps topic labels to existing topics and survives a coordinator that throws', async () => {
    const m = newMetrics();
    const topics = ['kept', 'gone'];
    const src = source([partition('kept', 0, 1)], undefined, topics);
    src.groups = () => ({
      groups: () => {
        throw new Error('not loaded');
      },
      lag: () => {
        throw new Error('not loaded');
      },
    });
    m.attach(src);
    m.topic('kept').produced([{ recordCount: 1 }], 70);
    m.topic('gone').produced([{ recordCount: 5 }], 500);
    topics.splice(topics.indexOf('gone'), 1); // deleted
    const f = await scrape(m);
    expect(samplesOf(f, 'fluxmq_topic_messages_in_total').map((s) => s.labels.topic)).toEqual(['kept']);
    expect(samplesOf(f, 'fluxmq_consumer_group_lag')).toEqual([]);
  });

  it('exposes flush latency, segment events and process metrics in valid exposition format', async () => {
    const m = new BrokerMetrics({ processMetrics: true });
    created.push(m);
    m.storageObserver.flushed!(0.0004, true);
    m.storageObserver.flushed!(0.02, false);
    m.storageObserver.segmentRolled!('t-0', 10);
    m.storageObserver.segmentsDeleted!('t-0', 2);
    const text = await m.expose();
    const f = parseExposition(text);
    expect(sampleValue(f, 'fluxmq_log_flush_duration_seconds_count', { mode: 'background' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_log_flush_duration_seconds_bucket', { mode: 'sync', le: '0.01' })).toBe(0);
    expect(sampleValue(f, 'fluxmq_log_flush_duration_seconds_bucket', { mode: 'sync', le: '0.025' })).toBe(1);
    expect(sampleValue(f, 'fluxmq_log_segments_rolled_total')).toBe(1);
    expect(sampleValue(f, 'fluxmq_log_segments_deleted_total')).toBe(2);
    expect(f.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(f.get('fluxmq_event_loop_delay_seconds')?.type).toBe('summary');
    expect(sampleValue(f, 'fluxmq_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    expect(m.contentType).toContain('text/plain');
  });
});

describe('metric helpers', () => {
  it('counts records from batch headers', async () => {
    const a = await encodeRecordBatch({ records: Array.from({ length: 7 }, (_, i) => ({ value: `v${i}` })) });
    const b = await encodeRecordBatch({ records: [{ value: 'x' }], compression: 'gzip' });
    expect(recordsInBatches(Buffer.concat([a, b]))).toBe(8);
    expect(recordsInBatches(Buffer.alloc(0))).toBe(0);
    // a truncated trailing batch is not counted past its header
    expect(recordsInBatches(Buffer.concat([a, b.subarray(0, 20)]))).toBe(7);
  });

  it('finds error codes at any depth, skipping buffers and scalar arrays', () => {
    const errors = new Map<number, number>();
    countErrorCodes(
      {
        errorCode: 0,
        topics: [
          { errorCode: 3, partitions: [{ errorCode: 6, records: Buffer.from([1, 2]) }, { errorCode: 6 }] },
          { errorCode: 0, replicas: [1, 2, 3], nested: { errorCode: 87 } },
        ],
      },
      errors,
    );
    expect([...errors].sort()).toEqual([
      [3, 1],
      [6, 2],
      [87, 1],
    ]);
    expect(errorLabel(ErrorCode.CORRUPT_MESSAGE)).toBe('CORRUPT_MESSAGE');
    expect(errorLabel(31_999)).toBe('UNKNOWN');
  });
});

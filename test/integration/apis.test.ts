// The served APIs over a real socket with FluxMQ's own client: what ApiVersions advertises, topic
// creation rules, Metadata by id, ListOffsets by timestamp, and Fetch waiting in the purgatory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic } from '../helpers/client.js';

let broker: RunningBroker;
let c: KafkaConnection;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'auto.create.topics.enable': false } });
  c = await connectTo(broker.port);
});

afterAll(async () => {
  c?.close();
  await broker?.stop();
});

function fetchRequest(topic: string, fetchOffset: number, minBytes: number, maxWaitMs: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

describe('ApiVersions', () => {
  it('advertises exactly the served APIs, Produce from v0', async () => {
    const res = await c.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'fluxmq-test',
      clientSoftwareVersion: '1.0',
    });
    expect(res.errorCode).toBe(0);
    expect(
      res.apiKeys.map((a: { apiKey: number; minVersion: number; maxVersion: number }) => [
        a.apiKey,
        a.minVersion,
        a.maxVersion,
      ]),
    ).toEqual([
      [0, 0, 11],
      [1, 4, 17],
      [2, 1, 10],
      [3, 0, 12],
      [8, 0, 9],
      [9, 0, 9],
      [10, 0, 6],
      [11, 0, 9],
      [12, 0, 4],
      [13, 0, 5],
      [14, 0, 5],
      [15, 0, 5],
      [16, 0, 5],
      [17, 0, 1],
      [18, 0, 4],
      [19, 0, 7],
      [20, 0, 6],
      [21, 0, 2],
      [22, 0, 5],
      [23, 0, 4],
      [24, 0, 5],
      [25, 0, 4],
      [26, 0, 4],
      [27, 0, 1],
      [28, 0, 4],
      [29, 0, 3],
      [30, 0, 3],
      [31, 0, 3],
      [32, 0, 4],
      [33, 0, 2],
      [35, 0, 4],
      [36, 0, 2],
      [37, 0, 3],
      [42, 0, 2],
      [43, 0, 2],
      [44, 0, 1],
      [45, 0, 0],
      [46, 0, 0],
      [47, 0, 0],
      [50, 0, 0],
      [51, 0, 0],
      [60, 0, 1],
      [61, 0, 0],
      [65, 0, 0],
      [66, 0, 1],
      [75, 0, 0],
    ]);
  });

  it('rejects an invalid client software name with INVALID_REQUEST', async () => {
    const res = await c.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: '-bad name',
      clientSoftwareVersion: '1',
    });
    expect(res.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('CreateTopics and Metadata', () => {
  it('creates a topic, refuses a duplicate, bad names, bad replication factors and unknown configs', async () => {
    const res = await c.request(ApiKey.CreateTopics, 7, {
      topics: [
        {
          name: 'payments',
          numPartitions: 4,
          replicationFactor: 1,
          configs: [{ name: 'segment.bytes', value: '1048576' }],
        },
        { name: 'bad name!', numPartitions: 1, replicationFactor: 1 },
        { name: 'replicated', numPartitions: 1, replicationFactor: 3 },
        {
          name: 'configured',
          numPartitions: 1,
          replicationFactor: 1,
          configs: [{ name: 'retention.bytez', value: '1' }],
        },
        { name: 'zero', numPartitions: 0, replicationFactor: 1 },
        { name: 'dry-run', numPartitions: -1, replicationFactor: -1 },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const byName = Object.fromEntries(res.topics.map((t: { name: string }) => [t.name, t]));
    expect(byName.payments.errorCode).toBe(0);
    expect(byName.payments.numPartitions).toBe(4);
    // v5+ lists every config of the new topic; the one set here comes from the topic (source 1)
    expect(byName.payments.configs).toContainEqual(
      expect.objectContaining({ name: 'segment.bytes', value: '1048576', configSource: 1 }),
    );
    expect(byName['bad name!'].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(byName.replicated.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(byName.configured.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(byName.configured.errorMessage).toContain('retention.bytez');
    expect(byName.zero.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(byName['dry-run'].errorCode).toBe(0);

    const again = await c.request(ApiKey.CreateTopics, 4, {
      topics: [{ name: 'payments', numPartitions: 1, replicationFactor: 1 }],
      timeoutMs: 1000,
    });
    expect(again.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);

    const validateOnly = await c.request(ApiKey.CreateTopics, 4, {
      topics: [{ name: 'not-really', numPartitions: 2, replicationFactor: 1 }],
      timeoutMs: 1000,
      validateOnly: true,
    });
    expect(validateOnly.topics[0].errorCode).toBe(0);
    const meta = await c.request(ApiKey.Metadata, 12, {
      topics: [{ name: 'not-really', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
    });
    expect(meta.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers Metadata by topic id (v12) and refuses auto-creation when disabled', async () => {
    const byName = await c.request(ApiKey.Metadata, 12, {
      topics: [{ name: 'payments', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: true,
    });
    const t = byName.topics[0];
    expect(t.partitions).toHaveLength(4);
    expect(t.partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] });
    const byId = await c.request(ApiKey.Metadata, 12, {
      topics: [{ name: null, topicId: t.topicId }],
      allowAutoTopicCreation: false,
    });
    expect(byId.topics[0].name).toBe('payments');
    const unknown = await c.request(ApiKey.Metadata, 12, {
      topics: [{ name: 'nope', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: true,
    });
    expect(unknown.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(byName.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('FindCoordinator', () => {
  it('names this broker for groups (v0 and batched v4) and for transactional ids', async () => {
    const v0 = await c.request(ApiKey.FindCoordinator, 0, { key: 'billing' });
    expect(v0).toMatchObject({ errorCode: 0, nodeId: 1, host: '127.0.0.1', port: broker.port });
    const v4 = await c.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(v4.coordinators.map((x: { key: string; nodeId: number }) => [x.key, x.nodeId])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    const txn = await c.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] });
    expect(txn.coordinators[0]).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, port: broker.port });
  });
});

describe('ListOffsets', () => {
  it('finds offsets by timestamp, earliest, latest and max timestamp', async () => {
    await createTopic(c, 'timed');
    const t0 = 1_700_000_000_000;
    for (const [i, ts] of [t0, t0 + 1000, t0 + 5000, t0 + 2000].entries()) {
      const records = await encodeRecordBatch({
        records: [
          { value: `v${i}a`, timestamp: ts },
          { value: `v${i}b`, timestamp: ts + 10 },
        ],
      });
      const res = await c.request(ApiKey.Produce, 9, {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'timed', partitionData: [{ index: 0, records }] }],
      });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    const ask = async (timestamp: number) => {
      const res = await c.request(ApiKey.ListOffsets, 8, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'timed', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
      });
      const p = res.topics[0].partitions[0];
      return [p.errorCode, p.offset, p.timestamp];
    };
    expect(await ask(-2)).toEqual([0, 0, -1]);
    expect(await ask(-1)).toEqual([0, 8, -1]);
    expect(await ask(t0 + 5)).toEqual([0, 1, t0 + 10]);
    expect(await ask(t0 + 1500)).toEqual([0, 4, t0 + 5000]);
    expect(await ask(t0 + 99_999)).toEqual([0, -1, -1]);
    expect(await ask(-3)).toEqual([0, 5, t0 + 5010]);
    expect(await ask(-4)).toEqual([0, 0, -1]);
  });
});

describe('Fetch', () => {
  it('waits in the purgatory until an append brings min_bytes, then answers at once', async () => {
    await createTopic(c, 'waiting');
    const started = Date.now();
    const pending = c.request(ApiKey.Fetch, 12, fetchRequest('waiting', 0, 1, 10_000));
    await new Promise((r) => setTimeout(r, 200));
    const other = await connectTo(broker.port);
    const records = await encodeRecordBatch({ records: [{ value: 'wake up' }] });
    await other.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'waiting', partitionData: [{ index: 0, records }] }],
    });
    other.close();
    const res = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.responses[0].partitions[0].records.length).toBeGreaterThan(0);
    expect(res.responses[0].partitions[0].highWatermark).toBe(1);
  });

  it('answers after max_wait_ms with nothing when nothing arrives', async () => {
    const started = Date.now();
    const res = await c.request(ApiKey.Fetch, 12, fetchRequest('waiting', 1, 1, 300));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(res.responses[0].partitions[0].records.length).toBe(0);
  });

  it('refuses fetch sessions it did not create', async () => {
    const res = await c.request(ApiKey.Fetch, 12, {
      ...fetchRequest('waiting', 0, 0, 0),
      sessionId: 1234,
      sessionEpoch: 1,
    });
    expect(res.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('answers UNKNOWN_TOPIC_ID for an unknown topic id (v13+)', async () => {
    const res = await c.request(ApiKey.Fetch, 13, {
      ...fetchRequest('', 0, 0, 0),
      topics: [
        {
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 100 }],
        },
      ],
    });
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });
});

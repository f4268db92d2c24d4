// The admin APIs over a real socket with FluxMQ's own client connection: topic deletion and
// partition increases, the config APIs (every version family), DeleteRecords, DescribeCluster,
// DescribeLogDirs, DescribeTopicPartitions paging and ElectLeaders; and topic configs changing
// what the broker does (LogAppendTime, recompression, min.insync.replicas, max.message.bytes),
// also after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { COMPRESSION_IDS } from '../../src/protocol/records/compression/types.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll, produceValues } from '../helpers/client.js';
import { storedBatches } from '../helpers/segments.js';

const TOPIC = 2;
const BROKER = 4;
const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

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

async function createWithConfigs(name: string, configs: Record<string, string>, partitions = 1) {
  const res = await c.request(ApiKey.CreateTopics, 7, {
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: 1,
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 5000,
  });
  return res.topics[0];
}

async function describeTopicConfigs(name: string, keys: string[] | null = null, version = 4) {
  const res = await c.request(ApiKey.DescribeConfigs, version, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  return res.results[0];
}

async function metadataTopic(name: string) {
  const res = await c.request(ApiKey.Metadata, 12, {
    topics: [{ name, topicId: ZERO_ID }],
    allowAutoTopicCreation: false,
  });
  return res.topics[0];
}

describe('DeleteTopics and CreatePartitions', () => {
  it('deletes by name (v0-v5) and by id (v6), and says which topics do not exist', async () => {
    await createTopic(c, 'del-by-name', 2);
    await createTopic(c, 'del-by-id');
    const byName = await c.request(ApiKey.DeleteTopics, 1, {
      topicNames: ['del-by-name', 'never-was'],
      timeoutMs: 5000,
    });
    expect(byName.responses).toEqual([
      expect.objectContaining({ name: 'del-by-name', errorCode: 0 }),
      expect.objectContaining({ name: 'never-was', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }),
    ]);
    expect((await metadataTopic('del-by-name')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    const id = (await metadataTopic('del-by-id')).topicId;
    const byId = await c.request(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
      ],
      timeoutMs: 5000,
    });
    expect(byId.responses[0]).toMatchObject({ name: 'del-by-id', topicId: id, errorCode: 0 });
    expect(byId.responses[1].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);

    // the name can be used again, with fresh (empty) logs
    await createTopic(c, 'del-by-name');
    expect(await fetchAll(c, 'del-by-name')).toEqual([]);
  });

  it('raises partition counts and refuses lower counts, bad assignments and unknown topics', async () => {
    await createTopic(c, 'grow', 2);
    const res = await c.request(ApiKey.CreatePartitions, 3, {
      topics: [
        { name: 'grow', count: 5, assignments: null },
        { name: 'nope', count: 3, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect((await metadataTopic('grow')).partitions).toHaveLength(5);
    expect((await produceValues(c, 'grow', 4, ['new partition'])).errorCode).toBe(0);

    const lower = await c.request(ApiKey.CreatePartitions, 0, {
      topics: [{ name: 'grow', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(lower.results[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Topic currently has 5 partitions, which is higher than the requested 3.',
    });
    const badAssignment = await c.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'grow', count: 6, assignments: [{ brokerIds: [7] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(badAssignment.results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dryRun = await c.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'grow', count: 8, assignments: null }],
      timeoutMs: 5000,
      validateOnly: true,
    });
    expect(dryRun.results[0].errorCode).toBe(0);
    expect((await metadataTopic('grow')).partitions).toHaveLength(5);
  });
});

describe('config APIs', () => {
  it('describes topic configs with sources, synonyms, types and documentation (v4) and isDefault (v0)', async () => {
    expect(
      (await createWithConfigs('cfg', { 'retention.ms': '60000', 'cleanup.policy': 'delete,compact' }))
        .errorCode,
    ).toBe(0);
    const r = await describeTopicConfigs('cfg');
    expect(r.errorCode).toBe(0);
    const byName = Object.fromEntries(r.configs.map((e: { name: string }) => [e.name, e]));
    expect(byName['retention.ms']).toMatchObject({
      value: '60000',
      configSource: 1,
      configType: 5, // LONG
      synonyms: [
        { name: 'retention.ms', value: '60000', source: 1 },
        { name: 'log.retention.ms', value: '604800000', source: 5 },
      ],
    });
    expect(byName['retention.ms'].documentation).toContain('older than');
    expect(byName['cleanup.policy']).toMatchObject({
      value: 'compact,delete',
      configSource: 1,
      configType: 7,
    });
    expect(byName['segment.bytes']).toMatchObject({ value: '1073741824', configSource: 5 });

    const v0 = await describeTopicConfigs('cfg', ['retention.ms', 'segment.bytes'], 0);
    expect(v0.configs).toEqual([
      expect.objectContaining({ name: 'retention.ms', value: '60000', isDefault: false }),
      expect.objectContaining({ name: 'segment.bytes', isDefault: true }),
    ]);
    const missing = await describeTopicConfigs('no-such-topic');
    expect(missing.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('describes the broker: read-only static keys, dynamic ones, wrong broker ids refused', async () => {
    const res = await c.request(ApiKey.DescribeConfigs, 4, {
      resources: [
        {
          resourceType: BROKER,
          resourceName: '1',
          configurationKeys: ['log.dirs', 'log.retention.ms', 'auto.create.topics.enable'],
        },
        { resourceType: BROKER, resourceName: '9', configurationKeys: null },
        { resourceType: 8, resourceName: '1', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const [ours, other, loggers] = res.results;
    const byName = Object.fromEntries(ours.configs.map((e: { name: string }) => [e.name, e]));
    expect(byName['log.dirs']).toMatchObject({ value: broker.dataDir, readOnly: true, configSource: 4 });
    expect(byName['log.retention.ms']).toMatchObject({
      value: '604800000',
      readOnly: false,
      configSource: 5,
    });
    expect(byName['auto.create.topics.enable']).toMatchObject({
      value: 'false',
      configSource: 4,
      configType: 1,
    });
    expect(other.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(other.errorMessage).toContain('Unexpected broker id');
    expect(loggers.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('IncrementalAlterConfigs sets, deletes, appends and subtracts; bad keys and values name the key', async () => {
    await createWithConfigs('inc', { 'retention.ms': '60000' });
    const alter = (configs: { name: string; configOperation: number; value: string | null }[]) =>
      c.request(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: TOPIC, resourceName: 'inc', configs }],
        validateOnly: false,
      });
    expect(
      (
        await alter([
          { name: 'segment.bytes', configOperation: 0, value: '1048576' },
          { name: 'retention.ms', configOperation: 1, value: null },
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
        ])
      ).responses[0].errorCode,
    ).toBe(0);
    let cfg = await describeTopicConfigs('inc', ['segment.bytes', 'retention.ms', 'cleanup.policy']);
    expect(
      cfg.configs.map((e: { name: string; value: string; configSource: number }) => [
        e.name,
        e.value,
        e.configSource,
      ]),
    ).toEqual([
      ['cleanup.policy', 'compact,delete', 1],
      ['retention.ms', '604800000', 5],
      ['segment.bytes', '1048576', 1],
    ]);
    expect(
      (await alter([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).responses[0].errorCode,
    ).toBe(0);
    cfg = await describeTopicConfigs('inc', ['cleanup.policy']);
    expect(cfg.configs[0].value).toBe('compact');

    const unknown = await alter([{ name: 'retention.bytez', configOperation: 0, value: '1' }]);
    expect(unknown.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(unknown.responses[0].errorMessage).toContain("'retention.bytez'");
    const bad = await alter([{ name: 'segment.bytes', configOperation: 0, value: 'big' }]);
    expect(bad.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(bad.responses[0].errorMessage).toContain("'segment.bytes'");
    const appendToNumber = await alter([{ name: 'segment.bytes', configOperation: 2, value: '1' }]);
    expect(appendToNumber.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const twice = await alter([
      { name: 'segment.bytes', configOperation: 0, value: '2000' },
      { name: 'segment.bytes', configOperation: 1, value: null },
    ]);
    expect(twice.responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    // nothing of a refused resource was applied
    cfg = await describeTopicConfigs('inc', ['segment.bytes']);
    expect(cfg.configs[0].value).toBe('1048576');
  });

  it('AlterConfigs replaces the whole override set; the broker takes dynamic defaults and refuses static keys', async () => {
    await createWithConfigs('legacy', { 'retention.ms': '60000', 'segment.bytes': '100000' });
    const res = await c.request(ApiKey.AlterConfigs, 0, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'legacy',
          configs: [{ name: 'max.message.bytes', value: '5000' }],
        },
      ],
      validateOnly: false,
    });
    expect(res.responses[0].errorCode).toBe(0);
    const cfg = await describeTopicConfigs('legacy', ['retention.ms', 'segment.bytes', 'max.message.bytes']);
    expect(cfg.configs.map((e: { name: string; configSource: number }) => [e.name, e.configSource])).toEqual([
      ['max.message.bytes', 1],
      ['retention.ms', 5],
      ['segment.bytes', 5],
    ]);

    const brokerRes = await c.request(ApiKey.AlterConfigs, 2, {
      resources: [
        { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: '7200000' }] },
        { resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.dirs', value: '/elsewhere' }] },
      ],
      validateOnly: false,
    });
    expect(brokerRes.responses[0].errorCode).toBe(0);
    expect(brokerRes.responses[1].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(brokerRes.responses[1].errorMessage).toContain('log.dirs');
    // a topic without its own retention.ms inherits the new cluster-wide default
    const inherited = await describeTopicConfigs('legacy', ['retention.ms']);
    expect(inherited.configs[0]).toMatchObject({ value: '7200000', configSource: 3 });
    await c.request(ApiKey.AlterConfigs, 2, {
      resources: [{ resourceType: BROKER, resourceName: '', configs: [] }],
      validateOnly: false,
    });
    expect((await describeTopicConfigs('legacy', ['retention.ms'])).configs[0].configSource).toBe(5);
  });
});

describe('DeleteRecords', () => {
  it('moves the log start offset; reads below it get OFFSET_OUT_OF_RANGE', async () => {
    await createTopic(c, 'trim');
    await produceValues(c, 'trim', 0, ['a', 'b', 'c', 'd', 'e']);
    const res = await c.request(ApiKey.DeleteRecords, 2, {
      topics: [
        {
          name: 'trim',
          partitions: [
            { partitionIndex: 0, offset: 3 },
            { partitionIndex: 1, offset: 1 },
          ],
        },
        { name: 'nope', partitions: [{ partitionIndex: 0, offset: 1 }] },
      ],
      timeoutMs: 5000,
    });
    expect(res.topics[0].partitions).toEqual([
      expect.objectContaining({ partitionIndex: 0, lowWatermark: 3, errorCode: 0 }),
      expect.objectContaining({ partitionIndex: 1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }),
    ]);
    expect(res.topics[1].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    const fetch = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'trim', partitions: [{ partition: 0, fetchOffset: 1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(fetch.responses[0].partitions[0]).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      logStartOffset: 3,
    });

    const beyond = await c.request(ApiKey.DeleteRecords, 0, {
      topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: 99 }] }],
      timeoutMs: 5000,
    });
    expect(beyond.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const all = await c.request(ApiKey.DeleteRecords, 1, {
      topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: -1 }] }],
      timeoutMs: 5000,
    });
    expect(all.topics[0].partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 5 });
  });
});

describe('cluster and partition APIs', () => {
  it('DescribeCluster names this broker as the only broker and the controller', async () => {
    const res = await c.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    expect(res).toMatchObject({
      errorCode: 0,
      controllerId: 1,
      brokers: [{ brokerId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
    });
    const controllers = await c.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 2,
    });
    expect(controllers.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    const unknown = await c.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 9,
    });
    expect(unknown.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });

  it('DescribeLogDirs reports the data dir and partition sizes', async () => {
    await createTopic(c, 'sized', 2);
    await produceValues(c, 'sized', 1, ['x'.repeat(1000)]);
    const res = await c.request(ApiKey.DescribeLogDirs, 4, {
      topics: [{ topic: 'sized', partitions: [0, 1, 7] }],
    });
    expect(res.errorCode).toBe(0);
    const dir = res.results[0];
    expect(dir.logDir).toBe(broker.dataDir);
    expect(dir.totalBytes).toBeGreaterThan(0);
    const parts = dir.topics[0].partitions;
    expect(parts.map((p: { partitionIndex: number }) => p.partitionIndex)).toEqual([0, 1]);
    expect(parts[0].partitionSize).toBe(0);
    expect(parts[1].partitionSize).toBeGreaterThan(1000);
  });

  it('DescribeTopicPartitions pages through partitions with a cursor', async () => {
    await createTopic(c, 'paged-a', 3);
    await createTopic(c, 'paged-b', 2);
    const page = (cursor: { topicName: string; partitionIndex: number } | null) =>
      c.request(ApiKey.DescribeTopicPartitions, 0, {
        topics: [{ name: 'paged-b' }, { name: 'paged-a' }, { name: 'paged-none' }],
        responsePartitionLimit: 2,
        cursor,
      });
    const first = await page(null);
    expect(
      first.topics.map((t: { name: string; partitions: unknown[] }) => [t.name, t.partitions.length]),
    ).toEqual([['paged-a', 2]]);
    expect(first.nextCursor).toEqual(expect.objectContaining({ topicName: 'paged-a', partitionIndex: 2 }));
    const second = await page(first.nextCursor);
    expect(
      second.topics.map((t: { name: string; partitions: { partitionIndex: number }[] }) => [
        t.name,
        t.partitions.map((p) => p.partitionIndex),
      ]),
    ).toEqual([
      ['paged-a', [2]],
      ['paged-b', [0]],
    ]);
    const third = await page(second.nextCursor);
    expect(third.topics.map((t: { name: string; errorCode: number }) => [t.name, t.errorCode])).toEqual([
      ['paged-b', 0],
      ['paged-none', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(third.nextCursor).toBeNull();
  });

  it('ElectLeaders: nothing to elect on one broker', async () => {
    await createTopic(c, 'elect', 2);
    const res = await c.request(ApiKey.ElectLeaders, 2, {
      electionType: 0,
      topicPartitions: [{ topic: 'elect', partitions: [0, 1, 5] }],
      timeoutMs: 5000,
    });
    expect(res.errorCode).toBe(0);
    expect(
      res.replicaElectionResults[0].partitionResult.map((p: { errorCode: number }) => p.errorCode),
    ).toEqual([
      ErrorCode.ELECTION_NOT_NEEDED,
      ErrorCode.ELECTION_NOT_NEEDED,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const all = await c.request(ApiKey.ElectLeaders, 0, { topicPartitions: null, timeoutMs: 5000 });
    expect(all.replicaElectionResults).toEqual([]);
  });
});

describe('topic configs change what the broker does', () => {
  it('message.timestamp.type=LogAppendTime stamps batches with the append time', async () => {
    await createWithConfigs('append-time', { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const records = await encodeRecordBatch({
      records: [
        { value: 'a', timestamp: 1000 },
        { value: 'b', timestamp: 2000 },
      ],
    });
    const res = await c.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'append-time', partitionData: [{ index: 0, records }] }],
    });
    const p = res.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(0);
    expect(p.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    const fetched = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: 'append-time', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const [batch] = await decodeRecordBatches(fetched.responses[0].partitions[0].records);
    expect(batch!.timestampType).toBe('log-append');
    expect(batch!.maxTimestamp).toBe(p.logAppendTimeMs);
    expect(batch!.records.map((r) => r.timestamp)).toEqual([p.logAppendTimeMs, p.logAppendTimeMs]);
  });

  it('compression.type recompresses batches to the topic codec, keeping offsets and order', async () => {
    await createWithConfigs('zstd-topic', { 'compression.type': 'zstd' });
    const gz = await encodeRecordBatch({
      records: [{ value: 'one' }, { value: 'two' }],
      compression: 'gzip',
    });
    const plain = await encodeRecordBatch({ records: [{ value: 'three' }] });
    const zs = await encodeRecordBatch({ records: [{ value: 'four' }], compression: 'zstd' });
    // pipelined: the async recompression must not let a later request overtake it
    const sends = [gz, plain, zs].map((records) =>
      c.request(ApiKey.Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'zstd-topic', partitionData: [{ index: 0, records }] }],
      }),
    );
    const offsets = (await Promise.all(sends)).map((r) => r.responses[0].partitionResponses[0].baseOffset);
    expect(offsets).toEqual([0, 2, 3]);
    expect(storedBatches(broker.dataDir, 'zstd-topic', 0).map((b) => b.compression)).toEqual([
      COMPRESSION_IDS.zstd,
      COMPRESSION_IDS.zstd,
      COMPRESSION_IDS.zstd,
    ]);
    expect((await fetchAll(c, 'zstd-topic')).map((r) => r.value)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('min.insync.replicas > 1 refuses acks=-1 with NOT_ENOUGH_REPLICAS; max.message.bytes refuses big batches', async () => {
    await createWithConfigs('guarded', { 'min.insync.replicas': '2', 'max.message.bytes': '200' });
    expect((await produceValues(c, 'guarded', 0, ['ok'], -1)).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await produceValues(c, 'guarded', 0, ['ok'], 1)).errorCode).toBe(0);
    expect((await produceValues(c, 'guarded', 0, ['x'.repeat(300)], 1)).errorCode).toBe(
      ErrorCode.MESSAGE_TOO_LARGE,
    );
    const invalid = await createWithConfigs('bad-isr', { 'min.insync.replicas': '0' });
    expect(invalid.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(invalid.errorMessage).toContain('min.insync.replicas');
  });

  it('keeps topic configs, partition counts and dynamic broker configs across a restart, and applies them', async () => {
    await createWithConfigs('durable', { 'segment.bytes': '1024' });
    await c.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'durable', count: 2, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    await c.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: BROKER,
          resourceName: '1',
          configs: [{ name: 'message.max.bytes', configOperation: 0, value: '300' }],
        },
      ],
      validateOnly: false,
    });
    c.close();
    await broker.stop();
    broker = await startBroker({
      dataDir: broker.dataDir,
      overrides: { 'auto.create.topics.enable': false },
    });
    c = await connectTo(broker.port);
    expect((await metadataTopic('durable')).partitions).toHaveLength(2);
    // segment.bytes=1024 applies to the reopened logs: 10 batches of ~300 bytes need several segments
    for (let i = 0; i < 10; i++)
      expect((await produceValues(c, 'durable', 0, ['y'.repeat(200)])).errorCode).toBe(0);
    const files = new Set(storedBatches(broker.dataDir, 'durable', 0).map((b) => b.file));
    expect(files.size).toBeGreaterThan(2);
    // the per-broker message.max.bytes=300 survived too
    expect((await produceValues(c, 'durable', 1, ['z'.repeat(400)])).errorCode).toBe(
      ErrorCode.MESSAGE_TOO_LARGE,
    );
    const brokerCfg = await c.request(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: BROKER, resourceName: '1', configurationKeys: ['message.max.bytes'] }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(brokerCfg.results[0].configs[0]).toMatchObject({
      value: '300',
      configSource: 2,
      synonyms: [
        { name: 'message.max.bytes', value: '300', source: 2 },
        { name: 'message.max.bytes', value: '1048588', source: 5 },
      ],
    });
  });
});

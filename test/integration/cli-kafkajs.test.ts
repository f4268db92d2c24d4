// The `fluxmq` admin commands cross-checked with KafkaJS, a third-party client: topics and configs
// made by one are seen the same way by the other; configs altered with the CLI change what the
// broker does (retention.bytes deletes old segments, max.message.bytes refuses a KafkaJS batch);
// and the group commands agree with a KafkaJS consumer group (lag from its commits, offset resets
// it then sees).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { kafkajs } from '../helpers/kafkajs.js';

const TOPIC_RESOURCE = 2;

let broker: RunningBroker;
let b: string;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'log.retention.check.interval.ms': 200 } });
  b = broker.bootstrap;
  kafka = kafkajs(b);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

const run = (args: string[], input?: string) => runCli([...args, '--bootstrap-server', b], { input });

async function kafkajsConfigs(topic: string, names: string[]): Promise<Record<string, string>> {
  const res = await admin.describeConfigs({
    resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: names }],
    includeSynonyms: false,
  });
  return Object.fromEntries(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('topics and configs, both ways', () => {
  it('KafkaJS sees a topic and its configs made by fluxmq', async () => {
    const r = await run([
      'topics',
      'create',
      'made-by-cli',
      '-p',
      '3',
      '-c',
      'retention.ms=123456',
      '-c',
      'cleanup.policy=compact',
    ]);
    expect(r.code).toBe(0);
    const meta = await admin.fetchTopicMetadata({ topics: ['made-by-cli'] });
    expect(
      meta.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort(),
    ).toEqual([
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
      [2, 1, [1], [1]],
    ]);
    expect(await kafkajsConfigs('made-by-cli', ['retention.ms', 'cleanup.policy', 'segment.bytes'])).toEqual({
      'retention.ms': '123456',
      'cleanup.policy': 'compact',
      'segment.bytes': '1073741824',
    });
    expect(await admin.listTopics()).toContain('made-by-cli');
  });

  it('fluxmq sees a topic and configs made and altered by KafkaJS, and KafkaJS sees fluxmq changes', async () => {
    await admin.createTopics({
      topics: [
        {
          topic: 'made-by-kafkajs',
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [{ name: 'segment.ms', value: '600000' }],
        },
      ],
    });
    const described = await cliJson<{
      topics: { partitions: unknown[]; configs: { name: string; value: string }[] }[];
    }>(b, ['topics', 'describe', 'made-by-kafkajs']);
    expect(described.topics[0]!.partitions).toHaveLength(2);
    expect(described.topics[0]!.configs.map((c) => [c.name, c.value])).toEqual([['segment.ms', '600000']]);

    // KafkaJS's alterConfigs is the legacy AlterConfigs: it replaces the topic's whole set
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: TOPIC_RESOURCE,
          name: 'made-by-kafkajs',
          configEntries: [{ name: 'max.message.bytes', value: '500000' }],
        },
      ],
    });
    const afterKafkajs = await cliJson<{ configs: { name: string; value: string; source: string }[] }>(b, [
      'configs',
      'describe',
      '--topic',
      'made-by-kafkajs',
    ]);
    expect(afterKafkajs.configs.map((c) => [c.name, c.value, c.source])).toEqual([
      ['max.message.bytes', '500000', 'DYNAMIC_TOPIC_CONFIG'],
    ]);

    expect(
      (await run(['configs', 'alter', '--topic', 'made-by-kafkajs', '--set', 'retention.bytes=99999'])).code,
    ).toBe(0);
    expect((await run(['topics', 'add-partitions', 'made-by-kafkajs', '-p', '4'])).code).toBe(0);
    expect(await kafkajsConfigs('made-by-kafkajs', ['retention.bytes', 'max.message.bytes'])).toEqual({
      'retention.bytes': '99999',
      'max.message.bytes': '500000',
    });
    const meta = await admin.fetchTopicMetadata({ topics: ['made-by-kafkajs'] });
    expect(meta.topics[0]!.partitions).toHaveLength(4);

    expect((await run(['topics', 'delete', 'made-by-kafkajs'])).code).toBe(0);
    expect(await admin.listTopics()).not.toContain('made-by-kafkajs');
  });
});

describe('configs altered with the CLI change what the broker does', () => {
  it('a small retention.bytes deletes old segments', async () => {
    expect((await run(['topics', 'create', 'retained', '-p', '1', '-c', 'segment.bytes=1024'])).code).toBe(0);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let i = 0; i < 24; i++) {
      await producer.send({ topic: 'retained', messages: [{ value: `message ${i} `.padEnd(200, '.') }] });
    }
    await producer.disconnect();
    const dir = join(broker.dataDir, 'retained-0');
    const segments = () => readdirSync(dir).filter((f) => f.endsWith('.log')).length;
    expect(segments()).toBeGreaterThanOrEqual(4);
    const before = await admin.fetchTopicOffsets('retained');
    expect(before[0]).toMatchObject({ low: '0', high: '24' });

    expect((await run(['topics', 'alter', 'retained', '--config', 'retention.bytes=1500'])).code).toBe(0);
    await until(async () => segments() <= 2, 'retention to delete segments');
    const after = await admin.fetchTopicOffsets('retained');
    expect(Number(after[0]!.low)).toBeGreaterThan(0);
    expect(after[0]!.high).toBe('24');
    // reading below the new log start offset is out of range; reading from it works
    const read = await cliJson<{ messages: { offset: number }[] }>(b, [
      'consume',
      'retained',
      '--from',
      'beginning',
      '--exit',
    ]);
    expect(read.messages[0]!.offset).toBe(Number(after[0]!.low));
    await until(
      async () =>
        broker.logs.some((l) => l.msg === 'deleted old log segments' && l.reason === 'retention.bytes'),
      'the retention log line',
    );
  });

  it('max.message.bytes refuses a larger KafkaJS batch with MESSAGE_TOO_LARGE', async () => {
    expect((await run(['topics', 'create', 'small-messages', '-p', '1'])).code).toBe(0);
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic: 'small-messages', messages: [{ value: 'x'.repeat(2000) }] });
      expect(
        (await run(['topics', 'alter', 'small-messages', '--config', 'max.message.bytes=1000'])).code,
      ).toBe(0);
      await expect(
        producer.send({ topic: 'small-messages', messages: [{ value: 'x'.repeat(2000) }] }),
      ).rejects.toMatchObject({
        type: 'MESSAGE_TOO_LARGE',
      });
      await producer.send({ topic: 'small-messages', messages: [{ value: 'small' }] });
    } finally {
      await producer.disconnect();
    }
  });
});

describe('groups', () => {
  let consumer: Consumer | null = null;

  afterAll(async () => {
    await consumer?.disconnect();
  });

  it('describes a KafkaJS group with the lag of its commits, resets its offsets when it is gone, and deletes it', async () => {
    expect((await run(['topics', 'create', 'lagging', '-p', '2'])).code).toBe(0);
    await run(
      ['produce', 'lagging', '--partition', '0'],
      Array.from({ length: 10 }, (_, i) => `p0-${i}`).join('\n'),
    );
    await run(
      ['produce', 'lagging', '--partition', '1'],
      Array.from({ length: 6 }, (_, i) => `p1-${i}`).join('\n'),
    );

    consumer = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lagging', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
    await until(async () => seen === 16, 'the KafkaJS consumer to read 16 messages', 20_000);
    await consumer.commitOffsets([
      { topic: 'lagging', partition: 0, offset: '7' },
      { topic: 'lagging', partition: 1, offset: '6' },
    ]);

    const active = await cliJson<{
      state: string;
      members: { clientId: string; assignment: { topic: string; partition: number }[] }[];
      offsets: {
        topic: string;
        partition: number;
        committedOffset: number;
        logEndOffset: number;
        lag: number;
        clientId: string;
      }[];
      totalLag: number;
    }>(b, ['groups', 'describe', 'billing']);
    expect(active.state).toBe('Stable');
    expect(active.members).toHaveLength(1);
    expect(active.members[0]!.assignment).toEqual([
      { topic: 'lagging', partition: 0 },
      { topic: 'lagging', partition: 1 },
    ]);
    expect(active.offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.lag])).toEqual([
      [0, 7, 10, 3],
      [1, 6, 6, 0],
    ]);
    expect(active.offsets[0]!.clientId).toBe('fluxmq-test');
    expect(active.totalLag).toBe(3);
    const table = await run(['groups', 'describe', 'billing']);
    expect(table.stdout).toMatch(/│ lagging │\s+0 │\s+7 │\s+10 │\s+3 │/);
    expect(table.stdout).toMatch(/│ State\s+│ Stable\s+│/);

    const refused = await run([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'lagging',
      '--to-earliest',
      '--execute',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Stop its consumers first');

    await consumer.disconnect();
    consumer = null;

    const listed = await cliJson<{ groups: { groupId: string; state: string | null }[] }>(b, [
      'groups',
      'list',
    ]);
    expect(listed.groups).toContainEqual(
      expect.objectContaining({ groupId: 'billing', protocolType: 'consumer' }),
    );
    const listTable = await run(['groups', 'list']);
    expect(listTable.stdout).toMatch(/│ billing │/);

    const dry = await run(['groups', 'reset-offsets', 'billing', '--topic', 'lagging', '--to-earliest']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/│ lagging │\s+0 │\s+7 │\s+0 │/);
    expect(dry.stderr).toContain('Dry run');
    const untouched = await admin.fetchOffsets({ groupId: 'billing', topics: ['lagging'] });
    expect(untouched[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '7'],
      [1, '6'],
    ]);

    const executed = await cliJson<{
      executed: boolean;
      partitions: { partition: number; newOffset: number }[];
    }>(b, ['groups', 'reset-offsets', 'billing', '--topic', 'lagging:0', '--shift-by', '-5', '--execute']);
    expect(executed).toMatchObject({
      executed: true,
      partitions: [{ partition: 0, currentOffset: 7, newOffset: 2 }],
    });
    const toLatest = await cliJson<{ partitions: { newOffset: number }[] }>(b, [
      'groups',
      'reset-offsets',
      'billing',
      '--all-topics',
      '--to-offset',
      '100',
      '--execute',
    ]);
    expect(toLatest.partitions.map((p) => p.newOffset)).toEqual([10, 6]);
    const fromTime = await cliJson<{ partitions: { newOffset: number }[] }>(b, [
      'groups',
      'reset-offsets',
      'billing',
      '--all-topics',
      '--to-datetime',
      '1970-01-01T00:00:00Z',
      '--execute',
    ]);
    expect(fromTime.partitions.map((p) => p.newOffset)).toEqual([0, 0]);
    const seenByKafkajs = await admin.fetchOffsets({ groupId: 'billing', topics: ['lagging'] });
    expect(seenByKafkajs[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '0'],
      [1, '0'],
    ]);
    const lagNow = await cliJson<{ totalLag: number }>(b, ['groups', 'describe', 'billing']);
    expect(lagNow.totalLag).toBe(16);

    const noTarget = await run(['groups', 'reset-offsets', 'billing', '--topic', 'lagging']);
    expect(noTarget.code).toBe(2);

    const deleted = await run(['groups', 'delete', 'billing']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/│ billing\s+│/);
    const gone = await run(['groups', 'describe', 'billing']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Group 'billing' does not exist.");
    const deleteAgain = await run(['groups', 'delete', 'billing']);
    expect(deleteAgain.code).toBe(1);
  });

  it('consume --group reads from the committed offsets and commits exactly what it printed', async () => {
    expect((await run(['topics', 'create', 'shared', '-p', '1'])).code).toBe(0);
    await run(['produce', 'shared'], 'a0\na1\na2\na3\na4\n');
    await run(['produce', 'shared'], 'b0\nb1\nb2\nb3\nb4\n');
    const first = await run([
      'consume',
      'shared',
      '--group',
      'readers',
      '--from',
      'beginning',
      '--max-messages',
      '7',
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('a0\na1\na2\na3\na4\nb0\nb1\n');
    const afterFirst = await cliJson<{ offsets: { committedOffset: number; lag: number }[] }>(b, [
      'groups',
      'describe',
      'readers',
    ]);
    expect(afterFirst.offsets).toEqual([
      expect.objectContaining({ committedOffset: 7, logEndOffset: 10, lag: 3 }),
    ]);
    const second = await run([
      'consume',
      'shared',
      '--group',
      'readers',
      '--max-messages',
      '3',
      '--format',
      'jsonl',
    ]);
    expect(
      second.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).value),
    ).toEqual(['b2', 'b3', 'b4']);
    const afterSecond = await cliJson<{ totalLag: number }>(b, ['groups', 'describe', 'readers']);
    expect(afterSecond.totalLag).toBe(0);
    const conflicting = await run(['consume', 'shared', '--group', 'readers', '--partition', '0']);
    expect(conflicting.code).toBe(2);
  });
});

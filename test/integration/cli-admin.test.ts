// The `fluxmq` admin commands end to end: each spawned as a user runs it (node bin/run.js ...)
// against a broker started here, asserting the table output and the --json object, plus the
// errors people hit (bad input, unknown topics and configs, no broker) with their exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { cliJson, runCli } from '../helpers/cli.js';

let broker: RunningBroker;
let b: string;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'num.partitions': 2 } });
  b = broker.bootstrap;
});

afterAll(async () => {
  await broker?.stop();
});

const run = (args: string[], input?: string) => runCli([...args, '--bootstrap-server', b], { input });

describe('topics', () => {
  it('create, list, describe, alter, add-partitions and delete, as tables and as JSON', async () => {
    const created = await run([
      'topics',
      'create',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=3600000',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/│ TOPIC\s+│ PARTITIONS │ REPLICATION FACTOR │ TOPIC ID\s+│/);
    expect(created.stdout).toMatch(/│ orders │\s+3 │\s+1 │ [A-Za-z0-9_-]{22} │/);
    expect(created.stderr).toContain("Created topic 'orders'.");

    const json = await cliJson<{ name: string; partitions: number; created: boolean; topicId: string }>(b, [
      'topics',
      'create',
      'payments',
      '-p',
      '1',
    ]);
    expect(json).toMatchObject({
      name: 'payments',
      partitions: 1,
      replicationFactor: 1,
      created: true,
      validateOnly: false,
    });

    const again = await run(['topics', 'create', 'orders', '--if-not-exists']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("Topic 'orders' already exists.");

    const list = await run(['topics', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ orders\s+│\s+3 │/);
    expect(list.stdout).toMatch(/│ payments\s+│\s+1 │/);
    const listJson = await cliJson<{ topics: { name: string; partitions: number }[] }>(b, ['topics', 'list']);
    expect(listJson.topics.map((t) => [t.name, t.partitions])).toEqual([
      ['orders', 3],
      ['payments', 1],
    ]);

    const alter = await run([
      'topics',
      'alter',
      'orders',
      '--config',
      'segment.bytes=1048576',
      '--delete-config',
      'retention.ms',
    ]);
    expect(alter.code).toBe(0);
    expect(alter.stdout).toMatch(/│ segment\.bytes │ 1048576 │ DYNAMIC_TOPIC_CONFIG │/);
    expect(alter.stdout).not.toContain('retention.ms');

    const grow = await cliJson<{ previousPartitions: number; partitions: number }>(b, [
      'topics',
      'add-partitions',
      'orders',
      '--partitions',
      '4',
    ]);
    expect(grow).toEqual({ topic: 'orders', previousPartitions: 3, partitions: 4, validateOnly: false });

    const describeTable = await run(['topics', 'describe', 'orders']);
    expect(describeTable.code).toBe(0);
    expect(describeTable.stdout).toMatch(/│ Partitions\s+│ 4\s+│/);
    expect(describeTable.stdout).toMatch(
      /│ PARTITION │ LEADER │ REPLICAS │ ISR │ EARLIEST OFFSET │ LATEST OFFSET │ MESSAGES │/,
    );
    expect(describeTable.stdout).toMatch(/│ segment\.bytes │ 1048576 │/);
    const described = await cliJson<{
      topics: {
        name: string;
        partitions: { partition: number; leader: number; isr: number[] }[];
        configs: { name: string; value: string }[];
      }[];
    }>(b, ['topics', 'describe', 'orders']);
    expect(described.topics[0]!.partitions.map((p) => [p.partition, p.leader, p.isr])).toEqual([
      [0, 1, [1]],
      [1, 1, [1]],
      [2, 1, [1]],
      [3, 1, [1]],
    ]);
    expect(described.topics[0]!.configs).toEqual([
      expect.objectContaining({ name: 'segment.bytes', value: '1048576', source: 'DYNAMIC_TOPIC_CONFIG' }),
    ]);

    const del = await run(['topics', 'delete', 'payments']);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/│ payments\s+│/);
    const delMissing = await cliJson<{ deleted: unknown[]; missing: string[] }>(b, [
      'topics',
      'delete',
      'payments',
      '--if-exists',
    ]);
    expect(delMissing).toEqual({ deleted: [], missing: ['payments'] });
  });

  it('refuses bad input with messages that name the problem and non-zero exit codes', async () => {
    const zero = await run(['topics', 'create', 'zero', '--partitions', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('Expected an integer greater than or equal to 1');

    const unknownKey = await run(['topics', 'create', 'typo', '--config', 'retention.bytez=10']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('INVALID_CONFIG');
    expect(unknownKey.stderr).toContain("'retention.bytez'");
    const badValue = await runCli(['topics', 'create', 'typo', '-c', 'retention.ms=soon', '-b', b, '--json']);
    expect(badValue.code).toBe(1);
    expect(JSON.parse(badValue.stdout)).toEqual({
      error: {
        name: 'KafkaError',
        code: 'INVALID_CONFIG',
        exitCode: 1,
        message: expect.stringContaining("Invalid value 'soon' for topic config 'retention.ms'"),
      },
    });
    const noPair = await run(['topics', 'create', 'typo', '--config', 'retention.ms']);
    expect(noPair.code).toBe(2);
    expect(noPair.stderr).toContain('--config expects key=value');

    const existing = await run(['topics', 'create', 'orders']);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('TOPIC_ALREADY_EXISTS');

    const shrink = await run(['topics', 'add-partitions', 'orders', '--partitions', '2']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('INVALID_PARTITIONS');
    expect(shrink.stderr).toContain('higher than the requested 2');

    const missing = await run(['topics', 'delete', 'ghost']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot delete topic 'ghost'");
    expect(missing.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    const describeMissing = await run(['topics', 'describe', 'ghost']);
    expect(describeMissing.code).toBe(1);
    expect(describeMissing.stderr).toContain("Topic 'ghost' does not exist.");

    const unreachable = await runCli(['topics', 'list', '--bootstrap-server', '127.0.0.1:1']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach the Kafka cluster at 127.0.0.1:1');
    expect(unreachable.stderr).toContain('Is the broker running?');
    const unreachableJson = await runCli(['cluster', 'describe', '--json'], {
      env: { FLUXMQ_BOOTSTRAP_SERVER: '127.0.0.1:1' },
    });
    expect(unreachableJson.code).toBe(3);
    expect(JSON.parse(unreachableJson.stdout).error).toMatchObject({ name: 'UnreachableError', exitCode: 3 });
    expect(unreachableJson.stderr).toBe('');
  });

  it('shows help with examples', async () => {
    const help = await runCli(['topics', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EXAMPLES');
    expect(help.stdout).toContain('fluxmq topics create orders --partitions 6');
    expect(help.stdout).toContain('FLUXMQ_BOOTSTRAP_SERVER');
  });
});

describe('configs and cluster', () => {
  it('describes and alters topic configs and the broker, as tables and JSON', async () => {
    await run(['topics', 'create', 'tuned', '-p', '1']);
    const alter = await run([
      'configs',
      'alter',
      '--topic',
      'tuned',
      '--set',
      'retention.ms=60000',
      '--append',
      'cleanup.policy=compact',
    ]);
    expect(alter.code).toBe(0);
    expect(alter.stdout).toMatch(/│ cleanup\.policy │ compact,delete │ DYNAMIC_TOPIC_CONFIG │/);
    expect(alter.stdout).toMatch(/│ retention\.ms\s+│ 60000\s+│ DYNAMIC_TOPIC_CONFIG │/);

    const own = await run(['configs', 'describe', '--topic', 'tuned']);
    expect(own.stdout).toContain('retention.ms');
    expect(own.stdout).not.toContain('segment.bytes');
    const all = await cliJson<{ configs: { name: string; value: string; source: string; type: string }[] }>(
      b,
      ['configs', 'describe', '--topic', 'tuned', '--all'],
    );
    const byName = Object.fromEntries(all.configs.map((c) => [c.name, c]));
    expect(byName['retention.ms']).toMatchObject({
      value: '60000',
      source: 'DYNAMIC_TOPIC_CONFIG',
      type: 'LONG',
    });
    expect(byName['segment.bytes']).toMatchObject({ value: '1073741824', source: 'DEFAULT_CONFIG' });

    const brokerAll = await run([
      'configs',
      'describe',
      '--broker',
      '1',
      '--all',
      '--key',
      'log.dirs',
      '--key',
      'num.partitions',
    ]);
    expect(brokerAll.stdout).toMatch(/│ log\.dirs\s+│ .+ │ STATIC_BROKER_CONFIG │ yes\s+│/);
    expect(brokerAll.stdout).toMatch(/│ num\.partitions │ 2\s+│ STATIC_BROKER_CONFIG │ yes\s+│/);

    const defaults = await cliJson<{ configs: { name: string; value: string; source: string }[] }>(b, [
      'configs',
      'alter',
      '--broker-defaults',
      '--set',
      'log.retention.ms=7200000',
    ]);
    expect(defaults.configs).toEqual([
      expect.objectContaining({
        name: 'log.retention.ms',
        value: '7200000',
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      }),
    ]);
    const inherited = await cliJson<{ configs: { value: string; source: string }[] }>(b, [
      'configs',
      'describe',
      '--topic',
      'orders',
      '--key',
      'retention.ms',
    ]);
    expect(inherited.configs[0]).toMatchObject({ value: '7200000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    await run(['configs', 'alter', '--broker-defaults', '--delete', 'log.retention.ms']);

    const readOnly = await run(['configs', 'alter', '--broker', '1', '--set', 'log.dirs=/tmp/elsewhere']);
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toContain('Cannot update these configs dynamically: log.dirs');
    const unknown = await run(['configs', 'alter', '--topic', 'tuned', '--set', 'no.such.key=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("'no.such.key'");
    const noResource = await run(['configs', 'describe']);
    expect(noResource.code).toBe(2);
    const nothing = await run(['configs', 'alter', '--topic', 'tuned']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('describes the cluster', async () => {
    const table = await run(['cluster', 'describe']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ Controller\s+│ 1\s+│/);
    expect(table.stdout).toMatch(
      new RegExp(`│\\s+1 │ 127\\.0\\.0\\.1 │\\s+${broker.port} │ -\\s+│ yes\\s+│`),
    );
    const json = await cliJson<{ clusterId: string; controllerId: number; brokers: unknown[] }>(b, [
      'cluster',
      'describe',
    ]);
    expect(json.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(json).toMatchObject({
      controllerId: 1,
      brokers: [{ id: 1, host: '127.0.0.1', port: broker.port, rack: null, isController: true }],
    });
  });
});

describe('produce and consume', () => {
  it('produces stdin lines with keys and headers and reads them back in every format', async () => {
    await run(['topics', 'create', 'events', '-p', '2']);
    const produced = await run(
      ['produce', 'events', '--key-separator', ':', '--header', 'source=test', '--compression', 'lz4'],
      'user1:login\nuser2:logout\n\nuser1:logout\n',
    );
    expect(produced.code).toBe(0);
    expect(produced.stdout).toMatch(/│ PARTITION │ BASE OFFSET │ MESSAGES │/);
    expect(produced.stderr).toContain("Produced 3 message(s) to topic 'events'.");

    const lines = await run(['consume', 'events', '--from', 'beginning', '--exit', '--format', 'jsonl']);
    expect(lines.code).toBe(0);
    const records = lines.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            key: string;
            value: string;
            partition: number;
            offset: number;
            headers: unknown[];
          },
      );
    expect(records).toHaveLength(3);
    // same key, same partition (Kafka's murmur2 partitioner), in order
    const user1 = records.filter((r) => r.key === 'user1');
    expect(user1.map((r) => r.value)).toEqual(['login', 'logout']);
    expect(user1[0]!.partition).toBe(user1[1]!.partition);
    expect(records[0]).toMatchObject({
      topic: 'events',
      headers: [{ key: 'source', value: 'test' }],
      timestampType: 'CreateTime',
    });

    const text = await run([
      'consume',
      'events',
      '--from',
      'beginning',
      '--exit',
      '--print-key',
      '--key-separator',
      '=',
    ]);
    expect(text.stdout.trim().split('\n').sort()).toEqual(['user1=login', 'user1=logout', 'user2=logout']);

    const table = await run([
      'consume',
      'events',
      '--from',
      'beginning',
      '--max-messages',
      '2',
      '--format',
      'table',
    ]);
    expect(table.stdout).toMatch(/│ PARTITION │ OFFSET │ TIMESTAMP\s+│ KEY\s+│ VALUE\s+│ HEADERS\s+│/);
    expect(table.stderr).toContain("Read 2 message(s) from topic 'events'.");

    const json = await cliJson<{ count: number; messages: { value: string }[] }>(b, [
      'consume',
      'events',
      '--from',
      'beginning',
      '--exit',
    ]);
    expect(json.count).toBe(3);
    expect(json.messages.map((m) => m.value).sort()).toEqual(['login', 'logout', 'logout']);
  });

  it('targets a partition, starts at an offset or a time, and sends files as messages', async () => {
    await run(['topics', 'create', 'numbers', '-p', '2']);
    const first = await cliJson<{ partitions: { partition: number; baseOffset: number; count: number }[] }>(
      b,
      ['produce', 'numbers', '--partition', '1', '--acks', '1'],
      { input: 'one\ntwo\nthree\n' },
    );
    expect(first.partitions).toEqual([{ partition: 1, baseOffset: 0, count: 3 }]);
    const fromOffset = await run(['consume', 'numbers', '--partition', '1', '--from', '1', '--exit']);
    expect(fromOffset.stdout).toBe('two\nthree\n');
    const later = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    await run(['produce', 'numbers', '--partition', '1'], 'four\n');
    const fromTime = await run(['consume', 'numbers', '--from-timestamp', String(later), '--exit']);
    expect(fromTime.stdout).toBe('four\n');
    const fromIso = await run([
      'consume',
      'numbers',
      '--from-timestamp',
      new Date(later).toISOString(),
      '--exit',
    ]);
    expect(fromIso.stdout).toBe('four\n');

    // acks=0: no answer, but nothing is lost when the command exits
    const fireAndForget = await run(['produce', 'numbers', '--partition', '1', '--acks', '0'], 'five\n');
    expect(fireAndForget.stderr).toContain('acks=0: not confirmed');
    expect((await run(['consume', 'numbers', '-p', '1', '--from', '4', '--exit'])).stdout).toBe('five\n');

    const file = await run(['produce', 'numbers', '--partition', '0', '--file', 'package.json']);
    expect(file.code).toBe(0);
    const back = await cliJson<{ messages: { value: string }[] }>(b, [
      'consume',
      'numbers',
      '-p',
      '0',
      '--from',
      'beginning',
      '--exit',
    ]);
    expect(JSON.parse(back.messages[0]!.value)).toMatchObject({ name: 'fluxmq' });

    const badPartition = await run(['produce', 'numbers', '--partition', '7'], 'x\n');
    expect(badPartition.code).toBe(1);
    expect(badPartition.stderr).toContain("Topic 'numbers' has 2 partition(s)");
    const badTime = await run(['consume', 'numbers', '--from-timestamp', 'yesterday', '--exit']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--from-timestamp expects an ISO-8601 date-time');
    const noTopic = await run(['consume', 'ghost', '--exit']);
    expect(noTopic.code).toBe(1);
    expect(noTopic.stderr).toContain("Topic 'ghost' does not exist.");
  });
});

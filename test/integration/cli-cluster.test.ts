// Replication admin against one broker: the admin client's ElectLeaders, AlterPartitionReassignments
// and ListPartitionReassignments answers, and the `topics create -r/--replica-assignment`,
// `cluster describe`, `cluster reassign` and `cluster elect-leaders` commands with their exit codes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/index.js';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { cliJson, runCli } from '../helpers/cli.js';

let broker: RunningBroker;
let b: string;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker();
  b = broker.bootstrap;
  admin = await Admin.connect({ bootstrap: b, requestTimeoutMs: 10_000 });
  await admin.createTopic({ name: 'placed', partitions: 2, replicationFactor: 1 });
});

afterAll(async () => {
  admin?.close();
  await broker?.stop();
});

const run = (args: string[]) => runCli([...args, '--bootstrap-server', b]);

describe('admin client on one broker', () => {
  it('electLeaders: nothing to elect; unknown partitions say so', async () => {
    expect(await admin.electLeaders('preferred')).toEqual([]);
    expect(await admin.electLeaders('unclean')).toEqual([]);
    const named = await admin.electLeaders('preferred', [
      { topic: 'placed' },
      { topic: 'placed', partitions: [9] },
    ]);
    expect(named.map((o) => [o.partition, o.error])).toEqual([
      [0, 'ELECTION_NOT_NEEDED'],
      [1, 'ELECTION_NOT_NEEDED'],
      [9, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ]);
    const unclean = await admin.electLeaders('unclean', [{ topic: 'placed', partitions: [1] }]);
    expect(unclean).toEqual([
      {
        topic: 'placed',
        partition: 1,
        errorCode: 84,
        error: 'ELECTION_NOT_NEEDED',
        message: expect.stringContaining('placed-1') as string,
      },
    ]);
  });

  it("alterPartitionReassignments: Kafka's errors for unknown brokers, empty lists and cancels", async () => {
    const out = await admin.alterPartitionReassignments([
      { topic: 'placed', partition: 0, replicas: [1] },
      { topic: 'placed', partition: 1, replicas: [1, 2] },
      { topic: 'placed', partition: 1, replicas: [] },
      { topic: 'missing', partition: 0, replicas: [1] },
    ]);
    expect(out.map((o) => [o.topic, o.partition, o.error, o.message])).toEqual([
      ['missing', 0, 'UNKNOWN_TOPIC_OR_PARTITION', 'The partition missing-0 does not exist.'],
      ['placed', 0, null, null],
      [
        'placed',
        1,
        'INVALID_REPLICA_ASSIGNMENT',
        'The manual partition assignment includes broker 2, but no such broker is registered.',
      ],
      [
        'placed',
        1,
        'INVALID_REPLICA_ASSIGNMENT',
        'The manual partition assignment includes an empty replica list.',
      ],
    ]);
    const cancel = await admin.alterPartitionReassignments([
      { topic: 'placed', partition: 0, replicas: null },
    ]);
    expect(cancel[0]!.error).toBe('NO_REASSIGNMENT_IN_PROGRESS');
  });

  it('listPartitionReassignments: none in progress', async () => {
    expect(await admin.listPartitionReassignments()).toEqual([]);
    expect(await admin.listPartitionReassignments([{ topic: 'placed', partitions: [0, 1] }])).toEqual([]);
  });
});

describe('commands on one broker', () => {
  it("topics create -r 2 fails with Kafka's INVALID_REPLICATION_FACTOR", async () => {
    const r = await run(['topics', 'create', 'wide', '-r', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: cannot create topic 'wide': INVALID_REPLICATION_FACTOR: ");
    expect(r.stderr).toContain('Replication factor: 2 larger than available brokers: 1.');
    const json = await runCli(['topics', 'create', 'wide', '--replication-factor', '2', '-b', b, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'INVALID_REPLICATION_FACTOR', exitCode: 1 },
    });
  });

  it('topics create --replica-assignment places partitions, and refuses unknown brokers', async () => {
    const created = await cliJson<{ partitions: number; replicationFactor: number }>(b, [
      'topics',
      'create',
      'manual',
      '--replica-assignment',
      '1,1,1',
    ]);
    expect(created).toMatchObject({ name: 'manual', partitions: 3, replicationFactor: 1, created: true });
    const unknown = await run(['topics', 'create', 'manual2', '--replica-assignment', '1:2']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('INVALID_REPLICA_ASSIGNMENT');
    const uneven = await run(['topics', 'create', 'manual3', '--replica-assignment', '1:2,1']);
    expect(uneven.code).toBe(2);
    expect(uneven.stderr).toContain('different replication factor');
    const both = await run(['topics', 'create', 'manual4', '--replica-assignment', '1', '-p', '2']);
    expect(both.code).toBe(2);
  });

  it('cluster describe --json: brokers, controller and partition health', async () => {
    const json = await cliJson<Record<string, unknown>>(b, ['cluster', 'describe']);
    expect(Object.keys(json).sort()).toEqual([
      'brokers',
      'clusterId',
      'controllerId',
      'offlinePartitions',
      'partitionCount',
      'underReplicatedPartitions',
    ]);
    expect(json).toMatchObject({
      controllerId: 1,
      brokers: [{ id: 1, host: '127.0.0.1', port: broker.port, rack: null, isController: true }],
      underReplicatedPartitions: [],
      offlinePartitions: [],
    });
    expect(json.partitionCount).toBeGreaterThanOrEqual(2);
    const table = await run(['cluster', 'describe']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ Under-replicated partitions │ 0\s+│/);
    expect(table.stdout).toMatch(/│ Offline partitions\s+│ 0\s+│/);
  });

  it('cluster elect-leaders: not needed is success, unknown partitions exit 1', async () => {
    const all = await run(['cluster', 'elect-leaders']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('No partition needed a preferred leader election.');
    const topic = await cliJson<{ type: string; partitions: { partition: number; error: string }[] }>(b, [
      'cluster',
      'elect-leaders',
      '--topic',
      'placed',
      '--type',
      'unclean',
    ]);
    expect(topic.type).toBe('unclean');
    expect(topic.partitions.map((p) => [p.partition, p.error])).toEqual([
      [0, 'ELECTION_NOT_NEEDED'],
      [1, 'ELECTION_NOT_NEEDED'],
    ]);
    const bad = await run(['cluster', 'elect-leaders', '--topic', 'placed', '--partition', '7']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    const missing = await run(['cluster', 'elect-leaders', '--topic', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Topic 'nope' does not exist.");
    const badType = await run(['cluster', 'elect-leaders', '--type', 'dirty']);
    expect(badType.code).toBe(2);
  });

  it('cluster reassign: list, refused targets, cancels and JSON plans', async () => {
    const list = await cliJson<{ action: string; reassignments: unknown[] }>(b, [
      'cluster',
      'reassign',
      '--list',
    ]);
    expect(list).toEqual({ action: 'list', reassignments: [] });

    const refused = await run([
      'cluster',
      'reassign',
      '--topic',
      'placed',
      '--partition',
      '0',
      '--replicas',
      '1,3',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'cannot reassign placed-0: INVALID_REPLICA_ASSIGNMENT: The manual partition assignment includes broker 3, but no such broker is registered.',
    );

    const same = await cliJson<{ action: string; partitions: { targetReplicas: number[]; error: null }[] }>(
      b,
      ['cluster', 'reassign', '--topic', 'placed', '--partition', '1', '--replicas', '1'],
    );
    expect(same).toMatchObject({
      action: 'reassign',
      partitions: [{ partition: 1, targetReplicas: [1], error: null }],
    });

    const cancel = await runCli([
      'cluster',
      'reassign',
      '--cancel',
      '--topic',
      'placed',
      '--partition',
      '0',
      '-b',
      b,
      '--json',
    ]);
    expect(cancel.code).toBe(1);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ error: { code: 'NO_REASSIGNMENT_IN_PROGRESS' } });
    const cancelTopic = await run(['cluster', 'reassign', '--cancel', '--topic', 'placed']);
    expect(cancelTopic.code).toBe(0);
    expect(cancelTopic.stdout).toContain("No reassignments of topic 'placed' are in progress.");

    const dir = tempDataDir('fluxmq-plan-');
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        version: 1,
        partitions: [
          { topic: 'placed', partition: 0, replicas: [1], log_dirs: ['any'] },
          { topic: 'placed', partition: 1, replicas: [1] },
        ],
      }),
    );
    const fromFile = await run(['cluster', 'reassign', '--reassignment-json-file', plan]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/│ placed │\s+0 │ 1\s+│ STARTED │/);
    expect(fromFile.stderr).toContain('Started the reassignment of 2 partition(s)');

    writeFileSync(plan, '{"version":1,"partitions":[{"topic":"placed","partition":0}]}');
    const badPlan = await run(['cluster', 'reassign', '--reassignment-json-file', plan]);
    expect(badPlan.code).toBe(2);
    expect(badPlan.stderr).toContain('partitions[0].replicas must be a non-empty array of broker ids');
    const noFile = await run(['cluster', 'reassign', '--reassignment-json-file', join(dir, 'none.json')]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cannot read --reassignment-json-file');
    const nothing = await run(['cluster', 'reassign']);
    expect(nothing.code).toBe(2);
  });
});

// Replication admin on a real 3-broker cluster through the CLI, as an operator would use it:
// topics placed with --replica-assignment, `cluster reassign` moving a replica to another broker
// (the new one catches up from the leader, the old one's copy is deleted), `cluster elect-leaders`
// giving leadership back to the preferred replica, and `cluster describe` reporting under-replicated
// and offline partitions while brokers are down.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterKafka, partitionView, readBackFromLeader, waitFor } from '../helpers/cluster-clients.js';
import { cliJson, runCli } from '../helpers/cli.js';
import type { Admin, Kafka } from 'kafkajs';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
  kafka = clusterKafka(cluster.bootstrap);
  admin = kafka.admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => {});
  await cluster?.close();
});

const cli = (args: string[]) => runCli([...args, '--bootstrap-server', cluster.bootstrap.split(',')[0]!]);

async function produce(topic: string, n: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < n; i += 100) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 100 }, (_, j) => ({ value: `${topic}-${i + j}`, partition: 0 })),
    });
  }
  await producer.disconnect();
}

interface Described {
  brokers: { id: number }[];
  underReplicatedPartitions: { topic: string; partition: number; isr: number[] }[];
  offlinePartitions: { topic: string; partition: number }[];
}

describe('cluster admin through the CLI', () => {
  it('reassigns a replica: the new broker catches up, the old copy is deleted', async () => {
    const created = await cli(['topics', 'create', 'moving', '--replica-assignment', '1:2']);
    expect(created.code, created.stderr).toBe(0);
    await waitFor('ISR of 2', async () => (await partitionView(admin, 'moving')).isr.length === 2);
    await produce('moving', 1000);

    const started = await cli([
      'cluster',
      'reassign',
      '--topic',
      'moving',
      '--partition',
      '0',
      '--replicas',
      '3,2',
    ]);
    expect(started.code, started.stderr + started.stdout).toBe(0);
    await waitFor('the reassignment to complete', async () => {
      const v = await partitionView(admin, 'moving');
      return JSON.stringify(v.replicas) === '[3,2]' && v.isr.length === 2 && !v.isr.includes(1);
    });
    const listed = await cliJson(cluster.bootstrap.split(',')[0]!, ['cluster', 'reassign', '--list']);
    expect(JSON.stringify(listed)).not.toContain('moving');
    // broker 1 no longer holds a copy; broker 3 has every record
    await waitFor(
      'the old replica deleted',
      async () => !existsSync(join(cluster.node(1).dataDir, 'moving-0')),
    );
    const stored = await readBackFromLeader(admin, cluster, 'moving');
    expect(stored.map((r) => r.value)).toEqual(Array.from({ length: 1000 }, (_, i) => `moving-${i}`));
  }, 60_000);

  it('elects the preferred leader back after it returns', async () => {
    const created = await cli(['topics', 'create', 'preferred', '--replica-assignment', '1:2:3']);
    expect(created.code, created.stderr).toBe(0);
    await waitFor('leader 1 with ISR of 3', async () => {
      const v = await partitionView(admin, 'preferred');
      return v.leader === 1 && v.isr.length === 3;
    });
    await cluster.stop(1); // controlled shutdown moves leadership to 2
    expect((await partitionView(admin, 'preferred')).leader).not.toBe(1);
    await cluster.start(1);
    await waitFor(
      'broker 1 back in the ISR',
      async () => (await partitionView(admin, 'preferred')).isr.length === 3,
    );
    const elected = await cli(['cluster', 'elect-leaders', '--type', 'preferred', '--topic', 'preferred']);
    expect(elected.code, elected.stderr + elected.stdout).toBe(0);
    await waitFor('leader 1 again', async () => (await partitionView(admin, 'preferred')).leader === 1);
  }, 90_000);

  it('describe reports under-replicated and offline partitions', async () => {
    const created = await cli(['topics', 'create', 'fragile', '--replica-assignment', '3']);
    expect(created.code, created.stderr).toBe(0);
    await waitFor('fragile led by 3', async () => (await partitionView(admin, 'fragile')).leader === 3);
    await cluster.kill9(3);
    try {
      const d = await waitFor('broker 3 gone from the cluster', async () => {
        const r = await cli(['cluster', 'describe', '--json']);
        const parsed = JSON.parse(r.stdout) as Described;
        return parsed.brokers.length === 2 && parsed.offlinePartitions.length > 0 ? parsed : null;
      });
      expect(d.offlinePartitions).toContainEqual(expect.objectContaining({ topic: 'fragile', partition: 0 }));
      // the 'preferred' topic (replicas 1,2,3) is under-replicated now
      expect(d.underReplicatedPartitions.map((p) => p.topic)).toContain('preferred');
      const table = await cli(['cluster', 'describe']);
      expect(table.stdout).toMatch(/offline/i);
    } finally {
      await cluster.start(3);
    }
    await waitFor('fragile back online', async () => (await partitionView(admin, 'fragile')).leader === 3);
  }, 90_000);
});

// Three brokers and etcd on loopback; a topic with replication factor 3 and min.insync.replicas 2.
// KafkaJS produces with acks=-1 without pause while the test kills -9 the partition leader, five
// times in a row, restarting each killed broker and waiting for it to rejoin the ISR. A KafkaJS
// consumer group reads all along. At the end every acknowledged value is read back exactly once, at
// the offset acknowledged for it, offsets strictly increase, and the group has seen every value.
import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import {
  clusterKafka,
  countingConsumer,
  createReplicatedTopic,
  partitionView,
  produceContinuously,
  readBackFromLeader,
  waitFor,
} from '../helpers/cluster-clients.js';
import { sleep, summary, verify } from '../helpers/faults.js';

let cluster: TestCluster | undefined;
let consumer: Consumer | undefined;

afterAll(async () => {
  await consumer?.disconnect().catch(() => {});
  await cluster?.close();
});

const ROUNDS = 5;
const TOPIC = 'failover';

describe('cluster: kill -9 of the partition leader during acks=-1 produce', () => {
  it(`loses nothing acknowledged over ${ROUNDS} leader kills, and a consumer group keeps consuming`, async () => {
    cluster = await startCluster({ brokers: 3 });
    const kafka = clusterKafka(cluster.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await createReplicatedTopic(admin, TOPIC);
    const group = await countingConsumer(kafka, 'failover-readers', TOPIC);
    consumer = group.consumer;
    const { consumed } = group;

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const loop = produceContinuously(producer, TOPIC, 'v');
    const killed: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = loop.tally.acked.size;
      await waitFor(
        'acknowledgements before the kill',
        async () => loop.tally.acked.size >= before + 200,
        60_000,
      );
      const { leader } = await partitionView(admin, TOPIC);
      killed.push(leader);
      await cluster.kill9(leader);
      // writes go on once another in-sync replica leads (2 replicas satisfy min.insync.replicas)
      const afterKill = loop.tally.acked.size;
      await waitFor(
        'acknowledgements after the failover',
        async () => loop.tally.acked.size >= afterKill + 100,
        60_000,
      );
      const view = await partitionView(admin, TOPIC);
      expect(view.leader).not.toBe(leader);
      await cluster.start(leader);
      await waitFor('the restarted broker back in the ISR', async () => {
        const v = await partitionView(admin, TOPIC);
        return v.isr.length === 3;
      });
    }
    await sleep(500);
    await loop.stop();
    await producer.disconnect();

    const stored = await readBackFromLeader(admin, cluster, TOPIC);
    const verdict = verify(loop.tally, stored, 'v-');
    await waitFor(
      'the consumer group to see every acknowledged value',
      async () => [...loop.tally.acked.keys()].every((v) => consumed.has(v)),
      60_000,
    ).catch((err: Error) => {
      const missing = [...loop.tally.acked.keys()].filter((v) => !consumed.has(v));
      throw new Error(
        `${err.message}; ${missing.length} of ${loop.tally.acked.size} missing (first ${missing[0]}, ` +
          `offset ${loop.tally.acked.get(missing[0]!)}); consumer log:\n${group.events.join('\n')}\n` +
          `broker warnings:\n${cluster!.warnings().slice(-60).join('\n')}`,
      );
    });
    summary('cluster-leader-kill', verdict, {
      'leaders killed': killed.join(' '),
      'consumed by group': consumed.size,
      'send failures': loop.tally.errors.get(-1) ?? 0,
    });
    expect(verdict.acknowledged).toBeGreaterThan(ROUNDS * 300);
    expect(verdict.lost).toBe(0);
    expect(verdict.duplicated).toBe(0);
    expect(verdict.outOfOrder).toBe(0);
    await admin.disconnect();
  }, 300_000);
});

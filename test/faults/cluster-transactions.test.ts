// Transactions in a cluster of three brokers and etcd on loopback. The output topic has three
// partitions led by brokers 1, 2 and 3, so every transaction's markers go to all three brokers (two
// of them over WriteTxnMarkers), and the group's offsets live on whichever broker leads its
// __consumer_offsets partition. A KafkaJS transactional producer runs consume-transform-produce
// rounds: it reads a slice of the input, writes the transformed records and sends the next input
// offset to the group (sendOffsets), then commits or aborts (an aborted slice is processed again,
// as a real application would after an abort). A read_committed KafkaJS consumer must see exactly
// the committed output, and the group's committed offsets must be those of the committed rounds.
// Then the broker leading the transactional id's __transaction_state partition is killed (-9) in
// the middle of a transaction: as in Kafka, the replica that takes the partition over loads the
// transaction still open and its producer commits it there (records and offsets). A producer that
// opens a transaction and disappears has it aborted at its timeout, and new transactions work.
import { afterAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import {
  clusterKafka,
  countingConsumer,
  partitionView,
  transactionCoordinator,
  waitFor,
} from '../helpers/cluster-clients.js';
import { sleep } from '../helpers/faults.js';

let cluster: TestCluster | undefined;
const consumers: Consumer[] = [];
const producers: Producer[] = [];

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  for (const p of producers) await p.disconnect().catch(() => {});
  await cluster?.close();
});

const IN = 'ctp-in';
const OUT = 'ctp-out';
const GROUP = 'ctp-group';
const TXN_ID = 'ctp-app';
const PARTITIONS = 3;
const PER_PARTITION = 12;
const SLICE = 3;
/** Outcome of each round; round r reads input partition r % 3. */
const ROUNDS = [
  'commit',
  'commit',
  'abort',
  'commit',
  'abort',
  'commit',
  'commit',
  'commit',
  'abort',
  'commit',
];

function transactionalProducer(kafka: Kafka): Producer {
  const p = kafka.producer({ transactionalId: TXN_ID, idempotent: true, maxInFlightRequests: 1 });
  producers.push(p);
  return p;
}

/** Values a read_committed consumer in a fresh group sees on OUT, once `expected` arrived (plus a grace period). */
async function readCommitted(kafka: Kafka, expected: number): Promise<string[]> {
  const { consumer, consumed } = await countingConsumer(kafka, `verify-${Date.now()}-${Math.random()}`, OUT);
  consumers.push(consumer);
  const total = () => [...consumed.values()].reduce((a, b) => a + b, 0);
  await waitFor(`${expected} committed records on ${OUT}`, async () => total() >= expected, 60_000);
  await sleep(1500); // anything aborted or duplicated would arrive by now
  await consumer.disconnect();
  const out: string[] = [];
  for (const [v, n] of consumed) for (let i = 0; i < n; i++) out.push(v);
  return out.sort();
}

async function groupOffsets(admin: Admin): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [IN] });
  return Object.fromEntries(t!.partitions.map((p) => [p.partition, p.offset]));
}

describe('cluster: transactions across brokers', () => {
  it('commits and aborts atomically, with offsets, and carries a transaction across a killed coordinator', async () => {
    cluster = await startCluster({
      brokers: 3,
      overrides: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500 },
    });
    const kafka = clusterKafka(cluster.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    const spread = (p: number) => [0, 1, 2].map((i) => ((p + i) % 3) + 1);
    for (const topic of [IN, OUT]) {
      await admin.createTopics({
        topics: [
          {
            topic,
            replicaAssignment: [0, 1, 2].map((partition) => ({ partition, replicas: spread(partition) })),
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
        waitForLeaders: true,
      });
    }
    for (let p = 0; p < PARTITIONS; p++) {
      await waitFor(
        `ISR of 3 for ${OUT}-${p}`,
        async () => (await partitionView(admin, OUT, p)).isr.length === 3,
      );
      expect((await partitionView(admin, OUT, p)).leader).toBe(p + 1);
    }
    // the input: PER_PARTITION records per partition, at offsets 0..PER_PARTITION-1
    const plain = kafka.producer();
    producers.push(plain);
    await plain.connect();
    for (let p = 0; p < PARTITIONS; p++) {
      await plain.send({
        topic: IN,
        acks: -1,
        messages: Array.from({ length: PER_PARTITION }, (_, i) => ({ partition: p, value: `in-${p}-${i}` })),
      });
    }
    // the group's coordinator exists before the first sendOffsets
    expect(await groupOffsets(admin)).toEqual({ 0: '-1', 1: '-1', 2: '-1' });

    const producer = transactionalProducer(kafka);
    await producer.connect();
    const position = [0, 0, 0];
    const committedValues: string[] = [];
    const committedOffsets: Record<number, string> = { 0: '-1', 1: '-1', 2: '-1' };
    for (let r = 0; r < ROUNDS.length; r++) {
      const p = r % PARTITIONS;
      const from = position[p]!;
      const values = Array.from({ length: SLICE }, (_, i) => `out-${p}-${from + i}-round-${r}`);
      const t = await producer.transaction();
      // one record to each output partition: the markers go to all three brokers
      await t.send({
        topic: OUT,
        messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })),
      });
      await t.sendOffsets({
        consumerGroupId: GROUP,
        topics: [{ topic: IN, partitions: [{ partition: p, offset: String(from + SLICE) }] }],
      });
      if (ROUNDS[r] === 'commit') {
        await t.commit();
        position[p] = from + SLICE;
        committedValues.push(...values);
        committedOffsets[p] = String(from + SLICE);
      } else {
        await t.abort(); // the slice is processed again in the next round of this partition
      }
    }
    expect(await readCommitted(kafka, committedValues.length)).toEqual([...committedValues].sort());
    await waitFor('the committed offsets of the group', async () => {
      const now = await groupOffsets(admin);
      return JSON.stringify(now) === JSON.stringify(committedOffsets);
    });

    // a transaction open when its coordinator dies
    const coordinator = await transactionCoordinator(cluster.node(1).port, TXN_ID);
    const open = await producer.transaction();
    await open.send({
      topic: OUT,
      messages: [0, 1, 2].map((partition) => ({ partition, value: `open-${partition}` })),
    });
    await open.sendOffsets({
      consumerGroupId: GROUP,
      topics: [{ topic: IN, partitions: [{ partition: 0, offset: '999' }] }],
    });
    await cluster.kill9(coordinator);
    // another in-sync replica of the __transaction_state partition takes over, the transaction open
    const survivor = cluster.nodes.find((n) => n.id !== coordinator)!;
    const next = await waitFor(
      'a new transaction coordinator',
      async () => {
        const id = await transactionCoordinator(survivor.port, TXN_ID);
        return id !== coordinator ? id : null;
      },
      60_000,
    );
    expect(next).not.toBe(coordinator);
    await cluster
      .node(next)
      .broker!.waitForLog((l) => l.msg === 'transaction state loaded' && Number(l.open) >= 1, 30_000);
    // the producer finds the new coordinator and commits the transaction there
    await open.commit();
    committedValues.push(...[0, 1, 2].map((partition) => `open-${partition}`));
    committedOffsets[0] = '999';
    await cluster.start(coordinator);
    await waitFor(
      'every output partition back to an ISR of 3',
      async () => {
        for (let p = 0; p < PARTITIONS; p++)
          if ((await partitionView(admin, OUT, p)).isr.length !== 3) return false;
        return true;
      },
      60_000,
    );

    // a producer that opens a transaction and disappears: the coordinator aborts it at its timeout
    const abandoned = kafka.producer({
      transactionalId: `${TXN_ID}-abandoned`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 3000,
    });
    producers.push(abandoned);
    await abandoned.connect();
    const gone = await abandoned.transaction();
    await gone.send({
      topic: OUT,
      messages: [0, 1, 2].map((partition) => ({ partition, value: `abandoned-${partition}` })),
    });

    // a new incarnation of the application's producer fences the old one and carries on
    const fresh = transactionalProducer(kafka);
    await fresh.connect();
    const after = await fresh.transaction();
    const afterValues = [0, 1, 2].map((partition) => `after-${partition}`);
    await after.send({ topic: OUT, messages: afterValues.map((value, partition) => ({ partition, value })) });
    await after.sendOffsets({
      consumerGroupId: GROUP,
      topics: [{ topic: IN, partitions: [{ partition: 1, offset: String(position[1]! + 1) }] }],
    });
    await after.commit();
    committedValues.push(...afterValues);
    committedOffsets[1] = String(position[1]! + 1);

    // read_committed readers see the transaction committed across the failover, get past the
    // abandoned one once its timeout aborted it (markers on every partition), and never see its records
    const seen = await readCommitted(kafka, committedValues.length);
    expect(seen.filter((v) => v.startsWith('open-'))).toEqual(['open-0', 'open-1', 'open-2']);
    expect(seen.filter((v) => v.startsWith('abandoned-'))).toEqual([]);
    expect(seen).toEqual([...committedValues].sort());
    await waitFor('the committed offsets after the failover', async () => {
      const now = await groupOffsets(admin);
      return JSON.stringify(now) === JSON.stringify(committedOffsets);
    });
    expect((await groupOffsets(admin))[0]).toBe('999');

    // markers come from brokers only: a client's WriteTxnMarkers is refused
    const client = await KafkaConnection.connect('127.0.0.1', cluster.node(1).port, {
      requestTimeoutMs: 5000,
    });
    try {
      const res = await client.request(ApiKey.WriteTxnMarkers, 1, {
        markers: [
          {
            producerId: 1,
            producerEpoch: 0,
            transactionResult: true,
            coordinatorEpoch: 0,
            topics: [{ name: OUT, partitionIndexes: [0] }],
          },
        ],
      });
      expect(res.markers[0].topics[0].partitions[0].errorCode).toBe(31); // CLUSTER_AUTHORIZATION_FAILED
    } finally {
      client.close();
    }
    await admin.disconnect();
  }, 300_000);
});

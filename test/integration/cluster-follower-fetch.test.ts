// KIP-392 with real clients: three brokers in racks r1, r2, r3 with the rack-aware
// replica.selector.class. kcat (librdkafka, client.rack) and a KafkaJS consumer (rackId) are each sent
// to the follower in their rack and read everything from it, read_committed (both clients' default):
// the committed transaction and the plain records, never the aborted transaction, so the follower's
// producer state follows what replication writes. Each follower's own bytes-out metric shows it
// served the reads.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { RACK_AWARE_SELECTOR } from '../../src/config/schema.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterKafka, createReplicatedTopic, partitionView, waitFor } from '../helpers/cluster-clients.js';
import { httpGet } from '../helpers/http.js';
import { kcat } from '../helpers/kcat.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';

const TOPIC = 'near';
let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    http: true,
    racks: ['r1', 'r2', 'r3'],
    overrides: { 'replica.selector.class': RACK_AWARE_SELECTOR },
  });
  kafka = clusterKafka(cluster.bootstrap);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.close();
});

async function scrape(id: number) {
  return parseExposition((await httpGet(`http://127.0.0.1:${cluster.node(id).httpPort}/metrics`)).text);
}

/** Bytes of the topic's records broker `id` has sent to fetchers. */
async function bytesOut(id: number): Promise<number> {
  return sampleValue(await scrape(id), 'fluxmq_topic_bytes_out_total', { topic: TOPIC }) ?? 0;
}

/** Reads of the topic's partition broker `id` has answered (a follower answers consumers' only). */
async function fetchRequests(id: number): Promise<number> {
  return sampleValue(await scrape(id), 'fluxmq_topic_fetch_requests_total', { topic: TOPIC }) ?? 0;
}

describe('consumers fetch from the replica in their rack', () => {
  it('kcat and KafkaJS read committed records from their rack follower, never aborted ones', async () => {
    await createReplicatedTopic(admin, TOPIC);
    const { leader } = await partitionView(admin, TOPIC);
    const [first, second] = [1, 2, 3].filter((id) => id !== leader) as [number, number];

    // KafkaJS reads from the start, before anything is written: the follower it reads from loads
    // its (empty) producer state at once and must follow the transactions as they are replicated
    const consumer = kafka.consumer({ groupId: 'near-readers', rackId: `r${second}` });
    const seen: string[] = [];
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
      },
    });
    try {
      await waitFor('the KafkaJS consumer to join', async () => joined);
      await waitFor(
        'the KafkaJS consumer to fetch from its rack follower',
        async () => (await fetchRequests(second)) > 0,
      );
      expect(await fetchRequests(first)).toBe(0);

      const producer = kafka.producer({
        transactionalId: 'near-txn',
        maxInFlightRequests: 1,
        idempotent: true,
      });
      await producer.connect();
      const committed = await producer.transaction();
      await committed.send({ topic: TOPIC, messages: values('committed', 100) });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic: TOPIC, messages: values('aborted', 50) });
      await aborted.abort();
      await producer.disconnect();
      const plain = kafka.producer();
      await plain.connect();
      await plain.send({ topic: TOPIC, acks: -1, messages: values('plain', 100) });
      await plain.disconnect();
      const expected = [...values('committed', 100), ...values('plain', 100)].map((m) => m.value);

      await waitFor('the KafkaJS consumer to read 200 values', async () => seen.length >= 200);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(expected);
      expect(await bytesOut(second)).toBeGreaterThan(0);
      expect(await bytesOut(first)).toBe(0);

      // kcat comes later: its follower builds the producer state from the log it has by then
      const read = await kcat(
        [
          '-b',
          cluster.bootstrap,
          '-C',
          '-t',
          TOPIC,
          '-o',
          'beginning',
          '-c',
          '200',
          '-q',
          '-X',
          `client.rack=r${first}`,
        ],
        { timeoutMs: 30_000 },
      );
      expect(read.split('\n').slice(0, -1)).toEqual(expected);
      expect(await bytesOut(first)).toBeGreaterThan(0);
    } finally {
      await consumer.disconnect();
    }
  }, 90_000);
});

function values(prefix: string, n: number): { value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ value: `${prefix}-${i}` }));
}

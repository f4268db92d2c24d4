import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPartition, kafkajs } from '../helpers/kafkajs.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
});

describe('KafkaJS against fluxmq serve', () => {
  it('produces 10,000 messages with keys, headers and null values and reads them back byte for byte in order', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true });
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
    await admin.disconnect();

    const total = 10_000;
    const sent: {
      partition: number;
      key: Buffer | null;
      value: Buffer | null;
      headers: Record<string, Buffer>;
    }[] = [];
    for (let i = 0; i < total; i++) {
      const partition = i % 3;
      const key = i % 7 === 0 ? null : Buffer.from(`key-${i}`);
      const value =
        i % 11 === 0 ? null : Buffer.from(`value-${i}-` + 'x'.repeat(i % 50) + String.fromCharCode(0xe9));
      const headers: Record<string, Buffer> =
        i % 5 === 0 ? {} : { trace: Buffer.from(`t${i}`), bin: Buffer.from([i & 0xff, 0, 255]) };
      sent.push({ partition, key, value, headers });
    }

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let start = 0; start < total; start += 500) {
      const chunk = sent.slice(start, start + 500);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic: 'orders',
            messages: chunk.map((m) => ({
              partition: m.partition,
              key: m.key,
              value: m.value,
              headers: m.headers,
            })),
          },
        ],
      });
    }
    await producer.disconnect();

    for (let partition = 0; partition < 3; partition++) {
      const expected = sent.filter((m) => m.partition === partition);
      const got = await fetchPartition(kafka, 'orders', partition);
      expect(got).toHaveLength(expected.length);
      got.forEach((m, i) => {
        const e = expected[i]!;
        expect(Number(m.offset)).toBe(i);
        expect(m.key).toEqual(e.key);
        expect(m.value).toEqual(e.value);
        const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v as Buffer]));
        expect(headers).toEqual(e.headers);
      });
    }
  });

  it('auto-creates a topic on metadata and lists offsets', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'auto-created', messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('auto-created');
    expect(offsets).toEqual([{ partition: 0, offset: '2', high: '2', low: '0' }]);
    await admin.disconnect();
  });
});

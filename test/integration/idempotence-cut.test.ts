// An idempotent KafkaJS producer whose connection is cut after the broker has received (and
// answered) a Produce request, but before the answer reaches the client. The client retries the
// same batch with the same sequence numbers; the broker must recognise the duplicate so that every
// message is stored exactly once.

import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll } from '../helpers/client.js';

const PRODUCE = 0;
const TOPIC = 'idem-cut';
const TOTAL = 2000;
const BATCH = 50;
/** Cut the connection carrying every CUT_EVERY-th Produce request, at most MAX_CUTS times. */
const CUT_EVERY = 7;
const MAX_CUTS = 4;

interface CutProxy {
  server: Server;
  port: number;
  /** Produce requests seen from clients. */
  produces: number;
  /** Connections cut after a Produce was delivered to the broker. */
  cuts: number;
  /** Upstream port; set once the broker is running. */
  upstreamPort: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that forwards whole request frames to the broker. For a chosen Produce request it
 * stops relaying broker bytes to the client, and once the broker's response arrives (so the broker
 * has handled the request) destroys both sockets: the client never sees the acknowledgement.
 */
async function startCutProxy(): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const proxy: CutProxy = {
    server: createServer(),
    port: 0,
    produces: 0,
    cuts: 0,
    upstreamPort: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => proxy.server.close(() => res()));
    },
  };
  proxy.server.on('connection', (client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    let pending = Buffer.alloc(0);
    let cutting = false;
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    client.on('close', destroyBoth);
    upstream.on('close', destroyBoth);
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) {
        // The broker has answered the request being cut: drop the answer and cut the connection.
        proxy.cuts++;
        destroyBoth();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (cutting) return;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(0, 4 + size);
        pending = pending.subarray(4 + size);
        const apiKey = frame.readInt16BE(4);
        upstream.write(frame);
        if (apiKey === PRODUCE) {
          proxy.produces++;
          if (proxy.produces % CUT_EVERY === 0 && proxy.cuts < MAX_CUTS) {
            cutting = true;
            // If the broker never answers (acks=0 or a stuck request), cut anyway.
            setTimeout(destroyBoth, 2000).unref();
            return;
          }
        }
      }
    });
    client.pause();
    upstream.connect(proxy.upstreamPort, '127.0.0.1', () => client.resume());
  });
  await new Promise<void>((res) => proxy.server.listen(0, '127.0.0.1', () => res()));
  proxy.port = (proxy.server.address() as AddressInfo).port;
  return proxy;
}

let proxy: CutProxy;
let broker: RunningBroker;
let conn: KafkaConnection;

beforeAll(async () => {
  proxy = await startCutProxy();
  broker = await startBroker({
    overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` },
  });
  proxy.upstreamPort = broker.port;
  conn = await connectTo(broker.port);
  await createTopic(conn, TOPIC, 1);
});

afterAll(async () => {
  conn?.close();
  await proxy?.close();
  await broker?.stop();
});

describe('idempotent producer with connections cut mid-request', () => {
  it('stores every message exactly once although acknowledgements were lost', async () => {
    const kafka = new Kafka({
      clientId: 'idem-cut',
      brokers: [`127.0.0.1:${proxy.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 1000 },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const expected = Array.from({ length: TOTAL }, (_, i) => `m${i}`);
    for (let i = 0; i < TOTAL; i += BATCH) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: expected.slice(i, i + BATCH).map((value) => ({ partition: 0, value })),
      });
    }
    await producer.disconnect();

    // Every cut request was retried: the broker saw more Produce requests than there were batches.
    expect(proxy.cuts).toBe(MAX_CUTS);
    expect(proxy.produces).toBeGreaterThanOrEqual(TOTAL / BATCH + proxy.cuts);

    const stored = await fetchAll(conn, TOPIC, 0);
    const values = stored.map((r) => r.value);
    expect(values.length).toBe(TOTAL);
    expect(new Set(values).size).toBe(TOTAL);
    expect(values).toEqual(expected);
    expect(stored.map((r) => r.offset)).toEqual(expected.map((_, i) => i));

    // The producer id written in the batches is the one DescribeProducers reports for the partition.
    const fetched = await conn.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 * 1024 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const batches = await decodeRecordBatches(fetched.responses[0].partitions[0].records as Buffer);
    const producerId = batches[0]!.producerId;
    expect(producerId).toBeGreaterThanOrEqual(0);
    expect(new Set(batches.map((b) => b.producerId))).toEqual(new Set([producerId]));

    const described = await conn.request(ApiKey.DescribeProducers, 0, {
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
    });
    const partition = described.topics[0].partitions[0] as {
      partitionIndex: number;
      errorCode: number;
      activeProducers: { producerId: number; producerEpoch: number; lastSequence: number }[];
    };
    expect(partition.errorCode).toBe(0);
    expect(partition.activeProducers).toEqual([
      expect.objectContaining({ producerId, producerEpoch: 0, lastSequence: TOTAL - 1 }),
    ]);
  }, 60_000);
});

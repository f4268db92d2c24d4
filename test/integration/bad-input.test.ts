// Malformed and hostile input over real sockets: each case gets Kafka's answer (an error code, or
// that one connection closed) and the broker keeps serving everyone else.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { CRC } from '../../src/protocol/records/batch-header.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'socket.request.max.bytes': 1024 * 1024 } });
  const c = await client();
  await c.request(ApiKey.CreateTopics, 5, {
    topics: [{ name: 'bad', numPartitions: 2, replicationFactor: 1 }],
    timeoutMs: 5000,
  });
  c.close();
});

afterAll(async () => {
  await broker?.stop();
});

function client(): Promise<KafkaConnection> {
  return KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 5000 });
}

/** Sends raw bytes and resolves with everything received until the broker closes the socket (or a timeout). */
function rawExchange(bytes: Buffer, waitMs = 3000): Promise<{ closed: boolean; received: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect({ host: '127.0.0.1', port: broker.port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, received: Buffer.concat(chunks) });
    }, waitMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received: Buffer.concat(chunks) });
    });
  });
}

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Request header v1: api key, version, correlation id, client id "t". */
function headerV1(apiKey: number, version: number, correlationId = 7): Buffer {
  return Buffer.from([
    apiKey >> 8,
    apiKey & 0xff,
    version >> 8,
    version & 0xff,
    0,
    0,
    0,
    correlationId,
    0,
    1,
    0x74,
  ]);
}

async function stillServing(): Promise<void> {
  const c = await client();
  const res = await c.request(ApiKey.Metadata, 1, { topics: null });
  expect(res.brokers).toHaveLength(1);
  c.close();
}

async function produce(records: Buffer, partition = 0, topic = 'bad', acks = 1) {
  const c = await client();
  try {
    const res = await c.request(ApiKey.Produce, 7, {
      acks,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
    return res.responses[0].partitionResponses[0];
  } finally {
    c.close();
  }
}

async function validBatch(): Promise<Buffer> {
  return encodeRecordBatch({
    records: [
      { key: 'k', value: 'v' },
      { key: null, value: 'w' },
    ],
  });
}

describe('bad input', () => {
  it('closes the connection on a truncated frame (header cut short)', async () => {
    const r = await rawExchange(frame(Buffer.from([0, 18, 0])));
    expect(r.closed).toBe(true);
    expect(r.received.length).toBe(0);
    await stillServing();
  });

  it('closes the connection on a truncated request body', async () => {
    // Metadata v1 whose topic array claims 5 entries but has none
    const r = await rawExchange(frame(Buffer.concat([headerV1(3, 1), Buffer.from([0, 0, 0, 5])])));
    expect(r.closed).toBe(true);
    await stillServing();
  });

  it('closes the connection on a frame over socket.request.max.bytes without reading it', async () => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(64 * 1024 * 1024);
    const r = await rawExchange(size);
    expect(r.closed).toBe(true);
    await stillServing();
  });

  it('closes the connection on a negative frame size', async () => {
    const r = await rawExchange(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    expect(r.closed).toBe(true);
    await stillServing();
  });

  it('closes the connection on an unknown API key', async () => {
    const r = await rawExchange(frame(headerV1(999, 0)));
    expect(r.closed).toBe(true);
    await stillServing();
  });

  it('answers an ApiVersions version it does not know in v0 with UNSUPPORTED_VERSION (KIP-511)', async () => {
    // a newer ApiVersions is flexible, so its header is v2: header v1 plus an empty tagged-field section
    const r = await rawExchange(
      frame(Buffer.concat([headerV1(ApiKey.ApiVersions, 99, 42), Buffer.from([0])])),
      1000,
    );
    const body = r.received;
    expect(body.readInt32BE(0)).toBe(body.length - 4);
    expect(body.readInt32BE(4)).toBe(42); // correlation id, response header v0
    expect(body.readInt16BE(8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.readInt32BE(10)).toBeGreaterThan(0); // api keys array follows
  });

  it('refuses Produce v2 (advertised from v0 for librdkafka) with UNSUPPORTED_VERSION', async () => {
    const c = await client();
    const res = await c.request(ApiKey.Produce, 2, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'bad', partitionData: [{ index: 0, records: await validBatch() }] }],
    });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    c.close();
  });

  it('answers Fetch below the served range with UNSUPPORTED_VERSION per partition', async () => {
    const c = await client();
    const res = await c.request(ApiKey.Fetch, 3, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [{ topic: 'bad', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }],
    });
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    c.close();
  });

  it('rejects a batch with a wrong CRC as CORRUPT_MESSAGE and stores nothing', async () => {
    const batch = await validBatch();
    batch.writeUInt32BE((batch.readUInt32BE(CRC) ^ 1) >>> 0, CRC);
    const r = await produce(batch);
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const flipped = await validBatch();
    flipped[flipped.length - 1] ^= 0xff;
    expect((await produce(flipped)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('rejects a batch whose length field disagrees with its bytes as CORRUPT_MESSAGE', async () => {
    const batch = await validBatch();
    batch.writeInt32BE(batch.readInt32BE(8) + 10, 8);
    expect((await produce(batch)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const short = await validBatch();
    short.writeInt32BE(short.readInt32BE(8) - 3, 8);
    expect((await produce(short)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist', async () => {
    const r = await produce(await validBatch(), 7);
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers INVALID_REQUIRED_ACKS for acks=2', async () => {
    const r = await produce(await validBatch(), 0, 'bad', 2);
    expect(r.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
  });

  it('answers OFFSET_OUT_OF_RANGE for a fetch past the log end and a negative offset', async () => {
    const c = await client();
    for (const fetchOffset of [1_000_000, -5]) {
      const res = await c.request(ApiKey.Fetch, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1000,
        topics: [{ topic: 'bad', partitions: [{ partition: 1, fetchOffset, partitionMaxBytes: 1000 }] }],
      });
      expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    }
    c.close();
  });

  it('closes an acks=0 connection whose produce failed, and keeps the good data of others', async () => {
    const good = await produce(await validBatch(), 1);
    expect(good.errorCode).toBe(ErrorCode.NONE);
    const c = await client();
    const bad = await validBatch();
    bad[bad.length - 1] ^= 0xff;
    c.send(ApiKey.Produce, 7, {
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'bad', partitionData: [{ index: 1, records: bad }] }],
    });
    await expect(c.request(ApiKey.Metadata, 1, { topics: null })).rejects.toThrow(/closed/);
    const c2 = await client();
    const res = await c2.request(ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'bad', partitions: [{ partitionIndex: 1, timestamp: -1 }] }],
    });
    expect(res.topics[0].partitions[0].offset).toBe(good.baseOffset + 2);
    c2.close();
  });
});

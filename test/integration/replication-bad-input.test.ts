// Replication APIs on a single broker (`fluxmq serve`), from a client listener: a replica fetch is
// refused per partition (Kafka: TOPIC_AUTHORIZATION_FAILED without ClusterAction), OffsetForLeaderEpoch
// answers with epoch 0 (every batch of a single broker) byte for byte as the schema lays it out, and
// unknown partitions and fenced epochs get their error codes.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';

let broker: RunningBroker;
let c: KafkaConnection;

beforeAll(async () => {
  broker = await startBroker();
  c = await KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 5000 });
  await c.request(ApiKey.CreateTopics, 5, {
    topics: [{ name: 'r', numPartitions: 1, replicationFactor: 1 }],
    timeoutMs: 5000,
  });
  const records = encodeRecordBatchSync({
    records: ['a', 'b', 'c'].map((v) => ({ key: null, value: Buffer.from(v) })),
  });
  await c.request(ApiKey.Produce, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'r', partitionData: [{ index: 0, records }] }],
  });
});

afterAll(async () => {
  c?.close();
  await broker?.stop();
});

/** Sends one request frame and resolves with the first response frame (size prefix removed). */
function exchange(frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const s: Socket = connect({ host: '127.0.0.1', port: broker.port }, () => s.write(frame));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no response'));
    }, 5000);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.subarray(4, 4 + got.readInt32BE(0)));
      }
    });
    s.on('error', reject);
  });
}

describe('replication APIs from a client', () => {
  it('refuses a replica fetch (replica id >= 0) with TOPIC_AUTHORIZATION_FAILED on every partition', async () => {
    for (const [version, body] of [
      [11, { replicaId: 1 }],
      [15, { replicaState: { replicaId: 1, replicaEpoch: -1 } }],
    ] as const) {
      const res = await c.request(ApiKey.Fetch, version, {
        ...body,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 'r',
            topicId: (await topicId()) ?? '',
            partitions: [{ partition: 0, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      expect(res.responses[0].partitions[0].records?.length ?? 0).toBe(0);
    }
    // the connection keeps serving consumer fetches
    const res = await c.request(ApiKey.Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        {
          topic: 'r',
          partitions: [{ partition: 0, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 3 });
  });

  it('answers OffsetForLeaderEpoch v3 with the bytes the schema lays out', async () => {
    const clientId = Buffer.from('pin');
    const req = Buffer.concat([
      int16(ApiKey.OffsetForLeaderEpoch),
      int16(3),
      int32(77), // correlation id
      int16(clientId.length),
      clientId,
      int32(-1), // replica id: a consumer
      int32(1), // topics
      int16(1),
      Buffer.from('r'),
      int32(3), // partitions
      ...[
        [0, -1, 0], // epoch 0: ends at the log end offset
        [0, 1, 0], // current leader epoch 1 > 0: UNKNOWN_LEADER_EPOCH
        [5, -1, 0], // no such partition
      ].flatMap(([p, current, epoch]) => [int32(p!), int32(current!), int32(epoch!)]),
    ]);
    const res = await exchange(Buffer.concat([int32(req.length), req]));
    const expected = Buffer.concat([
      int32(77), // correlation id (response header v0)
      int32(0), // throttle time
      int32(1), // topics
      int16(1),
      Buffer.from('r'),
      int32(3),
      int16(0),
      int32(0),
      int32(0),
      int64(3), // error, partition, leader epoch, end offset
      int16(ErrorCode.UNKNOWN_LEADER_EPOCH),
      int32(0),
      int32(-1),
      int64(-1),
      int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      int32(5),
      int32(-1),
      int64(-1),
    ]);
    expect(res.toString('hex')).toBe(expected.toString('hex'));
  });

  it('answers UNDEFINED (-1/-1) for an epoch newer than any, v4 (flexible)', async () => {
    const res = await c.request(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{ topic: 'r', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 3 }] }],
    });
    expect(res.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1 });
  });
});

async function topicId(): Promise<string | undefined> {
  const md = await c.request(ApiKey.Metadata, 12, { topics: [{ name: 'r' }], allowAutoTopicCreation: false });
  return md.topics[0]?.topicId;
}

function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}
function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
function int64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

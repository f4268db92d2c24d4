// KIP-392 at the protocol level, between two cluster-mode brokers in this process (in-memory metadata
// store): broker 1 in rack a leads, broker 2 in rack b follows, both with the rack-aware
// replica.selector.class. The leader sends a rack-b consumer to broker 2 (preferred_read_replica, no
// records), keeps a rack-a or rackless one; broker 2 serves consumer fetches from v11 up to its own
// high watermark, wakes a waiting fetch when that advances, and refuses a consumer fetch below v11.

import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { RACK_AWARE_SELECTOR } from '../../src/config/schema.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/index.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { startClusterBroker, type ClusterBroker } from '../helpers/cluster-broker.js';
import { FakeCluster, partitionState } from '../helpers/fake-cluster.js';

const running: ClusterBroker[] = [];
const conns: KafkaConnection[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const b of running.splice(0)) await b.stop();
});

async function start(cluster: FakeCluster, nodeId: number, rack: string): Promise<ClusterBroker> {
  const b = await startClusterBroker({
    nodeId,
    cluster,
    overrides: { 'broker.rack': rack, 'replica.selector.class': RACK_AWARE_SELECTOR },
  });
  running.push(b);
  return b;
}

async function connect(b: ClusterBroker): Promise<KafkaConnection> {
  const c = await KafkaConnection.connect('127.0.0.1', b.port);
  conns.push(c);
  return c;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function produce(c: KafkaConnection, values: string[]) {
  return c.request(ApiKey.Produce, 11, {
    acks: -1,
    timeoutMs: 10_000,
    topicData: [
      {
        name: 't',
        partitionData: [
          {
            index: 0,
            records: encodeRecordBatchSync({
              records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
            }),
          },
        ],
      },
    ],
  });
}

interface FetchedPartition {
  errorCode: number;
  highWatermark: bigint | number;
  preferredReadReplica: number;
  values: string[];
}

async function fetch(
  c: KafkaConnection,
  opts: { version?: number; rackId?: string; offset?: number; maxWaitMs?: number } = {},
): Promise<FetchedPartition> {
  const res = await c.request(ApiKey.Fetch, opts.version ?? 12, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset: opts.offset ?? 0, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: opts.rackId ?? '',
  });
  const p = res.responses[0].partitions[0];
  const batches = await decodeRecordBatches(p.records ?? Buffer.alloc(0));
  return {
    errorCode: p.errorCode,
    highWatermark: p.highWatermark,
    preferredReadReplica: p.preferredReadReplica ?? -1,
    values: batches.flatMap((b) => b.records.map((r) => r.value!.toString())),
  };
}

describe('fetching from the closest replica (KIP-392)', () => {
  it('the leader sends a consumer to a replica in its rack, which serves it up to its high watermark', async () => {
    const cluster = new FakeCluster();
    const leader = await start(cluster, 1, 'a');
    const follower = await start(cluster, 2, 'b');
    cluster.createTopic('t', 'AAAAAAAAAAAAAAAAAAAAAQ', [partitionState([1, 2], 1, 1, [1, 2])]);
    await until(() => leader.replicas.get('t', 0)?.isLeader === true && !!follower.replicas.get('t', 0));
    const lc = await connect(leader);
    const fc = await connect(follower);

    expect((await produce(lc, ['a', 'b', 'c'])).responses[0].partitionResponses[0].errorCode).toBe(0);
    const fp = follower.replicas.get('t', 0)!;
    await until(() => fp.highWatermark === 3);

    // the leader: a rack-b consumer goes to broker 2 with no records; rack a and no rack stay here
    const toB = await fetch(lc, { rackId: 'b' });
    expect(toB).toMatchObject({ errorCode: 0, preferredReadReplica: 2, values: [] });
    expect(Number(toB.highWatermark)).toBe(3);
    expect(await fetch(lc, { rackId: 'a' })).toMatchObject({
      preferredReadReplica: -1,
      values: ['a', 'b', 'c'],
    });
    expect(await fetch(lc)).toMatchObject({ preferredReadReplica: -1, values: ['a', 'b', 'c'] });
    // an unknown rack: the leader
    expect(await fetch(lc, { rackId: 'z' })).toMatchObject({
      preferredReadReplica: -1,
      values: ['a', 'b', 'c'],
    });

    // the follower serves consumers from v11, and no one is sent further
    expect(await fetch(fc, { rackId: 'b' })).toMatchObject({
      errorCode: 0,
      preferredReadReplica: -1,
      values: ['a', 'b', 'c'],
    });
    expect((await fetch(fc, { rackId: 'b', version: 10 })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await fetch(fc, { offset: 10 })).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);

    // a fetch waiting at the follower is answered once its high watermark covers a new record
    const started = Date.now();
    const waiting = fetch(fc, { rackId: 'b', offset: 3, maxWaitMs: 8000 });
    await new Promise((r) => setTimeout(r, 100));
    await produce(lc, ['d']);
    expect(await waiting).toMatchObject({ errorCode: 0, values: ['d'] });
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

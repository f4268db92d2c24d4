// A partition whose leader is not a live broker (its registration lapsed; the controller has not
// moved leadership yet): Metadata and DescribeTopicPartitions answer LEADER_NOT_AVAILABLE with
// leader -1, and a NOT_LEADER_OR_FOLLOWER answer names no leader (KIP-951), as Kafka does. A client
// told of a leader it has no endpoint for would wait on it instead of asking again. One cluster-mode
// broker in this process against the in-memory metadata store.

import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ZERO_UUID } from '../../src/protocol/codec/uuid.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey, type MetadataResponsePartition } from '../../src/protocol/messages/index.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { startClusterBroker, type ClusterBroker } from '../helpers/cluster-broker.js';
import { FakeCluster, partitionState } from '../helpers/fake-cluster.js';

let broker: ClusterBroker | undefined;
let conn: KafkaConnection | undefined;

afterEach(async () => {
  conn?.close();
  await broker?.stop();
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a partition led by a broker that is not live', () => {
  it('is LEADER_NOT_AVAILABLE with leader -1 until that broker registers again', async () => {
    const cluster = new FakeCluster();
    broker = await startClusterBroker({ nodeId: 1, cluster });
    // partition 0 is led here; partition 1 by broker 2, which has no registration
    cluster.createTopic('t', 'AAAAAAAAAAAAAAAAAAAAAQ', [
      partitionState([1, 2], 1, 3, [1, 2]),
      partitionState([2, 1], 2, 5, [2, 1]),
    ]);
    await until(() => broker!.replicas.get('t', 0)?.isLeader === true && !!broker!.replicas.get('t', 1));
    conn = await KafkaConnection.connect('127.0.0.1', broker.port);

    const metadata = async () => {
      const res = await conn!.request(ApiKey.Metadata, 12, {
        topics: [{ name: 't', topicId: ZERO_UUID }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      return {
        brokers: (res.brokers as { nodeId: number }[]).map((b) => b.nodeId),
        partitions: res.topics[0].partitions as MetadataResponsePartition[],
      };
    };
    const before = await metadata();
    expect(before.brokers).toEqual([1]);
    expect(before.partitions[0]).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 3 });
    expect(before.partitions[1]).toMatchObject({
      errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: 1,
      leaderId: -1,
      leaderEpoch: 5,
      replicaNodes: [2, 1],
      isrNodes: [2, 1],
      offlineReplicas: [2],
    });

    const described = await conn.request(ApiKey.DescribeTopicPartitions, 0, {
      topics: [{ name: 't' }],
      responsePartitionLimit: 10,
      cursor: null,
    });
    const dparts = described.topics[0].partitions as MetadataResponsePartition[];
    expect(dparts.map((p) => [p.partitionIndex, p.errorCode, p.leaderId, p.replicaNodes])).toEqual([
      [0, 0, 1, [1, 2]],
      [1, ErrorCode.LEADER_NOT_AVAILABLE, -1, [2, 1]],
    ]);

    // a produce to the follower here: refused, and no leader is named
    const refused = await conn.request(ApiKey.Produce, 11, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: 't',
          partitionData: [
            {
              index: 1,
              records: encodeRecordBatchSync({ records: [{ key: null, value: Buffer.from('x') }] }),
            },
          ],
        },
      ],
    });
    const pr = refused.responses[0].partitionResponses[0];
    expect(pr.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(pr.currentLeader).toMatchObject({ leaderId: -1 });
    expect(refused.nodeEndpoints ?? []).toEqual([]);

    // broker 2 registers: now it is named, with its endpoint
    cluster.register({
      id: 2,
      rack: null,
      endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 19092 }],
      replicationEndpoint: { host: '127.0.0.1', port: 19093 },
      incarnation: 'b2',
      shuttingDown: false,
    });
    await until(() => cluster.image().brokers.has(2));
    const after = await metadata();
    expect(after.brokers).toEqual([1, 2]);
    expect(after.partitions[1]).toMatchObject({
      errorCode: 0,
      leaderId: 2,
      leaderEpoch: 5,
      offlineReplicas: [],
    });
  });
});

// Replication between two cluster-mode brokers started in this process against an in-memory
// metadata store (test/helpers/fake-cluster.ts): a follower copies the leader's log byte for byte,
// a divergent tail is truncated after a failover (leader epochs), the high watermark moves only
// once the follower fetched, and acks=-1 answers only then. Also: a replica fetch on a client
// listener is refused.

import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { startClusterBroker, type ClusterBroker } from '../helpers/cluster-broker.js';
import { FakeCluster, partitionState } from '../helpers/fake-cluster.js';
import { readBack } from '../helpers/faults.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const running: ClusterBroker[] = [];
const conns: KafkaConnection[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const b of running.splice(0)) await b.stop();
});

async function start(cluster: FakeCluster, nodeId: number, overrides = {}): Promise<ClusterBroker> {
  const b = await startClusterBroker({ nodeId, cluster, overrides });
  running.push(b);
  return b;
}

async function connect(b: ClusterBroker): Promise<KafkaConnection> {
  const c = await KafkaConnection.connect('127.0.0.1', b.port);
  conns.push(c);
  return c;
}

function records(values: string[]): Buffer {
  return encodeRecordBatchSync({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

function produce(c: KafkaConnection, acks: number, values: string[], timeoutMs = 10_000) {
  return c.request(ApiKey.Produce, 11, {
    acks,
    timeoutMs,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: records(values) }] }],
  });
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function segmentBytes(b: ClusterBroker): Buffer {
  return fs.readFileSync(`${b.dataDir}/t-0/00000000000000000000.log`);
}

describe('replication between two brokers', () => {
  it('replicates byte for byte; the HW and acks=-1 wait for the follower', async () => {
    const cluster = new FakeCluster();
    const leader = await start(cluster, 1);
    cluster.createTopic('t', TOPIC_ID, [partitionState([1, 2], 1, 1, [1, 2])]);
    await until(() => leader.replicas.get('t', 0)?.isLeader === true);
    const c = await connect(leader);

    // acks=1 answers after the local append; the HW stays until broker 2 fetched
    const r1 = await produce(c, 1, ['a', 'b', 'c']);
    expect(r1.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const lp = leader.replicas.get('t', 0)!;
    expect(lp.highWatermark).toBe(0);
    const latest = await c.request(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
    });
    expect(latest.topics[0].partitions[0].offset).toBe(0);

    // acks=-1 waits
    let acked = false;
    const pending = produce(c, -1, ['d']).then((r) => {
      acked = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(acked).toBe(false);

    const follower = await start(cluster, 2);
    const r2 = await pending;
    expect(r2.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(lp.highWatermark).toBe(4);
    const fp = follower.replicas.get('t', 0)!;
    await until(() => fp.logEndOffset === 4);
    expect(segmentBytes(follower)).toEqual(segmentBytes(leader));
    expect(fp.epochs.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(fs.readFileSync(`${follower.dataDir}/t-0/leader-epoch-checkpoint`, 'utf8')).toBe('0\n1\n1 0\n');

    // the follower is not the leader: NOT_LEADER_OR_FOLLOWER with the leader (KIP-951)
    const fc = await connect(follower);
    const refused = await produce(fc, 1, ['x']);
    expect(refused.responses[0].partitionResponses[0]).toMatchObject({
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      currentLeader: { leaderId: 1, leaderEpoch: 1 },
    });
    expect(refused.nodeEndpoints).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: leader.port, rack: null, unknownTaggedFields: undefined },
    ]);
  });

  it('truncates a divergent tail after a failover', async () => {
    const cluster = new FakeCluster();
    const b1 = await start(cluster, 1);
    const b2 = await start(cluster, 2);
    // epoch 1: broker 2 leads alone and takes three records broker 1 never sees
    cluster.createTopic('t', TOPIC_ID, [partitionState([1, 2], 2, 1, [2])]);
    await until(() => b2.replicas.get('t', 0)?.isLeader === true && b1.replicas.get('t', 0) !== undefined);
    await b1.replicas.close(); // broker 1 stops fetching
    const c2 = await connect(b2);
    expect((await produce(c2, 1, ['x1', 'x2', 'x3'])).responses[0].partitionResponses[0].errorCode).toBe(0);
    expect(b2.replicas.get('t', 0)!.logEndOffset).toBe(3);

    // failover: broker 1 (restarted with its empty log) leads epoch 2 and takes other records
    await running.splice(running.indexOf(b1), 1)[0]!.stop();
    const newLeader = await start(cluster, 1);
    cluster.setPartition('t', 0, partitionState([1, 2], 1, 2, [1], 3));
    await until(() => newLeader.replicas.get('t', 0)?.isLeader === true);
    const c1 = await connect(newLeader);
    expect((await produce(c1, 1, ['y1', 'y2'])).responses[0].partitionResponses[0].errorCode).toBe(0);

    // broker 2 follows: OffsetsForLeaderEpoch(1) -> leader says epoch 1 ends at 0 -> truncate to 0
    const fp = b2.replicas.get('t', 0)!;
    await until(() => !fp.isLeader && fp.logEndOffset === 2 && fp.epochs.latestEpoch === 2);
    expect(segmentBytes(b2)).toEqual(segmentBytes(newLeader));
    expect(fp.epochs.epochEntries()).toEqual([{ epoch: 2, startOffset: 0 }]);
    // and joins the ISR once caught up
    await until(() => cluster.state('t', 0).isr.includes(2));
  });

  it('refuses a replica fetch on a client listener; consumers read only up to the HW', async () => {
    const cluster = new FakeCluster();
    const leader = await start(cluster, 1);
    cluster.createTopic('t', TOPIC_ID, [partitionState([1, 2], 1, 1, [1, 2])]);
    await until(() => leader.replicas.get('t', 0)?.isLeader === true);
    const c = await connect(leader);
    await produce(c, 1, ['a']);
    const fetch = (replicaId: number) =>
      c.request(ApiKey.Fetch, 16, {
        replicaState: { replicaId, replicaEpoch: -1 },
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topicId: TOPIC_ID,
            partitions: [
              {
                partition: 0,
                fetchOffset: 0,
                currentLeaderEpoch: 1,
                logStartOffset: -1,
                partitionMaxBytes: 1 << 20,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
    const asReplica = await fetch(2);
    expect(asReplica.responses[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(leader.replicas.get('t', 0)!.followerStates().get(2)!.logEndOffset).toBe(-1);
    const asConsumer = await fetch(-1);
    expect(asConsumer.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0 });
    expect(asConsumer.responses[0].partitions[0].records.length).toBe(0);
  });
});

describe('high watermark checkpoint (replication-offset-checkpoint)', () => {
  const hwFile = (b: ClusterBroker): string => `${b.dataDir}/replication-offset-checkpoint`;

  it('is written every replica.high.watermark.checkpoint.interval.ms, only when a HW moved', async () => {
    const cluster = new FakeCluster();
    const overrides = { 'replica.high.watermark.checkpoint.interval.ms': 50 };
    const leader = await start(cluster, 1, overrides);
    const follower = await start(cluster, 2, overrides);
    cluster.createTopic('t', TOPIC_ID, [partitionState([1, 2], 1, 1, [1, 2])]);
    await until(() => leader.replicas.get('t', 0)?.isLeader === true);
    const c = await connect(leader);
    expect((await produce(c, -1, ['a', 'b', 'c'])).responses[0].partitionResponses[0].errorCode).toBe(0);
    const read = (b: ClusterBroker) => (fs.existsSync(hwFile(b)) ? fs.readFileSync(hwFile(b), 'utf8') : '');
    // well before the default 5 s
    await until(() => read(leader) === '0\n1\nt 0 3\n', 2000);
    // the follower learns the HW from its next fetch, then checkpoints it too
    await until(() => read(follower) === '0\n1\nt 0 3\n', 2000);
    expect(leader.replicas.checkpointHighWatermarks()).toBe(false); // nothing moved: no write
  });

  it('is written on stop; restarted replicas start from it (never from the log start)', async () => {
    const cluster = new FakeCluster();
    const b1 = await start(cluster, 1);
    const b2 = await start(cluster, 2);
    cluster.createTopic('t', TOPIC_ID, [partitionState([1, 2], 1, 1, [1, 2])]);
    await until(() => b1.replicas.get('t', 0)?.isLeader === true);
    const c = await connect(b1);
    expect((await produce(c, -1, ['a', 'b', 'c', 'd'])).responses[0].partitionResponses[0].errorCode).toBe(0);
    await until(() => b2.replicas.get('t', 0)!.highWatermark === 4);
    // the default interval (5 s) has not passed: only the clean stop writes the files
    expect(fs.existsSync(hwFile(b1))).toBe(false);
    for (const b of [b2, b1]) await running.splice(running.indexOf(b), 1)[0]!.stop();
    expect(fs.readFileSync(hwFile(b1), 'utf8')).toBe('0\n1\nt 0 4\n');
    expect(fs.readFileSync(hwFile(b2), 'utf8')).toBe('0\n1\nt 0 4\n');

    // broker 1 still leads (a new epoch); broker 2 comes back first and cannot reach it yet
    cluster.setPartition('t', 0, partitionState([1, 2], 1, 2, [1, 2], 3));
    const f = await startClusterBroker({ nodeId: 2, cluster, dataDir: b2.dataDir });
    running.push(f);
    const fp = f.replicas.get('t', 0)!;
    expect(fp.isLeader).toBe(false);
    expect(fp.highWatermark).toBe(4);
    const l = await startClusterBroker({ nodeId: 1, cluster, dataDir: b1.dataDir });
    running.push(l);
    const lp = l.replicas.get('t', 0)!;
    expect(lp.isLeader).toBe(true);
    expect(lp.highWatermark).toBe(4);
    // consumers read everything acknowledged before the restart at once
    const read = await readBack(await connect(l), 't');
    expect(read.map((r) => r.value)).toEqual(['a', 'b', 'c', 'd']);
    // and replication goes on from there
    const c2 = await connect(l);
    expect((await produce(c2, -1, ['e'])).responses[0].partitionResponses[0]).toMatchObject({
      errorCode: 0,
      baseOffset: 4,
    });
    await until(() => fp.highWatermark === 5);
  });
});

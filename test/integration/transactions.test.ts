// Idempotent producers and transactions against `fluxmq serve`: raw requests for the exact error
// codes and offsets, KafkaJS for what a real client does (idempotent sends, commit, abort,
// sendOffsets, fencing), and a restart that must keep producer state and producer ids.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, logEndOffset } from '../helpers/client.js';
import { fetchPartition, kafkajs } from '../helpers/kafkajs.js';

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const INVALID_PRODUCER_EPOCH = 47;
const INVALID_PRODUCER_ID_MAPPING = 49;
const PRODUCER_FENCED = 90;
const UNSTABLE_OFFSET_COMMIT = 88;

let broker: RunningBroker;
let dataDir: string;
let conn: KafkaConnection;

beforeAll(async () => {
  dataDir = tempDataDir();
  broker = await startBroker({
    dataDir,
    overrides: { 'group.initial.rebalance.delay.ms': 0, 'transaction.state.log.num.partitions': 3 },
  });
  conn = await connectTo(broker.port);
});

afterAll(async () => {
  conn?.close();
  await broker?.stop();
});

async function initProducerId(c: KafkaConnection, transactionalId: string | null = null) {
  const res = await c.request(ApiKey.InitProducerId, 4, {
    transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
  });
  return res as { errorCode: number; producerId: number; producerEpoch: number };
}

async function produceIdempotent(
  c: KafkaConnection,
  topic: string,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  values: string[],
) {
  const records = await encodeRecordBatch({
    records: values.map((v) => ({ value: v })),
    producerId,
    producerEpoch,
    baseSequence,
  });
  const res = await c.request(ApiKey.Produce, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
}

/** Every batch of partition 0 with isolation level 0 or 1, and what the fetch said. */
async function rawFetch(c: KafkaConnection, topic: string, isolationLevel: number) {
  const res = await c.request(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 10_000_000,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10_000_000 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = res.responses[0].partitions[0] as {
    errorCode: number;
    highWatermark: number;
    lastStableOffset: number;
    abortedTransactions: { producerId: number; firstOffset: number }[] | null;
    records: Buffer | null;
  };
  const batches = p.records && p.records.length > 0 ? await decodeRecordBatches(p.records) : [];
  return { ...p, batches };
}

/**
 * What a read_committed client keeps of a fetch: data batches, minus those of an aborted
 * transaction (from the producer's aborted first offset up to its ABORT marker), as clients do.
 */
function committedValues(f: Awaited<ReturnType<typeof rawFetch>>): string[] {
  const open = new Map<number, number>();
  for (const a of f.abortedTransactions ?? []) open.set(a.producerId, a.firstOffset);
  const out: string[] = [];
  for (const b of f.batches) {
    const abortedFrom = open.get(b.producerId);
    if (b.isControl) {
      if (abortedFrom !== undefined && b.baseOffset >= abortedFrom) open.delete(b.producerId);
      continue;
    }
    if (b.isTransactional && abortedFrom !== undefined && b.baseOffset >= abortedFrom) continue;
    out.push(...b.records.map((r) => r.value!.toString()));
  }
  return out;
}

describe('idempotent producers', () => {
  it('acknowledges a resent batch with its original offset and writes it once', async () => {
    await createTopic(conn, 'idem-raw');
    const { errorCode, producerId, producerEpoch } = await initProducerId(conn);
    expect(errorCode).toBe(0);
    expect(producerEpoch).toBe(0);
    const first = await produceIdempotent(conn, 'idem-raw', producerId, 0, 0, ['a', 'b']);
    expect(first).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const second = await produceIdempotent(conn, 'idem-raw', producerId, 0, 2, ['c']);
    expect(second).toMatchObject({ errorCode: 0, baseOffset: 2 });
    const again = await produceIdempotent(conn, 'idem-raw', producerId, 0, 0, ['a', 'b']);
    expect(again).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await logEndOffset(conn, 'idem-raw')).toBe(3);

    // a gap in the sequence
    const skipped = await produceIdempotent(conn, 'idem-raw', producerId, 0, 7, ['x']);
    expect(skipped.errorCode).toBe(OUT_OF_ORDER_SEQUENCE_NUMBER);
    // a new epoch must start at sequence 0
    expect((await produceIdempotent(conn, 'idem-raw', producerId, 1, 3, ['x'])).errorCode).toBe(
      OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(await produceIdempotent(conn, 'idem-raw', producerId, 1, 0, ['d'])).toMatchObject({
      errorCode: 0,
      baseOffset: 3,
    });
    // the old epoch is fenced
    expect((await produceIdempotent(conn, 'idem-raw', producerId, 0, 3, ['x'])).errorCode).toBe(
      INVALID_PRODUCER_EPOCH,
    );
    expect(await logEndOffset(conn, 'idem-raw')).toBe(4);
  });

  it('stores every message of a KafkaJS idempotent producer exactly once', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      await producer.send({
        topic: 'idem-kafkajs',
        acks: -1,
        messages: [{ partition: 0, value: `m${i}` }],
      });
    }
    await producer.disconnect();
    const read = await fetchPartition(kafka, 'idem-kafkajs', 0);
    expect(read.map((m) => m.value!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });
});

describe('transactions with KafkaJS', () => {
  it('shows a committed transaction to read_committed readers and hides an aborted one', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: 'tx-commit-abort',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();

    const t1 = await producer.transaction();
    await t1.send({
      topic: 'txn-out',
      messages: [
        { partition: 0, value: 'c1' },
        { partition: 0, value: 'c2' },
      ],
    });
    await t1.commit();

    const t2 = await producer.transaction();
    await t2.send({ topic: 'txn-out', messages: [{ partition: 0, value: 'aborted' }] });
    // while open, read_committed stops before it
    const open = await rawFetch(conn, 'txn-out', 1);
    expect(open.lastStableOffset).toBeLessThan(open.highWatermark);
    await t2.abort();

    const t3 = await producer.transaction();
    await t3.send({ topic: 'txn-out', messages: [{ partition: 0, value: 'c3' }] });
    await t3.commit();
    await producer.disconnect();

    expect(committedValues(await rawFetch(conn, 'txn-out', 1))).toEqual(['c1', 'c2', 'c3']);

    const uncommitted = await rawFetch(conn, 'txn-out', 0);
    const data = uncommitted.batches.filter((b) => !b.isControl);
    expect(data.flatMap((b) => b.records.map((r) => r.value!.toString()))).toEqual([
      'c1',
      'c2',
      'aborted',
      'c3',
    ]);
    expect(uncommitted.batches.filter((b) => b.isControl)).toHaveLength(3);

    const rc = await rawFetch(conn, 'txn-out', 1);
    expect(rc.lastStableOffset).toBe(rc.highWatermark);
    expect(rc.abortedTransactions).toEqual([{ producerId: data[1]!.producerId, firstOffset: 3 }]);
  });

  it('commits consumed offsets atomically with the output (sendOffsets)', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer({
      transactionalId: 'tx-offsets',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'txn-eos', messages: [{ partition: 0, value: 'x' }] });
    await aborted.sendOffsets({
      consumerGroupId: 'eos-group',
      topics: [{ topic: 'txn-out', partitions: [{ partition: 0, offset: '2' }] }],
    });
    await aborted.abort();

    const admin = kafka.admin();
    await admin.connect();
    const none = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['txn-out'] });
    expect(none[0]!.partitions[0]!.offset).toBe('-1');

    const t = await producer.transaction();
    await t.send({ topic: 'txn-eos', messages: [{ partition: 0, value: 'y' }] });
    await t.sendOffsets({
      consumerGroupId: 'eos-group',
      topics: [{ topic: 'txn-out', partitions: [{ partition: 0, offset: '5' }] }],
    });
    await t.commit();
    const after = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['txn-out'] });
    expect(after[0]!.partitions[0]!.offset).toBe('5');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('fences a zombie: a second producer with the same transactional id', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const zombie = kafka.producer({ transactionalId: 'tx-zombie', idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    const zt = await zombie.transaction();
    await zt.send({ topic: 'txn-zombie', messages: [{ partition: 0, value: 'from-zombie' }] });

    const fresh = kafka.producer({ transactionalId: 'tx-zombie', idempotent: true, maxInFlightRequests: 1 });
    await fresh.connect();
    const ft = await fresh.transaction();
    await ft.send({ topic: 'txn-zombie', messages: [{ partition: 0, value: 'fresh' }] });
    await ft.commit();

    await expect(zt.commit()).rejects.toThrow(/epoch|fenced/i);
    await zombie.disconnect().catch(() => {});
    await fresh.disconnect();
    expect(committedValues(await rawFetch(conn, 'txn-zombie', 1))).toEqual(['fresh']);
  });
});

describe('transaction errors', () => {
  it('answers unknown transactional ids and stale epochs with Kafka codes', async () => {
    const add = await conn.request(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'nobody',
      v3AndBelowProducerId: 12345,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 'txn-out', partitions: [0] }],
    });
    expect(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(
      INVALID_PRODUCER_ID_MAPPING,
    );
    const init1 = await initProducerId(conn, 'tx-raw');
    const init2 = await initProducerId(conn, 'tx-raw');
    expect(init2.producerId).toBe(init1.producerId);
    expect(init2.producerEpoch).toBe(init1.producerEpoch + 1);
    const stale = await conn.request(ApiKey.EndTxn, 3, {
      transactionalId: 'tx-raw',
      producerId: init1.producerId,
      producerEpoch: init1.producerEpoch,
      committed: true,
    });
    expect(stale.errorCode).toBe(PRODUCER_FENCED);
    const old = await conn.request(ApiKey.EndTxn, 1, {
      transactionalId: 'tx-raw',
      producerId: init1.producerId,
      producerEpoch: init1.producerEpoch,
      committed: true,
    });
    expect(old.errorCode).toBe(INVALID_PRODUCER_EPOCH);

    const described = await conn.request(ApiKey.DescribeTransactions, 0, {
      transactionalIds: ['tx-raw', 'nobody'],
    });
    expect(described.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'Empty' });
    expect(described.transactionStates[1].errorCode).toBe(105); // TRANSACTIONAL_ID_NOT_FOUND
    const listed = await conn.request(ApiKey.ListTransactions, 0, {
      stateFilters: [],
      producerIdFilters: [],
    });
    expect(listed.transactionStates.map((t: { transactionalId: string }) => t.transactionalId)).toContain(
      'tx-raw',
    );
  });
});

describe('OffsetFetch require_stable (KIP-447)', () => {
  const GROUP = 'stable-group';
  const TOPIC = 'stable-in';
  const ASKED = [{ name: TOPIC, partitionIndexes: [0, 1] }];
  /** [committedOffset, errorCode] of partitions 0 and 1, through the v8+ and the v7 request shapes. */
  async function fetched(requireStable: boolean) {
    const v8 = await conn.request(ApiKey.OffsetFetch, 8, {
      groups: [{ groupId: GROUP, topics: ASKED }],
      requireStable,
    });
    const v7 = await conn.request(ApiKey.OffsetFetch, 7, { groupId: GROUP, topics: ASKED, requireStable });
    expect(v8.groups[0].errorCode).toBe(0);
    expect(v7.errorCode).toBe(0); // the refusal is per partition, never group-wide
    const parts = (topics: { partitions: { committedOffset: number; errorCode: number }[] }[]) =>
      topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);
    expect(parts(v7.topics)).toEqual(parts(v8.groups[0].topics));
    return parts(v8.groups[0].topics);
  }

  it('refuses a partition with offsets pending in an open transaction until it commits', async () => {
    await createTopic(conn, TOPIC, 2);
    const commit = await conn.request(ApiKey.OffsetCommit, 8, {
      groupId: GROUP,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [0, 1].map((partitionIndex) => ({
            partitionIndex,
            committedOffset: 3 + partitionIndex,
            committedLeaderEpoch: -1,
            committedMetadata: '',
          })),
        },
      ],
    });
    expect(commit.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([0, 0]);

    const { errorCode, producerId, producerEpoch } = await initProducerId(conn, 'tx-stable');
    expect(errorCode).toBe(0);
    const ids = { transactionalId: 'tx-stable', producerId, producerEpoch };
    expect((await conn.request(ApiKey.AddOffsetsToTxn, 3, { ...ids, groupId: GROUP })).errorCode).toBe(0);
    const txnCommit = await conn.request(ApiKey.TxnOffsetCommit, 3, {
      ...ids,
      groupId: GROUP,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
    expect(txnCommit.topics[0].partitions[0].errorCode).toBe(0);

    // the transaction is open: stable readers are told to retry for partition 0 only
    expect(await fetched(true)).toEqual([
      [-1, UNSTABLE_OFFSET_COMMIT],
      [4, 0],
    ]);
    expect(await fetched(false)).toEqual([
      [3, 0],
      [4, 0],
    ]);

    const end = await conn.request(ApiKey.EndTxn, 3, { ...ids, committed: true });
    expect(end.errorCode).toBe(0);
    for (const requireStable of [true, false]) {
      expect(await fetched(requireStable)).toEqual([
        [10, 0],
        [4, 0],
      ]);
    }
  });
});

describe('restart', () => {
  it('keeps dedup state, never reuses producer ids, and keeps a transaction left open until its timeout', async () => {
    const before = await initProducerId(conn);
    await createTopic(conn, 'idem-restart');
    expect(await produceIdempotent(conn, 'idem-restart', before.producerId, 0, 0, ['r1'])).toMatchObject({
      errorCode: 0,
      baseOffset: 0,
    });
    // a transaction left open
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer({
      transactionalId: 'tx-open',
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 4000,
    });
    await producer.connect();
    const t = await producer.transaction();
    await t.send({ topic: 'txn-open', messages: [{ partition: 0, value: 'never' }] });
    const open = await rawFetch(conn, 'txn-open', 1);
    expect(open.lastStableOffset).toBe(0);

    conn.close();
    await broker.kill9();
    await producer.disconnect().catch(() => {});
    broker = await startBroker({
      dataDir,
      overrides: {
        'transaction.state.log.num.partitions': 3,
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
      },
    });
    conn = await connectTo(broker.port);

    const resent = await produceIdempotent(conn, 'idem-restart', before.producerId, 0, 0, ['r1']);
    expect(resent).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await logEndOffset(conn, 'idem-restart')).toBe(1);
    const after = await initProducerId(conn);
    expect(after.producerId).toBeGreaterThan(before.producerId);

    // the open transaction is still open after the restart (its producer could commit it, as with
    // Kafka), so read_committed stops before it...
    let rc = await rawFetch(conn, 'txn-open', 1);
    expect(rc.lastStableOffset).toBe(0);
    // ...until its timeout aborts it: then read_committed gets past it and sees nothing
    for (let i = 0; i < 100 && rc.lastStableOffset !== rc.highWatermark; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rc = await rawFetch(conn, 'txn-open', 1);
    }
    expect(rc.lastStableOffset).toBe(rc.highWatermark);
    expect(rc.abortedTransactions).toHaveLength(1);
  });
});

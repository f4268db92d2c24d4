// Client-side pieces of the cluster fault tests: a KafkaJS producer loop with acks=-1 that counts
// what was acknowledged and where, partition leader/ISR lookups, and reading a partition back from
// its current leader.

import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { newTally, readBack, sleep, type AckTally, type StoredRecord } from './faults.js';

export function clusterKafka(bootstrap: string, clientId = 'fluxmq-cluster-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    // long enough to ride out a failover (session timeout + election)
    retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 1000 },
    connectionTimeout: 1000,
    requestTimeout: 10000,
  });
}

export interface PartitionView {
  leader: number;
  replicas: number[];
  isr: number[];
}

/** The partition's leader, replicas and ISR as the cluster's metadata says now. */
export async function partitionView(admin: Admin, topic: string, partition = 0): Promise<PartitionView> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  const p = md.topics[0]!.partitions.find((x) => x.partitionId === partition)!;
  return { leader: p.leader, replicas: p.replicas, isr: p.isr };
}

/** Creates `topic` with one partition, replication factor 3 and min.insync.replicas 2; waits for an ISR of 3. */
/**
 * The partition's leader, replicas and ISR as the first running broker not in `skip` answers
 * (straight Metadata requests with a short timeout, so a paused or killed broker is never waited on).
 */
export async function clusterView(
  cluster: { nodes: { id: number; port: number; broker: unknown }[] },
  topic: string,
  skip: ReadonlySet<number> = new Set(),
  partition = 0,
): Promise<PartitionView> {
  let last: unknown;
  for (const n of cluster.nodes) {
    if (n.broker === null || skip.has(n.id)) continue;
    let c: KafkaConnection | undefined;
    try {
      c = await KafkaConnection.connect('127.0.0.1', n.port, {
        requestTimeoutMs: 3000,
        connectTimeoutMs: 2000,
      });
      const md = await c.request(ApiKey.Metadata, 5, {
        topics: [{ name: topic }],
        allowAutoTopicCreation: false,
      });
      const t = (
        md.topics as {
          partitions: {
            partitionIndex: number;
            leaderId: number;
            replicaNodes: number[];
            isrNodes: number[];
          }[];
        }[]
      )[0];
      const p = t?.partitions.find((x) => x.partitionIndex === partition);
      if (p) return { leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes };
    } catch (err) {
      last = err;
    } finally {
      c?.close();
    }
  }
  throw new Error(
    `no running broker describes ${topic}-${partition}${last ? `: ${(last as Error).message}` : ''}`,
  );
}

export async function createReplicatedTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 1,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      },
    ],
    waitForLeaders: true,
  });
  await waitFor('ISR of 3', async () => (await partitionView(admin, topic)).isr.length === 3);
}

/**
 * A KafkaJS consumer in group `groupId` reading `topic` from the beginning, counting how often it
 * saw each value. `events` logs its joins, crashes and fetch positions, for a failure message.
 */
export async function countingConsumer(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ consumer: Consumer; consumed: Map<string, number>; events: string[] }> {
  const consumed = new Map<string, number>();
  const events: string[] = [];
  const started = Date.now();
  const log = (what: string) => {
    events.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
    if (events.length > 200) events.splice(0, events.length - 200);
  };
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 });
  consumer.on(consumer.events.GROUP_JOIN, (e) =>
    log(`joined as ${e.payload.memberId}, leader ${e.payload.isLeader}`),
  );
  consumer.on(consumer.events.CRASH, (e) =>
    log(`crashed: ${e.payload.error.name}: ${e.payload.error.message}, restart ${e.payload.restart}`),
  );
  consumer.on(consumer.events.STOP, () => log('stopped'));
  consumer.on(consumer.events.REBALANCING, () => log('rebalancing'));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let lastOffset = '';
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value!.toString();
      consumed.set(v, (consumed.get(v) ?? 0) + 1);
      lastOffset = message.offset;
    },
  });
  let lastFetchLog = 0;
  consumer.on(consumer.events.FETCH, (e) => {
    // at most one line per 5 s, so the log shows whether (and where) fetching went on
    if (Date.now() - lastFetchLog < 5000) return;
    lastFetchLog = Date.now();
    log(`fetched from ${e.payload.nodeId}: ${consumed.size} values seen, last offset ${lastOffset}`);
  });
  return { consumer, consumed, events };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** The broker coordinating `transactionalId` now (FindCoordinator for a transactional id, key type 1). */
export async function transactionCoordinator(port: number, transactionalId: string): Promise<number> {
  const conn = await KafkaConnection.connect('127.0.0.1', port, { requestTimeoutMs: 5000 });
  try {
    return await waitFor(`the coordinator of ${transactionalId}`, async () => {
      const res = await conn.request(ApiKey.FindCoordinator, 1, { key: transactionalId, keyType: 1 });
      return res.errorCode === 0 ? (res.nodeId as number) : null;
    });
  } finally {
    conn.close();
  }
}

export interface ProducingLoop {
  topic: string;
  /** Values are `${prefix}-${n}`. */
  prefix: string;
  tally: AckTally;
  /** The last send error (KafkaJS's message), for diagnostics. */
  lastError: string;
  stop(): Promise<void>;
}

/**
 * Sends batches of unique values with acks=-1 through a KafkaJS producer (retrying through
 * failovers as KafkaJS does) until stopped. Acknowledged values are tallied with their offsets.
 */
export function produceContinuously(
  producer: Producer,
  topic: string,
  prefix: string,
  recordsPerBatch = 5,
): ProducingLoop {
  const tally = newTally();
  let stopped = false;
  let seq = 0;
  const loop: ProducingLoop = {
    topic,
    prefix,
    tally,
    lastError: '',
    async stop() {
      stopped = true;
      await running;
    },
  };
  const running = (async () => {
    while (!stopped) {
      const values = Array.from({ length: recordsPerBatch }, () => `${prefix}-${seq++}`);
      try {
        const [meta] = await producer.send({
          topic,
          acks: -1,
          timeout: 5000,
          messages: values.map((value) => ({ value, partition: 0 })),
        });
        const base = Number(meta!.baseOffset);
        values.forEach((v, i) => tally.acked.set(v, base + i));
      } catch (err) {
        // not acknowledged (KafkaJS ran out of retries): the values may or may not be stored
        loop.lastError = (err as Error).message;
        tally.errors.set(-1, (tally.errors.get(-1) ?? 0) + 1);
        for (const v of values) tally.unacked.add(v);
        await sleep(100);
      }
    }
  })();
  return loop;
}

/** Every record of the partition, read from its current leader. */
export async function readBackFromLeader(
  admin: Admin,
  cluster: { node(id: number): { port: number } },
  topic: string,
): Promise<StoredRecord[]> {
  const view = await partitionView(admin, topic);
  const c = await KafkaConnection.connect('127.0.0.1', cluster.node(view.leader).port, {
    clientId: 'read-back',
    requestTimeoutMs: 10_000,
  });
  try {
    return await readBack(c, topic);
  } finally {
    c.close();
  }
}

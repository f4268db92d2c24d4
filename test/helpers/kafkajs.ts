// KafkaJS, a third-party Kafka client, as a test peer. KafkaJS's consumer always joins a group, so
// reading partitions directly goes through KafkaJS's own cluster/broker layer (the fetch path its
// consumer uses underneath), decoding with KafkaJS's own record batch decoder.

import { Kafka, logLevel } from 'kafkajs';

export function kafkajs(bootstrap: string, clientId = 'fluxmq-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
}

export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[] | undefined>;
  timestamp: string;
}

interface KafkaJsBroker {
  fetch(args: unknown): Promise<{
    responses: {
      topicName: string;
      partitions: {
        partition: number;
        errorCode: number;
        highWatermark: string;
        messages: FetchedMessage[];
      }[];
    }[];
  }>;
}

interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string | number }): Promise<KafkaJsBroker>;
}

function createCluster(kafka: Kafka): KafkaJsCluster {
  const sym = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!sym) throw new Error('this KafkaJS version has no private cluster factory');
  const factory = (kafka as unknown as Record<symbol, (o: object) => KafkaJsCluster>)[sym]!;
  return factory({ allowAutoTopicCreation: false });
}

/** Reads every message of one partition from offset 0 up to its high watermark using KafkaJS's fetch. */
export async function fetchPartition(
  kafka: Kafka,
  topic: string,
  partition: number,
  maxBytes = 1024 * 1024,
): Promise<FetchedMessage[]> {
  const cluster = createCluster(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadata();
    const leaders = cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0]!;
    const broker = await cluster.findBroker({ nodeId });
    const out: FetchedMessage[] = [];
    let offset = 0;
    for (;;) {
      const res = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes }] }],
      });
      const p = res.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      const fresh = p.messages.filter((m) => Number(m.offset) >= offset);
      out.push(...fresh);
      if (fresh.length > 0) offset = Number(fresh[fresh.length - 1]!.offset) + 1;
      if (offset >= Number(p.highWatermark)) break;
      if (fresh.length === 0)
        throw new Error(`no progress at offset ${offset} (high watermark ${p.highWatermark})`);
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}

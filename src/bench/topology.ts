// Finds (and if asked, creates) the bench topic and opens connections to the leader of each
// partition, so a bench works against one FluxMQ broker or a multi-broker Kafka cluster.

import { KafkaConnection } from '../client/connection.js';
import { errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';

export interface PartitionRoute {
  partition: number;
  leader: number;
  /** Connections to the leader (one per --connections). */
  connections: KafkaConnection[];
}

export interface Topology {
  partitions: PartitionRoute[];
  close(): void;
}

interface MetadataTopic {
  errorCode: number;
  name: string;
  partitions: { partitionIndex: number; leaderId: number; errorCode: number }[];
}

interface MetadataResponse {
  brokers: { nodeId: number; host: string; port: number }[];
  topics: MetadataTopic[];
}

export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`bootstrap server '${s}' is not host:port`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

async function metadata(c: KafkaConnection, topic: string): Promise<MetadataResponse> {
  return c.request<MetadataResponse>(ApiKey.Metadata, 9, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: false,
  });
}

export async function connectTopology(opts: {
  bootstrap: string;
  topic: string;
  /** Create the topic with this many partitions when it does not exist. */
  createPartitions?: number;
  connectionsPerBroker: number;
}): Promise<Topology> {
  const { host, port } = parseHostPort(opts.bootstrap);
  const boot = await KafkaConnection.connect(host, port, { clientId: 'fluxmq-bench' });
  const opened: KafkaConnection[] = [boot];
  try {
    let md = await metadata(boot, opts.topic);
    let t = md.topics[0]!;
    if (t.errorCode !== 0 && opts.createPartitions) {
      const res = await boot.request<{ topics: { errorCode: number; errorMessage: string | null }[] }>(
        ApiKey.CreateTopics,
        5,
        {
          topics: [{ name: opts.topic, numPartitions: opts.createPartitions, replicationFactor: -1 }],
          timeoutMs: 30_000,
        },
      );
      const r = res.topics[0]!;
      if (r.errorCode !== 0 && r.errorCode !== 36) {
        throw new Error(
          `cannot create topic ${opts.topic}: ${errorName(r.errorCode)}${r.errorMessage ? `: ${r.errorMessage}` : ''}`,
        );
      }
      for (let i = 0; i < 50 && (t.errorCode !== 0 || t.partitions.some((p) => p.leaderId < 0)); i++) {
        await new Promise((r2) => setTimeout(r2, 100));
        md = await metadata(boot, opts.topic);
        t = md.topics[0]!;
      }
    }
    if (t.errorCode !== 0) throw new Error(`topic ${opts.topic}: ${errorName(t.errorCode)}`);
    const byBroker = new Map<number, KafkaConnection[]>();
    const partitions: PartitionRoute[] = [];
    for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
      let conns = byBroker.get(p.leaderId);
      if (!conns) {
        const b = md.brokers.find((x) => x.nodeId === p.leaderId);
        if (!b) throw new Error(`partition ${p.partitionIndex} of ${opts.topic} has no available leader`);
        conns = [];
        for (let i = 0; i < opts.connectionsPerBroker; i++) {
          const c = await KafkaConnection.connect(b.host, b.port, { clientId: 'fluxmq-bench' });
          opened.push(c);
          conns.push(c);
        }
        byBroker.set(p.leaderId, conns);
      }
      partitions.push({ partition: p.partitionIndex, leader: p.leaderId, connections: conns });
    }
    boot.close();
    return { partitions, close: () => opened.forEach((c) => c.close()) };
  } catch (err) {
    opened.forEach((c) => c.close());
    throw err;
  }
}

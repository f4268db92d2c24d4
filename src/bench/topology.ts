// Where the bench sends its requests: a thin adapter over the client's ClusterClient, which finds the
// cluster (any bootstrap server, TLS/SASL, version negotiation) and the partition leaders. On top of
// that the bench opens its own connections to each leader (--connections of them), because its hot
// path pipelines pre-encoded frames (MegaBatch) in fixed versions on dedicated sockets.

import { ClusterClient } from '../client/cluster.js';
import { KafkaConnection, type ClientSecurity } from '../client/connection.js';
import { createTopic } from '../client/admin/topics.js';
import { leaderOf } from '../client/admin/offsets.js';
import { KafkaRequestError, UnsupportedApiError } from '../client/errors.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { API_SPECS, type MetadataResponse } from '../protocol/messages/index.js';

export const BENCH_CLIENT_ID = 'fluxmq-bench';

export interface PartitionRoute {
  partition: number;
  leader: number;
  /** The bench's own connections to the leader (one per --connections; none when not asked for). */
  connections: KafkaConnection[];
}

export interface Topology {
  /** Metadata, ListOffsets and other requests off the hot path go through this client. */
  client: ClusterClient;
  metadata: MetadataResponse;
  partitions: PartitionRoute[];
  close(): void;
}

export interface TopologyOptions {
  bootstrap: string;
  topic: string;
  security?: ClientSecurity;
  /** Create the topic with this many partitions when it does not exist. */
  createPartitions?: number;
  /** Dedicated connections per leader; 0 when the caller only needs the client. */
  connectionsPerBroker: number;
  /** Fixed versions the hot path sends; every leader is checked to serve them. */
  requires?: { apiKey: number; version: number }[];
}

const LEADER_WAIT_TRIES = 50;

function topicOf(md: MetadataResponse, topic: string) {
  const t = md.topics.find((x) => x.name === topic) ?? md.topics[0];
  if (!t) throw new Error(`the metadata response has no entry for topic ${topic}`);
  return t;
}

/** Creates the topic unless it exists, then waits until each partition has a leader. */
async function ensureTopic(client: ClusterClient, topic: string, partitions: number) {
  let md = await client.refreshMetadata([topic]);
  let t = topicOf(md, topic);
  if (t.errorCode === ErrorCode.NONE) return md;
  try {
    await createTopic(client, { name: topic, partitions, replicationFactor: -1 });
  } catch (err) {
    if (!(err instanceof KafkaRequestError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw err;
  }
  for (let i = 0; i < LEADER_WAIT_TRIES; i++) {
    md = await client.refreshMetadata([topic]);
    t = topicOf(md, topic);
    if (t.errorCode === ErrorCode.NONE && t.partitions.every((p) => p.leaderId >= 0)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return md;
}

export async function connectTopology(opts: TopologyOptions): Promise<Topology> {
  const client = await ClusterClient.connect({
    bootstrap: opts.bootstrap,
    clientId: BENCH_CLIENT_ID,
    security: opts.security,
  });
  const opened: KafkaConnection[] = [];
  const close = () => {
    opened.forEach((c) => c.close());
    client.close();
  };
  try {
    const md = opts.createPartitions
      ? await ensureTopic(client, opts.topic, opts.createPartitions)
      : await client.refreshMetadata([opts.topic]);
    const t = topicOf(md, opts.topic);
    if (t.errorCode !== ErrorCode.NONE) throw new Error(`topic ${opts.topic}: ${errorName(t.errorCode)}`);
    const byBroker = new Map<number, KafkaConnection[]>();
    const partitions: PartitionRoute[] = [];
    for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
      const leader = leaderOf(md, opts.topic, p.partitionIndex);
      let conns = byBroker.get(leader);
      if (!conns) {
        await checkVersions(client, leader, opts.requires ?? []);
        const b = client.brokers.get(leader);
        if (!b) throw new Error(`partition ${p.partitionIndex} of ${opts.topic} has no available leader`);
        conns = [];
        for (let i = 0; i < opts.connectionsPerBroker; i++) {
          const c = await KafkaConnection.connect(b.host, b.port, {
            clientId: BENCH_CLIENT_ID,
            security: opts.security,
          });
          opened.push(c);
          conns.push(c);
        }
        byBroker.set(leader, conns);
      }
      partitions.push({ partition: p.partitionIndex, leader, connections: conns });
    }
    return { client, metadata: md, partitions, close };
  } catch (err) {
    close();
    throw err;
  }
}

async function checkVersions(
  client: ClusterClient,
  broker: number,
  requires: { apiKey: number; version: number }[],
): Promise<void> {
  for (const { apiKey, version } of requires) {
    if (!(await client.supports(broker, apiKey, { min: version, max: version }))) {
      const name = API_SPECS.get(apiKey)?.name ?? `API ${apiKey}`;
      throw new UnsupportedApiError(
        `broker ${broker} does not serve ${name} v${version}, which the bench sends`,
      );
    }
  }
}

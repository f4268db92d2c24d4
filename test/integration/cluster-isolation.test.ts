// Inter-broker traffic is kept apart from clients. On Apache Kafka 2.4.1 without an authorizer, a
// Metadata v1 request with one bit of its API key flipped (3 -> 7) is a valid ControlledShutdown
// that stops the broker. FluxMQ serves no broker-control API at all (LeaderAndIsr, StopReplica,
// UpdateMetadata, ControlledShutdown: leadership lives in etcd), refuses replica fetches on client
// listeners, and its replication listener accepts only brokers holding the cluster's secret.
// Also: the cluster's /metrics and /v1/status figures on a live 3-broker cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket } from 'node:net';
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterKafka, partitionView, waitFor } from '../helpers/cluster-clients.js';
import { httpGet, httpJson } from '../helpers/http.js';
import { parseExposition, samplesOf } from '../helpers/prometheus.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, http: true });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** Sends raw frames on a fresh socket; resolves with what came back before the broker closed it. */
function rawExchange(
  port: number,
  frame: Buffer,
  waitMs = 2000,
): Promise<{ closed: boolean; bytes: number }> {
  return new Promise((resolve) => {
    const s = new Socket();
    let bytes = 0;
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, bytes });
    }, waitMs);
    s.on('data', (d) => (bytes += d.length));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, bytes });
    });
    s.on('error', () => {});
    s.connect(port, '127.0.0.1', () => s.write(frame));
  });
}

/** Metadata v1 for one topic, byte by byte: size, header v1 (key 3, version 1, correlation 7, client "t"), topics. */
function metadataV1Frame(topic: string): Buffer {
  const name = Buffer.from(topic);
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 1, 0, 0, 0, 7, 0, 1, 0x74]),
    Buffer.from([0, 0, 0, 1, name.length >> 8, name.length & 0xff]),
    name,
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('cluster: client connections cannot control brokers', () => {
  it('a Metadata v1 frame with its API key flipped to ControlledShutdown (and the other control keys) only closes that connection', async () => {
    const kafka = clusterKafka(cluster.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'guarded', numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const before = await partitionView(admin, 'guarded');
    const metadataV1 = metadataV1Frame('guarded');
    for (const key of [
      7 /* ControlledShutdown */, 4 /* LeaderAndIsr */, 5 /* StopReplica */, 6 /* UpdateMetadata */,
    ]) {
      const frame = Buffer.from(metadataV1);
      frame.writeInt16BE(key, 4); // after the 4-byte size: the API key
      for (const n of cluster.nodes) {
        const r = await rawExchange(n.port, frame);
        expect(r.closed).toBe(true);
        expect(r.bytes).toBe(0);
      }
    }
    // every broker is alive, registered, and the partition's leadership did not move
    for (const n of cluster.nodes) expect(n.broker!.proc.exitCode).toBeNull();
    const described = await admin.describeCluster();
    expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    const after = await partitionView(admin, 'guarded');
    expect(after.leader).toBe(before.leader);
    expect(after.isr.sort()).toEqual([1, 2, 3]);
    await admin.disconnect();
  });

  it('the replication listener refuses clients: no SASL, wrong secret, or client users', async () => {
    const n = cluster.node(1);
    // without authenticating, any request but ApiVersions/SaslHandshake closes the connection
    const plain = await KafkaConnection.connect('127.0.0.1', n.replicationPort, { requestTimeoutMs: 3000 });
    await expect(
      plain.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false }),
    ).rejects.toThrow();
    plain.close();
    for (const [username, password] of [
      ['broker-2', 'not-the-secret'],
      ['admin', 'admin-secret'],
    ] as const) {
      await expect(
        KafkaConnection.connect('127.0.0.1', n.replicationPort, {
          requestTimeoutMs: 3000,
          security: { sasl: { mechanism: 'PLAIN', username, password } },
        }),
      ).rejects.toThrow(/auth/i);
    }
    // SCRAM is not offered there at all
    await expect(
      KafkaConnection.connect('127.0.0.1', n.replicationPort, {
        requestTimeoutMs: 3000,
        security: { sasl: { mechanism: 'SCRAM-SHA-256', username: 'broker-2', password: 'x' } },
      }),
    ).rejects.toThrow();
  });
});

describe('cluster: metrics and status', () => {
  it('reports leaders, the controller, live brokers and under-replicated partitions', async () => {
    const kafka = clusterKafka(cluster.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'counted', numPartitions: 6, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    await waitFor('ISR of 3 everywhere', async () => {
      const md = await admin.fetchTopicMetadata({ topics: ['counted'] });
      return md.topics[0]!.partitions.every((p) => p.isr.length === 3);
    });
    const scrape = async (port: number) =>
      parseExposition((await httpGet(`http://127.0.0.1:${port}/metrics`)).text);
    const value = (families: Awaited<ReturnType<typeof scrape>>, name: string) =>
      samplesOf(families, name)[0]?.value;
    const scraped = await Promise.all(cluster.nodes.map((n) => scrape(n.httpPort)));
    const controllers = scraped.map((f) => value(f, 'fluxmq_cluster_active_controller'));
    expect(controllers.filter((v) => v === 1)).toHaveLength(1);
    expect(controllers.filter((v) => v === 0)).toHaveLength(2);
    for (const f of scraped) {
      expect(value(f, 'fluxmq_cluster_live_brokers')).toBe(3);
      expect(value(f, 'fluxmq_cluster_offline_partitions')).toBe(0);
      expect(value(f, 'fluxmq_cluster_under_replicated_partitions')).toBe(0);
    }
    // every partition of every topic (the 6 here, 'guarded', and __consumer_offsets if created) has one leader
    const md = await admin.fetchTopicMetadata();
    const partitions = md.topics.reduce((n, t) => n + t.partitions.length, 0);
    const leaders = scraped.reduce((n, f) => n + (value(f, 'fluxmq_cluster_leader_partitions') ?? 0), 0);
    expect(leaders).toBe(partitions);

    const status = await httpJson(`http://127.0.0.1:${cluster.node(1).httpPort}/v1/status`);
    const c = status.body.cluster as { controllerId: number; liveBrokers: number[] };
    expect(c.liveBrokers.sort()).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(c.controllerId);
    await admin.disconnect();
  });
});

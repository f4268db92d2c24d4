// `fluxmq transactions list|describe` on a real 3-broker cluster. Each broker coordinates the
// transactional ids of the __transaction_state partitions it leads and answers ListTransactions with
// those only, so listing must ask every broker of the cluster's metadata and merge the answers (as
// Kafka's admin client does), and describing must ask the id's coordinator (FindCoordinator, key
// type 1). Two transactional ids coordinated by different brokers, one committed and one left open,
// are listed and described through the third broker, which coordinates neither.
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterKafka, createReplicatedTopic, transactionCoordinator } from '../helpers/cluster-clients.js';
import { cliJson, runCli } from '../helpers/cli.js';

const TOPIC = 'cct-out';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];
/** The committed and the open transactional id, and the broker coordinating each. */
let done: { id: string; coordinator: number };
let open: { id: string; coordinator: number };
/** The broker coordinating neither: the CLI's only bootstrap server. */
let bystander: string;
let bystanderPort: number;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
  kafka = clusterKafka(cluster.bootstrap);
  admin = kafka.admin();
  await admin.connect();
  await createReplicatedTopic(admin, TOPIC);

  // two ids whose __transaction_state partitions have different leaders
  const port = cluster.node(1).port;
  const found: { id: string; coordinator: number }[] = [];
  for (let i = 0; i < 12 && found.length < 2; i++) {
    const id = `cct-app-${i}`;
    const coordinator = await transactionCoordinator(port, id);
    if (!found.some((f) => f.coordinator === coordinator)) found.push({ id, coordinator });
  }
  if (found.length < 2) throw new Error('every transactional id tried has the same coordinator');
  [done, open] = found as [typeof done, typeof open];
  const third = cluster.nodes.find((n) => n.id !== done.coordinator && n.id !== open.coordinator)!;
  bystanderPort = third.port;
  bystander = `127.0.0.1:${third.port}`;

  const transactional = async (id: string) => {
    const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
    producers.push(p);
    await p.connect();
    const t = await p.transaction();
    await t.send({ topic: TOPIC, messages: [{ partition: 0, value: id }] });
    return t;
  };
  await (await transactional(done.id)).commit();
  await transactional(open.id); // left open
}, 120_000);

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => {});
  await admin?.disconnect().catch(() => {});
  await cluster?.close();
});

interface Listed {
  transactions: { transactionalId: string; producerId: number; state: string; coordinator: number }[];
}

describe('transactions commands on a cluster', () => {
  it('list asks every broker and merges: ids of different coordinators, each once', async () => {
    // the bootstrap broker alone knows neither id: asking it only would list nothing of ours
    const conn = await KafkaConnection.connect('127.0.0.1', bystanderPort, { requestTimeoutMs: 5000 });
    try {
      const own = await conn.request(ApiKey.ListTransactions, 0, { stateFilters: [], producerIdFilters: [] });
      expect(own.errorCode).toBe(0);
      const ids = own.transactionStates.map((t: { transactionalId: string }) => t.transactionalId);
      expect(ids).not.toContain(done.id);
      expect(ids).not.toContain(open.id);
    } finally {
      conn.close();
    }

    const json = await cliJson<Listed>(bystander, ['transactions', 'list']);
    const ours = json.transactions.filter((t) => t.transactionalId.startsWith('cct-app-'));
    expect(ours.map((t) => [t.transactionalId, t.state, t.coordinator])).toEqual(
      [
        [done.id, 'CompleteCommit', done.coordinator],
        [open.id, 'Ongoing', open.coordinator],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(new Set(json.transactions.map((t) => t.transactionalId)).size).toBe(json.transactions.length);

    // filters apply on every broker
    const ongoing = await cliJson<Listed>(bystander, ['transactions', 'list', '--state', 'Ongoing']);
    expect(ongoing.transactions.map((t) => t.transactionalId)).toEqual([open.id]);

    const table = await runCli(['transactions', 'list', '--bootstrap-server', bystander]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(done.id);
    expect(table.stdout).toContain(open.id);
  });

  it('describe finds the coordinator of each id', async () => {
    for (const [t, state, partitions] of [
      [done, 'CompleteCommit', []],
      [open, 'Ongoing', [{ topic: TOPIC, partition: 0 }]],
    ] as const) {
      const d = await cliJson<Record<string, unknown>>(bystander, ['transactions', 'describe', t.id]);
      expect(d).toMatchObject({
        transactionalId: t.id,
        state,
        coordinator: { id: t.coordinator, port: cluster.node(t.coordinator).port },
        partitions,
      });
    }
    const missing = await runCli(['transactions', 'describe', 'cct-nobody', '--bootstrap-server', bystander]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TRANSACTIONAL_ID_NOT_FOUND');
  });
});

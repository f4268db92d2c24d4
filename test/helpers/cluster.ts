// A real multi-broker cluster for tests: one etcd and N `fluxmq serve` processes on loopback, each
// with its own data directory and fixed ports (so a killed broker restarts where it was). With
// `proxies`, every broker reaches etcd, and the other brokers reach its replication listener,
// through TCP proxies the test can cut to partition that broker off the network.

import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startBroker, tempDataDir, type RunningBroker } from './broker.js';
import { startEtcd, type RunningEtcd } from './etcd.js';
import { freePort } from './http.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface ClusterNode {
  id: number;
  port: number;
  replicationPort: number;
  /** Port of /metrics, /health, /ready (with `http`), else 0 (off). */
  httpPort: number;
  /** Port of the SASL_PLAINTEXT client listener named SASL (with `saslListener`), else 0 (none). */
  saslPort: number;
  dataDir: string;
  broker: RunningBroker | null;
  /** This broker's way to etcd (with `proxies`). */
  etcdProxy: TcpProxy | null;
  /** The other brokers' way to this broker's replication listener (with `proxies`). */
  replicationProxy: TcpProxy | null;
}

export interface TestCluster {
  etcd: RunningEtcd;
  nodes: ClusterNode[];
  /** Every broker's client endpoint, comma-separated. */
  bootstrap: string;
  node(id: number): ClusterNode;
  start(id: number): Promise<RunningBroker>;
  kill9(id: number): Promise<void>;
  stop(id: number): Promise<number | null>;
  /** Cuts the broker off etcd and off the other brokers (clients still reach it). */
  isolate(id: number): void;
  heal(id: number): void;
  /** Warn and error log lines of every broker process started so far (killed ones too), oldest first. */
  warnings(): string[];
  close(): Promise<void>;
}

export interface ClusterOptions {
  brokers?: number;
  proxies?: boolean;
  /** Turn on each broker's HTTP listener (metrics and health) on a free port. */
  http?: boolean;
  overrides?: Record<string, string | number | boolean>;
  /** Give every broker a second client listener, SASL (SASL_PLAINTEXT), next to PLAINTEXT. */
  saslListener?: boolean;
  /** broker.rack of broker 1, 2, ... in order. */
  racks?: string[];
}

/** Settings that keep cluster tests quick: short sessions and lag times, few internal partitions. */
export const FAST_CLUSTER_SETTINGS = {
  'broker.session.timeout.ms': 3000,
  'replica.lag.time.max.ms': 3000,
  'replica.fetch.wait.max.ms': 200,
  'replica.fetch.backoff.ms': 200,
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.num.partitions': 3,
  'transaction.state.log.num.partitions': 3,
  'controlled.shutdown.timeout.ms': 10000,
} as const;

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const etcd = await startEtcd();
  const [etcdHost, etcdPort] = etcd.endpoint.split(':') as [string, string];
  const nodes: ClusterNode[] = [];
  for (let id = 1; id <= (opts.brokers ?? 3); id++) {
    const node: ClusterNode = {
      id,
      port: await freePort(),
      replicationPort: await freePort(),
      httpPort: opts.http ? await freePort() : 0,
      saslPort: opts.saslListener ? await freePort() : 0,
      dataDir: tempDataDir(`fluxmq-cluster-${id}-`),
      broker: null,
      etcdProxy: null,
      replicationProxy: null,
    };
    if (opts.proxies) {
      node.etcdProxy = await startTcpProxy(etcdHost, Number(etcdPort));
      node.replicationProxy = await startTcpProxy('127.0.0.1', node.replicationPort);
    }
    nodes.push(node);
  }
  const node = (id: number): ClusterNode => {
    const n = nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no broker ${id}`);
    return n;
  };

  const started: { id: number; broker: RunningBroker }[] = [];
  const start = async (id: number): Promise<RunningBroker> => {
    const n = node(id);
    const advertisedReplication = n.replicationProxy?.port ?? n.replicationPort;
    const sasl = n.saslPort > 0 ? `,SASL://127.0.0.1:${n.saslPort}` : '';
    n.broker = await startBroker({
      dataDir: n.dataDir,
      port: n.port,
      overrides: {
        ...FAST_CLUSTER_SETTINGS,
        ...opts.overrides,
        ...(opts.racks?.[id - 1] ? { 'broker.rack': opts.racks[id - 1]! } : {}),
        'node.id': id,
        'http.port': n.httpPort,
        'cluster.metadata': `etcd://${n.etcdProxy?.endpoint ?? etcd.endpoint}`,
        listeners: `PLAINTEXT://127.0.0.1:${n.port},BROKER://127.0.0.1:${n.replicationPort}${sasl}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${n.port},BROKER://127.0.0.1:${advertisedReplication}${sasl}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,BROKER:SASL_PLAINTEXT,SASL:SASL_PLAINTEXT',
      },
    });
    started.push({ id, broker: n.broker });
    return n.broker;
  };

  const cluster: TestCluster = {
    etcd,
    nodes,
    bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    node,
    start,
    async kill9(id) {
      await node(id).broker?.kill9();
      node(id).broker = null;
    },
    async stop(id) {
      const code = (await node(id).broker?.stop()) ?? null;
      node(id).broker = null;
      return code;
    },
    isolate(id) {
      const n = node(id);
      if (!n.etcdProxy || !n.replicationProxy) throw new Error('startCluster({ proxies: true }) first');
      n.etcdProxy.cut();
      n.replicationProxy.cut();
    },
    heal(id) {
      const n = node(id);
      n.etcdProxy?.heal();
      n.replicationProxy?.heal();
    },
    warnings() {
      // pino levels: 40 warn, 50 error, 60 fatal
      return started.flatMap(({ id, broker }) =>
        broker.logs
          .filter((l) => typeof l.level === 'number' && l.level >= 40)
          .map((l) => `broker ${id}: ${JSON.stringify(l)}`),
      );
    },
    async close() {
      await Promise.all(nodes.map((n) => n.broker?.kill9()));
      for (const n of nodes) {
        await n.etcdProxy?.close();
        await n.replicationProxy?.close();
      }
      await etcd.stop();
    },
  };
  await Promise.all(nodes.map((n) => start(n.id)));
  await everyBrokerSeesAll(nodes);
  return cluster;
}

/** Waits until each broker's Metadata lists every broker and names a controller among them. */
async function everyBrokerSeesAll(nodes: ClusterNode[]): Promise<void> {
  const ids = nodes.map((n) => n.id).sort();
  const deadline = Date.now() + 30_000;
  for (const n of nodes) {
    for (;;) {
      const c = await KafkaConnection.connect('127.0.0.1', n.port, { requestTimeoutMs: 5000 });
      try {
        const md = await c.request(ApiKey.Metadata, 5, { topics: null, allowAutoTopicCreation: false });
        const seen = (md.brokers as { nodeId: number }[]).map((b) => b.nodeId).sort();
        if (JSON.stringify(seen) === JSON.stringify(ids) && ids.includes(md.controllerId as number)) break;
      } finally {
        c.close();
      }
      if (Date.now() > deadline) throw new Error(`broker ${n.id} does not see all brokers ${ids.join(',')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

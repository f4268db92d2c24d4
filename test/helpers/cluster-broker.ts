// A cluster-mode broker started in this process against a FakeCluster: real logs, real listeners (a
// client listener and the SASL inter-broker listener), the real handlers, and a cluster-mode
// ReplicaManager. Only what replication needs is wired (no etcd, no controller).

import { GroupCoordinator } from '../../src/coordinator/group/index.js';
import { TransactionCoordinator } from '../../src/coordinator/txn/index.js';
import { BrokerConfigs } from '../../src/broker/broker-configs.js';
import type { BrokerState } from '../../src/broker/broker-state.js';
import { Dispatcher } from '../../src/broker/dispatcher.js';
import { ALL_HANDLERS } from '../../src/broker/handlers/index.js';
import { FetchPurgatory } from '../../src/broker/purgatory.js';
import { BrokerServer } from '../../src/broker/server.js';
import { replicationTuning } from '../../src/broker/cluster-mode.js';
import { settingsFromConfig } from '../../src/broker/settings.js';
import { TopicManager } from '../../src/broker/topics.js';
import { MetadataStore } from '../../src/cluster/metadata-store.js';
import { ReplicaManager } from '../../src/cluster/replication/replica-manager.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/observability/logger.js';
import { SecurityManager } from '../../src/security/manager.js';
import { LogManager } from '../../src/storage/index.js';
import type { FakeCluster } from './fake-cluster.js';
import { tempDataDir } from './broker.js';

export interface ClusterBroker {
  nodeId: number;
  dataDir: string;
  state: BrokerState;
  replicas: ReplicaManager;
  /** Client listener port. */
  port: number;
  replicationPort: number;
  stop(): Promise<void>;
}

export async function startClusterBroker(opts: {
  nodeId: number;
  cluster: FakeCluster;
  dataDir?: string;
  overrides?: Record<string, string | number | boolean>;
  logger?: Logger;
}): Promise<ClusterBroker> {
  const dataDir = opts.dataDir ?? tempDataDir('fluxmq-cluster-');
  const logger = opts.logger ?? silentLogger();
  const config = loadConfig({
    env: {},
    flags: {
      'node.id': opts.nodeId,
      'log.dirs': dataDir,
      listeners: 'PLAINTEXT://127.0.0.1:0,BROKER://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,BROKER:SASL_PLAINTEXT',
      'cluster.metadata': 'etcd://127.0.0.1:2379',
      'replica.fetch.wait.max.ms': 100,
      'replica.fetch.backoff.ms': 100,
      ...opts.overrides,
    },
  });
  const settings = settingsFromConfig(config);
  const client = opts.cluster.client(opts.nodeId);
  // the cluster's id, as a broker does: a broker restarted on the same data directory matches it
  const logs = LogManager.open({
    dataDir,
    config: settings.log,
    logger,
    nodeId: opts.nodeId,
    clusterId: client.clusterId,
  });
  const metadata = MetadataStore.open(dataDir);
  const configs = new BrokerConfigs(opts.nodeId, settings, metadata);
  const topics = new TopicManager(
    metadata,
    logs,
    { numPartitions: 1, defaultReplicationFactor: 1, autoCreate: false },
    logger,
    configs,
  );
  topics.useCluster(client);
  const purgatory = new FetchPurgatory();
  const replicas = new ReplicaManager({
    mode: 'cluster',
    nodeId: opts.nodeId,
    cluster: client,
    topics,
    logs,
    logger,
    purgatory,
    ...replicationTuning(settings.cluster!),
  });
  const groups = new GroupCoordinator({
    topics,
    config: settings.groups,
    logger,
    leaderEpoch: () => 0,
    onAppend: () => {},
  });
  const txn = new TransactionCoordinator({
    dataDir,
    topics,
    groups,
    config: settings.txn,
    logger,
    leaderEpoch: () => 0,
    onAppend: () => {},
  });
  const security = new SecurityManager(settings.security, dataDir, logger);
  security.setInterBrokerSecret(client.interBrokerSecret());
  const state: BrokerState = {
    nodeId: opts.nodeId,
    clusterId: client.clusterId,
    settings,
    logger,
    logs,
    topics,
    replicas,
    configs,
    purgatory,
    dispatcher: new Dispatcher(ALL_HANDLERS),
    groups,
    txn,
    endpoints: [],
    leaderEpoch: 0,
    cluster: client,
    security,
  };
  const server = new BrokerServer(state, logger);
  const bound = await server.listen(settings.listeners);
  const port = bound.find((b) => b.listener === 'PLAINTEXT')!.port;
  const replicationPort = bound.find((b) => b.listener === 'BROKER')!.port;
  state.endpoints = [{ listener: 'PLAINTEXT', host: '127.0.0.1', port }];
  await client.start({
    id: opts.nodeId,
    rack: settings.cluster!.rack,
    endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port }],
    replicationEndpoint: { host: '127.0.0.1', port: replicationPort },
    incarnation: String(Math.random()),
    shuttingDown: false,
  });
  replicas.start();
  return {
    nodeId: opts.nodeId,
    dataDir,
    state,
    replicas,
    port,
    replicationPort,
    async stop() {
      purgatory.completeAll();
      await replicas.close();
      await server.close(100);
      logs.close();
    },
  };
}

// Everything a request handler may use, wired once when the broker starts.

import type { GroupCoordinator } from '../coordinator/group/index.js';
import type { TransactionCoordinator } from '../coordinator/txn/index.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type { LogManager } from '../storage/index.js';
import type { BrokerConfigs } from './broker-configs.js';
import type { Dispatcher } from './dispatcher.js';
import type { FetchPurgatory } from './purgatory.js';
import type { BrokerSettings } from './settings.js';
import type { TopicManager } from './topics.js';
import type { SecurityManager } from '../security/manager.js';
import type { ClusterMetadataClient } from '../cluster/types.js';
import type { ReplicaManager } from '../cluster/replication/replica-manager.js';

export interface BrokerEndpoint {
  listener: string;
  host: string;
  port: number;
}

export interface BrokerState {
  nodeId: number;
  clusterId: string;
  settings: BrokerSettings;
  logger: Logger;
  logs: LogManager;
  topics: TopicManager;
  /** The local replicas: leader/follower state, high watermark, ISR (single node: always leader). */
  replicas: ReplicaManager;
  /** Broker configs with their sources, and the dynamic ones (DescribeConfigs, AlterConfigs). */
  configs: BrokerConfigs;
  purgatory: FetchPurgatory;
  dispatcher: Dispatcher;
  /** Consumer groups and committed offsets (also the metrics layer's GroupMetricsSource). */
  groups: GroupCoordinator;
  /** Producer ids, idempotent producer state per partition, transactions. */
  txn: TransactionCoordinator;
  /** Request, topic and connection counters (absent when the broker runs without metrics). */
  metrics?: BrokerMetrics;
  /** Endpoints handed to clients in Metadata (filled once listeners are bound). */
  endpoints: BrokerEndpoint[];
  /** The leader epoch of every partition on a single broker. */
  leaderEpoch: number;
  /** Cluster mode: the metadata client over etcd (absent on a single broker). */
  cluster?: ClusterMetadataClient;
  /** ACLs, SCRAM credentials, the authorizer (null when off) and SASL settings. */
  security?: SecurityManager;
}

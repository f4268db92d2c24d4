// What a broker does differently in a cluster, kept out of Broker's start/stop sequence: the
// inter-broker listener, the registration it writes under its lease, the coordinators' reaction
// to leadership changes of the internal topics' partitions, and what the transaction coordinator
// needs from the cluster (leaders, replication waits, markers to other brokers).

import { randomUUID } from 'node:crypto';
import type { ListenerSpec } from '../config/listeners.js';
import { ConfigError } from '../config/load.js';
import { awaitReplication } from '../cluster/replication/delayed-produce.js';
import type { ReplicaManager } from '../cluster/replication/replica-manager.js';
import type { BrokerRegistration, ClusterMetadataClient, LeadershipListener } from '../cluster/types.js';
import { OFFSETS_TOPIC } from '../coordinator/group/offsets-topic.js';
import type { GroupCoordinator } from '../coordinator/group/index.js';
import type { TransactionCoordinator } from '../coordinator/txn/index.js';
import type { TxnClusterHooks } from '../coordinator/txn/coordinator.js';
import type { TxnMarkerChannel } from '../coordinator/txn/marker-channel.js';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/txn/transaction-log.js';
import { ErrorCode } from '../protocol/errors.js';
import type { PartitionLog } from '../storage/index.js';
import type { BrokerEndpoint } from './broker-state.js';
import type { BrokerSettings, ClusterSettings } from './settings.js';

/**
 * The listeners to bind in a cluster: the configured ones, plus the inter-broker listener on a free
 * port of the first listener's host when none is configured. Brokers authenticate to it with SASL
 * and the cluster's secret, so it must be a SASL listener.
 */
export function listenersWithInterBroker(settings: BrokerSettings, cluster: ClusterSettings): ListenerSpec[] {
  const name = cluster.interBrokerListener;
  const configured = settings.listeners.find((l) => l.name === name);
  if (configured) {
    if (configured.securityProtocol !== 'SASL_PLAINTEXT' && configured.securityProtocol !== 'SASL_SSL') {
      throw new ConfigError(
        `listeners: the inter-broker listener ${name} must be SASL_PLAINTEXT or SASL_SSL in listener.security.protocol.map (brokers authenticate to each other on it), not ${configured.securityProtocol}`,
      );
    }
    return settings.listeners;
  }
  const host = settings.listeners[0]?.host || '127.0.0.1';
  return [...settings.listeners, { name, securityProtocol: 'SASL_PLAINTEXT', host, port: 0 }];
}

/** The replica manager's timing and size settings, from the replica.* keys. */
export function replicationTuning(cs: ClusterSettings) {
  return {
    replicaLagTimeMaxMs: cs.replicaLagTimeMaxMs,
    replicaFetchWaitMaxMs: cs.replicaFetchWaitMaxMs,
    replicaFetchMaxBytes: cs.replicaFetchMaxBytes,
    replicaFetchBackoffMs: cs.replicaFetchBackoffMs,
    highWatermarkCheckpointIntervalMs: cs.replicaHighWatermarkCheckpointIntervalMs,
  };
}

/** What this broker registers under its lease: client endpoints, replication endpoint, rack. */
export function registrationFor(
  settings: BrokerSettings,
  cluster: ClusterSettings,
  endpoints: BrokerEndpoint[],
): BrokerRegistration {
  const replication = endpoints.find((e) => e.listener === cluster.interBrokerListener);
  if (!replication) throw new Error(`the inter-broker listener ${cluster.interBrokerListener} is not bound`);
  return {
    id: settings.nodeId,
    rack: cluster.rack,
    endpoints: endpoints
      .filter((e) => e.listener !== cluster.interBrokerListener)
      .map((e) => ({ listener: e.listener, host: e.host, port: e.port })),
    replicationEndpoint: { host: replication.host, port: replication.port },
    incarnation: randomUUID(),
    shuttingDown: false,
  };
}

/** How long the transaction coordinator's writes wait for the ISR (Kafka's request.timeout.ms). */
const TXN_APPEND_TIMEOUT_MS = 30_000;

/**
 * A coordinator's wait for its append to an internal topic partition to reach the ISR: NONE, or
 * NOT_LEADER_OR_FOLLOWER when this broker does not lead it, or the replication error.
 */
export function coordinatorAppendAwaiter(
  replicas: () => ReplicaManager,
  timeoutMs: number,
): (topic: string, partition: number, offset: number) => Promise<number> {
  return async (topic, partition, offset) => {
    const p = replicas().get(topic, partition);
    if (!p) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    // min ISR 1: whether the write reached the ISR is the question, not the ISR's size
    const [code] = await awaitReplication(
      [{ partition: p, requiredOffset: offset, minInsyncReplicas: 1 }],
      timeoutMs,
    );
    return code!;
  };
}

/**
 * The transaction coordinator's view of the cluster: partition leaders from the metadata image,
 * this broker's replicas for leadership and high-watermark waits, and the marker channel.
 */
export function txnClusterHooks(
  nodeId: number,
  cluster: ClusterMetadataClient,
  replicas: () => ReplicaManager,
  channel: TxnMarkerChannel,
): TxnClusterHooks {
  return {
    nodeId,
    leaderOf: (topic, partition) => cluster.image().partitions.get(topic)?.[partition]?.leader,
    leads: (topic, partition) => replicas().get(topic, partition)?.isLeader === true,
    awaitReplicated: coordinatorAppendAwaiter(replicas, TXN_APPEND_TIMEOUT_MS),
    sendMarkers: (brokerId, markers) => channel.send(brokerId, markers),
  };
}

/**
 * The coordinators follow leadership: the group coordinator serves the groups of the
 * __consumer_offsets partitions this broker leads, the transaction coordinator the transactional
 * ids of the __transaction_state partitions it leads, and idempotent producer state of a partition
 * that this broker starts leading is rebuilt from the replicated log (what it knew as an earlier
 * leader is stale: batches arrived by replication since). As a follower it applies what replication
 * appends to a producer state it has loaded (consumers may read read_committed there, KIP-392) and
 * drops it on truncation.
 */
export function coordinatorLeadership(
  groups: GroupCoordinator,
  txn: TransactionCoordinator,
  logOf: (topic: string, partition: number) => PartitionLog | undefined,
): LeadershipListener {
  return {
    onBecomeLeader(topic, partition) {
      const log = logOf(topic, partition);
      if (log) txn.producerStates.forget(log);
      if (topic === OFFSETS_TOPIC) groups.onBecomeLeader(partition);
      else if (topic === TRANSACTION_STATE_TOPIC) txn.onBecomeLeader(partition);
    },
    onResign(topic, partition) {
      const log = logOf(topic, partition);
      if (log) txn.producerStates.forget(log);
      if (topic === OFFSETS_TOPIC) groups.onResign(partition);
      else if (topic === TRANSACTION_STATE_TOPIC) txn.onResign(partition);
    },
    // a follower keeps the producer state of its log current: consumers may read here (KIP-392)
    onFollowerAppend(log, records) {
      txn.producerStates.onReplicatedAppend(log, records);
    },
    onFollowerTruncate(log) {
      txn.producerStates.forget(log);
    },
  };
}

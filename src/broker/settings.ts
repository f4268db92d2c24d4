// The typed settings the broker runs with, read once from the resolved configuration.

import type { ConfigSource, ResolvedConfig } from '../config/load.js';
import { RACK_AWARE_SELECTOR, type ConfigValue } from '../config/schema.js';
import { parseListeners, parseProtocolMap, type ListenerSpec } from '../config/listeners.js';
import { securitySettingsFromConfig, type SecuritySettings } from '../security/settings.js';
import type { CleanerConfig, LogConfig } from '../storage/index.js';
import { groupCoordinatorConfig, type GroupCoordinatorConfig } from '../coordinator/group/config.js';
import { txnConfig, type TxnConfig } from '../coordinator/txn/config.js';

export interface BrokerSettings {
  nodeId: number;
  clusterId: string;
  listeners: ListenerSpec[];
  /** Empty when not configured: advertise the bound listeners. */
  advertisedListeners: ListenerSpec[];
  dataDir: string;
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopics: boolean;
  socketRequestMaxBytes: number;
  messageMaxBytes: number;
  fetchMaxBytes: number;
  log: LogConfig;
  retentionCheckIntervalMs: number;
  /** log.cleaner.*: the background compaction of topics with cleanup.policy=compact. */
  cleaner: CleanerConfig;
  deleteTopicEnable: boolean;
  /** Every configuration key with its value and where it came from (DescribeConfigs, dynamic defaults). */
  staticConfig: readonly { name: string; value: ConfigValue; source: ConfigSource }[];
  /** Consumer groups and committed offsets (group.*, offsets.*, offset.metadata.max.bytes). */
  groups: GroupCoordinatorConfig;
  /** Producer ids, idempotence and transactions (transaction.*, transactional.id.*, producer.id.*). */
  txn: TxnConfig;
  /** TLS, SASL and authorization (ssl.*, sasl.*, authorizer.class.name, super.users, ...). */
  security: SecuritySettings;
  /** Multi-broker mode; null for a single broker with a local metadata file. */
  cluster: ClusterSettings | null;
}

export interface ClusterSettings {
  /** etcd endpoints as host:port. */
  etcdEndpoints: string[];
  rack: string | null;
  /** replica.selector.class is the rack-aware one: consumers with a rack are sent to a replica there. */
  rackAwareReadReplicas: boolean;
  /** Name of the listener brokers replicate over (SASL with the cluster's inter-broker secret). */
  interBrokerListener: string;
  sessionTimeoutMs: number;
  replicaLagTimeMaxMs: number;
  replicaFetchWaitMaxMs: number;
  replicaFetchMaxBytes: number;
  replicaFetchBackoffMs: number;
  /** replica.high.watermark.checkpoint.interval.ms: how often replication-offset-checkpoint is written. */
  replicaHighWatermarkCheckpointIntervalMs: number;
  uncleanLeaderElection: boolean;
  controlledShutdown: boolean;
  controlledShutdownTimeoutMs: number;
}

/** `cluster.metadata` (etcd://h:p,h:p) and the replication keys; null in single-node mode. */
function clusterSettingsFromConfig(config: ResolvedConfig): ClusterSettings | null {
  const url = config.get<string>('cluster.metadata');
  if (url === '') return null;
  const rack = config.get<string>('broker.rack');
  return {
    etcdEndpoints: url
      .replace(/^etcd:\/\//, '')
      .replace(/\/$/, '')
      .split(','),
    rack: rack === '' ? null : rack,
    rackAwareReadReplicas: config.get<string>('replica.selector.class') === RACK_AWARE_SELECTOR,
    interBrokerListener: config.get<string>('inter.broker.listener.name').toUpperCase(),
    sessionTimeoutMs: config.get<number>('broker.session.timeout.ms'),
    replicaLagTimeMaxMs: config.get<number>('replica.lag.time.max.ms'),
    replicaFetchWaitMaxMs: config.get<number>('replica.fetch.wait.max.ms'),
    replicaFetchMaxBytes: config.get<number>('replica.fetch.max.bytes'),
    replicaFetchBackoffMs: config.get<number>('replica.fetch.backoff.ms'),
    replicaHighWatermarkCheckpointIntervalMs: config.get<number>(
      'replica.high.watermark.checkpoint.interval.ms',
    ),
    uncleanLeaderElection: config.get<boolean>('unclean.leader.election.enable'),
    controlledShutdown: config.get<boolean>('controlled.shutdown.enable'),
    controlledShutdownTimeoutMs: config.get<number>('controlled.shutdown.timeout.ms'),
  };
}

export function settingsFromConfig(config: ResolvedConfig): BrokerSettings {
  const advertised = config.get<string>('advertised.listeners');
  const protocols = parseProtocolMap(config.get<string>('listener.security.protocol.map'));
  return {
    nodeId: config.get<number>('node.id'),
    clusterId: config.get<string>('cluster.id'),
    listeners: parseListeners(config.get<string>('listeners'), 'listeners', protocols),
    advertisedListeners: advertised ? parseListeners(advertised, 'advertised.listeners', protocols) : [],
    dataDir: config.get<string>('log.dirs').split(',')[0]!.trim(),
    numPartitions: config.get<number>('num.partitions'),
    defaultReplicationFactor: config.get<number>('default.replication.factor'),
    autoCreateTopics: config.get<boolean>('auto.create.topics.enable'),
    socketRequestMaxBytes: config.get<number>('socket.request.max.bytes'),
    messageMaxBytes: config.get<number>('message.max.bytes'),
    fetchMaxBytes: config.get<number>('fetch.max.bytes'),
    log: {
      segmentBytes: config.get<number>('log.segment.bytes'),
      segmentMs: config.get<number>('log.roll.ms'),
      segmentIndexBytes: config.get<number>('log.index.size.max.bytes'),
      indexIntervalBytes: config.get<number>('log.index.interval.bytes'),
      flushIntervalMessages: config.get<number>('log.flush.interval.messages'),
      flushIntervalMs: config.get<number>('log.flush.interval.ms'),
      retentionMs: config.get<number>('log.retention.ms'),
      retentionBytes: config.get<number>('log.retention.bytes'),
      compact: config
        .get<string>('log.cleanup.policy')
        .split(',')
        .some((p) => p.trim() === 'compact'),
      deleteRetentionMs: config.get<number>('log.cleaner.delete.retention.ms'),
      minCompactionLagMs: config.get<number>('log.cleaner.min.compaction.lag.ms'),
      maxCompactionLagMs: config.get<number>('log.cleaner.max.compaction.lag.ms'),
      minCleanableDirtyRatio: config.get<number>('log.cleaner.min.cleanable.ratio'),
    },
    retentionCheckIntervalMs: config.get<number>('log.retention.check.interval.ms'),
    cleaner: {
      enable: config.get<boolean>('log.cleaner.enable'),
      backoffMs: config.get<number>('log.cleaner.backoff.ms'),
      dedupeBufferSize: config.get<number>('log.cleaner.dedupe.buffer.size'),
      ioBufferSize: config.get<number>('log.cleaner.io.buffer.size'),
      producerIdExpirationMs: config.get<number>('producer.id.expiration.ms'),
    },
    deleteTopicEnable: config.get<boolean>('delete.topic.enable'),
    staticConfig: config.entries(),
    groups: groupCoordinatorConfig(config),
    txn: txnConfig(config),
    security: securitySettingsFromConfig(config),
    cluster: clusterSettingsFromConfig(config),
  };
}

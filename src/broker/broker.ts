// One broker process: opens the log (recovering it when the last stop was unclean), loads topic
// metadata, binds the listeners and serves requests until stop() is called.

import type { ResolvedConfig } from '../config/load.js';
import { MetadataStore } from '../cluster/metadata-store.js';
import { ReplicaManager } from '../cluster/replication/replica-manager.js';
import { EtcdMetadataClient } from '../cluster/etcd/etcd-metadata-client.js';
import type { ClusterMetadataClient } from '../cluster/types.js';
import {
  coordinatorAppendAwaiter,
  coordinatorLeadership,
  listenersWithInterBroker,
  registrationFor,
  replicationTuning,
  txnClusterHooks,
} from './cluster-mode.js';
import { handOverSingleBrokerState, seedClusterId } from './cluster-seed.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type {
  BrokerMetricsSource,
  ClusterMetricsSource,
  GroupMetricsSource,
  Readiness,
  ReadinessCheck,
} from '../observability/sources.js';
import { crc32cImplementation } from '../protocol/records/crc32c.js';
import { LogManager } from '../storage/index.js';
import { GroupCoordinator, OFFSETS_TOPIC } from '../coordinator/group/index.js';
import { TransactionCoordinator } from '../coordinator/txn/index.js';
import { TxnMarkerChannel } from '../coordinator/txn/marker-channel.js';
import { BrokerConfigs } from './broker-configs.js';
import type { BrokerEndpoint, BrokerState } from './broker-state.js';
import { Dispatcher } from './dispatcher.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { FetchPurgatory, partitionKey } from './purgatory.js';
import { BrokerServer } from './server.js';
import { settingsFromConfig, type BrokerSettings, type ClusterSettings } from './settings.js';
import { TopicManager } from './topics.js';
import { validateTopicConfigs } from './topic-config.js';
import { FLUXMQ_VERSION } from '../version.js';
import { SecurityManager } from '../security/manager.js';

export { FLUXMQ_VERSION };

/** Where the broker is in its life; /ready and /v1/status report it. */
export type BrokerPhase =
  'created' | 'loading logs' | 'binding' | 'running' | 'stopping' | 'stopped' | 'failed';

export class Broker {
  private server: BrokerServer | null = null;
  private state: BrokerState | null = null;
  private stopping: Promise<void> | null = null;
  private phase: BrokerPhase = 'created';
  private loadProgress = { loaded: 0, total: 0 };
  private startedAt = 0;
  private bound: BrokerEndpoint[] = [];
  private markerChannel: TxnMarkerChannel | null = null;

  constructor(
    readonly settings: BrokerSettings,
    private readonly logger: Logger,
    private readonly metrics?: BrokerMetrics,
  ) {}

  static fromConfig(config: ResolvedConfig, logger: Logger, metrics?: BrokerMetrics): Broker {
    return new Broker(settingsFromConfig(config), logger, metrics);
  }

  /** Endpoints clients should use (after start). */
  get endpoints(): BrokerEndpoint[] {
    return this.state?.endpoints ?? [];
  }

  get clusterId(): string {
    return this.state?.clusterId ?? '';
  }

  async start(): Promise<void> {
    const { settings, logger } = this;
    const started = Date.now();
    this.startedAt = started;
    // cluster mode: the cluster id and the topics come from etcd, so connect before the logs load
    const cluster = settings.cluster ? await this.connectToCluster(settings.cluster) : undefined;
    // a single broker's data directory seeding a new cluster hands over its topics, ACLs, users, configs
    if (cluster) await handOverSingleBrokerState(settings.dataDir, settings.nodeId, cluster, logger);
    this.phase = 'loading logs';
    // Yields between partitions: the HTTP listener keeps answering /health and /ready meanwhile.
    const logs = await LogManager.openAsync({
      observer: this.metrics?.storageObserver,
      onProgress: (loaded, total) => {
        this.loadProgress = { loaded, total };
      },
      dataDir: settings.dataDir,
      config: settings.log,
      logger,
      clusterId: cluster?.clusterId ?? (settings.clusterId || undefined),
      nodeId: settings.nodeId,
      retentionCheckIntervalMs: settings.retentionCheckIntervalMs,
      cleaner: settings.cleaner,
    });
    const metadata = MetadataStore.open(settings.dataDir);
    const configs = new BrokerConfigs(settings.nodeId, settings, metadata);
    // cluster mode: dynamic broker configs are the cluster's (the default is shared by all brokers)
    if (cluster) configs.useCluster(cluster);
    const topics = new TopicManager(
      metadata,
      logs,
      {
        numPartitions: settings.numPartitions,
        defaultReplicationFactor: settings.defaultReplicationFactor,
        autoCreate: settings.autoCreateTopics,
      },
      logger,
      configs,
    );
    if (cluster) topics.useCluster(cluster);
    else topics.openAll();
    // Coordinators append to their internal topics directly: the partition then wakes fetches (and,
    // in a cluster, followers) and the batches carry the partition's current leader epoch.
    const leaderEpoch = (topic: string, partition: number) =>
      state.replicas.get(topic, partition)?.leaderEpoch ?? state.leaderEpoch;
    const afterAppend = (topic: string, partition: number, bytes: number) => {
      const p = state.replicas.get(topic, partition);
      if (p) p.afterLeaderAppend(bytes);
      else state.purgatory.notify(partitionKey(topic, partition), bytes);
    };
    // Kafka's offsets.commit.timeout.ms: a group's write waits this long for the ISR
    const awaitCoordinatorAppend = coordinatorAppendAwaiter(
      () => state.replicas,
      settings.groups.offsetsCommitTimeoutMs,
    );
    const groups: GroupCoordinator = new GroupCoordinator({
      topics,
      config: settings.groups,
      logger,
      leaderEpoch: (partition) => leaderEpoch(OFFSETS_TOPIC, partition),
      onAppend: (partition, bytes) => afterAppend(OFFSETS_TOPIC, partition, bytes),
      // cluster mode: a commit is answered once the ISR has it (Kafka's offsets.commit.required.acks=-1)
      awaitReplicated: cluster
        ? (partition, offset) => awaitCoordinatorAppend(OFFSETS_TOPIC, partition, offset)
        : undefined,
      // TxnOffsetCommit writes through the partition's producer state, as a produced batch would
      txn: {
        isFenced: (log, producerId, epoch): boolean => {
          const known = txn.producerStates.forLog(log).producers.get(producerId);
          return known !== undefined && epoch < known.epoch;
        },
        onAppend: (log, producerId, producerEpoch, first, last) =>
          txn.producerStates.forLog(log).onAppend(
            {
              producerId,
              producerEpoch,
              baseSequence: -1,
              lastOffsetDelta: last - first,
              isTransactional: true,
            },
            first,
            last,
            Date.now(),
          ),
      },
    });
    const markerChannel = cluster ? new TxnMarkerChannel({ nodeId: settings.nodeId, cluster }) : null;
    this.markerChannel = markerChannel;
    const txn: TransactionCoordinator = new TransactionCoordinator({
      dataDir: settings.dataDir,
      topics,
      groups,
      config: settings.txn,
      logger,
      leaderEpoch,
      onAppend: afterAppend,
      // each node id its own range, single broker or not, so a single broker's ids never collide
      // with those of the cluster it may seed
      producerIdSpace: settings.nodeId,
      cluster:
        cluster && markerChannel
          ? txnClusterHooks(settings.nodeId, cluster, () => state.replicas, markerChannel)
          : undefined,
    });
    const purgatory = new FetchPurgatory();
    const state: BrokerState = {
      nodeId: settings.nodeId,
      clusterId: logs.meta.clusterId,
      settings,
      logger,
      logs,
      topics,
      replicas: cluster
        ? new ReplicaManager({
            mode: 'cluster',
            nodeId: settings.nodeId,
            cluster,
            topics,
            logs,
            logger,
            purgatory,
            ...replicationTuning(settings.cluster!),
            leadership: [coordinatorLeadership(groups, txn, (t, p) => logs.getLog(t, p))],
          })
        : ReplicaManager.singleNode({ nodeId: settings.nodeId, topics, logs, logger, purgatory }),
      configs,
      purgatory,
      dispatcher: new Dispatcher(ALL_HANDLERS),
      groups,
      txn,
      endpoints: [],
      leaderEpoch: 0,
      metrics: this.metrics,
      // cluster mode: ACLs and SCRAM credentials are the cluster's, the same on every broker
      security: new SecurityManager(settings.security, settings.dataDir, logger, cluster),
      cluster,
    };
    this.state = state;
    if (cluster) {
      // in a cluster each broker serves the groups and transactional ids of the __consumer_offsets
      // and __transaction_state partitions it leads, loading each as it becomes leader
      groups.serveOnlyLedPartitions();
      txn.serveOnlyLedPartitions();
    } else {
      // groups load from __consumer_offsets while the listeners already serve
      // (COORDINATOR_LOAD_IN_PROGRESS); transactions after them, since completing a transaction
      // left in PrepareCommit commits its pending offsets in the groups
      void groups
        .startup()
        .then(() => txn.startup())
        .catch(() => {});
    }
    this.phase = 'binding';
    this.metrics?.attach(this.metricsSource(state));
    const server = new BrokerServer(state, logger);
    this.server = server;
    try {
      const listeners = settings.cluster
        ? listenersWithInterBroker(settings, settings.cluster)
        : settings.listeners;
      const bound = await server.listen(listeners);
      state.endpoints = advertisedEndpoints(settings, bound);
      this.bound = bound;
      if (cluster) {
        // register (the others can now replicate from us and clients find us), then follow the image
        state.security!.setInterBrokerSecret(cluster.interBrokerSecret());
        await cluster.start(registrationFor(settings, settings.cluster!, state.endpoints));
        // clients are told only about client listeners
        state.endpoints = state.endpoints.filter((e) => e.listener !== settings.cluster!.interBrokerListener);
        state.replicas.start();
      }
    } catch (err) {
      this.phase = 'failed';
      await server.close().catch(() => {});
      await state.replicas.close().catch(() => {});
      await cluster?.close().catch(() => {});
      logs.close();
      throw err;
    }
    this.phase = 'running';
    logger.info(
      {
        nodeId: state.nodeId,
        clusterId: state.clusterId,
        ...(cluster ? { mode: 'cluster', brokers: cluster.image().brokers.size } : {}),
        dataDir: settings.dataDir,
        topics: topics.all().length,
        recovered: !logs.hadCleanShutdown,
        crc32c: crc32cImplementation,
        startupMs: Date.now() - started,
      },
      `FluxMQ ${FLUXMQ_VERSION} started`,
    );
  }

  /** Cluster mode: connects to the metadata store (etcd) and reads the cluster id and topics. */
  private async connectToCluster(cs: ClusterSettings): Promise<ClusterMetadataClient> {
    const client = new EtcdMetadataClient({
      endpoints: cs.etcdEndpoints,
      clusterId: this.settings.clusterId || undefined,
      newClusterId: seedClusterId(this.settings.dataDir),
      brokerId: this.settings.nodeId,
      logger: this.logger,
      leaseTtlSeconds: Math.max(1, Math.ceil(cs.sessionTimeoutMs / 1000)),
      uncleanLeaderElection: cs.uncleanLeaderElection,
      validateConfigs: validateTopicConfigs,
    });
    try {
      await client.connect();
    } catch (err) {
      await client.close().catch(() => {});
      throw new Error(
        `cannot reach the cluster metadata store at etcd://${cs.etcdEndpoints.join(',')}: ${(err as Error).message}`,
      );
    }
    return client;
  }

  /** Re-reads the TLS key, certificates and CAs (SIGHUP); new connections use them. */
  reloadCertificates(): void {
    this.server?.reloadTls();
  }

  /** Stops accepting, finishes in-flight requests, flushes the log and writes checkpoints. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const state = this.state;
    if (!state) return;
    this.phase = 'stopping';
    this.logger.info('shutting down');
    const cluster = state.cluster;
    const clusterSettings = this.settings.cluster;
    if (cluster && clusterSettings?.controlledShutdown) {
      // Kafka's controlled shutdown: leaderships move to other in-sync replicas while this broker
      // still serves, so clients see only retriable NOT_LEADER_OR_FOLLOWER answers
      const t0 = Date.now();
      try {
        await cluster.controlledShutdown(clusterSettings.controlledShutdownTimeoutMs);
        this.logger.info({ ms: Date.now() - t0 }, 'controlled shutdown: leaderships moved');
      } catch (err) {
        this.logger.warn({ err }, 'controlled shutdown did not complete; leaving anyway');
      }
    }
    state.purgatory.completeAll();
    state.groups.shutdown();
    state.txn.shutdown();
    this.markerChannel?.close();
    await this.server?.close();
    await state.replicas.close();
    await cluster?.close().catch((err: unknown) => this.logger.warn({ err }, 'leaving the cluster failed'));
    state.logs.close();
    this.phase = 'stopped';
    this.logger.info('shutdown complete');
  }

  /** GET /ready: listeners bound, logs loaded (recovered), the group coordinator loaded when there is one. */
  readiness(): Readiness {
    const phase = this.phase;
    const stopping = phase === 'stopping' || phase === 'stopped';
    const checks: Record<string, ReadinessCheck> = {};
    const { loaded, total } = this.loadProgress;
    checks.logs =
      this.state !== null
        ? { ok: true, detail: `${countOf(this.state.logs.logs())} partition logs loaded` }
        : {
            ok: false,
            detail: phase === 'loading logs' ? `loading: ${loaded} of ${total} partition directories` : phase,
          };
    checks.listeners =
      phase === 'running'
        ? {
            ok: true,
            detail: this.bound.map((b) => `${b.listener} ${b.host || '0.0.0.0'}:${b.port}`).join(', '),
          }
        : { ok: false, detail: stopping ? 'shutting down' : phase === 'failed' ? 'failed' : 'not bound yet' };
    const groups = this.state ? groupSource(this.state) : undefined;
    if (groups) {
      const ok = typeof groups.loaded === 'function' ? groups.loaded() : true;
      checks.groupCoordinator = { ok, detail: ok ? 'loaded' : 'loading group state' };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  /** GET /v1/status. */
  status(): object {
    const state = this.state;
    const logs = state ? [...state.logs.logs()] : [];
    const groups = state ? groupSource(state) : undefined;
    return {
      brokerId: this.settings.nodeId,
      clusterId: state?.clusterId ?? null,
      version: FLUXMQ_VERSION,
      state: this.phase,
      uptimeSeconds: this.startedAt > 0 ? Math.round((Date.now() - this.startedAt) / 1000) : 0,
      startedAt: this.startedAt > 0 ? new Date(this.startedAt).toISOString() : null,
      dataDir: this.settings.dataDir,
      listeners: this.bound.map((b) => ({ name: b.listener, host: b.host || '0.0.0.0', port: b.port })),
      advertisedListeners: this.endpoints.map((e) => ({ name: e.listener, host: e.host, port: e.port })),
      topics: state ? state.topics.all().length : 0,
      partitions: logs.length,
      offlinePartitions: logs.filter((l) => l.isOffline).length,
      connections: this.server?.connectionCount ?? 0,
      ...(groups ? { groups: safeCount(() => groups.groups().length) } : {}),
      ...(state?.cluster
        ? {
            cluster: {
              controllerId: state.cluster.image().controllerId,
              liveBrokers: [...state.cluster.image().brokers.keys()],
              leaderPartitions: state.replicas.leaderCount,
              underReplicatedPartitions: state.replicas.underReplicatedCount,
            },
          }
        : {}),
      ...(this.phase === 'loading logs' ? { loading: this.loadProgress } : {}),
    };
  }

  private metricsSource(state: BrokerState): BrokerMetricsSource {
    return {
      nodeId: state.nodeId,
      clusterId: state.clusterId,
      version: FLUXMQ_VERSION,
      partitions: () => state.logs.logs(),
      topicNames: () => state.topics.all().map((t) => t.name),
      hasTopic: (name) => state.topics.get(name) !== undefined,
      fetchPurgatorySize: () => state.purgatory.size,
      groups: () => groupSource(state),
      ready: () => this.readiness().ready,
      cluster: () => (state.cluster ? clusterMetrics(state, state.cluster) : undefined),
    };
  }
}

/** The group coordinator, when one is on the state (`groups`) and has the metrics interface. */
function groupSource(state: BrokerState): GroupMetricsSource | undefined {
  const groups = (state as { groups?: unknown }).groups as Partial<GroupMetricsSource> | undefined;
  return groups && typeof groups.groups === 'function' && typeof groups.lag === 'function'
    ? (groups as GroupMetricsSource)
    : undefined;
}

/** Replication and controller figures for /metrics (cluster mode). */
function clusterMetrics(state: BrokerState, cluster: ClusterMetadataClient): ClusterMetricsSource {
  const { replicas } = state;
  return {
    leaderCount: () => replicas.leaderCount,
    underReplicatedPartitions: () => replicas.underReplicatedCount,
    offlinePartitions: () => {
      let n = 0;
      for (const states of cluster.image().partitions.values()) for (const p of states) if (p.leader < 0) n++;
      return n;
    },
    isrShrinks: () => replicas.isrShrinks,
    isrExpands: () => replicas.isrExpands,
    maxReplicaLag: () => replicas.maxFollowerLag(),
    isController: () => cluster.isController(),
    liveBrokers: () => cluster.image().brokers.size,
  };
}

function countOf(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

function safeCount(count: () => number): number | null {
  try {
    return count();
  } catch {
    return null;
  }
}

function advertisedEndpoints(settings: BrokerSettings, bound: BrokerEndpoint[]): BrokerEndpoint[] {
  if (settings.advertisedListeners.length > 0) {
    return settings.advertisedListeners.map((a) => {
      const b = bound.find((x) => x.listener === a.name);
      return { listener: a.name, host: a.host || '127.0.0.1', port: a.port || b?.port || 0 };
    });
  }
  return bound.map((b) => ({
    listener: b.listener,
    host: b.host === '' || b.host === '0.0.0.0' || b.host === '::' ? '127.0.0.1' : b.host,
    port: b.port,
  }));
}

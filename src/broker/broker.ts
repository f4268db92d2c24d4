// One broker process: opens the log (recovering it when the last stop was unclean), loads topic
// metadata, binds the listeners and serves requests until stop() is called.

import type { ResolvedConfig } from '../config/load.js';
import { MetadataStore } from '../cluster/metadata-store.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type {
  BrokerMetricsSource,
  GroupMetricsSource,
  Readiness,
  ReadinessCheck,
} from '../observability/sources.js';
import { crc32cImplementation } from '../protocol/records/crc32c.js';
import { LogManager } from '../storage/index.js';
import { GroupCoordinator, OFFSETS_TOPIC } from '../coordinator/group/index.js';
import { TransactionCoordinator } from '../coordinator/txn/index.js';
import { BrokerConfigs } from './broker-configs.js';
import type { BrokerEndpoint, BrokerState } from './broker-state.js';
import { Dispatcher } from './dispatcher.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { FetchPurgatory, partitionKey } from './purgatory.js';
import { BrokerServer } from './server.js';
import { settingsFromConfig, type BrokerSettings } from './settings.js';
import { TopicManager } from './topics.js';
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
      clusterId: settings.clusterId || undefined,
      nodeId: settings.nodeId,
      retentionCheckIntervalMs: settings.retentionCheckIntervalMs,
      cleaner: settings.cleaner,
    });
    const metadata = MetadataStore.open(settings.dataDir);
    const configs = new BrokerConfigs(settings.nodeId, settings, metadata);
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
    topics.openAll();
    const groups = new GroupCoordinator({
      topics,
      config: settings.groups,
      logger,
      leaderEpoch: () => state.leaderEpoch,
      onAppend: (partition, bytes) => state.purgatory.notify(partitionKey(OFFSETS_TOPIC, partition), bytes),
    });
    const txn = new TransactionCoordinator({
      dataDir: settings.dataDir,
      topics,
      groups,
      config: settings.txn,
      logger,
      leaderEpoch: () => state.leaderEpoch,
      onAppend: (topic, partition, bytes) => state.purgatory.notify(partitionKey(topic, partition), bytes),
    });
    const state: BrokerState = {
      nodeId: settings.nodeId,
      clusterId: logs.meta.clusterId,
      settings,
      logger,
      logs,
      topics,
      configs,
      purgatory: new FetchPurgatory(),
      dispatcher: new Dispatcher(ALL_HANDLERS),
      groups,
      txn,
      endpoints: [],
      leaderEpoch: 0,
      metrics: this.metrics,
      security: new SecurityManager(settings.security, settings.dataDir, logger),
    };
    this.state = state;
    // groups load from __consumer_offsets while the listeners already serve (COORDINATOR_LOAD_IN_PROGRESS)
    groups.startup().catch(() => {});
    // transactions load after the groups (committing a transaction may commit group offsets)
    void groups
      .startup()
      .then(() => txn.startup())
      .catch(() => {});
    this.phase = 'binding';
    this.metrics?.attach(this.metricsSource(state));
    const server = new BrokerServer(state, logger);
    this.server = server;
    try {
      const bound = await server.listen(settings.listeners);
      state.endpoints = advertisedEndpoints(settings, bound);
      this.bound = bound;
    } catch (err) {
      this.phase = 'failed';
      logs.close();
      throw err;
    }
    this.phase = 'running';
    logger.info(
      {
        nodeId: state.nodeId,
        clusterId: state.clusterId,
        dataDir: settings.dataDir,
        topics: topics.all().length,
        recovered: !logs.hadCleanShutdown,
        crc32c: crc32cImplementation,
        startupMs: Date.now() - started,
      },
      `FluxMQ ${FLUXMQ_VERSION} started`,
    );
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
    state.purgatory.completeAll();
    state.groups.shutdown();
    state.txn.shutdown();
    await this.server?.close();
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

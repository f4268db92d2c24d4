// One broker process: opens the log (recovering it when the last stop was unclean), loads topic
// metadata, binds the listeners and serves requests until stop() is called.

import type { ResolvedConfig } from '../config/load.js';
import { MetadataStore } from '../cluster/metadata-store.js';
import type { Logger } from '../observability/logger.js';
import { crc32cImplementation } from '../protocol/records/crc32c.js';
import { LogManager } from '../storage/index.js';
import type { BrokerEndpoint, BrokerState } from './broker-state.js';
import { Dispatcher } from './dispatcher.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { FetchPurgatory } from './purgatory.js';
import { BrokerServer } from './server.js';
import { settingsFromConfig, type BrokerSettings } from './settings.js';
import { TopicManager } from './topics.js';

export const FLUXMQ_VERSION = '0.1.0';

export class Broker {
  private server: BrokerServer | null = null;
  private state: BrokerState | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    readonly settings: BrokerSettings,
    private readonly logger: Logger,
  ) {}

  static fromConfig(config: ResolvedConfig, logger: Logger): Broker {
    return new Broker(settingsFromConfig(config), logger);
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
    const logs = LogManager.open({
      dataDir: settings.dataDir,
      config: settings.log,
      logger,
      clusterId: settings.clusterId || undefined,
      nodeId: settings.nodeId,
    });
    const metadata = MetadataStore.open(settings.dataDir);
    const topics = new TopicManager(
      metadata,
      logs,
      {
        numPartitions: settings.numPartitions,
        defaultReplicationFactor: settings.defaultReplicationFactor,
        autoCreate: settings.autoCreateTopics,
      },
      logger,
    );
    topics.openAll();
    const state: BrokerState = {
      nodeId: settings.nodeId,
      clusterId: logs.meta.clusterId,
      settings,
      logger,
      logs,
      topics,
      purgatory: new FetchPurgatory(),
      dispatcher: new Dispatcher(ALL_HANDLERS),
      endpoints: [],
      leaderEpoch: 0,
    };
    this.state = state;
    const server = new BrokerServer(state, logger);
    this.server = server;
    try {
      const bound = await server.listen(settings.listeners);
      state.endpoints = advertisedEndpoints(settings, bound);
    } catch (err) {
      logs.close();
      throw err;
    }
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

  /** Stops accepting, finishes in-flight requests, flushes the log and writes checkpoints. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const state = this.state;
    if (!state) return;
    this.logger.info('shutting down');
    state.purgatory.completeAll();
    await this.server?.close();
    state.logs.close();
    this.logger.info('shutdown complete');
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

import { Command, Flags } from '@oclif/core';
import { ConfigError, loadConfig, type ResolvedConfig } from '../src/config/load.js';
import { formatListener, parseListeners } from '../src/config/listeners.js';
import { Broker } from '../src/broker/broker.js';
import { startManagementHttp, type ManagementHttpServer } from '../src/http/server.js';
import { createLogger, type LogFormat } from '../src/observability/logger.js';
import { BrokerMetrics } from '../src/observability/metrics.js';

export default class Serve extends Command {
  static override summary = 'Start a FluxMQ broker.';
  static override description = `Starts a durable single broker that Kafka clients can produce to and consume from.
Configuration comes from flags, then FLUXMQ_* environment variables (FLUXMQ_NUM_PARTITIONS for num.partitions),
then the --config file (TOML, YAML or .properties, with Kafka's key names), then defaults.`;

  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 19092 --data-dir ./data',
    '<%= config.bin %> serve --config broker.toml --override num.partitions=6',
  ];

  static override flags = {
    host: Flags.string({
      description: 'Interface to listen on (sets the PLAINTEXT listener host).',
      env: 'FLUXMQ_HOST',
    }),
    port: Flags.integer({
      description: 'Port to listen on (sets the PLAINTEXT listener port).',
      env: 'FLUXMQ_PORT',
      min: 0,
      max: 65535,
    }),
    'data-dir': Flags.string({
      description: 'Data directory (log.dirs). Default: ~/.fluxmq/data',
      env: 'FLUXMQ_DATA_DIR',
    }),
    config: Flags.string({
      char: 'c',
      description: 'Config file: .toml, .yaml/.yml or .properties',
      env: 'FLUXMQ_CONFIG',
    }),
    'http-port': Flags.integer({
      description:
        'Port of the HTTP listener serving /metrics, /health, /ready and /v1/status (http.port, default 9644); 0 turns it off.',
      min: 0,
      max: 65535,
    }),
    'log-level': Flags.string({
      description: 'Log level.',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    }),
    'log-format': Flags.string({
      description: 'Log format (auto: pretty on a TTY, JSON otherwise).',
      options: ['auto', 'json', 'pretty'],
    }),
    'broker-id': Flags.integer({
      description: "This broker's id in a cluster (node.id / broker.id).",
      min: 0,
    }),
    'cluster-metadata': Flags.string({
      description:
        'Join a multi-broker cluster whose metadata lives in etcd: etcd://HOST:PORT[,HOST:PORT] (cluster.metadata).',
      env: 'FLUXMQ_CLUSTER_METADATA',
    }),
    'cluster-id': Flags.string({
      description: 'Cluster id (cluster.id); in a cluster, the first broker creates one when absent.',
    }),
    rack: Flags.string({ description: 'Rack of this broker (broker.rack).' }),
    override: Flags.string({
      char: 'o',
      description: 'Set any config key, Kafka style: --override num.partitions=3 (repeatable).',
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    let config: ResolvedConfig;
    try {
      config = resolve(flags);
    } catch (err) {
      if (err instanceof ConfigError) this.error(err.message, { exit: 2 });
      throw err;
    }
    const logger = createLogger({
      level: config.get<string>('log.level'),
      format: config.get<string>('log.format') as LogFormat,
    });
    for (const w of config.warnings) logger.warn(w);

    // With HTTP off nothing can read the metrics, so nothing is counted.
    const httpPort = config.get<number>('http.port');
    const metrics =
      httpPort === 0
        ? undefined
        : new BrokerMetrics({ partitionLevel: config.get<boolean>('metrics.partition.level') });
    const broker = Broker.fromConfig(config, logger, metrics);
    let http: ManagementHttpServer | null = null;
    try {
      // Before the logs load, so /health and /ready answer during a long recovery.
      http = await startManagementHttp({
        host: config.get<string>('http.host'),
        port: httpPort,
        required: config.source('http.port') !== 'default',
        logger,
        broker,
        metrics,
      });
      await broker.start();
    } catch (err) {
      logger.fatal({ err }, 'broker failed to start');
      logger.flush();
      this.error((err as Error).message, { exit: 1 });
    }

    // Keep run() pending until a signal asks us to stop; oclif exits once run() resolves.
    await new Promise<void>((done) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'signal received');
        broker
          .stop()
          .then(async () => {
            await http?.close();
            metrics?.close();
          })
          .then(
            () => {
              logger.flush();
              done();
            },
            (err: unknown) => {
              logger.error({ err }, 'shutdown failed');
              logger.flush();
              process.exitCode = 1;
              done();
            },
          );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      process.on('SIGHUP', () => {
        logger.info({ signal: 'SIGHUP' }, 'signal received: reloading TLS certificates');
        broker.reloadCertificates();
      });
    });
  }
}

interface ServeFlags {
  host?: string;
  port?: number;
  'data-dir'?: string;
  'http-port'?: number;
  'broker-id'?: number;
  'cluster-metadata'?: string;
  'cluster-id'?: string;
  rack?: string;
  config?: string;
  'log-level'?: string;
  'log-format'?: string;
  override?: string[];
}

function resolve(flags: ServeFlags): ResolvedConfig {
  const byName: Record<string, string | number | undefined> = {
    'log.dirs': flags['data-dir'],
    'http.port': flags['http-port'],
    'log.level': flags['log-level'],
    'log.format': flags['log-format'],
    'node.id': flags['broker-id'],
    'cluster.metadata': flags['cluster-metadata'],
    'cluster.id': flags['cluster-id'],
    'broker.rack': flags.rack,
  };
  for (const o of flags.override ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--override ${o}: expected key=value`);
    byName[o.slice(0, eq).trim()] = o.slice(eq + 1);
  }
  let config = loadConfig({ file: flags.config, flags: byName });
  if (flags.host !== undefined || flags.port !== undefined) {
    const listeners = parseListeners(config.get<string>('listeners'));
    const first = listeners[0]!;
    listeners[0] = { ...first, host: flags.host ?? first.host, port: flags.port ?? first.port };
    config = loadConfig({
      file: flags.config,
      flags: { ...byName, listeners: listeners.map(formatListener).join(',') },
    });
  }
  return config;
}

import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { table } from '../../src/cli/table.js';
import { DevCluster, DevClusterError } from '../../src/dev/cluster.js';

export default class DevClusterCommand extends Command {
  static override summary = 'Run a local multi-broker cluster (etcd plus N brokers) until Ctrl-C.';
  static override description = `Starts etcd from PATH (Debian/Ubuntu package: etcd-server) with its data in
DATA_DIR/etcd, then N brokers (fluxmq serve) with ids 1..N on ports BASE_PORT..BASE_PORT+N-1 and data in
DATA_DIR/broker-<id>, all sharing the cluster metadata in that etcd. Each child's output is prefixed with
its name. Ctrl-C (or SIGTERM) stops the brokers (a controlled shutdown each), then etcd; a second Ctrl-C
kills them at once. Data stays in DATA_DIR, so the next run starts the same cluster again (--clean: a
new one).`;
  static override examples = [
    '<%= config.bin %> dev cluster',
    '<%= config.bin %> dev cluster --brokers 5 --base-port 19092 --data-dir /tmp/fluxmq-dev',
    '<%= config.bin %> dev cluster --clean --http-base-port 9644',
  ];

  static override flags = {
    brokers: Flags.integer({ char: 'n', summary: 'Number of brokers.', default: 3, min: 1, max: 32 }),
    'base-port': Flags.integer({
      summary: 'Client port of broker 1; broker N listens on base-port + N - 1.',
      default: 9092,
      min: 1,
      max: 65535,
    }),
    'data-dir': Flags.string({
      char: 'd',
      summary: 'Directory for the etcd and broker data. Default: ~/.fluxmq/dev-cluster',
    }),
    'etcd-port': Flags.integer({ summary: 'Client port of etcd.', default: 2379, min: 1, max: 65535 }),
    'etcd-peer-port': Flags.integer({
      summary: 'Peer port of etcd (default: etcd-port + 1).',
      min: 1,
      max: 65535,
    }),
    'http-base-port': Flags.integer({
      summary: 'HTTP port (/metrics, /health) of broker 1, then +1 per broker; 0 (default) turns HTTP off.',
      default: 0,
      min: 0,
      max: 65535,
    }),
    'cluster-id': Flags.string({
      summary: 'Cluster id to give the brokers (default: the first broker makes one).',
    }),
    clean: Flags.boolean({ summary: 'Delete the data directory first: start a new, empty cluster.' }),
    'log-level': Flags.string({
      summary: 'Log level of the brokers.',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
    }),
    'log-format': Flags.string({
      summary: 'Log format of the brokers.',
      options: ['json', 'pretty'],
      default: 'pretty',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DevClusterCommand);
    const n = flags.brokers;
    if (flags['base-port'] + n - 1 > 65535)
      this.error(`--base-port ${flags['base-port']} leaves no room for ${n} brokers`, { exit: 2 });
    const dataDir = resolve(flags['data-dir'] ?? join(homedir(), '.fluxmq', 'dev-cluster'));
    if (flags.clean) rmSync(dataDir, { recursive: true, force: true });
    const write = (text: string) => process.stdout.write(text);
    const cluster = new DevCluster({
      brokers: n,
      basePort: flags['base-port'],
      etcdPort: flags['etcd-port'],
      etcdPeerPort: flags['etcd-peer-port'] ?? flags['etcd-port'] + 1,
      httpBasePort: flags['http-base-port'],
      dataDir,
      bin: join(this.config.root, 'bin', 'run.js'),
      clusterId: flags['cluster-id'],
      logLevel: flags['log-level'],
      logFormat: flags['log-format'],
      write,
    });

    // Children run in their own process groups: never leave them behind.
    process.once('exit', () => cluster.killAll());
    let exitCode = 0;
    let signals = 0;
    const stopped = new Promise<void>((done) => {
      const shutdown = (signal: string) => {
        signals++;
        if (signals > 1) {
          write(`${signal} again: killing every process now\n`);
          void cluster.stop(true);
          return;
        }
        write(`${signal} received: stopping the brokers, then etcd\n`);
        void cluster.stop().then(done);
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      cluster.onUnexpectedExit((name, code, signal) => {
        write(`${name} exited unexpectedly (${signal ?? `code ${code}`})\n`);
        if (name === 'etcd') {
          write('the cluster cannot run without etcd: stopping the brokers\n');
          exitCode = 1;
          void cluster.stop().then(done);
        }
      });
    });

    write(`Starting etcd and ${n} broker(s); data in ${dataDir}\n`);
    try {
      await cluster.start();
    } catch (err) {
      if (signals > 0) {
        await stopped; // a Ctrl-C during the start: already stopping in order
        write('Stopped.\n');
        return;
      }
      await cluster.stop(true);
      if (err instanceof DevClusterError) this.error(err.message, { exit: 1 });
      throw err;
    }
    const together = await cluster.waitForMembership();
    const pids = new Map(cluster.pids().map((p) => [p.name, p.pid]));
    write(
      '\n' +
        table(
          ['BROKER ID', 'BOOTSTRAP', 'HTTP', 'DATA DIR', 'PID'],
          cluster.brokers.map((b) => [
            b.id,
            b.bootstrap,
            b.httpPort === null ? null : `http://${b.host}:${b.httpPort}`,
            b.dataDir,
            pids.get(b.name) ?? null,
          ]),
        ) +
        '\n' +
        `Cluster metadata: ${cluster.etcdEndpoint} (etcd pid ${pids.get('etcd') ?? '-'})\n` +
        (together
          ? ''
          : `Warning: the brokers do not all list each other yet (Metadata shows fewer than ${n}).\n`) +
        `Connect with: --bootstrap-server ${cluster.bootstrap}\n` +
        `  e.g. fluxmq cluster describe --bootstrap-server ${cluster.bootstrap}\n` +
        `  or:  export FLUXMQ_BOOTSTRAP_SERVER=${cluster.bootstrap}\n` +
        'Press Ctrl-C to stop.\n\n',
    );
    await stopped;
    write('Stopped.\n');
    process.exitCode = exitCode;
  }
}

// A local multi-broker cluster for development: one etcd (from PATH) with its own data directory,
// then N `fluxmq serve` processes joined to it, each on its own client port and data directory.
// Every child's output line is prefixed with its name. Children run in their own process groups, so
// a Ctrl-C in the terminal reaches only this process, which then stops the brokers first (SIGTERM:
// a controlled shutdown that needs etcd) and etcd last.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { ClusterClient } from '../client/cluster.js';
import { launcherNodeFlags } from './launcher-flags.js';

export interface DevClusterOptions {
  brokers: number;
  /** Broker i (1-based) listens for clients on basePort + i - 1. */
  basePort: number;
  etcdPort: number;
  etcdPeerPort: number;
  /** Broker i serves HTTP (/metrics, /health) on httpBasePort + i - 1; 0 turns HTTP off. */
  httpBasePort: number;
  dataDir: string;
  /** The `fluxmq` entry point the brokers run (bin/run.js). */
  bin: string;
  clusterId?: string;
  logLevel: string;
  logFormat: string;
  /** Where prefixed child output and progress go. */
  write(text: string): void;
  /** How long to wait for etcd and each broker to answer. */
  startTimeoutMs?: number;
  /** How long a broker may take to shut down after SIGTERM before it is killed. */
  stopTimeoutMs?: number;
}

export interface DevBroker {
  id: number;
  name: string;
  host: string;
  port: number;
  bootstrap: string;
  dataDir: string;
  httpPort: number | null;
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it wrote, for error messages. */
  tail: string[];
}

export class DevClusterError extends Error {
  override name = 'DevClusterError';
}

const HOST = '127.0.0.1';
const TAIL_LINES = 15;

/** The path of an executable found in PATH, or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Resolves when nothing listens on host:port, rejects with a clear error otherwise. */
function checkPortFree(port: number, what: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DevClusterError(
          `port ${port} (${what}) is not free on ${HOST}: ${err.code ?? err.message}. Stop what uses it, or choose other ports with ${flag}.`,
        ),
      ),
    );
    server.listen(port, HOST, () => server.close(() => resolve()));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits a stream into lines and writes each with a prefix. */
function pipeLines(
  stream: NodeJS.ReadableStream | null,
  prefix: string,
  child: Child,
  write: (t: string) => void,
) {
  if (!stream) return;
  let buffered = '';
  const emit = (line: string) => {
    child.tail.push(line);
    if (child.tail.length > TAIL_LINES) child.tail.shift();
    write(`${prefix}${line}\n`);
  };
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      emit(buffered.slice(0, nl).replace(/\r$/, ''));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffered !== '') emit(buffered);
    buffered = '';
  });
}

export class DevCluster {
  readonly brokers: DevBroker[];
  private etcd: Child | null = null;
  private readonly brokerChildren: Child[] = [];
  private stopping: Promise<void> | null = null;
  private readonly width: number;
  private unexpectedExit: ((name: string, code: number | null, signal: string | null) => void) | null = null;

  constructor(private readonly opts: DevClusterOptions) {
    if (opts.brokers < 1) throw new DevClusterError('a cluster needs at least 1 broker');
    this.brokers = Array.from({ length: opts.brokers }, (_, i) => {
      const id = i + 1;
      const port = opts.basePort + i;
      return {
        id,
        name: `broker-${id}`,
        host: HOST,
        port,
        bootstrap: `${HOST}:${port}`,
        dataDir: join(opts.dataDir, `broker-${id}`),
        httpPort: opts.httpBasePort === 0 ? null : opts.httpBasePort + i,
      };
    });
    this.width = Math.max('etcd'.length, ...this.brokers.map((b) => b.name.length));
  }

  get bootstrap(): string {
    return this.brokers.map((b) => b.bootstrap).join(',');
  }

  /** Process ids of the children started so far (etcd first). */
  pids(): { name: string; pid: number | null }[] {
    return [...(this.etcd ? [this.etcd] : []), ...this.brokerChildren].map((c) => ({
      name: c.name,
      pid: c.proc.pid ?? null,
    }));
  }

  get etcdEndpoint(): string {
    return `etcd://${HOST}:${this.opts.etcdPort}`;
  }

  /** Called when a child exits while the cluster is running (not while stopping). */
  onUnexpectedExit(listener: (name: string, code: number | null, signal: string | null) => void): void {
    this.unexpectedExit = listener;
  }

  /** Starts etcd, then the brokers; resolves once every broker answers Kafka requests. */
  async start(): Promise<void> {
    const etcdBin = findExecutable('etcd');
    if (!etcdBin) {
      throw new DevClusterError(
        'etcd was not found in PATH; `fluxmq dev cluster` runs the cluster metadata in a local etcd. ' +
          'Install it (Debian/Ubuntu: sudo apt-get install etcd-server) or put an etcd binary from ' +
          'https://github.com/etcd-io/etcd/releases on PATH.',
      );
    }
    const o = this.opts;
    if (o.etcdPort === o.etcdPeerPort)
      throw new DevClusterError('the etcd client and peer ports must differ (--etcd-port, --etcd-peer-port)');
    await checkPortFree(o.etcdPort, 'etcd clients', '--etcd-port');
    await checkPortFree(o.etcdPeerPort, 'etcd peers', '--etcd-peer-port');
    for (const b of this.brokers) {
      await checkPortFree(b.port, `${b.name} clients`, '--base-port');
      if (b.httpPort !== null) await checkPortFree(b.httpPort, `${b.name} HTTP`, '--http-base-port');
    }

    const etcdDir = join(o.dataDir, 'etcd');
    mkdirSync(etcdDir, { recursive: true, mode: 0o700 }); // etcd wants its data dir private
    const peer = `http://${HOST}:${o.etcdPeerPort}`;
    const client = `http://${HOST}:${o.etcdPort}`;
    this.etcd = this.spawnChild('etcd', etcdBin, [
      '--name',
      'fluxmq-dev',
      '--data-dir',
      etcdDir,
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `fluxmq-dev=${peer}`,
      '--logger',
      'zap',
      '--log-level',
      'warn',
    ]);
    await this.waitFor(this.etcd, () => this.etcdHealthy(client), `etcd to answer on ${client}`);

    for (const b of this.brokers) {
      mkdirSync(b.dataDir, { recursive: true });
      const args = [
        ...launcherNodeFlags(o.bin),
        o.bin,
        'serve',
        '--broker-id',
        String(b.id),
        '--cluster-metadata',
        this.etcdEndpoint,
        '--host',
        HOST,
        '--port',
        String(b.port),
        '--data-dir',
        b.dataDir,
        '--http-port',
        String(b.httpPort ?? 0),
        '--log-level',
        o.logLevel,
        '--log-format',
        o.logFormat,
        ...(o.clusterId ? ['--cluster-id', o.clusterId] : []),
      ];
      this.brokerChildren.push(this.spawnChild(b.name, process.execPath, args));
    }
    await Promise.all(
      this.brokers.map((b, i) =>
        this.waitFor(
          this.brokerChildren[i]!,
          () => this.answers(b.bootstrap),
          `${b.name} to answer on ${b.bootstrap}`,
        ),
      ),
    );
  }

  /** Waits until the brokers see each other (Metadata lists all of them); false on timeout. */
  async waitForMembership(timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.stopping) {
      if ((await this.visibleBrokers()) >= this.brokers.length) return true;
      await sleep(250);
    }
    return false;
  }

  /**
   * Stops the brokers (SIGTERM, then SIGKILL after stopTimeoutMs), then etcd. `force` kills
   * everything at once (a second Ctrl-C).
   */
  stop(force = false): Promise<void> {
    if (force) {
      for (const c of [...this.brokerChildren, ...(this.etcd ? [this.etcd] : [])]) this.signal(c, 'SIGKILL');
    }
    this.stopping ??= (async () => {
      const grace = this.opts.stopTimeoutMs ?? 45_000;
      await Promise.all(this.brokerChildren.map((c) => this.terminate(c, grace)));
      if (this.etcd) await this.terminate(this.etcd, 10_000);
    })();
    return this.stopping;
  }

  /** SIGKILLs every child still running (for process exit paths that cannot wait). */
  killAll(): void {
    for (const c of [...this.brokerChildren, ...(this.etcd ? [this.etcd] : [])]) this.signal(c, 'SIGKILL');
  }

  private spawnChild(name: string, command: string, args: string[]): Child {
    const proc = spawn(command, args, {
      // Own process group: a terminal's Ctrl-C reaches only the parent, which stops children in order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      proc.once('error', (err) => {
        this.opts.write(`${name} failed to start: ${err.message}\n`);
        resolve({ code: null, signal: null });
      });
      proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const child: Child = { name, proc, exited, tail: [] };
    const prefix = `${name.padEnd(this.width)} | `;
    pipeLines(proc.stdout, prefix, child, (t) => this.opts.write(t));
    pipeLines(proc.stderr, prefix, child, (t) => this.opts.write(t));
    void exited.then(({ code, signal }) => {
      if (!this.stopping) this.unexpectedExit?.(name, code, signal);
    });
    return child;
  }

  private signal(c: Child, signal: NodeJS.Signals): void {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null || c.proc.pid === undefined) return;
    try {
      c.proc.kill(signal);
    } catch {
      // already gone
    }
  }

  private async terminate(c: Child, graceMs: number): Promise<void> {
    this.signal(c, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      c.exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.opts.write(`${c.name} did not stop within ${graceMs} ms: killing it\n`);
      this.signal(c, 'SIGKILL');
      await c.exited;
    }
  }

  /** Polls `ready` until it is true; fails when the child exits first or time runs out. */
  private async waitFor(child: Child, ready: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    let exited = false;
    void child.exited.then(() => (exited = true));
    while (!exited) {
      if (this.stopping) throw new DevClusterError(`stopped while waiting for ${what}`);
      if (await ready()) return;
      if (Date.now() > deadline) {
        throw new DevClusterError(
          `timed out waiting for ${what}. Its last output:\n${child.tail.join('\n')}`,
        );
      }
      await sleep(200);
    }
    const { code, signal } = await child.exited;
    throw new DevClusterError(
      `${child.name} exited (${signal ?? `code ${code}`}) while waiting for ${what}. Its last output:\n${child.tail.join('\n')}`,
    );
  }

  private async etcdHealthy(url: string): Promise<boolean> {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      return body.health === 'true';
    } catch {
      return false;
    }
  }

  private async answers(bootstrap: string): Promise<boolean> {
    try {
      const c = await ClusterClient.connect({ bootstrap, requestTimeoutMs: 2000, connectTimeoutMs: 1000 });
      c.close();
      return true;
    } catch {
      return false;
    }
  }

  private async visibleBrokers(): Promise<number> {
    try {
      const c = await ClusterClient.connect({
        bootstrap: this.bootstrap,
        requestTimeoutMs: 2000,
        connectTimeoutMs: 1000,
      });
      const n = c.brokers.size;
      c.close();
      return n;
    } catch {
      return 0;
    }
  }
}
